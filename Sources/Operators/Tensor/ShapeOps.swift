import ONNXGraph
import ShapeInference
import CostKernels

// Shape and layout: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity, Dropout
// (this file); Expand, Tile, Concat, Split, Slice, Pad (`Slicing.swift`).
//
// Value propagation is the main job of these rules: Shape gives `.ints(dims)` (symbolic dims
// included), and Reshape/Flatten/Squeeze/Unsqueeze/Identity pass values through, so the
// Shape → Gather → Unsqueeze → Concat → Reshape chains of exported transformers resolve.

extension ValueKit {
    /// The known values of input `index`, or `nil`.
    static func value(_ ctx: ShapeContext, _ index: Int) -> TensorValue? {
        index < ctx.inputValues.count ? ctx.inputValues[index] : nil
    }

    /// Output dims for an unknown shape value of `ctx` input `index` that is a 1-D tensor of known
    /// length: that many unknown dims, else `nil` (rank unknown too).
    static func unknownDims(fromShapeInput ctx: ShapeContext, _ index: Int) -> [Dim]? {
        guard ctx.hasInput(index), case .tensor(let t)? = ctx.inputTypes[index], let s = t.shape, s.count == 1,
              let k = s[0].intValue, k >= 0, k <= limit else { return nil }
        return Array(repeating: .unknown, count: k)
    }
}

// MARK: - Shape

/// The shape of a tensor as a 1-D int64 tensor; its values are the (possibly symbolic) dims.
/// Spec: https://onnx.ai/onnx/operators/onnx__Shape.html · opsets 1–25 (`start`/`end` from 15).
struct ShapeOp: Operator {
    static let schema = OpSchema(type: "Shape", inputs: 1...1, outputs: 1...1, traits: .metadataOnly)

    let start: Int
    let end: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset >= 15 {
            start = try node.int("start", default: 0)
            end = try node.optionalInt("end")
        } else {
            start = 0
            end = nil
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard let shape = try ctx.tensor(0).shape else { return [ValueKit.tensor(.int64, [.unknown])] }
        let rank = shape.count
        func clamp(_ x: Int) -> Int { Swift.min(Swift.max(x < 0 ? x + rank : x, 0), rank) }
        let s = clamp(start), e = clamp(end ?? rank)
        let dims = s < e ? Array(shape[s..<e]) : []
        ctx.outputValues[0] = .ints(dims)
        return [ValueKit.tensor(.int64, [.value(dims.count)])]
    }

    static let formula = "0 FLOPs; reads only metadata (0 bytes read)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { OpCost(bytesReadOverride: 0) }
}

// MARK: - Size

/// The element count of a tensor as an int64 scalar; its value is the (possibly symbolic) count.
/// Spec: https://onnx.ai/onnx/operators/onnx__Size.html · opsets 1–25.
struct SizeOp: Operator {
    static let schema = OpSchema(type: "Size", inputs: 1...1, outputs: 1...1, traits: .metadataOnly)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if let shape = try ctx.tensor(0).shape { ctx.outputValues[0] = .ints([shape.product]) }
        return [ValueKit.tensor(.int64, [])]
    }

    static let formula = "0 FLOPs; reads only metadata (0 bytes read)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { OpCost(bytesReadOverride: 0) }
}

// MARK: - Reshape

/// A new shape for the same elements: 0 copies the input dim (unless `allowzero`), −1 is inferred
/// as numel / product(others) (exact symbolic division); target values may be symbolic dims.
/// Spec: https://onnx.ai/onnx/operators/onnx__Reshape.html · opsets 1–25 (`shape` attribute before 5,
/// `allowzero` from 14).
struct ReshapeOp: DataMovementOperator {
    static let schema = OpSchema(type: "Reshape", inputs: 1...2, outputs: 1...1, metadataInputs: [1], traits: .view)

