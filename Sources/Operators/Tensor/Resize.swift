import ONNXGraph
import ShapeInference
import CostKernels

// Resampling: Resize, Upsample, GridSample, AffineGrid, Col2Im, DepthToSpace, SpaceToDepth.

/// Interpolation kinds, as far as cost is concerned.
private enum Interpolation: Sendable {
    case nearest, linear, cubic

    /// Parses Resize/Upsample/GridSample mode names of every opset (`bilinear` and `bicubic` are
    /// Upsample-1 and GridSample-16 spellings).
    init(mode: String) throws(ShapeError) {
        switch mode {
        case "nearest": self = .nearest
        case "linear", "bilinear": self = .linear
        case "cubic", "bicubic": self = .cubic
        default: throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'")
        }
    }

    /// FLOPs per output element for `k` interpolated axes: separable interpolation does `2^k − 1`
    /// 1-D linear interpolations (`Conventions.lerp` each), or `(4^k − 1)/3` 1-D cubic ones
    /// (`cubicTaps` taps of `cubicTapFLOPs` each).
    func flopsPerOutput(axes k: Int) -> Int {
        let axes = min(max(k, 0), 15)
        switch self {
        case .nearest: return 0
        case .linear: return ((1 << axes) - 1) * Conventions.lerp
        case .cubic: return ((1 << (2 * axes)) - 1) / 3 * Conventions.cubicTaps * Conventions.cubicTapFLOPs
        }
    }
}

/// `floor(in · scale)`, the output size of a scaled axis (ONNX computes it in float32, as here).
/// Symbolic sizes stay exact for integer scales and integer reciprocals; other symbolic cases get an
/// opaque symbol naming the expression.
private func scaledDim(_ input: Dim, scale: Double) throws(ShapeError) -> Dim {
    guard scale.isFinite, scale > 0 else {
        throw .invalidInput(index: 0, reason: "scale \(scale) must be a positive number")
    }
    if scale == 1 { return input }
    if let known = input.intValue {
        let product = Double(Float(known) * Float(scale))
        return .value(try SizeCheck.int(product, rounding: .down, "\(known) × \(scale)"))
    }
    if input.isUnknown { return .unknown }
    if scale == scale.rounded() {
        let factor = try SizeCheck.int(scale, "\(input) × \(scale)")
        let product = input * .value(factor)
        guard !product.isUnknown else { throw .overflow("\(input) × \(scale)") }
        return product
    }
    let reciprocal = 1 / scale
    if reciprocal == reciprocal.rounded(), reciprocal < 1e9, let divisor = Checked.int(reciprocal) {
        return input.floorDivided(by: .value(divisor))
    }
    return .opaque("floor((\(input))*\(scale))")
}

/// Cost of resampling from `input` to `output` shapes: FLOPs per output element from the number of
/// axes whose size changes (an axis counts when the sizes are not provably equal).
private func resampleCost(_ ctx: CostContext, interpolation: Interpolation) throws(CostError) -> OpCost {
    guard interpolation != .nearest else { return .zero }
    let input = try ctx.inputShape(0), output = try ctx.outputShape(0)
    guard input.count == output.count else { throw .unknownShape("output 0") }
    let changed = zip(input, output).filter { $0 != $1 }.count
    return .elementwise(output.product, flopsPerElement: interpolation.flopsPerOutput(axes: changed))
}

// MARK: - Resize

/// Resizes by `scales` (output = floor(input·scale)) or to `sizes`. Opset 10: inputs X, scales;
/// 11: X, roi, scales, sizes (one of scales/sizes); 13: roi and scales optional; 18: `axes`,
/// `keep_aspect_ratio_policy` (not_larger/not_smaller: one scale min/max(sizes/in), output
/// round(scale·in)), `antialias`; 19: `half_pixel_symmetric`.
/// Spec: https://onnx.ai/onnx/operators/onnx__Resize.html · opsets 10, 11, 13, 18, 19.
struct ResizeOp: Operator {
    static let schema = OpSchema(type: "Resize", since: 10, inputs: 1...4, outputs: 1...1, metadataInputs: [1, 2, 3])

    private enum AspectPolicy: String { case stretch, notLarger = "not_larger", notSmaller = "not_smaller" }

