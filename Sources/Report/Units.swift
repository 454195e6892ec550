import ONNXGraph

/// Human-readable numbers: 4.09 G, 97.5 MiB. Symbolic counts print as formulas.
public enum Units {
    /// Decimal prefixes for counts (MACs, FLOPs, params).
    public static func count(_ value: SymbolicInt) -> String {
        switch value {
        case .value(let v): return count(Double(v))
        case .polynomial(let p): return formula(p, unit: { count(Double($0)) })
        case .unknown: return "?"
        }
    }

    /// A polynomial with its coefficients in units: `4.089 G·batch + 22 K`.
    static func formula(_ p: Polynomial, unit: (Int) -> String) -> String {
        var text = ""
        for (index, term) in p.terms.enumerated() {
            let magnitude = Int(clamping: term.coefficient.magnitude)  // Int.min's magnitude does not fit Int
            let monomial = term.monomial.factors.map { $0.power == 1 ? $0.symbol : "\($0.symbol)^\($0.power)" }.joined(separator: "·")
            let body = monomial.isEmpty ? unit(magnitude) : (magnitude == 1 ? monomial : "\(unit(magnitude))·\(monomial)")
            if index == 0 {
                text = term.coefficient < 0 ? "-" + body : body
            } else {
                text += term.coefficient < 0 ? " - " + body : " + " + body
            }
        }
        return text.isEmpty ? "0" : text
    }

    public static func count(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")]
        for (scale, suffix) in units where abs(value) >= scale {
            return format(value / scale) + " " + suffix
        }
        guard value.isFinite else { return format(value) }
        return value == value.rounded() ? String(Int(value)) : format(value)
    }

    /// Binary prefixes for bytes.
    public static func bytes(_ value: SymbolicInt) -> String {
        switch value {
        case .value(let v): return bytes(Double(v))
        case .polynomial(let p): return formula(p, unit: { bytes(Double($0)) })
        case .unknown: return "?"
        }
    }

    public static func bytes(_ value: Double) -> String {
        let units: [(Double, String)] = [(1_099_511_627_776, "TiB"), (1_073_741_824, "GiB"), (1_048_576, "MiB"), (1024, "KiB")]
        for (scale, suffix) in units where abs(value) >= scale {
            return format(value / scale) + " " + suffix
        }
        guard value.isFinite else { return format(value) + " B" }
        return "\(Int(value)) B"
    }

    public static func seconds(_ value: Double) -> String {
        if value >= 1 { return format(value) + " s" }
        if value >= 1e-3 { return format(value * 1e3) + " ms" }
        if value >= 1e-6 { return format(value * 1e6) + " µs" }
        return format(value * 1e9) + " ns"
    }

    public static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : 3
        var text = String(value.formatted(digits: digits))
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

extension Double {
    /// Fixed-point text without Foundation's locale machinery.
    func formatted(digits: Int) -> String {
        // Int(_:) traps on NaN, infinities and magnitudes past 2^63 (a user's device file with a zero
        // peak, a share of a total that hostile counts made tiny): spell those out instead.
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        guard magnitude < 1e15 else { return "\(self)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (self * scale).rounded() / scale
        let integer = Int(rounded.magnitude)
        var fraction = Int(((rounded.magnitude - Double(integer)) * scale).rounded())
        var integerPart = integer
        if Double(fraction) >= scale { integerPart += 1; fraction = 0 }
        let fractionText = String(fraction)
        let padded = String(repeating: "0", count: max(0, digits - fractionText.count)) + fractionText
        return (rounded < 0 ? "-" : "") + "\(integerPart)" + (digits > 0 ? "." + padded : "")
    }
}