    let attributeShape: [Int]?
    let allowZero: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset < 5 {
            guard let shape = try node.ints("shape") else { throw .missingAttribute("shape") }
            attributeShape = shape
        } else {
            attributeShape = nil
        }
        let flag = opset >= 14 ? try node.int("allowzero", default: 0) : 0
        allowZero = flag != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let target: [Dim]
        if let attributeShape {
            target = attributeShape.map(Dim.value)
        } else if let values = ctx.intValues(1) {
            target = values
        } else {
            _ = try ctx.tensor(1)
            return [ValueKit.tensor(input.dtype, ValueKit.unknownDims(fromShapeInput: ctx, 1))]
        }
        let shape = try Self.resolve(target, input: input.shape, allowZero: allowZero)
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        return [ValueKit.tensor(input.dtype, shape)]
    }

    /// The output shape for target values `target` (0 = copy, −1 = infer).
    static func resolve(_ target: [Dim], input: [Dim]?, allowZero: Bool) throws(ShapeError) -> [Dim] {
        var output: [Dim] = []
        var inferred: Int?
        for (index, value) in target.enumerated() {
            switch value {
            case .value(0) where !allowZero:
                if let input {
                    guard index < input.count else {
                        throw .invalidInput(index: 1, reason: "0 at position \(index) copies a dim the rank-\(input.count) input lacks")
                    }
                    output.append(input[index])
                } else {
                    output.append(.unknown)
                }
            case .value(-1):
                guard inferred == nil else { throw .invalidInput(index: 1, reason: "more than one -1 in the target shape") }
                inferred = index
                output.append(.unknown)
            case .value(let v) where v < 0:
                throw .invalidInput(index: 1, reason: "invalid target dim \(v)")
            default:
                output.append(value)
            }
        }
        if allowZero, inferred != nil, target.contains(.value(0)) {
            throw .invalidInput(index: 1, reason: "with allowzero=1 the target shape cannot hold both 0 and -1")
        }
        guard let input else { return output }
        let count = input.product
        if let inferred {
            var others: Dim = 1
            for (index, dim) in output.enumerated() where index != inferred { others = others * dim }
            if let n = count.intValue, let o = others.intValue {
                if o == 0 {
                    if n != 0 { throw .incompatibleDims("cannot infer -1: the other target dims multiply to 0") }
                    return output
                }
                guard n % o == 0 else { throw .incompatibleDims("cannot reshape \(n) elements into a multiple of \(o)") }
            }
            output[inferred] = count.floorDivided(by: others)
        } else if let n = count.intValue, let m = output.product.intValue, n != m {
            throw .incompatibleDims("cannot reshape \(n) elements into \(m)")
        }
        return output
    }
}

// MARK: - Flatten

/// Flattens to 2-D: `[prod(dims[..<axis]), prod(dims[axis...])]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__Flatten.html · opsets 1–25 (negative axis from 11).
struct FlattenOp: DataMovementOperator {
    static let schema = OpSchema(type: "Flatten", inputs: 1...1, outputs: 1...1, traits: .view)

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: 1)
        if opset < 11, axis < 0 { throw .invalidAttribute(name: "axis", reason: "negative axis needs opset 11") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, [.unknown, .unknown])] }
        let rank = shape.count
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a <= rank else { throw .invalidAttribute(name: "axis", reason: "axis \(axis) is out of range for rank \(rank)") }
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        return [ValueKit.tensor(input.dtype, [Array(shape[..<a]).product, Array(shape[a...]).product])]
    }
}

// MARK: - Squeeze

/// Removes size-1 dims (the listed `axes`, or every known 1 when none are given).
/// Spec: https://onnx.ai/onnx/operators/onnx__Squeeze.html · opsets 1–25 (`axes` attribute before 13,
/// input from 13).
struct SqueezeOp: DataMovementOperator {
    static let schema = OpSchema(type: "Squeeze", inputs: 1...2, outputs: 1...1, metadataInputs: [1], traits: .view)

    let opset: Int
    let attributeAxes: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        attributeAxes = opset < 13 ? try node.ints("axes") : nil
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        var axes = attributeAxes
        if opset >= 13, ctx.hasInput(1) {
            guard let known = ctx.knownInts(1) else {
                let removed = ValueKit.unknownDims(fromShapeInput: ctx, 1)?.count
                if let shape = input.shape, let removed, removed <= shape.count {
                    return [ValueKit.tensor(input.dtype, Array(repeating: .unknown, count: shape.count - removed))]
                }
                return [ValueKit.tensor(input.dtype, nil)]
            }
            axes = known
        }
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let squeezed: [Int]
        if let axes {
            squeezed = try Axes.normalize(axes, rank: shape.count)
            for axis in squeezed {
                if let v = shape[axis].intValue, v != 1 {
                    throw .incompatibleDims("cannot squeeze axis \(axis) of size \(v)")
                }
            }
        } else {
            var ones: [Int] = []
            for (axis, dim) in shape.enumerated() {
                guard let v = dim.intValue else { return [ValueKit.tensor(input.dtype, nil)] }
                if v == 1 { ones.append(axis) }
            }
            squeezed = ones
        }
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        let output = shape.enumerated().filter { !squeezed.contains($0.offset) }.map(\.element)
        return [ValueKit.tensor(input.dtype, output)]
    }
}

// MARK: - Unsqueeze

/// Inserts size-1 dims at `axes` (positions in the output).
/// Spec: https://onnx.ai/onnx/operators/onnx__Unsqueeze.html · opsets 1–25 (`axes` attribute before 13,
/// input from 13; negative axes from 11).
struct UnsqueezeOp: DataMovementOperator {
    static let schema = OpSchema(type: "Unsqueeze", inputs: 1...2, outputs: 1...1, metadataInputs: [1], traits: .view)

