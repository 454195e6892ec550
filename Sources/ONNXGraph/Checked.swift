/// Checked conversions and sizes for numbers that come from a file.
///
/// Every float→integer conversion, every sum and product of sizes, and every allocation whose size
/// a file decides goes through these helpers: they return `nil` instead of trapping (`Int(1e30)`,
/// `Int.max + 1`) or allocating terabytes (`Array(repeating:count: 1 << 40)`). Each layer turns the
/// `nil` into its own typed error (`ShapeError.overflow`, `ShapeError.invalidInput`, ...).
public enum Checked {
    /// The largest rank a rule derives from a value (the declared length of a shape input, a count
    /// attribute); ranks written out dim by dim in the file are bounded by the file instead.
    /// ONNX itself sets no limit; numpy allows 64, and no exported model comes near.
    public static let maxDerivedRank = 64

    /// The integer a double rounds to under `rule`, or `nil` when it is NaN, infinite or outside
    /// `Int`'s range (where `Int(_:)` would trap).
    public static func int(_ value: Double, rounding rule: FloatingPointRoundingRule = .towardZero) -> Int? {
        guard value.isFinite else { return nil }
        let rounded = value.rounded(rule)
        // 2^63 is exactly representable; every double below it converts.
        guard rounded >= -9_223_372_036_854_775_808.0, rounded < 9_223_372_036_854_775_808.0 else { return nil }
        return Int(rounded)
    }

    /// The sum, or `nil` on overflow.
    public static func sum<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
        var total = 0
        for value in values {
            let (next, overflow) = total.addingReportingOverflow(value)
            if overflow { return nil }
            total = next
        }
        return total
    }

    /// The product, or `nil` on overflow.
    public static func product<S: Sequence>(_ values: S) -> Int? where S.Element == Int {
        var total = 1
        for value in values {
            let (next, overflow) = total.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            total = next
        }
        return total
    }

    /// `count` when it is a size a rule may allocate (0...`limit`), else `nil`.
    public static func count(_ count: Int, limit: Int) -> Int? {
        count >= 0 && count <= limit ? count : nil
    }

    /// A rank derived from a value (0...`maxDerivedRank`), else `nil`.
    public static func rank(_ rank: Int) -> Int? { count(rank, limit: maxDerivedRank) }
}