    private let interpolation: Interpolation
    private let axes: [Int]?
    private let policy: AspectPolicy
    private let scalesInput: Int
    private let sizesInput: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        interpolation = try Interpolation(mode: node.string("mode", default: "nearest"))
        if opset >= 18 {
            axes = try node.ints("axes")
            let text = try node.string("keep_aspect_ratio_policy", default: "stretch")
            guard let policy = AspectPolicy(rawValue: text) else {
                throw .invalidAttribute(name: "keep_aspect_ratio_policy", reason: "unknown value '\(text)'")
            }
            self.policy = policy
        } else {
            axes = nil
            policy = .stretch
        }
        (scalesInput, sizesInput) = opset >= 11 ? (2, 3) : (1, nil)
    }

    /// Whether input `index` is given and not an empty placeholder tensor.
    private func provided(_ ctx: ShapeContext, _ index: Int) throws(ShapeError) -> Bool {
        guard ctx.hasInput(index) else { return false }
        if index < ctx.inputValues.count, let values = ctx.inputValues[index] { return values.count > 0 }
        if let shape = try ctx.tensor(index).shape, shape.product == 0 { return false }
        return true
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let input = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        let rank = input.count
        var resized = Array(0..<rank)
        if let axes { resized = try Axes.normalize(axes, rank: rank) }
        var output = input
        if let sizesInput, try provided(ctx, sizesInput) {
            guard let sizes = ctx.intValues(sizesInput) else {
                for axis in resized { output[axis] = .unknown }
                return [.tensor(TensorType(dtype: x.dtype, shape: output))]
            }
            guard sizes.count == resized.count else {
                throw .invalidInput(index: sizesInput, reason: "sizes has \(sizes.count) values for \(resized.count) axes")
            }
            try SizeCheck.nonNegative(sizes, "input \(sizesInput) (sizes)")
            if policy == .stretch {
                for (i, axis) in resized.enumerated() { output[axis] = sizes[i] }
            } else {
                // One scale for every axis, then round half up.
                var ratios: [Double] = []
                for (i, axis) in resized.enumerated() {
                    guard let s = sizes[i].intValue, let n = input[axis].intValue, n > 0 else { ratios = []; break }
                    ratios.append(Double(s) / Double(n))
                }
                let scale = policy == .notLarger ? ratios.min() : ratios.max()
                for axis in resized {
                    guard let scale, let n = input[axis].intValue else { output[axis] = .unknown; continue }
                    output[axis] = .value(try SizeCheck.int(scale * Double(n) + 0.5, rounding: .down, "resized axis \(axis)"))
                }
            }
        } else if try provided(ctx, scalesInput) {
            guard let scales = ctx.doubles(scalesInput) else {
                for axis in resized { output[axis] = .unknown }
                return [.tensor(TensorType(dtype: x.dtype, shape: output))]
            }
            guard scales.count == resized.count else {
                throw .invalidInput(index: scalesInput, reason: "scales has \(scales.count) values for \(resized.count) axes")
            }
            for (i, axis) in resized.enumerated() { output[axis] = try scaledDim(input[axis], scale: scales[i]) }
        } else {
            throw .invalidInput(index: scalesInput, reason: "one of scales and sizes must be given")
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: output))]
    }

    static let formula = "nearest 0; linear `Conventions.lerp·(2^k − 1)` FLOPs per output element for k axes whose size changes; cubic `(4^k − 1)/3` 1-D cubic interpolations of `cubicTaps·cubicTapFLOPs` each (antialias filters counted as without antialias)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try resampleCost(ctx, interpolation: interpolation)
    }
}

// MARK: - Upsample

/// Upsampling by scales (output = floor(input·scale)): opset 1 `height_scale`/`width_scale` on the
/// last two axes of a 4-D input (modes nearest/bilinear), 7 `scales` attribute, 9–10 `scales` input.
/// Spec: https://onnx.ai/onnx/operators/onnx__Upsample.html · opsets 1, 7, 9, 10 (deprecated).
struct UpsampleOp: Operator {
    static let schema = OpSchema(type: "Upsample", since: 1, inputs: 1...2, outputs: 1...1, metadataInputs: [1])

    private let interpolation: Interpolation
    /// Scales from attributes (opsets 1 and 7); `nil` from opset 9 (an input).
    private let attributeScales: [Double]?
    private let legacyTwoAxes: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        interpolation = try Interpolation(mode: node.string("mode", default: "nearest"))
        if opset >= 9 {
            attributeScales = nil
            legacyTwoAxes = false
        } else if opset >= 7 {
            guard let scales = try node.floats("scales") else { throw .missingAttribute("scales") }
            attributeScales = scales.map(Double.init)
            legacyTwoAxes = false
        } else {
            let h = try node.float("height_scale", default: 1), w = try node.float("width_scale", default: 1)
            attributeScales = [Double(h), Double(w)]
            legacyTwoAxes = true
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let input = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        var scales = attributeScales ?? ctx.doubles(1)
        if legacyTwoAxes, let hw = scales {
            guard input.count >= 2 else { throw .rankMismatch("Upsample-1 needs rank ≥ 2, got \(input.count)") }
            scales = Array(repeating: 1, count: input.count - 2) + hw
        }
        guard let scales else {
            return [.tensor(TensorType(dtype: x.dtype, shape: input.map { _ in .unknown }))]
        }
        guard scales.count == input.count else {
            throw .invalidInput(index: 1, reason: "scales has \(scales.count) values for rank \(input.count)")
        }
        var output: [Dim] = []
        for (dim, scale) in zip(input, scales) { output.append(try scaledDim(dim, scale: scale)) }
        return [.tensor(TensorType(dtype: x.dtype, shape: output))]
    }

