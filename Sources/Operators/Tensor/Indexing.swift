import ONNXGraph
import ShapeInference
import CostKernels

// Indexing: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND, TensorScatter,
// OneHot, Compress, NonZero, Unique, Trilu, ReverseSequence, NonMaxSuppression, CenterCropPad.

extension ValueKit {
    /// A fresh opaque dim for a data-dependent size, named after the node's first output so that it is
    /// stable and equal wherever the same value flows (`nonzero_out_len`).
    static func opaque(_ ctx: ShapeContext, _ suffix: String = "len") -> Dim {
        let base = ctx.node.outputs.first { !$0.isEmpty } ?? ctx.node.name
        return .opaque("\(base)_\(suffix)")
    }
}

// MARK: - Gather

/// `data.shape[..<axis] + indices.shape + data.shape[axis+1...]`; propagates values of small tensors
/// (Gather of a Shape output picks dims).
/// Spec: https://onnx.ai/onnx/operators/onnx__Gather.html · opsets 1–13 (negative indices from 11).
struct GatherOp: DataMovementOperator {
    static let schema = OpSchema(type: "Gather", inputs: 2...2, outputs: 1...1, metadataInputs: [1], traits: .gathersRows)

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.int("axis", default: 0) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0), indices = try ctx.tensor(1)
        guard let shape = data.shape, let indexShape = indices.shape else { return [ValueKit.tensor(data.dtype, nil)] }
        guard !shape.isEmpty else { throw .rankMismatch("Gather needs data of rank ≥ 1") }
        let a = try Axes.normalize(axis, rank: shape.count)
        let output = Array(shape[..<a]) + indexShape + Array(shape[(a + 1)...])
        if let value = ValueKit.value(ctx, 0), let dims = ValueKit.known(shape), let idx = ctx.knownInts(1),
           let indexDims = ValueKit.known(indexShape), let outDims = ValueKit.known(output) {
            var normalized: [Int] = []
            for i in idx {
                let n = i < 0 ? i + dims[a] : i
                guard n >= 0, n < dims[a] else { throw .invalidInput(index: 1, reason: "index \(i) is out of range for size \(dims[a])") }
                normalized.append(n)
            }
            let strides = ValueKit.strides(dims), indexStrides = ValueKit.strides(indexDims)
            let q = indexDims.count
            let sources = ValueKit.sourceIndices(outputShape: outDims) { o in
                var s = 0
                for k in 0..<a { s += o[k] * strides[k] }
                var j = 0
                for k in 0..<q { j += o[a + k] * indexStrides[k] }
                guard j < normalized.count else { return nil }
                s += normalized[j] * strides[a]
                for k in (a + 1)..<dims.count { s += o[k - 1 + q] * strides[k] }
                return s
            }
            ctx.outputValues[0] = sources.flatMap { ValueKit.pick(value, $0) }
        }
        return [ValueKit.tensor(data.dtype, output)]
    }
}

// MARK: - GatherElements

/// Output has the indices' shape (same rank as data).
/// Spec: https://onnx.ai/onnx/operators/onnx__GatherElements.html · opsets 11–13.
struct GatherElementsOp: DataMovementOperator {
    static let schema = OpSchema(type: "GatherElements", since: 11, inputs: 2...2, outputs: 1...1, traits: .gathersRows)

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.int("axis", default: 0) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0), indices = try ctx.tensor(1)
        if let r = data.rank ?? indices.rank {
            _ = try Axes.normalize(axis, rank: r)
            if let q = indices.rank, q != r { throw .rankMismatch("data rank \(r), indices rank \(q)") }
        }
        return [ValueKit.tensor(data.dtype, indices.shape)]
    }
}

// MARK: - GatherND

/// `indices.shape[..<-1] + data.shape[batch_dims + k...]` with k = indices.shape[-1] (must be known).
/// Spec: https://onnx.ai/onnx/operators/onnx__GatherND.html · opsets 11–13 (`batch_dims` from 12).
struct GatherNDOp: DataMovementOperator {
    static let schema = OpSchema(type: "GatherND", since: 11, inputs: 2...2, outputs: 1...1, traits: .gathersRows)

