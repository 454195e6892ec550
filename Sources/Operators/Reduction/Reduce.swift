import ONNXGraph
import ShapeInference
import CostKernels

// Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax, ArgMin, TopK, CumSum.

// MARK: - ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceSumSquare

/// Which values a reduction row computes for small integer tensors.
enum ReduceFold: Sendable {
    case none, sum, product, max, min, mean
}

/// One row of the reduction table.
struct ReduceRow: Sendable {
    var type: String
    /// The opset from which `axes` is an optional input (and `noop_with_empty_axes` exists).
    var axesInputSince: Int
    var flopsPerInput: Int
    var transcendentalsPerInput: Int = 0
    var flopsPerOutput: Int = 0
    var transcendentalsPerOutput: Int = 0
    var fold: ReduceFold = .none
}

extension ReduceRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: 1, inputs: 1...2, outputs: 1...1, metadataInputs: [1]) }
    var formula: String {
        func count(_ flops: Int, _ transcendentals: Int, _ unit: String) -> String? {
            flops == 0 && transcendentals == 0 ? nil : ElementwiseSupport.perElement(flops, transcendentals: transcendentals, of: unit).dropLast() + ""
        }
        let parts = [count(flopsPerInput, transcendentalsPerInput, "INPUT element"), count(flopsPerOutput, transcendentalsPerOutput, "output element")]
        return parts.compactMap { $0 }.joined(separator: " + ") + ". A no-op (`noop_with_empty_axes`) costs 0."
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try ReduceOp(row: self, node: node, opset: opset) }
}

/// A reduction over `axes` (all axes when empty, unless `noop_with_empty_axes`), keeping reduced
/// dims as 1 when `keepdims` (default 1). `axes` is an attribute before opset 13 (ReduceSum) or 18
/// (the others), then an optional int64 input; when that input is not a known constant the output
/// rank is still known with `keepdims=1` (each dim is 1 or unknown).
/// Spec: https://onnx.ai/onnx/operators/onnx__ReduceSum.html (and the others) · opsets 1–18/20.
/// Cost: `Conventions.reduceStep` per INPUT element, plus: ReduceMean 1 div per output element;
/// ReduceL1 1 abs per input; ReduceSumSquare 1 mul per input; ReduceL2 1 mul per input + 1 sqrt per
/// output (1 FLOP + 1 transcendental); ReduceLogSum 1 log per output; ReduceLogSumExp 1 exp per input
/// and 1 log per output (1 FLOP + 1 transcendental each). A no-op (`noop_with_empty_axes`) costs 0.
/// Values: ReduceSum/ReduceProd/ReduceMax/ReduceMin of small integer tensors are folded (exporters
/// compute numel so; Max/Min only where symbolic sizes are decidable), and those and ReduceMean of
/// small float tensors (torchvision's resize-to-multiple arithmetic).
struct ReduceOp: OperatorRule {
    let row: ReduceRow
    let keepDims: Bool
    let axesAreInput: Bool
    /// The `axes` attribute (attribute era, or a stale attribute kept as a fallback).
    let axesAttribute: [Int]?
    let noopWithEmptyAxes: Bool

    init(row: ReduceRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
        let keep = try node.int("keepdims", default: 1)
        guard keep == 0 || keep == 1 else { throw .invalidAttribute(name: "keepdims", reason: "must be 0 or 1, got \(keep)") }
        keepDims = keep == 1
        axesAreInput = opset >= row.axesInputSince
        axesAttribute = try node.ints("axes")
        let noop = axesAreInput ? try node.int("noop_with_empty_axes", default: 0) : 0
        guard noop == 0 || noop == 1 else {
            throw .invalidAttribute(name: "noop_with_empty_axes", reason: "must be 0 or 1, got \(noop)")
        }
        noopWithEmptyAxes = noop == 1
    }

    /// What the node says about its axes.
    enum AxesSpec: Equatable {
        /// Known axes (possibly empty).
        case known([Int])
        /// An axes input whose values are unknown; its length when known.
        case unknown(count: Int?)
    }

    func axesSpec(hasInput: Bool, values: [Int]?, inputShape: [Dim]?) -> AxesSpec {
        guard axesAreInput, hasInput else { return .known(axesAttribute ?? []) }
        if let values { return .known(values) }
        if let shape = inputShape, shape.count == 1, let count = shape[0].intValue {
            return count == 0 ? .known([]) : .unknown(count: count)
        }
        return .unknown(count: nil)
    }

