import ONNXGraph

/// The cost pass's shortcuts on counts and types: each answers exactly what the general operation
/// (`+`, `==`) answers, without it where the answer is plain (most counts of most nodes are 0).
extension CostPass.State {
    /// `type == .unknown`, by its case (the derived `==` copied and compared the payloads).
    @inline(__always)
    static func isUnknown(_ type: ValueType) -> Bool {
        if case .unknown = type { true } else { false }
    }

    /// `count == 0`, by its case.
    @inline(__always)
    static func isZero(_ count: SymbolicInt) -> Bool {
        if case .value(0) = count { true } else { false }
    }

    /// `sum += amount`, skipping the general addition where one side is 0 (`x + 0` and `0 + x`
    /// are exactly `x`, at every case of `SymbolicInt`): most counts of most nodes are 0.
    @inline(__always)
    static func add(_ amount: SymbolicInt, to sum: inout SymbolicInt) {
        if case .value(0) = amount { return }
        if case .value(0) = sum { sum = amount; return }
        sum += amount
    }

    /// `a + b`, with `add`'s shortcut.
    @inline(__always)
    static func sum(_ a: SymbolicInt, _ b: SymbolicInt) -> SymbolicInt {
        var result = a
        add(b, to: &result)
        return result
    }
}
