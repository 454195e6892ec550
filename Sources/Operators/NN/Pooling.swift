import ONNXGraph
import ShapeInference
import CostKernels

// Pooling: MaxPool, AveragePool, LpPool, GlobalMaxPool, GlobalAveragePool, GlobalLpPool, MaxRoiPool, RoiAlign, MaxUnpool.

/// Windowed pooling geometry: `kernel_shape` is required; output `[N, C, out spatial…]` per
/// `ConvPool.outputSpatial`.
private struct PoolGeometry: Sendable {
    var attributes: ConvPool.Attributes
    var kernel: [Int]

    init(node: Node, useDilations: Bool) throws(ShapeError) {
        attributes = try ConvPool.Attributes(node: node, useDilations: useDilations)
        guard let kernel = attributes.kernelShape else { throw .missingAttribute("kernel_shape") }
        self.kernel = kernel
    }

    func outputShape(_ x: [Dim]) throws(ShapeError) -> [Dim] {
        guard x.count >= 2 else { throw .rankMismatch("input X must have rank ≥ 2, got \(x.count)") }
        guard kernel.count == x.count - 2 else {
            throw .invalidAttribute(name: "kernel_shape", reason: "expected \(x.count - 2) values for input rank \(x.count), got \(kernel.count)")
        }
        let spatial = try ConvPool.outputSpatial(input: Array(x.dropFirst(2)), kernel: kernel, attributes: attributes)
        return [x[0], x[1]] + spatial
    }

    /// Taps per output element: `∏kernel_shape` (a known constant).
    var taps: Dim { kernel.map(Dim.value).product }
}

/// Output types for an N-output pool: the pooled shape for every output, output 1 (Indices) int64.
private func poolOutputs(_ ctx: ShapeContext, geometry: PoolGeometry) throws(ShapeError) -> [ValueType] {
    let x = try ctx.tensor(0)
    var shape: [Dim]?
    if let xs = x.shape { shape = try geometry.outputShape(xs) }
    return ctx.node.outputs.indices.map { index in
        .tensor(TensorType(dtype: index == 0 ? x.dtype : .int64, shape: shape))
    }
}

/// FLOPs of one `|x|^p` tap and of the final `^(1/p)` root for Lp pooling: p = 1 and 2 need no
/// transcendental per tap (abs or square); any other p is a `pow`.
private func lpCosts(p: Int) -> (tapFLOPs: Int, tapTranscendentals: Int, rootFLOPs: Int, rootTranscendentals: Int) {
    let tap = p == 1 || p == 2 ? (Conventions.arithmetic, 0) : (Conventions.transcendental, 1)
    let root = p == 1 ? (0, 0) : (Conventions.transcendental, 1)
    return (tap.0 + Conventions.reduceStep, tap.1, root.0, root.1)
}

// MARK: - MaxPool

/// Max pooling with optional int64 `Indices` output (opset 8+), `ceil_mode` and `dilations` (10+),
/// `storage_order` (affects only index values). Spec: https://onnx.ai/onnx/operators/onnx__MaxPool.html
/// · opsets 1, 8, 10, 11, 12, 22.
struct MaxPoolOp: Operator {
    static let schema = OpSchema(type: "MaxPool", since: 1, inputs: 1...1, outputs: 1...2)

    private let geometry: PoolGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try PoolGeometry(node: node, useDilations: opset >= 10)
        let storageOrder = try node.int("storage_order", default: 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw .invalidAttribute(name: "storage_order", reason: "must be 0 or 1, got \(storageOrder)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try poolOutputs(ctx, geometry: geometry)
    }

    static let formula = "`∏kernel_shape` comparisons (`Conventions.reduceStep` = \(Conventions.reduceStep)) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        OpCost(flops: try ctx.outputElements() * geometry.taps * .value(Conventions.reduceStep))
    }
}

// MARK: - AveragePool

/// Average pooling; `count_include_pad` (7+) changes only the divisor, `ceil_mode` (10+),
/// `dilations` (19+). Spec: https://onnx.ai/onnx/operators/onnx__AveragePool.html
/// · opsets 1, 7, 10, 11, 19, 22.
struct AveragePoolOp: Operator {
    static let schema = OpSchema(type: "AveragePool", since: 1, inputs: 1...1, outputs: 1...1)