    let batchDims: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        batchDims = opset >= 12 ? try node.int("batch_dims", default: 0) : 0
        guard batchDims >= 0 else { throw .invalidAttribute(name: "batch_dims", reason: "must be ≥ 0") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0), indices = try ctx.tensor(1)
        guard let shape = data.shape, let indexShape = indices.shape, let last = indexShape.last else {
            return [ValueKit.tensor(data.dtype, nil)]
        }
        guard batchDims < min(shape.count, indexShape.count) else {
            throw .invalidAttribute(name: "batch_dims", reason: "\(batchDims) is not less than both ranks")
        }
        guard let k = last.intValue else { return [ValueKit.tensor(data.dtype, nil)] }
        guard k >= 1, k <= shape.count - batchDims else {
            throw .invalidInput(index: 1, reason: "last indices dim \(k) does not fit data rank \(shape.count) with batch_dims \(batchDims)")
        }
        return [ValueKit.tensor(data.dtype, Array(indexShape.dropLast()) + Array(shape[(batchDims + k)...]))]
    }
}

// MARK: - ScatterElements, Scatter, ScatterND

/// Writes `updates` into a copy of `data` (output = data's type). Scatter (opsets 9–10, deprecated)
/// is ScatterElements without `reduction`.
/// Spec: https://onnx.ai/onnx/operators/onnx__ScatterElements.html (11–18),
/// https://onnx.ai/onnx/operators/onnx__ScatterND.html (11–18), Scatter (9–11; `reduction` from 16
/// for ScatterElements/ScatterND, `max`/`min` from 18).
struct ScatterOp: Operator {
    static let schema = OpSchema(type: "ScatterElements", since: 11, inputs: 3...3, outputs: 1...1)

    let reduces: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let reduction = opset >= 16 && node.opType != "Scatter" ? try node.string("reduction", default: "none") : "none"
        let allowed = opset >= 18 ? ["none", "add", "mul", "max", "min"] : ["none", "add", "mul"]
        guard allowed.contains(reduction) else { throw .invalidAttribute(name: "reduction", reason: "unknown reduction '\(reduction)'") }
        reduces = reduction != "none"
        if node.opType != "ScatterND" { _ = try node.int("axis", default: 0) }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        _ = try ctx.tensor(2)
        if ctx.node.opType != "ScatterND", let r = data.rank {
            _ = try Axes.normalize(try ctx.node.int("axis", default: 0), rank: r)
        }
        return [.tensor(data)]
    }

    static let formula = "0 FLOPs with `reduction = none`; otherwise 1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per element of `updates` (one add/mul/max/min each)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        reduces ? .elementwise(try ctx.inputElements(2), flopsPerElement: Conventions.arithmetic) : .zero
    }
}

/// Scatter (deprecated, opsets 9–10): ScatterElements' rule.
struct ScatterDeprecatedOp: Operator {
    static let schema = OpSchema(type: "Scatter", since: 9, inputs: 3...3, outputs: 1...1)
    let base: ScatterOp
    init(node: Node, opset: Int) throws(ShapeError) { base = try ScatterOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "0 FLOPs with `reduction = none`; otherwise 1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per element of `updates` (one add/mul/max/min each)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
}

/// ScatterND: ScatterElements' rule (output = data's type).
struct ScatterNDOp: Operator {
    static let schema = OpSchema(type: "ScatterND", since: 11, inputs: 3...3, outputs: 1...1)
    let base: ScatterOp
    init(node: Node, opset: Int) throws(ShapeError) { base = try ScatterOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "0 FLOPs with `reduction = none`; otherwise 1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per element of `updates` (one add/mul/max/min each)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
}

// MARK: - TensorScatter

/// KV-cache update: writes `update` into `past_cache` along `axis`; output = past_cache's type.
/// Spec: https://onnx.ai/onnx/operators/onnx__TensorScatter.html · opset 24.
struct TensorScatterOp: DataMovementOperator {
    static let schema = OpSchema(type: "TensorScatter", since: 24, inputs: 2...3, outputs: 1...1, metadataInputs: [2])

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: -2)
        let mode = try node.string("mode", default: "linear")
        guard mode == "linear" || mode == "circular" else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let past = try ctx.tensor(0), update = try ctx.tensor(1)
        if let r = past.rank {
            _ = try Axes.normalize(axis, rank: r)
            if let q = update.rank, q != r { throw .rankMismatch("past_cache rank \(r), update rank \(q)") }
        }
        return [.tensor(past)]
    }
}

