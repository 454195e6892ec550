import ONNXGraph
import ShapeInference
import CostKernels

// Convolutions: Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv.
//
// MAC convention (all forms): one MAC per (output element, input channel of its group, kernel tap),
// i.e. `N·Cout·∏(out spatial)·(Cin/group)·∏kernel`, computed as `N·∏(Y spatial)·∏(W shape)` because
// `W` is `[Cout, Cin/group, k…]`. ConvTranspose swaps the roles: `N·Cin·∏(X spatial)·(Cout/group)·∏kernel`
// = `N·∏(X spatial)·∏(W shape)` with `W` = `[Cin, Cout/group, k…]`.

/// The geometry attributes every convolution shares (`group` plus the conv/pool attributes).
private struct ConvGeometry: Sendable {
    var attributes: ConvPool.Attributes
    var group: Int

    init(node: Node) throws(ShapeError) {
        attributes = try ConvPool.Attributes(node: node)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw .invalidAttribute(name: "group", reason: "must be ≥ 1, got \(group)") }
    }

    /// `[N, Cout, out spatial…]` for input `x` `[N, Cin, spatial…]` and weight `w` `[Cout, Cin/group, k…]`.
    func outputShape(x: [Dim], w: [Dim]) throws(ShapeError) -> [Dim] {
        guard x.count >= 2 else { throw .rankMismatch("input X must have rank ≥ 2, got \(x.count)") }
        guard w.count == x.count else {
            throw .rankMismatch("weight W has rank \(w.count), input X has rank \(x.count)")
        }
        let spatialRank = x.count - 2
        if let cin = x[1].intValue, let perGroup = w[1].intValue {
            let (channels, overflow) = perGroup.multipliedReportingOverflow(by: group)
            if overflow || cin != channels {
                throw .incompatibleDims("input channels \(cin) ≠ W.shape[1] \(perGroup) × group \(group)")
            }
        }
        if let cout = w[0].intValue, cout % group != 0 {
            throw .incompatibleDims("output channels \(cout) are not divisible by group \(group)")
        }
        let kernel: [Int?]
        if let declared = attributes.kernelShape {
            guard declared.count == spatialRank else {
                throw .invalidAttribute(name: "kernel_shape", reason: "expected \(spatialRank) values, got \(declared.count)")
            }
            kernel = declared
        } else {
            kernel = w.dropFirst(2).map(\.intValue)
        }
        let spatial = try ConvPool.outputSpatial(input: Array(x.dropFirst(2)), kernel: kernel, attributes: attributes)
        return [x[0], w[0]] + spatial
    }
}

/// `batch · ∏spatial · ∏(weight shape)`: the MAC count of every convolution form (see the file header).
private func convMACs(batch: Dim, spatial: ArraySlice<Dim>, weight: [Dim]) -> Dim {
    batch * Array(spatial).product * weight.product
}

/// The shared cost: `2·MACs + (bias ? output elements : 0)`.
private func convCost(_ ctx: CostContext, weightInput: Int, biasInput: Int?, extraFLOPs: Dim = 0,
                      computeType: DataType? = nil) throws(CostError) -> OpCost {
    let y = try ctx.outputShape(0)
    let w = try ctx.inputShape(weightInput)
    guard !y.isEmpty else { throw .unknownShape("output 0") }
    let macs = convMACs(batch: y[0], spatial: y.dropFirst(2), weight: w)
    let bias: Dim = biasInput.map { ctx.hasInput($0) } == true ? y.product * .value(Conventions.arithmetic) : 0
    return .macs(macs, extraFLOPs: bias + extraFLOPs, computeType: computeType)
}

// MARK: - Conv

/// N-D convolution (1-D, 2-D, 3-D…), grouped and depthwise, with dilations; `kernel_shape` defaults
/// to W's spatial dims. Spec: https://onnx.ai/onnx/operators/onnx__Conv.html · opsets 1, 11, 22.
struct ConvOp: Operator {
    static let schema = OpSchema(type: "Conv", since: 1, inputs: 2...3, outputs: 1...1)

    private let geometry: ConvGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvGeometry(node: node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let xs = x.shape, let ws = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: try geometry.outputShape(x: xs, w: ws)))]
    }

    static let formula = "MACs = `N·Cout·∏(out spatial)·(Cin/group)·∏kernel`; FLOPs = 2·MACs + (bias B present ? `N·Cout·∏out` bias adds : 0)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try convCost(ctx, weightInput: 1, biasInput: 2)
    }
}

// MARK: - ConvTranspose

/// Transposed (fractionally strided) convolution. Output channels = `W.shape[1]·group`; spatial size
/// `s·(in−1) + output_padding + (k−1)·d + 1 − pads`, or `output_shape` when given, or `in·s` (+
/// output_padding) with SAME auto_pad. Spec: https://onnx.ai/onnx/operators/onnx__ConvTranspose.html
/// · opsets 1, 11, 22.
struct ConvTransposeOp: Operator {
    static let schema = OpSchema(type: "ConvTranspose", since: 1, inputs: 2...3, outputs: 1...1)

