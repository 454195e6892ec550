import ONNXGraph
import ShapeInference
import CostKernels

// Helpers shared by the data-movement families (ShapeOps, Indexing, Generator, Sequence, Misc):
// output-type builders, dim merging, and value propagation on small tensors.
//
// Every data-movement op on a small tensor's values is a selection of flat source indices
// (Gather, Slice, Transpose, Expand, Tile, Split) or a concatenation of values (Concat), so value
// propagation is written once here as "compute the source index of each output element, then pick".

/// Value propagation and shape helpers for the data-movement families.
enum ValueKit {
    /// Tensors with at most this many elements get propagated values.
    static let limit = TensorData.valueElementLimit

    /// A tensor output type.
    static func tensor(_ dtype: DataType, _ shape: [Dim]?) -> ValueType {
        .tensor(TensorType(dtype: dtype, shape: shape))
    }

    /// All dims known numbers, else `nil`.
    static func known(_ shape: [Dim]?) -> [Int]? {
        guard let shape else { return nil }
        var result: [Int] = []
        result.reserveCapacity(shape.count)
        for dim in shape {
            guard let v = dim.intValue, v >= 0 else { return nil }
            result.append(v)
        }
        return result
    }

    /// Steps a row-major multi-index through `shape` (the last axis fastest); past the last element
    /// it wraps to all zeros.
    static func advance(_ index: inout [Int], in shape: [Int]) {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { return }
            index[axis] = 0
            axis -= 1
        }
    }

    /// Element count of a known shape when it is small enough for values (≤ `limit`), else `nil`.
    static func smallCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (p, o) = count.multipliedReportingOverflow(by: dim)
            guard !o, p <= limit else { return nil }
            count = p
        }
        return count
    }

    /// Row-major strides of a known shape (small shapes only, so no overflow).
    static func strides(_ shape: [Int]) -> [Int] {
        var result = Array(repeating: 1, count: shape.count)
        var acc = 1
        for axis in shape.indices.reversed() {
            result[axis] = acc
            acc &*= shape[axis]
        }
        return result
    }

    /// Flat source indices of every output element: `source(outputMultiIndex)` for a small output shape.
    static func sourceIndices(outputShape: [Int], _ source: ([Int]) -> Int?) -> [Int]? {
        guard let count = smallCount(outputShape) else { return nil }
        var result: [Int] = []
        result.reserveCapacity(count)
        if count == 0 { return result }
        var index = Array(repeating: 0, count: outputShape.count)
        for _ in 0..<count {
            guard let s = source(index) else { return nil }
            result.append(s)
            advance(&index, in: outputShape)
        }
        return result
    }

    /// The elements of `value` at flat positions `indices`; `nil` when any is out of range.
    static func pick(_ value: TensorValue, _ indices: [Int]) -> TensorValue? {
        func select<T>(_ array: [T]) -> [T]? {
            var result: [T] = []
            result.reserveCapacity(indices.count)
            for i in indices {
                guard i >= 0, i < array.count else { return nil }
                result.append(array[i])
            }
            return result
        }
        switch value {
        case .ints(let v): return select(v).map(TensorValue.ints)
        case .floats(let v): return select(v).map(TensorValue.floats)
        case .strings(let v): return select(v).map(TensorValue.strings)
        }
    }

    /// Values appended in order; `nil` when the kinds differ (ints mixed with floats convert to floats
    /// only when every int is known).
    static func concat(_ values: [TensorValue]) -> TensorValue? {
        if values.allSatisfy({ if case .ints = $0 { true } else { false } }) {
            return .ints(values.flatMap { $0.ints ?? [] })
        }
        if values.allSatisfy({ if case .strings = $0 { true } else { false } }) {
            return .strings(values.flatMap { (v: TensorValue) -> [String] in if case .strings(let s) = v { return s }; return [] })
        }
        var doubles: [Double] = []
        for value in values {
            guard let d = value.doubles else { return nil }
            doubles.append(contentsOf: d)
        }
        return .floats(doubles)
    }

    /// The value repeated `count` times.
    static func repeated(_ value: TensorValue, count: Int) -> TensorValue? {
        guard value.count == 1, count >= 0, count <= limit else { return nil }
        return pick(value, Array(repeating: 0, count: count))
    }


    /// Two dims that must be equal (Concat's non-axis dims): a known value wins over a symbol; two
    /// different known values are an error, named by `what` (made only then: Concat names every axis
    /// of every node).
    static func unify(_ a: Dim, _ b: Dim, what: @autoclosure () -> String) throws(ShapeError) -> Dim {
        if a == b { return a }
        switch (a, b) {
        case (.value(let x), .value(let y)):
            throw .incompatibleDims("\(what()): \(x) vs \(y)")
        case (.value, _): return a
        case (_, .value): return b
        case (.unknown, _): return b
        case (_, .unknown): return a
        default: return a
        }
    }

    /// Two dims of sequence elements: equal dims are kept, differing dims become `.unknown`.
    static func merge(_ a: [Dim]?, _ b: [Dim]?) -> [Dim]? {
        guard let a, let b, a.count == b.count else { return nil }
        return zip(a, b).map { $0 == $1 ? $0 : .unknown }
    }

    /// Merged element types of a sequence (same dtype required; shapes merged with `merge`).
    static func mergeElement(_ a: ValueType, _ b: ValueType) -> ValueType {
        if a == b { return a }
        switch (a, b) {
        case (.tensor(let x), .tensor(let y)):
            return .tensor(TensorType(dtype: x.dtype == y.dtype ? x.dtype : .undefined, shape: merge(x.shape, y.shape)))
        case (.sequence(let x), .sequence(let y)): return .sequence(mergeElement(x, y))
        case (.optional(let x), .optional(let y)): return .optional(mergeElement(x, y))
        case (.unknown, _): return b
        case (_, .unknown): return a
        default: return .unknown
        }
    }

    /// A data-type attribute (`to`, `dtype`): an INT wire value, or (Cast-1) a STRING name like "FLOAT".
    static func dataType(_ node: Node, _ name: String) throws(ShapeError) -> DataType? {
        guard let value = node.attribute(name)?.value else { return nil }
        switch value {
        case .int(let raw):
            guard let t = Int32(exactly: raw).flatMap(DataType.init(rawValue:)), t != .undefined else {
                throw .invalidAttribute(name: name, reason: "unknown data type \(raw)")
            }
            return t
        case .string(let text):
            let wanted = text.uppercased()
            let aliases: [String: DataType] = [
                "FLOAT": .float, "FLOAT32": .float, "DOUBLE": .double, "FLOAT64": .double, "FLOAT16": .float16,
                "BFLOAT16": .bfloat16, "INT8": .int8, "UINT8": .uint8, "INT16": .int16, "UINT16": .uint16,
                "INT32": .int32, "UINT32": .uint32, "INT64": .int64, "UINT64": .uint64, "BOOL": .bool,
                "STRING": .string, "COMPLEX64": .complex64, "COMPLEX128": .complex128,
            ]
            guard let t = aliases[wanted] else { throw .invalidAttribute(name: name, reason: "unknown data type '\(text)'") }
            return t
        default:
            throw .invalidAttribute(name: name, reason: "expected INT, got \(value.kindName)")
        }
    }

    /// Converts values to an element type, as Cast does: to integers truncates toward zero, to bool
    /// gives 0/1, to floats converts known integers; `nil` when not possible (symbolic → float, strings).
    static func cast(_ value: TensorValue, to dtype: DataType) -> TensorValue? {
        if dtype == .bool {
            if let d = value.doubles { return .ints(d.map { $0 != 0 ? 1 : 0 }) }
            return nil
        }
        if dtype.isInteger {
            switch value {
            case .ints: return value
            case .floats(let v):
                var result: [Dim] = []
                for x in v {
                    guard let value = Checked.int(x) else { return nil }
                    result.append(.value(value))
                }
                return .ints(result)
            case .strings: return nil
            }
        }
        if dtype.isFloatingPoint {
            return value.doubles.map(TensorValue.floats)
        }
        if dtype == .string, case .strings = value { return value }
        return nil
    }

    /// Whether the element type's values may be propagated (numbers and bools, not strings or complex).
    static func isPropagatable(_ dtype: DataType) -> Bool {
        dtype.isInteger || dtype.isFloatingPoint || dtype == .bool
    }
}