// MARK: - OneHot

/// Inserts a `depth` axis at `axis` (depth from the second input's value; unknown when not constant).
/// Spec: https://onnx.ai/onnx/operators/onnx__OneHot.html · opsets 9–11 (negative axis from 11).
struct OneHotOp: Operator {
    static let schema = OpSchema(type: "OneHot", since: 9, inputs: 3...3, outputs: 1...1, metadataInputs: [1])

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.int("axis", default: -1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let indices = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        let values = try ctx.tensor(2)
        guard let shape = indices.shape else { return [ValueKit.tensor(values.dtype, nil)] }
        let a = try Axes.normalize(axis, rank: shape.count + 1)
        var depth: Dim = ctx.intValues(1)?.first ?? .unknown
        if depth.isUnknown, let d = ctx.doubles(1)?.first, let value = Checked.int(d) { depth = .value(value) }
        if let v = depth.intValue, v < 1 { throw .invalidInput(index: 1, reason: "depth \(v) must be ≥ 1") }
        var output = shape
        output.insert(depth, at: a)
        return [ValueKit.tensor(values.dtype, output)]
    }

    static let formula = "0 FLOPs (data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Compress

/// Selects slices where `condition` is true: the selected count is known when the condition is a
/// constant, else an opaque symbol (`<output>_len`). Without `axis` the input is flattened first.
/// Spec: https://onnx.ai/onnx/operators/onnx__Compress.html · opsets 9–11 (negative axis from 11).
struct CompressOp: DataMovementOperator {
    static let schema = OpSchema(type: "Compress", since: 9, inputs: 2...2, outputs: 1...1)

    let axis: Int?

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.optionalInt("axis") }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        var count = ValueKit.opaque(ctx)
        if let condition = ctx.doubles(1) { count = .value(condition.filter { $0 != 0 }.count) }
        guard let axis else { return [ValueKit.tensor(input.dtype, [count])] }
        guard var shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let a = try Axes.normalize(axis, rank: shape.count)
        shape[a] = count
        return [ValueKit.tensor(input.dtype, shape)]
    }
}

// MARK: - NonZero

/// Indices of non-zero elements, `[rank, n]` int64: n is counted (and the indices propagated) when
/// the input's values are known, else an opaque symbol (`<output>_len`).
/// Spec: https://onnx.ai/onnx/operators/onnx__NonZero.html · opsets 9–13.
struct NonZeroOp: Operator {
    static let schema = OpSchema(type: "NonZero", since: 9, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let rank: Dim = input.rank.map(Dim.value) ?? .unknown
        if let values = ctx.doubles(0), let dims = ValueKit.known(input.shape), ValueKit.smallCount(dims) == values.count {
            let strides = ValueKit.strides(dims)
            let hits = values.indices.filter { values[$0] != 0 }
            var coordinates: [Dim] = []
            for axis in dims.indices {
                for flat in hits { coordinates.append(.value((flat / strides[axis]) % Swift.max(dims[axis], 1))) }
            }
            ctx.outputValues[0] = .ints(coordinates)
            return [ValueKit.tensor(.int64, [rank, .value(hits.count)])]
        }
        return [ValueKit.tensor(.int64, [rank, ValueKit.opaque(ctx)])]
    }

    static let formula = "0 FLOPs (data-dependent selection)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Unique

/// Unique elements (or slices along `axis`): Y, indices, inverse_indices, counts; the unique count is
/// an opaque symbol (`<Y>_unique`).
/// Spec: https://onnx.ai/onnx/operators/onnx__Unique.html · opsets 11–28.
struct UniqueOp: Operator {
    static let schema = OpSchema(type: "Unique", since: 11, inputs: 1...1, outputs: 1...4)

    let axis: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.optionalInt("axis")
        _ = try node.int("sorted", default: 1)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let unique = ValueKit.opaque(ctx, "unique")
        var y: [Dim]? = [unique]
        var inverse: [Dim]? = [input.elementCount]
        if let axis {
            if var shape = input.shape {
                let a = try Axes.normalize(axis, rank: shape.count)
                inverse = [shape[a]]
                shape[a] = unique
                y = shape
            } else {
                y = nil
                inverse = [.unknown]
            }
        }
        let all: [ValueType] = [
            ValueKit.tensor(input.dtype, y), ValueKit.tensor(.int64, [unique]),
            ValueKit.tensor(.int64, inverse), ValueKit.tensor(.int64, [unique]),
        ]
        return Array(all.prefix(ctx.node.outputs.count))
    }