    static let formula = "as Resize (nearest 0, linear `Conventions.lerp·(2^k − 1)` per output element)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try resampleCost(ctx, interpolation: interpolation)
    }
}

// MARK: - GridSample

/// Samples X `[N, C, D1…Dr]` at grid `[N, O1…Or, r]` → `[N, C, O1…Or]` (opset 16: 4-D only,
/// modes bilinear/nearest/bicubic; 20: N-D, modes linear/nearest/cubic).
/// Spec: https://onnx.ai/onnx/operators/onnx__GridSample.html · opsets 16, 20, 22.
struct GridSampleOp: Operator {
    static let schema = OpSchema(type: "GridSample", since: 16, inputs: 2...2, outputs: 1...1)

    private let interpolation: Interpolation

    init(node: Node, opset: Int) throws(ShapeError) {
        interpolation = try Interpolation(mode: node.string("mode", default: opset >= 20 ? "linear" : "bilinear"))
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let xs = x.shape, let grid = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        guard xs.count >= 3, grid.count == xs.count else {
            throw .rankMismatch("X rank \(xs.count) and grid rank \(grid.count) must be equal and ≥ 3")
        }
        if let last = grid.last?.intValue, last != xs.count - 2 {
            throw .incompatibleDims("grid's last dim \(last) must equal the \(xs.count - 2) spatial axes")
        }
        if let n = xs[0].intValue, let g = grid[0].intValue, n != g {
            throw .incompatibleDims("batch of X \(n) ≠ batch of grid \(g)")
        }
        let batch = xs[0].isKnown ? xs[0] : grid[0]
        return [.tensor(TensorType(dtype: x.dtype, shape: [batch, xs[1]] + grid.dropFirst().dropLast()))]
    }

    static let formula = "per output element `Conventions.lerp·(2^r − 1)` (linear), `(4^r − 1)/3` 1-D cubic interpolations (cubic) or 0 (nearest); coordinate unnormalization is not counted."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let y = try ctx.outputShape(0)
        return .elementwise(y.product, flopsPerElement: interpolation.flopsPerOutput(axes: y.count - 2))
    }
}

// MARK: - AffineGrid

/// Generates a sampling grid from affine matrices theta `[N, 2, 3]` (2-D) or `[N, 3, 4]` (3-D) and
/// size `[N, C, H, W]` / `[N, C, D, H, W]` → `[N, H, W, 2]` / `[N, D, H, W, 3]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__AffineGrid.html · opset 20.
struct AffineGridOp: Operator {
    static let schema = OpSchema(type: "AffineGrid", since: 20, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let theta = try ctx.tensor(0)
        if let size = ctx.intValues(1) {
            guard size.count == 4 || size.count == 5 else {
                throw .invalidInput(index: 1, reason: "size must have 4 or 5 values, got \(size.count)")
            }
            let spatial = Array(size.dropFirst(2))
            return [.tensor(TensorType(dtype: theta.dtype, shape: [size[0]] + spatial + [.value(spatial.count)]))]
        }
        var spatialRank: Int?
        if let count = try ctx.tensor(1).shape?.first?.intValue { spatialRank = count - 2 }
        if spatialRank == nil, let rows = theta.shape?.dropFirst().first?.intValue { spatialRank = rows }
        guard let r = spatialRank, r == 2 || r == 3 else { return [.tensor(TensorType(dtype: theta.dtype, shape: nil))] }
        let batch = theta.shape?.first ?? .unknown
        return [.tensor(TensorType(dtype: theta.dtype, shape: [batch] + Array(repeating: Dim.unknown, count: r) + [.value(r)]))]
    }

    static let formula = "each of the `N·∏spatial` points is a `[r+1] · thetaᵀ` product: MACs = `N·∏spatial·r·(r+1)`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let y = try ctx.outputShape(0)
        guard let r = y.last else { throw .unknownShape("output 0") }
        return .macs(Array(y.dropLast()).product * r * (r + 1))
    }
}