    private let geometry: ConvGeometry
    private let outputPadding: [Int]?
    private let outputShape: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvGeometry(node: node)
        outputPadding = try node.ints("output_padding")
        outputShape = try node.ints("output_shape")
        if let outputPadding, outputPadding.contains(where: { $0 < 0 }) {
            throw .invalidAttribute(name: "output_padding", reason: "must be non-negative, got \(outputPadding)")
        }
        if let outputShape, outputShape.contains(where: { $0 <= 0 }) {
            throw .invalidAttribute(name: "output_shape", reason: "must be positive, got \(outputShape)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let xs = x.shape, let w = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        guard xs.count >= 2 else { throw .rankMismatch("input X must have rank ≥ 2, got \(xs.count)") }
        guard w.count == xs.count else { throw .rankMismatch("weight W has rank \(w.count), input X has rank \(xs.count)") }
        let group = geometry.group
        if let cin = xs[1].intValue, let wc = w[0].intValue, cin != wc {
            throw .incompatibleDims("input channels \(cin) ≠ W.shape[0] \(wc)")
        }
        let rank = xs.count - 2
        let attributes = geometry.attributes
        let channels = w[1] * .value(group)
        if let outputShape {
            // Spatial sizes only; some exporters write the full [N, C, spatial…] shape.
            guard outputShape.count == rank || outputShape.count == rank + 2 else {
                throw .invalidAttribute(name: "output_shape", reason: "expected \(rank) spatial sizes, got \(outputShape.count)")
            }
            let spatial = outputShape.suffix(rank).map(Dim.value)
            return [.tensor(TensorType(dtype: x.dtype, shape: [xs[0], channels] + spatial))]
        }
        let strides = try attributes.strides(rank: rank)
        let dilations = try attributes.dilations(rank: rank)
        let padding = try ConvPool.Attributes.sized(outputPadding, name: "output_padding", rank: rank, default: 0)
        let kernel: [Dim]
        if let declared = attributes.kernelShape {
            guard declared.count == rank else {
                throw .invalidAttribute(name: "kernel_shape", reason: "expected \(rank) values, got \(declared.count)")
            }
            kernel = declared.map(Dim.value)
        } else {
            kernel = Array(w.dropFirst(2))
        }
        var pads = try attributes.pads(rank: rank)
        var spatial: [Dim] = []
        for axis in 0..<rank {
            let effectiveKernel = (kernel[axis] - 1) * .value(dilations[axis]) + 1
            if attributes.pads == nil, attributes.autoPad == .sameUpper || attributes.autoPad == .sameLower {
                // ONNX: total padding = max(ek − s, 0), split as in convolution.
                guard let ek = effectiveKernel.intValue else { spatial.append(.unknown); continue }
                let total = max(ek - strides[axis], 0)
                let small = total / 2, big = total - small
                (pads[axis], pads[axis + rank]) = attributes.autoPad == .sameUpper ? (small, big) : (big, small)
            }
            let size = Dim.value(strides[axis]) * (xs[axis + 2] - 1) + .value(padding[axis]) + effectiveKernel
                - .value(pads[axis]) - .value(pads[axis + rank])
            if let known = size.intValue, known <= 0 {
                throw .incompatibleDims("spatial axis \(axis): output size \(known) is not positive")
            }
            spatial.append(size)
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: [xs[0], channels] + spatial))]
    }

    static let formula = "MACs = `N·Cin·∏(in spatial)·(Cout/group)·∏kernel` (every input element scatters into a kernel window); FLOPs = 2·MACs + (bias present ? output elements : 0)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        let w = try ctx.inputShape(1)
        guard !x.isEmpty else { throw .unknownShape("input 0") }
        let macs = convMACs(batch: x[0], spatial: x.dropFirst(2), weight: w)
        let bias: Dim = ctx.hasInput(2) ? try ctx.outputElements() * .value(Conventions.arithmetic) : 0
        return .macs(macs, extraFLOPs: bias)
    }
}

// MARK: - ConvInteger

/// Integer convolution of (u)int8 inputs with optional zero points, int32 output.
/// Spec: https://onnx.ai/onnx/operators/onnx__ConvInteger.html · opset 10.
struct ConvIntegerOp: Operator {
    static let schema = OpSchema(type: "ConvInteger", since: 10, inputs: 2...4, outputs: 1...1, traits: .quantizedInputs)

    private let geometry: ConvGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvGeometry(node: node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard let xs = try ctx.tensor(0).shape, let ws = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: .int32, shape: nil))]
        }
        return [.tensor(TensorType(dtype: .int32, shape: try geometry.outputShape(x: xs, w: ws)))]
    }

    static let formula = "MACs as Conv, FLOPs = 2·MACs, `computeType` = X's type (int8/uint8)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try convCost(ctx, weightInput: 1, biasInput: nil, computeType: ctx.inputType(0))
    }
}

// MARK: - QLinearConv

