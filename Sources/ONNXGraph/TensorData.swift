/// A constant tensor as the model stores it: initializer, Constant attribute or sparse part.
///
/// Weights are never copied into Swift memory. A tensor keeps its dtype, dims, byte size and where
/// the bytes are; only small numeric tensors (at most `TensorData.valueElementLimit` elements) carry
/// their values, because shape computation needs them (a Reshape's shape, Resize's scales, TopK's k).
public struct TensorData: Hashable, Sendable {
    /// Tensors with at most this many elements have their values decoded.
    public static let valueElementLimit = 4096

    public var name: String
    public var dtype: DataType
    public var dims: [Int]
    public var location: Location
    /// Decoded values of a small numeric tensor, `nil` for large or string tensors.
    public var value: TensorValue?
    public var docString: String

    public init(name: String, dtype: DataType, dims: [Int], location: Location, value: TensorValue?, docString: String = "") {
        self.name = name
        self.dtype = dtype
        self.dims = dims
        self.location = location
        self.value = value
        self.docString = docString
    }

    /// Where the payload lives.
    public enum Location: Hashable, Sendable {
        /// In the model file itself; `byteCount` bytes (for typed repeated fields, as encoded).
        case inline(byteCount: Int)
        /// In another file (`external_data`): `location` relative to the model's folder.
        case external(path: String, offset: Int, length: Int?)
    }

    public var isExternal: Bool { if case .external = location { true } else { false } }

    /// Element count, `nil` on overflow or negative dims.
    public var elementCount: Int? {
        var count = 1
        for dim in dims {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Bytes at the stored element type (packed), `nil` when not computable.
    public var byteCount: Int? { elementCount.flatMap { dtype.byteCount(elements: $0) } }

    public var tensorType: TensorType { TensorType(dtype: dtype, shape: dims.map(Dim.value)) }
}

/// Values of a small constant or propagated tensor, flattened in row-major order.
///
/// Integers may be symbolic: `Shape` of a `[batch, sequence, 768]` tensor is `[batch, sequence, 768]`,
/// and those values flow through Gather/Concat into a Reshape.
public enum TensorValue: Hashable, Sendable {
    case ints([Dim])
    case floats([Double])
    case strings([String])

    public var count: Int {
        switch self {
        case .ints(let v): v.count
        case .floats(let v): v.count
        case .strings(let v): v.count
        }
    }

    /// Integer view (floats that are whole numbers convert), `nil` for strings.
    public var ints: [Dim]? {
        switch self {
        case .ints(let v): return v
        case .floats(let v):
            var result: [Dim] = []
            for x in v {
                guard x == x.rounded(), let value = Checked.int(x) else { return nil }
                result.append(.value(value))
            }
            return result
        case .strings: return nil
        }
    }

    /// Known integer values only; `nil` if any is symbolic or unknown.
    public var knownInts: [Int]? {
        guard let values = ints else { return nil }
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for v in values {
            guard let x = v.intValue else { return nil }
            result.append(x)
        }
        return result
    }

    /// Floating view (known integers convert), `nil` for strings or symbolic ints.
    public var doubles: [Double]? {
        switch self {
        case .floats(let v): return v
        case .ints: return knownInts?.map(Double.init)
        case .strings: return nil
        }
    }
}

/// A sparse constant (`SparseTensorProto`): dense dims plus its values and indices tensors.
public struct SparseTensorData: Hashable, Sendable {
    public var values: TensorData
    public var indices: TensorData
    public var dims: [Int]

    public init(values: TensorData, indices: TensorData, dims: [Int]) {
        self.values = values
        self.indices = indices
        self.dims = dims
    }
}