    private let geometry: PoolGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try PoolGeometry(node: node, useDilations: opset >= 19)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try poolOutputs(ctx, geometry: geometry)
    }

    static let formula = "per output element `∏kernel_shape` adds (`Conventions.reduceStep` = \(Conventions.reduceStep)) + 1 divide (`Conventions.arithmetic` = \(Conventions.arithmetic))."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let perOutput = geometry.taps * .value(Conventions.reduceStep) + .value(Conventions.arithmetic)
        return OpCost(flops: try ctx.outputElements() * perOutput)
    }
}

// MARK: - LpPool

/// Lp pooling `(Σ|x|^p)^(1/p)` over windows; `p` is a FLOAT in opset 1, an INT from opset 2;
/// `ceil_mode` and `dilations` from 18. Spec: https://onnx.ai/onnx/operators/onnx__LpPool.html
/// · opsets 1, 2, 11, 18, 22.
struct LpPoolOp: Operator {
    static let schema = OpSchema(type: "LpPool", since: 1, inputs: 1...1, outputs: 1...1)

    private let geometry: PoolGeometry
    private let p: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try PoolGeometry(node: node, useDilations: opset >= 18)
        let value = try node.float("p", default: 2)
        guard value.isFinite, value >= 1, value < 1_000_000 else {
            throw .invalidAttribute(name: "p", reason: "must be ≥ 1, got \(value)")
        }
        p = try SizeCheck.int(Double(value), rounding: .toNearestOrAwayFromZero, "p")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try poolOutputs(ctx, geometry: geometry)
    }

    static let formula = "per output element `∏kernel` taps of (|x|^p + add) — p = 1/2 use abs/square, other p a `pow` (1 transcendental) — plus one p-th root (1 transcendental, none for p = 1)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let outputs = try ctx.outputElements()
        let c = lpCosts(p: p)
        return OpCost(
            flops: outputs * (geometry.taps * .value(c.tapFLOPs) + .value(c.rootFLOPs)),
            transcendentals: outputs * (geometry.taps * .value(c.tapTranscendentals) + .value(c.rootTranscendentals)))
    }
}

// MARK: - GlobalAveragePool, GlobalMaxPool, GlobalLpPool

/// `[N, C, d…]` → `[N, C, 1, …, 1]`.
private func globalPoolOutput(_ ctx: ShapeContext) throws(ShapeError) -> [ValueType] {
    let x = try ctx.tensor(0)
    guard let shape = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
    guard shape.count >= 2 else { throw .rankMismatch("input X must have rank ≥ 2, got \(shape.count)") }
    let output = [shape[0], shape[1]] + Array(repeating: Dim.value(1), count: shape.count - 2)
    return [.tensor(TensorType(dtype: x.dtype, shape: output))]
}

/// One global pool of the table: mean (GlobalAveragePool) or max (GlobalMaxPool) over all spatial
/// positions. Spec: https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html (and GlobalMaxPool)
/// · opsets 1, 22.
struct GlobalPoolRow: OperatorRow {
    var type: String
    /// What each input element costs (`Conventions.reduceStep`: an add or a comparison).
    var step: String
    /// FLOPs per output element after the reduction (the average's divide).
    var flopsPerOutput: Int

    var schema: OpSchema { OpSchema(type: type, since: 1, inputs: 1...1, outputs: 1...1) }
    var formula: String {
        "1 \(step) (`Conventions.reduceStep` = \(Conventions.reduceStep)) per input element"
            + (flopsPerOutput > 0 ? " + \(flopsPerOutput) divide per output element." : ".")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { GlobalPoolOp(row: self) }

    static let table: [GlobalPoolRow] = [
        GlobalPoolRow(type: "GlobalAveragePool", step: "add", flopsPerOutput: Conventions.arithmetic),
        GlobalPoolRow(type: "GlobalMaxPool", step: "comparison", flopsPerOutput: 0),
    ]
}

/// A global pool: `[N, C, 1, …]`, one reduce step per input element.
struct GlobalPoolOp: OperatorRule {
    let row: GlobalPoolRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try globalPoolOutput(ctx) }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        var flops = try ctx.inputElements(0) * .value(Conventions.reduceStep)
        if row.flopsPerOutput > 0 { flops += try ctx.outputElements() * .value(row.flopsPerOutput) }
        return OpCost(flops: flops)
    }
}