    func isNoop(_ spec: AxesSpec) -> Bool { axesAreInput && noopWithEmptyAxes && spec == .known([]) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if axesAreInput, !ctx.hasInput(1), axesAttribute != nil {
            ctx.warnings.append("'axes' is an input since opset \(row.axesInputSince); using the attribute")
        }
        let spec = axesSpec(hasInput: ctx.hasInput(1), values: ctx.knownInts(1),
                            inputShape: ctx.hasInput(1) ? try ctx.tensor(1).shape : nil)
        if isNoop(spec) {
            ctx.outputValues[0] = ctx.inputValues.first ?? nil
            return [.tensor(x)]
        }
        guard let shape = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        switch spec {
        case .unknown(let count):
            if keepDims { return [.tensor(TensorType(dtype: x.dtype, shape: shape.map { $0 == 1 ? 1 : .unknown }))] }
            guard let count, count <= shape.count else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
            return [.tensor(TensorType(dtype: x.dtype, shape: Array(repeating: .unknown, count: shape.count - count)))]
        case .known(let raw):
            let axes = raw.isEmpty ? Array(0..<shape.count) : try Axes.normalize(raw, rank: shape.count)
            let reduced = Set(axes)
            var output: [Dim] = []
            for (index, dim) in shape.enumerated() {
                if !reduced.contains(index) { output.append(dim) } else if keepDims { output.append(1) }
            }
            if row.fold != .none, let dims = ValueKit.known(shape) {
                ctx.outputValues[0] = foldValues(ctx, dtype: x.dtype, shape: dims, axes: reduced)
            }
            return [.tensor(TensorType(dtype: x.dtype, shape: output))]
        }
    }

    /// Folds small known values: integers (Sum, Prod, Max, Min; Max/Min only where decidable) and
    /// floats (Sum, Prod, Max, Min, Mean).
    func foldValues(_ ctx: ShapeContext, dtype: DataType, shape: [Int], axes: Set<Int>) -> TensorValue? {
        let fold = row.fold
        if dtype.isInteger, let values = ctx.intValues(0) {
            let folded: [Dim]? = Self.reduceValues(values, shape: shape, axes: axes) { a, b in
                switch fold {
                case .sum: a + b
                case .product: a * b
                case .max: ElementwiseSupport.decide(b, a, { $0 >= 0 }).map { $0 ? b : a }
                    ?? ElementwiseSupport.decide(b, a, { $0 > 0 }).map { $0 ? b : a }
                case .min: ElementwiseSupport.decide(b, a, { $0 <= 0 }).map { $0 ? b : a }
                    ?? ElementwiseSupport.decide(b, a, { $0 < 0 }).map { $0 ? b : a }
                case .mean, .none: nil
                }
            }
            return folded.map(TensorValue.ints)
        }
        if dtype.isFloatingPoint, let values = ctx.doubles(0) {
            guard var folded = Self.reduceValues(values, shape: shape, axes: axes, combine: { a, b in
                switch fold {
                case .sum, .mean: a + b
                case .product: a * b
                case .max: Swift.max(a, b)
                case .min: Swift.min(a, b)
                case .none: nil
                }
            }) else { return nil }
            if fold == .mean, !folded.isEmpty {
                let count = Double(values.count / folded.count)
                folded = folded.map { $0 / count }
            }
            return .floats(folded)
        }
        return nil
    }