/// Quantized convolution: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
/// y_zero_point, optional int32 bias B; the output type is y_zero_point's.
/// Spec: https://onnx.ai/onnx/operators/onnx__QLinearConv.html · opset 10.
struct QLinearConvOp: Operator {
    static let schema = OpSchema(type: "QLinearConv", since: 10, inputs: 8...9, outputs: 1...1, traits: .quantizedInputs)

    private let geometry: ConvGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvGeometry(node: node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        let dtype = ctx.hasInput(7) ? try ctx.dtype(7) : x.dtype
        guard let xs = x.shape, let ws = try ctx.tensor(3).shape else {
            return [.tensor(TensorType(dtype: dtype, shape: nil))]
        }
        return [.tensor(TensorType(dtype: dtype, shape: try geometry.outputShape(x: xs, w: ws)))]
    }

    static let formula = "MACs as Conv, FLOPs = 2·MACs + (B present ? output elements : 0), `computeType` = x's type."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try convCost(ctx, weightInput: 3, biasInput: 8, computeType: ctx.inputType(0))
    }
}

// MARK: - DeformConv

/// Deformable convolution: X, W, offset, optional B, optional mask; output as Conv.
/// Spec: https://onnx.ai/onnx/operators/onnx__DeformConv.html · opsets 19, 22.
struct DeformConvOp: Operator {
    static let schema = OpSchema(type: "DeformConv", since: 19, inputs: 3...5, outputs: 1...1)

    private let geometry: ConvGeometry
    private let offsetGroup: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvGeometry(node: node)
        offsetGroup = try node.int("offset_group", default: 1)
        guard offsetGroup >= 1 else {
            throw .invalidAttribute(name: "offset_group", reason: "must be ≥ 1, got \(offsetGroup)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let xs = x.shape, let ws = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: try geometry.outputShape(x: xs, w: ws)))]
    }

    static let formula = "MACs as Conv; FLOPs = 2·MACs + bias adds + sampling: each of the `N·Cin·∏(out spatial)·∏kernel` sampled inputs is an n-linear interpolation of `(2^n − 1)·Conventions.lerp` FLOPs for n spatial axes, plus one multiply when `mask` is given."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0), y = try ctx.outputShape(0), w = try ctx.inputShape(1)
        guard x.count >= 2, y.count == x.count, w.count == x.count else { throw .unknownShape("input 0") }
        let spatialRank = x.count - 2
        let samples = x[0] * x[1] * Array(y.dropFirst(2)).product * Array(w.dropFirst(2)).product
        let interpolations = (1 << min(spatialRank, 30)) - 1
        var perSample = interpolations * Conventions.lerp
        if ctx.hasInput(4) { perSample += Conventions.arithmetic }
        return try convCost(ctx, weightInput: 1, biasInput: 3, extraFLOPs: samples * .value(perSample))
    }
}

// MARK: - CausalConvWithState

/// Stateful causal depthwise 1-D convolution: input `[B, C, L]`, weight `[C, 1, k]`; output = input's
/// shape, present_state `[B, C, k−1]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__CausalConvWithState.html · opset 27.
struct CausalConvWithStateOp: Operator {
    static let schema = OpSchema(type: "CausalConvWithState", since: 27, inputs: 2...4, outputs: 1...2)

    let activated: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let activation = try node.string("activation", default: "none")
        guard ["none", "silu", "swish"].contains(activation) else {
            throw .invalidAttribute(name: "activation", reason: "unknown activation '\(activation)'")
        }
        activated = activation != "none"
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0), weight = try ctx.tensor(1)
        if let r = input.rank, r != 3 { throw .rankMismatch("input must be [batch, channels, length], got rank \(r)") }
        if let r = weight.rank, r != 3 { throw .rankMismatch("weight must be [channels, 1, k], got rank \(r)") }
        let shape = input.shape
        let k = weight.shape?[2] ?? .unknown
        let state: [Dim] = [shape?[0] ?? .unknown, shape?[1] ?? .unknown, k - 1]
        return Array([.tensor(input), ValueKit.tensor(input.dtype, state)].prefix(ctx.node.outputs.count))
    }

    static let formula = "MACs = B·C·L·k (one tap per kernel element per output); + B·C·L bias adds with a bias; + `Conventions.silu` = \(Conventions.silu) FLOPs and 1 transcendental per output element with `silu`/`swish`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let outputs = try ctx.outputElements()
        let k = try ctx.inputShape(1).last ?? .unknown
        var extra: Dim = 0
        if ctx.hasInput(2) { extra = extra + outputs * .value(Conventions.arithmetic) }
        if activated { extra = extra + outputs * .value(Conventions.silu) }
        var cost = OpCost.macs(outputs * k, extraFLOPs: extra)
        if activated { cost.transcendentals = outputs }
        return cost
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ConvolutionFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        ConvOp.self, ConvTransposeOp.self, ConvIntegerOp.self, QLinearConvOp.self, DeformConvOp.self, CausalConvWithStateOp.self,
    ])
}