/// Lp norm over all spatial positions (`p` FLOAT in opset 1, INT from 2, default 2).
/// Spec: https://onnx.ai/onnx/operators/onnx__GlobalLpPool.html · opsets 1, 2, 22.
struct GlobalLpPoolOp: Operator {
    static let schema = OpSchema(type: "GlobalLpPool", since: 1, inputs: 1...1, outputs: 1...1)

    private let p: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        let value = try node.float("p", default: 2)
        guard value.isFinite, value >= 1, value < 1_000_000 else {
            throw .invalidAttribute(name: "p", reason: "must be ≥ 1, got \(value)")
        }
        p = try SizeCheck.int(Double(value), rounding: .toNearestOrAwayFromZero, "p")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try globalPoolOutput(ctx) }

    static let formula = "per input element one |x|^p tap + add (as LpPool), per output element one p-th root."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let inputs = try ctx.inputElements(0), outputs = try ctx.outputElements()
        let c = lpCosts(p: p)
        return OpCost(flops: inputs * .value(c.tapFLOPs) + outputs * .value(c.rootFLOPs),
                      transcendentals: inputs * .value(c.tapTranscendentals) + outputs * .value(c.rootTranscendentals))
    }
}

// MARK: - MaxRoiPool

/// The output of a region pool (MaxRoiPool, RoiAlign): X `[N, C, H, W]` and rois `[num_rois, …]` give
/// `[num_rois, C] + pooled`.
func regionPoolShape(_ ctx: inout ShapeContext, pooled: [Int]) throws(ShapeError) -> [ValueType] {
    let x = try ctx.tensor(0)
    guard let xs = x.shape, let rois = try ctx.tensor(1).shape else {
        return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
    }
    guard xs.count == 4 else { throw .rankMismatch("input X must have rank 4, got \(xs.count)") }
    guard rois.count == 2 else { throw .rankMismatch("rois must have rank 2, got \(rois.count)") }
    return [.tensor(TensorType(dtype: x.dtype, shape: [rois[0], xs[1]] + pooled.map(Dim.value)))]
}

/// Max pooling over regions of interest: X `[N, C, H, W]`, rois `[num_rois, 5]` →
/// `[num_rois, C, pooled_h, pooled_w]`. Spec: https://onnx.ai/onnx/operators/onnx__MaxRoiPool.html
/// · opsets 1, 22.
struct MaxRoiPoolOp: Operator {
    static let schema = OpSchema(type: "MaxRoiPool", since: 1, inputs: 2...2, outputs: 1...1)

    private let pooledShape: [Int]

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let pooled = try node.ints("pooled_shape") else { throw .missingAttribute("pooled_shape") }
        guard pooled.count == 2, pooled.allSatisfy({ $0 > 0 }) else {
            throw .invalidAttribute(name: "pooled_shape", reason: "expected 2 positive sizes, got \(pooled)")
        }
        pooledShape = pooled
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try regionPoolShape(&ctx, pooled: pooledShape)
    }

    static let formula = "a bin's size depends on the ROI values, so each output element counts one comparison (`Conventions.reduceStep` = \(Conventions.reduceStep)): a lower bound."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        OpCost(flops: try ctx.outputElements() * .value(Conventions.reduceStep))
    }
}

// MARK: - RoiAlign

/// ROI Align: X `[N, C, H, W]`, rois `[num_rois, 4]`, batch_indices `[num_rois]` →
/// `[num_rois, C, output_height, output_width]`. Spec: https://onnx.ai/onnx/operators/onnx__RoiAlign.html
/// · opsets 10, 16 (coordinate_transformation_mode), 22.
struct RoiAlignOp: Operator {
    static let schema = OpSchema(type: "RoiAlign", since: 10, inputs: 3...3, outputs: 1...1)