    /// Reduces row-major `values` of `shape` over `axes`; the result is in the order of the kept
    /// dims. `nil` when `combine` cannot decide, or for an empty reduction.
    static func reduceValues<T>(_ values: [T], shape: [Int], axes: Set<Int>, combine: (T, T) -> T?) -> [T]? {
        guard let total = ElementwiseSupport.count(shape), total == values.count, total > 0,
              total <= ElementwiseSupport.valueLimit else { return nil }
        // Output strides over the kept dims (reduced dims stride 0).
        var strides = Array(repeating: 0, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() where !axes.contains(axis) {
            strides[axis] = stride
            stride *= shape[axis]
        }
        var result: [T?] = Array(repeating: nil, count: stride)
        var position = Array(repeating: 0, count: shape.count)
        for value in values {
            var flat = 0
            for axis in shape.indices { flat += position[axis] * strides[axis] }
            if let current = result[flat] {
                guard let combined = combine(current, value) else { return nil }
                result[flat] = combined
            } else {
                result[flat] = value
            }
            ValueKit.advance(&position, in: shape)
        }
        return result.compactMap { $0 }
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let axesValues = ctx.inputValues.count > 1 ? ctx.inputValues[1]?.knownInts : nil
        let spec = axesSpec(hasInput: ctx.hasInput(1), values: axesValues,
                            inputShape: ctx.input(1)?.shape)
        if isNoop(spec) { return .zero }
        let inputs = try ctx.inputElements(0), outputs = try ctx.outputElements()
        return OpCost(
            flops: inputs * .value(row.flopsPerInput) + outputs * .value(row.flopsPerOutput),
            transcendentals: inputs * .value(row.transcendentalsPerInput) + outputs * .value(row.transcendentalsPerOutput))
    }
}

/// The rows of the reduction table.
extension ReduceRow {
    private static let step = Conventions.reduceStep

    static let table: [ReduceRow] = [
        ReduceRow(type: "ReduceSum", axesInputSince: 13, flopsPerInput: step, fold: .sum),
        ReduceRow(type: "ReduceMean", axesInputSince: 18, flopsPerInput: step, flopsPerOutput: Conventions.arithmetic, fold: .mean),
        ReduceRow(type: "ReduceMax", axesInputSince: 18, flopsPerInput: step, fold: .max),
        ReduceRow(type: "ReduceMin", axesInputSince: 18, flopsPerInput: step, fold: .min),
        ReduceRow(type: "ReduceProd", axesInputSince: 18, flopsPerInput: step, fold: .product),
        ReduceRow(type: "ReduceL1", axesInputSince: 18, flopsPerInput: step + Conventions.simpleActivation),
        ReduceRow(type: "ReduceL2", axesInputSince: 18, flopsPerInput: step + Conventions.arithmetic, flopsPerOutput: Conventions.transcendental, transcendentalsPerOutput: 1),
        ReduceRow(type: "ReduceSumSquare", axesInputSince: 18, flopsPerInput: step + Conventions.arithmetic),
        ReduceRow(type: "ReduceLogSum", axesInputSince: 18, flopsPerInput: step, flopsPerOutput: Conventions.transcendental, transcendentalsPerOutput: 1),
        ReduceRow(type: "ReduceLogSumExp", axesInputSince: 18, flopsPerInput: step + Conventions.transcendental, transcendentalsPerInput: 1,
                  flopsPerOutput: Conventions.transcendental, transcendentalsPerOutput: 1),
    ]
}

// MARK: - ArgMax, ArgMin

/// Index of the largest (ArgMax) or smallest (ArgMin) element along `axis` (default 0); int64
/// output, the axis kept as 1 when `keepdims` (default 1). `select_last_index` (opset 12) does not
/// change the shape.
/// Spec: https://onnx.ai/onnx/operators/onnx__ArgMax.html · opsets 1–13.
/// Cost: 1 comparison (`Conventions.reduceStep`) per input element.
struct ArgReduceOp: OperatorRule {
    /// ArgMax and ArgMin: they differ in values only, never in shape or cost.
    static func entry(_ type: String) -> OperatorEntry {
        OperatorEntry(schema: OpSchema(type: type, since: 1, inputs: 1...1, outputs: 1...1),
                      formula: "1 comparison (`Conventions.reduceStep` = \(Conventions.reduceStep)) per input element.") { node, opset throws(ShapeError) in
            try ArgReduceOp(node: node, opset: opset)
        }
    }