    static let formula = "0 FLOPs (sorting/hashing is not counted as arithmetic)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Trilu, ReverseSequence

/// Ops whose output is the first input's type unchanged: Trilu (opset 14; zeroes a triangle) and
/// ReverseSequence (opsets 10–28; reverses prefixes of each batch row).
/// Spec: https://onnx.ai/onnx/operators/onnx__Trilu.html, https://onnx.ai/onnx/operators/onnx__ReverseSequence.html.
struct TriluOp: Operator {
    static let schema = OpSchema(type: "Trilu", since: 14, inputs: 1...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) { _ = try node.int("upper", default: 1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        if let r = input.rank, r < 2 { throw .rankMismatch("Trilu needs rank ≥ 2, got \(r)") }
        return [.tensor(input)]
    }

    static let formula = "0 FLOPs (data movement / masking)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// See `TriluOp`.
struct ReverseSequenceOp: Operator {
    static let schema = OpSchema(type: "ReverseSequence", since: 10, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    let batchAxis: Int
    let timeAxis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        batchAxis = try node.int("batch_axis", default: 1)
        timeAxis = try node.int("time_axis", default: 0)
        guard Set([batchAxis, timeAxis]).isSubset(of: [0, 1]), batchAxis != timeAxis else {
            throw .invalidAttribute(name: "batch_axis", reason: "batch_axis and time_axis must be 0 and 1 in some order")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        if let r = input.rank, r < 2 { throw .rankMismatch("ReverseSequence needs rank ≥ 2, got \(r)") }
        return [.tensor(input)]
    }

    static let formula = "0 FLOPs (data movement / masking)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - NonMaxSuppression

/// Selected boxes `[num_selected, 3]` int64; num_selected is an opaque symbol (`<output>_len`).
/// Spec: https://onnx.ai/onnx/operators/onnx__NonMaxSuppression.html · opsets 10–11.
struct NonMaxSuppressionOp: Operator {
    static let schema = OpSchema(type: "NonMaxSuppression", since: 10, inputs: 2...5, outputs: 1...1, metadataInputs: [2, 3, 4])

    init(node: Node, opset: Int) throws(ShapeError) {
        let center = try node.int("center_point_box", default: 0)
        guard center == 0 || center == 1 else { throw .invalidAttribute(name: "center_point_box", reason: "must be 0 or 1") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        return [ValueKit.tensor(.int64, [ValueKit.opaque(ctx), 3])]
    }

    static let formula = "0 FLOPs (IoU work depends on the data and is not counted)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - CenterCropPad

/// Crops or pads the given `axes` (default all) to the sizes in the `shape` input's values.
/// Spec: https://onnx.ai/onnx/operators/onnx__CenterCropPad.html · opset 18.
struct CenterCropPadOp: DataMovementOperator {
    static let schema = OpSchema(type: "CenterCropPad", since: 18, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    let axes: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) { axes = try node.ints("axes") }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard var shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let target = try Axes.normalize(axes ?? Array(0..<shape.count), rank: shape.count)
        guard let sizes = ctx.intValues(1) else {
            for a in target { shape[a] = .unknown }
            return [ValueKit.tensor(input.dtype, shape)]
        }
        guard sizes.count == target.count else {
            throw .invalidInput(index: 1, reason: "\(sizes.count) sizes for \(target.count) axes")
        }
        for (a, size) in zip(target, sizes) { shape[a] = size }
        return [ValueKit.tensor(input.dtype, shape)]
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum IndexingFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        GatherOp.self, GatherElementsOp.self, GatherNDOp.self, ScatterOp.self, ScatterDeprecatedOp.self,
        ScatterNDOp.self, TensorScatterOp.self, OneHotOp.self, CompressOp.self, NonZeroOp.self, UniqueOp.self,
        TriluOp.self, ReverseSequenceOp.self, NonMaxSuppressionOp.self, CenterCropPadOp.self,
    ])
}