    private let outputHeight: Int
    private let outputWidth: Int
    private let samplingRatio: Int
    private let isAverage: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        outputHeight = try node.int("output_height", default: 1)
        outputWidth = try node.int("output_width", default: 1)
        samplingRatio = try node.int("sampling_ratio", default: 0)
        let mode = try node.string("mode", default: "avg")
        guard mode == "avg" || mode == "max" else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
        isAverage = mode == "avg"
        guard outputHeight > 0, outputWidth > 0 else {
            throw .invalidAttribute(name: "output_height", reason: "output sizes must be positive, got \(outputHeight)×\(outputWidth)")
        }
        guard samplingRatio >= 0, samplingRatio < 1 << 20 else {
            throw .invalidAttribute(name: "sampling_ratio", reason: "must be ≥ 0, got \(samplingRatio)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try regionPoolShape(&ctx, pooled: [outputHeight, outputWidth])
    }

    static let formula = "per output element `S = sampling_ratio²` bilinear samples of `3·Conventions.lerp` FLOPs and one reduce step each, + 1 divide for `avg` mode. With `sampling_ratio = 0` the sample count is adaptive (data-dependent) and counted as 1 (a lower bound)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let samples = max(samplingRatio, 1) * max(samplingRatio, 1)
        let perSample = 3 * Conventions.lerp + Conventions.reduceStep
        let perOutput = samples * perSample + (isAverage ? Conventions.arithmetic : 0)
        return OpCost(flops: try ctx.outputElements() * .value(perOutput))
    }
}

// MARK: - MaxUnpool

/// Inverse of MaxPool: scatters X into zeros at the Indices positions. Output spatial size
/// `s·(in−1) + k − pads`, or the `output_shape` input's values when given.
/// Spec: https://onnx.ai/onnx/operators/onnx__MaxUnpool.html · opsets 9, 11, 22.
struct MaxUnpoolOp: DataMovementOperator {
    static let schema = OpSchema(type: "MaxUnpool", since: 9, inputs: 2...3, outputs: 1...1, metadataInputs: [2])

    private let attributes: ConvPool.Attributes
    private let kernel: [Int]

    init(node: Node, opset: Int) throws(ShapeError) {
        attributes = try ConvPool.Attributes(node: node, useDilations: false)
        guard let kernel = attributes.kernelShape else { throw .missingAttribute("kernel_shape") }
        self.kernel = kernel
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if ctx.hasInput(2) {
            if let values = ctx.intValues(2) {
                return [.tensor(TensorType(dtype: x.dtype, shape: values))]
            }
            guard let rank = try ctx.tensor(2).shape?.first?.intValue ?? x.rank else {
                return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
            }
            // The declared length of `output_shape` is the output rank: a size from the file, checked
            // before anything is allocated from it (a length of 2^40 once asked for 17.6 TB).
            let checked = try SizeCheck.rank(rank, input: 2)
            if let xRank = x.rank, checked != xRank {
                throw .invalidInput(index: 2, reason: "output_shape has \(checked) values for an input of rank \(xRank)")
            }
            return [.tensor(TensorType(dtype: x.dtype, shape: Array(repeating: Dim.unknown, count: checked)))]
        }
        guard let xs = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        let rank = xs.count - 2
        guard rank >= 0, kernel.count == rank else {
            throw .invalidAttribute(name: "kernel_shape", reason: "expected \(max(rank, 0)) values for input rank \(xs.count), got \(kernel.count)")
        }
        let strides = try attributes.strides(rank: rank)
        let pads = try attributes.pads(rank: rank)
        var shape = [xs[0], xs[1]]
        for axis in 0..<rank {
            shape.append(Dim.value(strides[axis]) * (xs[axis + 2] - 1) + .value(kernel[axis])
                - .value(pads[axis]) - .value(pads[axis + rank]))
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: shape))]
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum PoolingFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        MaxPoolOp.self, AveragePoolOp.self, LpPoolOp.self,
        GlobalLpPoolOp.self,
        MaxRoiPoolOp.self, RoiAlignOp.self, MaxUnpoolOp.self,
    ]) + GlobalPoolRow.table.entries
}
