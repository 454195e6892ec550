import ONNXGraph

/// `Checked` (ONNXGraph) with this layer's typed errors: the one place shape rules convert doubles
/// to sizes, sum sizes and size allocations from file data.
public enum SizeCheck {
    /// `Checked.int`, or `ShapeError.overflow(what)` when the double is NaN, infinite or past `Int`.
    public static func int(_ value: Double, rounding rule: FloatingPointRoundingRule = .towardZero,
                           _ what: @autoclosure () -> String) throws(ShapeError) -> Int {
        guard let result = Checked.int(value, rounding: rule) else { throw .overflow("\(what()) (\(value))") }
        return result
    }

    /// The sum of `values`, or `ShapeError.overflow(what)`.
    public static func sum(_ values: [Int], _ what: @autoclosure () -> String) throws(ShapeError) -> Int {
        guard let result = Checked.sum(values) else { throw .overflow(what()) }
        return result
    }

    /// A rank derived from a value (the declared length of a shape input): 0...`Checked.maxDerivedRank`,
    /// else `ShapeError.invalidInput`.
    public static func rank(_ rank: Int, input: Int) throws(ShapeError) -> Int {
        guard let result = Checked.rank(rank) else {
            throw .invalidInput(index: input, reason: "a rank of \(rank) is outside 0...\(Checked.maxDerivedRank)")
        }
        return result
    }

    /// Throws `negativeDim` when a known dim of `dims` is negative.
    public static func nonNegative(_ dims: [Dim], _ what: @autoclosure () -> String) throws(ShapeError) {
        if let bad = dims.first(where: { ($0.intValue ?? 0) < 0 }) {
            throw .negativeDim("\(what()) has a dim of \(bad)")
        }
    }

    /// Checks every tensor output of a rule: no known dim is negative.
    static func validate(outputs: [ValueType]) throws(ShapeError) {
        for (index, output) in outputs.enumerated() {
            switch output {
            case .tensor(let t), .sparseTensor(let t):
                if let shape = t.shape { try nonNegative(shape, "output \(index)") }
            default: continue
            }
        }
    }
}
