/// The type of a tensor: element type and shape. `shape == nil` means the rank is unknown.
public struct TensorType: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DataType
    public var shape: [Dim]?

    public init(dtype: DataType, shape: [Dim]?) {
        self.dtype = dtype
        self.shape = shape
    }

    public var rank: Int? { shape?.count }

    /// Number of elements (`shape.product`); `.unknown` when the rank is unknown. Not stored here
    /// (it would triple the size of every type in every table); the cost pass keeps one byte count
    /// per tensor instead.
    public var elementCount: Dim { shape?.product ?? .unknown }

    /// Bytes of the tensor at its own element type (sub-byte types packed); `.unknown` when not computable.
    public var byteCount: Dim { Self.bytes(elements: elementCount, dtype: dtype) }

    /// Bytes of `elements` elements of `dtype`, exact for packed sub-byte types when known.
    public static func bytes(elements: Dim, dtype: DataType) -> Dim {
        guard let bits = dtype.bitsPerElement else { return .unknown }
        if bits % 8 == 0 { return elements * .value(bits / 8) }
        if let count = elements.intValue { return dtype.byteCount(elements: count).map(Dim.value) ?? .unknown }
        return (elements * .value(bits)).ceilDivided(by: 8)
    }

    public var description: String {
        guard let shape else { return "\(dtype.name)[?]" }
        return "\(dtype.name)[\(shape.map(\.description).joined(separator: ","))]"
    }
}

/// The type of any ONNX value: a tensor, a sparse tensor, a sequence, a map or an optional.
/// Only the nested cases are boxed: a tensor type (nearly every value) is stored inline, not in a
/// heap box of its own.
public enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case tensor(TensorType)
    case sparseTensor(TensorType)
    indirect case sequence(ValueType)
    indirect case map(key: DataType, value: ValueType)
    indirect case optional(ValueType)
    /// Nothing is known (an op without a rule, an untyped declaration).
    case unknown

    public var tensor: TensorType? { if case .tensor(let t) = self { t } else { nil } }

    public var description: String {
        switch self {
        case .tensor(let t): t.description
        case .sparseTensor(let t): "sparse(\(t))"
        case .sequence(let element): "seq(\(element))"
        case .map(let key, let value): "map(\(key.name),\(value))"
        case .optional(let element): "optional(\(element))"
        case .unknown: "unknown"
        }
    }
}