    let opset: Int
    let attributeAxes: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        if opset < 13 {
            guard let axes = try node.ints("axes") else { throw .missingAttribute("axes") }
            attributeAxes = axes
        } else {
            attributeAxes = nil
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let axes: [Int]
        if let attributeAxes {
            axes = attributeAxes
        } else {
            guard ctx.hasInput(1) else { throw .missingInput(1) }
            guard let known = ctx.knownInts(1) else {
                if let shape = input.shape, let added = ValueKit.unknownDims(fromShapeInput: ctx, 1)?.count {
                    return [ValueKit.tensor(input.dtype, Array(repeating: .unknown, count: shape.count + added))]
                }
                return [ValueKit.tensor(input.dtype, nil)]
            }
            axes = known
        }
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let rank = shape.count + axes.count
        let inserted = try Axes.normalize(axes, rank: rank)
        var output: [Dim] = []
        var next = 0
        for axis in 0..<rank {
            if inserted.contains(axis) {
                output.append(1)
            } else {
                output.append(shape[next])
                next += 1
            }
        }
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        return [ValueKit.tensor(input.dtype, output)]
    }
}

// MARK: - Transpose

/// Permutes dims by `perm` (default: reversed).
/// Spec: https://onnx.ai/onnx/operators/onnx__Transpose.html · opsets 1–25.
struct TransposeOp: DataMovementOperator {
    static let schema = OpSchema(type: "Transpose", inputs: 1...1, outputs: 1...1, traits: .gemmOperandLayout)

    let perm: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        perm = try node.ints("perm")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else {
            return [ValueKit.tensor(input.dtype, perm.map { Array(repeating: .unknown, count: $0.count) })]
        }
        let rank = shape.count
        let p = perm ?? Array((0..<rank).reversed())
        guard Self.isPermutation(p, rank: rank) else {
            throw .invalidAttribute(name: "perm", reason: "\(p) is not a permutation of 0..<\(rank)")
        }
        let output = p.map { shape[$0] }
        if let value = ValueKit.value(ctx, 0), let dims = ValueKit.known(shape), let outDims = ValueKit.known(output) {
            let strides = ValueKit.strides(dims)
            let sources = ValueKit.sourceIndices(outputShape: outDims) { index in
                var s = 0
                for (axis, i) in index.enumerated() { s += i * strides[p[axis]] }
                return s
            }
            ctx.outputValues[0] = sources.flatMap { ValueKit.pick(value, $0) }
        }
        return [ValueKit.tensor(input.dtype, output)]
    }

    /// Whether `p` holds each axis of `0..<rank` exactly once (marked in a list of flags: two sets
    /// built and compared per node cost more than the rest of the rule).
    static func isPermutation(_ p: [Int], rank: Int) -> Bool {
        guard p.count == rank else { return false }
        var seen = [Bool](repeating: false, count: rank)
        for axis in p {
            guard axis >= 0, axis < rank, !seen[axis] else { return false }
            seen[axis] = true
        }
        return true
    }
}

// MARK: - Identity

/// The input unchanged: a tensor, a sequence or an optional (from opset 14/16).
/// Spec: https://onnx.ai/onnx/operators/onnx__Identity.html · opsets 1–25.
struct IdentityOp: DataMovementOperator {
    static let schema = OpSchema(type: "Identity", inputs: 1...1, outputs: 1...1, traits: .view)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard ctx.hasInput(0), let type = ctx.inputTypes[0] else { throw .missingInput(0) }
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        return [type]
    }
}

// MARK: - Dropout

/// Identity at inference; the optional second output is the mask (bool from opset 10, the input's
/// type before). Spec: https://onnx.ai/onnx/operators/onnx__Dropout.html · opsets 1–22
/// (`ratio`/`training_mode` inputs from 12).
struct DropoutOp: Operator {
    static let schema = OpSchema(type: "Dropout", inputs: 1...3, outputs: 1...2, metadataInputs: [1, 2], traits: .view)

    let opset: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        if opset < 12 {
            let ratio = try node.float("ratio", default: 0.5)
            guard ratio >= 0, ratio < 1 else { throw .invalidAttribute(name: "ratio", reason: "\(ratio) is not in [0, 1)") }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        var outputs: [ValueType] = [.tensor(input)]
        if ctx.node.outputs.count > 1 {
            outputs.append(ValueKit.tensor(opset >= 10 ? .bool : input.dtype, input.shape))
        }
        return outputs
    }

    static let formula = "0 FLOPs (inference: identity)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// The operators of this family (`ShapeOps.swift` and `Slicing.swift`), registered in `OpRegistry+Builtin.swift`.
public enum ShapeOpsFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        ShapeOp.self, SizeOp.self, ReshapeOp.self, FlattenOp.self, SqueezeOp.self, UnsqueezeOp.self,
        TransposeOp.self, IdentityOp.self, DropoutOp.self,
        ExpandOp.self, TileOp.self, ConcatOp.self, SplitOp.self, SliceOp.self, PadOp.self,
    ])
}