// MARK: - Col2Im

/// Rearranges column blocks `[N, C·∏block, L]` into an image `[N, C, image_shape…]`, summing
/// overlaps. Spec: https://onnx.ai/onnx/operators/onnx__Col2Im.html · opset 18.
struct Col2ImOp: Operator {
    static let schema = OpSchema(type: "Col2Im", since: 18, inputs: 3...3, outputs: 1...1, metadataInputs: [1, 2])

    init(node: Node, opset: Int) throws(ShapeError) {
        if let pads = try node.ints("pads"), pads.count % 2 != 0 {
            throw .invalidAttribute(name: "pads", reason: "must have an even number of values, got \(pads.count)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let xs = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        guard xs.count == 3 else { throw .rankMismatch("input must have rank 3, got \(xs.count)") }
        var channels: Dim = .unknown
        if let block = ctx.intValues(2) {
            let blockSize = block.product
            if let c = xs[1].intValue, let b = blockSize.intValue, b > 0, c % b != 0 {
                throw .incompatibleDims("input dim 1 (\(c)) is not divisible by the block size \(b)")
            }
            channels = xs[1].floorDivided(by: blockSize)
        }
        if let image = ctx.intValues(1) {
            return [.tensor(TensorType(dtype: x.dtype, shape: [xs[0], channels] + image))]
        }
        guard let count = try ctx.tensor(1).shape?.first?.intValue, count >= 0, count < 64 else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: [xs[0], channels] + Array(repeating: Dim.unknown, count: count)))]
    }

    static let formula = "1 add (`Conventions.arithmetic` = \(Conventions.arithmetic)) per input element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.inputElements(0), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - DepthToSpace

/// The required `blocksize` of DepthToSpace and SpaceToDepth: in 1..<2^31.
private func blocksizeAttribute(_ node: Node) throws(ShapeError) -> Int {
    guard let blocksize = try node.optionalInt("blocksize") else { throw .missingAttribute("blocksize") }
    guard blocksize >= 1, blocksize < 1 << 31 else {
        throw .invalidAttribute(name: "blocksize", reason: "must be ≥ 1, got \(blocksize)")
    }
    return blocksize
}

/// `[N, C, H, W]` → `[N, C/b², H·b, W·b]` (modes DCR/CRD from opset 11).
/// Spec: https://onnx.ai/onnx/operators/onnx__DepthToSpace.html · opsets 1, 11, 13, 28.
struct DepthToSpaceOp: Operator {
    static let schema = OpSchema(type: "DepthToSpace", since: 1, inputs: 1...1, outputs: 1...1)

    private let blocksize: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        blocksize = try blocksizeAttribute(node)
        let mode = try node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let s = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        guard s.count == 4 else { throw .rankMismatch("input must have rank 4, got \(s.count)") }
        let b = Dim.value(blocksize)
        if let c = s[1].intValue, c % (blocksize * blocksize) != 0 {
            throw .incompatibleDims("channels \(c) are not divisible by blocksize² \(blocksize * blocksize)")
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: [s[0], s[1].floorDivided(by: b * b), s[2] * b, s[3] * b]))]
    }

    static let formula = "none (a permutation; bytes are counted by the pass)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - SpaceToDepth

/// `[N, C, H, W]` → `[N, C·b², H/b, W/b]` (mode DCR/CRD from opset 28).
/// Spec: https://onnx.ai/onnx/operators/onnx__SpaceToDepth.html · opsets 1, 13, 28.
struct SpaceToDepthOp: Operator {
    static let schema = OpSchema(type: "SpaceToDepth", since: 1, inputs: 1...1, outputs: 1...1)

    private let blocksize: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        blocksize = try blocksizeAttribute(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let s = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        guard s.count == 4 else { throw .rankMismatch("input must have rank 4, got \(s.count)") }
        for axis in 2...3 {
            if let size = s[axis].intValue, size % blocksize != 0 {
                throw .incompatibleDims("axis \(axis) (\(size)) is not divisible by blocksize \(blocksize)")
            }
        }
        let b = Dim.value(blocksize)
        return [.tensor(TensorType(dtype: x.dtype, shape: [s[0], s[1] * b * b, s[2].floorDivided(by: b), s[3].floorDivided(by: b)]))]
    }

    static let formula = "none (a permutation; bytes are counted by the pass)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ResizeFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        ResizeOp.self, UpsampleOp.self, GridSampleOp.self, AffineGridOp.self, Col2ImOp.self,
        DepthToSpaceOp.self, SpaceToDepthOp.self,
    ])
}