    let axis: Int
    let keepDims: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: 0)
        let keep = try node.int("keepdims", default: 1)
        guard keep == 0 || keep == 1 else { throw .invalidAttribute(name: "keepdims", reason: "must be 0 or 1, got \(keep)") }
        keepDims = keep == 1
        let last = try node.int("select_last_index", default: 0)
        guard last == 0 || last == 1 else {
            throw .invalidAttribute(name: "select_last_index", reason: "must be 0 or 1, got \(last)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard let shape = try ctx.tensor(0).shape else { return [.tensor(TensorType(dtype: .int64, shape: nil))] }
        let axis = try Axes.normalize(axis, rank: shape.count)
        var output = shape
        if keepDims { output[axis] = 1 } else { output.remove(at: axis) }
        return [.tensor(TensorType(dtype: .int64, shape: output))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.inputElements(0), flopsPerElement: Conventions.reduceStep)
    }
}

// MARK: - TopK

/// The k largest (or smallest) elements along `axis` (default −1): two outputs, values (X's type)
/// and int64 indices, both X's shape with `shape[axis] = k`. `k` is an attribute before opset 10,
/// then a 1-element int64 input; when it is not known the dim is the opaque symbol `<output>_k`.
/// Spec: https://onnx.ai/onnx/operators/onnx__TopK.html · opsets 1–24.
struct TopKOp: Operator {
    static let schema = OpSchema(type: "TopK", since: 1, inputs: 1...2, outputs: 2...2, metadataInputs: [1])

    let axis: Int
    /// The `k` attribute (before opset 10).
    let kAttribute: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: -1)
        if opset < 10 {
            guard let k = try node.optionalInt("k") else { throw .missingAttribute("k") }
            guard k >= 0 else { throw .invalidAttribute(name: "k", reason: "must be >= 0, got \(k)") }
            kAttribute = k
        } else {
            kAttribute = nil
        }
        for name in ["largest", "sorted"] {
            let flag = try node.int(name, default: 1)
            guard flag == 0 || flag == 1 else { throw .invalidAttribute(name: name, reason: "must be 0 or 1, got \(flag)") }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        var k: Dim
        if let kAttribute {
            k = .value(kAttribute)
        } else {
            guard ctx.hasInput(1) else { throw .missingInput(1) }
            if let values = ctx.intValues(1) {
                guard values.count == 1 else { throw .invalidInput(index: 1, reason: "K must hold one value, got \(values.count)") }
                k = values[0]
            } else {
                k = .unknown
            }
            if k.isUnknown { k = .opaque("\(ctx.node.outputs.first ?? ctx.node.name)_k") }
        }
        if let value = k.intValue, value < 0 { throw .invalidInput(index: 1, reason: "K must be >= 0, got \(value)") }
        guard var shape = x.shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil)), .tensor(TensorType(dtype: .int64, shape: nil))]
        }
        let axis = try Axes.normalize(axis, rank: shape.count)
        if let kv = k.intValue, let n = shape[axis].intValue, kv > n {
            throw .incompatibleDims("k = \(kv) is larger than the axis size \(n)")
        }
        shape[axis] = k
        return [.tensor(TensorType(dtype: x.dtype, shape: shape)), .tensor(TensorType(dtype: .int64, shape: shape))]
    }

    static let formula = "1 comparison (`Conventions.reduceStep` = \(Conventions.reduceStep)) per input element (a selection pass along the axis; the n·log2(k) of a heap is not modelled)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.inputElements(0), flopsPerElement: Conventions.reduceStep)
    }
}

// MARK: - CumSum

/// Cumulative sum along the axis given by the scalar input `axis`; `exclusive` and `reverse`
/// (0/1) do not change the shape. The output has X's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__CumSum.html · opsets 11–14.
struct CumSumOp: Operator {
    static let schema = OpSchema(type: "CumSum", since: 11, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {
        for name in ["exclusive", "reverse"] {
            let flag = try node.int(name, default: 0)
            guard flag == 0 || flag == 1 else { throw .invalidAttribute(name: name, reason: "must be 0 or 1, got \(flag)") }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        if let rank = x.rank, let axis = ctx.knownInts(1) {
            guard axis.count == 1 else { throw .invalidInput(index: 1, reason: "axis must be a scalar, got \(axis.count) values") }
            _ = try Axes.normalize(axis[0], rank: rank)
        }
        return [.tensor(x)]
    }

    static let formula = "1 add (`Conventions.arithmetic` = \(Conventions.arithmetic)) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ReductionFamily {
    public static let entries: [OperatorEntry] = ReduceRow.table.entries
        + [ArgReduceOp.entry("ArgMax"), ArgReduceOp.entry("ArgMin"), OperatorEntry(TopKOp.self), OperatorEntry(CumSumOp.self)]
}
