import ONNXGraph

/// The element count of the last shape asked about, kept: the nodes of a chain, and many of a
/// transformer layer, have outputs of one shape (often the very same array), whose product is then
/// not worked out again. Equal shapes have equal products, so the answer is `elementCount`'s.
struct ElementCountMemo {
    private var shape: [Dim]?
    private var count: SymbolicInt = .unknown

    /// `type?.elementCount`.
    mutating func elementCount(_ type: TensorType?) -> SymbolicInt? {
        guard let type else { return nil }
        guard let shape = type.shape else { return .unknown }
        if let last = self.shape, last == shape { return count }
        count = shape.product
        self.shape = shape
        return count
    }
}
