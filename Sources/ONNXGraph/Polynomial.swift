/// A polynomial with integer coefficients over named symbols (`batch`, `sequence`, `s23`).
///
/// Exported graphs compute shapes with products, sums and exact divisions of symbolic dims, and a
/// model's FLOPs are sums of products of dims, so one exact algebra serves both. Every operation
/// checks for overflow and returns `nil` instead of trapping: sizes come from untrusted files.
/// Terms are kept sorted and merged, so equal polynomials compare equal.
public struct Polynomial: Hashable, Sendable, CustomStringConvertible {
    /// A product of symbols with positive powers, sorted by symbol name.
    public struct Monomial: Hashable, Sendable, Comparable {
        public var factors: [Factor]

        public struct Factor: Hashable, Sendable {
            public var symbol: String
            public var power: Int
        }

        public static let one = Monomial(factors: [])

        /// Total degree, saturating (hostile graphs can build huge powers).
        public var degree: Int {
            factors.reduce(0) { total, factor in
                let (sum, overflow) = total.addingReportingOverflow(factor.power)
                return overflow ? Int.max : sum
            }
        }

        public static func < (lhs: Monomial, rhs: Monomial) -> Bool {
            if lhs.degree != rhs.degree { return lhs.degree > rhs.degree }  // highest degree first
            for (l, r) in zip(lhs.factors, rhs.factors) {
                if l.symbol != r.symbol { return l.symbol < r.symbol }
                if l.power != r.power { return l.power > r.power }
            }
            return lhs.factors.count < rhs.factors.count
        }

        /// The product; `nil` when a power overflows (a hostile graph squaring a symbol 63 times).
        func multiplied(by other: Monomial) -> Monomial? {
            var merged: [Factor] = []
            merged.reserveCapacity(factors.count + other.factors.count)
            var i = 0, j = 0
            while i < factors.count || j < other.factors.count {
                if j == other.factors.count || (i < factors.count && factors[i].symbol < other.factors[j].symbol) {
                    merged.append(factors[i]); i += 1
                } else if i == factors.count || other.factors[j].symbol < factors[i].symbol {
                    merged.append(other.factors[j]); j += 1
                } else {
                    let (power, overflow) = factors[i].power.addingReportingOverflow(other.factors[j].power)
                    if overflow { return nil }
                    merged.append(Factor(symbol: factors[i].symbol, power: power))
                    i += 1; j += 1
                }
            }
            return Monomial(factors: merged)
        }

        /// `self / other` when `other` divides it exactly.
        func divided(by other: Monomial) -> Monomial? {
            var result = factors
            for factor in other.factors {
                guard let index = result.firstIndex(where: { $0.symbol == factor.symbol }),
                      result[index].power >= factor.power else { return nil }
                result[index].power -= factor.power
                if result[index].power == 0 { result.remove(at: index) }
            }
            return Monomial(factors: result)
        }

        var text: String {
            factors.map { $0.power == 1 ? $0.symbol : "\($0.symbol)^\($0.power)" }.joined(separator: "*")
        }
    }

    public struct Term: Hashable, Sendable {
        public var coefficient: Int
        public var monomial: Monomial
    }

    /// How the terms are held. Nearly every symbolic size of a real graph is a constant or one
    /// `c·s^p` (`4096*batch`): those two forms live inline, with no array, so that the sizes and
    /// costs of 100,000 nodes do not cost two heap blocks each. Canonical: a polynomial of zero or
    /// one constant term is `.constant`, of one single-factor term `.single`, otherwise `.general`,
    /// so the synthesized equality and hash still compare values.
    enum Storage: Hashable, Sendable {
        case constant(Int)
        /// The symbol is an interned id and the power 16 bits (a larger power is far past
        /// `Budget.maxDegree` and kept general), so a `SymbolicInt` is 16 bytes of plain data.
        case single(coefficient: Int, symbol: SymbolID, power: UInt16)
        case general([Term])
    }

    var storage: Storage

    /// Non-zero terms, sorted by monomial (highest degree first).
    public private(set) var terms: [Term] {
        get {
            switch storage {
            case .constant(let c): c == 0 ? [] : [Term(coefficient: c, monomial: .one)]
            case .single(let c, let symbol, let power): [Term(coefficient: c, monomial: Monomial(factors: [.init(symbol: symbol.name, power: Int(power))]))]
            case .general(let terms): terms
            }
        }
        set { storage = Self.storage(newValue) }
    }

    /// The canonical storage of sorted, merged, non-zero `terms`.
    static func storage(_ terms: [Term]) -> Storage {
        if terms.isEmpty { return .constant(0) }
        if terms.count == 1 {
            let factors = terms[0].monomial.factors
            if factors.isEmpty { return .constant(terms[0].coefficient) }
            if factors.count == 1, let power = UInt16(exactly: factors[0].power) {
                return .single(coefficient: terms[0].coefficient, symbol: SymbolID(factors[0].symbol), power: power)
            }
        }
        return .general(terms)
    }

    /// Whether `self ± other` is certain to stay within `Budget` (so it is a true polynomial, never
    /// an opaque `expr_…` symbol): the terms, and the symbols written out, fit side by side.
    public func sumStaysWithinBudget(_ other: Polynomial) -> Bool {
        guard termCount + other.termCount <= Budget.maxTerms, isWithinBudget, other.isWithinBudget else { return false }
        func factors(_ p: Polynomial) -> Int {
            switch p.storage {
            case .constant: 0
            case .single: 1
            case .general(let terms): terms.reduce(0) { $0 + $1.monomial.factors.count }
            }
        }
        return factors(self) + factors(other) <= Budget.maxSymbols
    }

    /// Whether every coefficient of `self − other` is ≥ 0, found by walking both term lists without
    /// building the difference; `nil` when a coefficient of the difference overflows.
    public func differenceHasNoNegativeCoefficient(minus other: Polynomial) -> Bool? {
        let lhs = terms, rhs = other.terms
        var i = 0, j = 0
        var result = true
        while i < lhs.count || j < rhs.count {
            let coefficient: Int
            if j == rhs.count || (i < lhs.count && lhs[i].monomial < rhs[j].monomial) {
                coefficient = lhs[i].coefficient
                i += 1
            } else if i == lhs.count || rhs[j].monomial < lhs[i].monomial {
                guard rhs[j].coefficient != Int.min else { return nil }
                coefficient = -rhs[j].coefficient
                j += 1
            } else {
                // As `self + (−other)`: negating Int.min overflows even where the sum would not.
                let (difference, overflow) = lhs[i].coefficient.subtractingReportingOverflow(rhs[j].coefficient)
                if overflow || rhs[j].coefficient == Int.min { return nil }
                coefficient = difference
                i += 1
                j += 1
            }
            if coefficient < 0 { result = false }
        }
        return result
    }

    /// Number of terms, without building them.
    var termCount: Int {
        switch storage {
        case .constant(let c): c == 0 ? 0 : 1
        case .single: 1
        case .general(let terms): terms.count
        }
    }

    // MARK: Budget

    /// Bounds on every polynomial, so that no file can make the algebra grow without limit (a
    /// product of k sums has 2^k terms; a chain of n broadcasts of distinct symbols names n symbols).
    /// Past a bound, the result is an opaque symbol named after the expression (`expr_…`, see
    /// `Polynomial.opaque(hashing:)`), and the passes warn once per kind.
    public enum Budget {
        /// Terms per polynomial.
        public static let maxTerms = 256
        /// Total degree of a term.
        public static let maxDegree = 32
        /// Distinct symbols per polynomial.
        public static let maxSymbols = 64
        /// Characters of an opaque symbol's name (longer names are replaced by `expr_<hash>`).
        public static let maxNameLength = 160
        /// Prefix of the symbols that stand for expressions past a bound.
        public static let opaquePrefix = "expr_"
    }

    /// Whether the polynomial is within `Budget`.
    var isWithinBudget: Bool {
        switch storage {
        case .constant: true
        case .single(_, _, let power): Int(power) <= Budget.maxDegree
        case .general(let terms): Self.isWithinBudget(terms)
        }
    }

    /// `isWithinBudget` of a `.general` polynomial, out of line so the inline forms stay a compare.
    private static func isWithinBudget(_ terms: [Term]) -> Bool {
        guard terms.count <= Budget.maxTerms else { return false }
        var factorCount = 0
        for term in terms {
            guard term.monomial.degree <= Budget.maxDegree else { return false }
            factorCount += term.monomial.factors.count
        }
        // Distinct symbols are at most the factors written out: count them only past the bound.
        if factorCount <= Budget.maxSymbols { return true }
        var symbols = Set<String>()
        for term in terms {
            for factor in term.monomial.factors { symbols.insert(factor.symbol) }
            if symbols.count > Budget.maxSymbols { return false }
        }
        return true
    }

    /// A symbol standing for `lhs op rhs`, named by a stable (FNV-1a) hash of the operands, so that
    /// equal expressions still get equal names.
    static func opaque(_ lhs: Polynomial, _ op: String, _ rhs: Polynomial) -> Polynomial {
        var hash = FNV1a()
        lhs.hash(into: &hash)
        hash.add(op)
        rhs.hash(into: &hash)
        let name = Budget.opaquePrefix + hash.hex
        OpaqueNames.remember(name, "(\(lhs.description)) \(op) (\(rhs.description))")
        return Polynomial(symbol: name)
    }

    private func hash(into hash: inout FNV1a) {
        for term in terms {
            hash.add(UInt64(bitPattern: Int64(term.coefficient)))
            for factor in term.monomial.factors {
                hash.add(factor.symbol)
                hash.add(UInt64(bitPattern: Int64(factor.power)))
            }
            hash.add(";")
        }
        hash.add("|")
    }

    /// Whether any symbol stands for an expression past the budget.
    public var hasOpaqueExpression: Bool {
        if case .constant = storage { return false }
        if case .single(_, let symbol, _) = storage { return symbol.isOpaque }
        return terms.contains { $0.monomial.factors.contains { $0.symbol.hasPrefix(Budget.opaquePrefix) } }
    }

    public init(constant: Int) {
        storage = .constant(constant)
    }

    init(storage: Storage) {
        self.storage = storage
    }

    public init(symbol: String) {
        storage = .single(coefficient: 1, symbol: SymbolID(symbol), power: 1)
    }

    init(normalizing raw: [Term]) {
        storage = .constant(0)
        let sorted = raw.sorted { $0.monomial < $1.monomial }
        var merged: [Term] = []
        merged.reserveCapacity(sorted.count)
        for term in sorted {
            if let last = merged.last, last.monomial == term.monomial {
                merged[merged.count - 1].coefficient = last.coefficient &+ term.coefficient
            } else {
                merged.append(term)
            }
        }
        terms = merged.filter { $0.coefficient != 0 }
    }

    /// The value when the polynomial has no symbols.
    public var constantValue: Int? {
        // Canonical storage: a constant is never `.general`.
        if case .constant(let c) = storage { c } else { nil }
    }

    /// Every symbol that appears.
    public var symbols: Set<String> {
        if case .constant = storage { return [] }
        if case .single(_, let symbol, _) = storage { return [symbol.name] }
        return Set(terms.flatMap { $0.monomial.factors.map(\.symbol) })
    }

    public func adding(_ other: Polynomial) -> Polynomial? {
        switch (storage, other.storage) {
        case (_, .constant(0)): return self
        case (.constant(0), _): return other
        case (.constant(let a), .constant(let b)):
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? nil : Polynomial(constant: sum)
        case (.single(let a, let s, let p), .single(let b, let t, let q)) where s == t && p == q:
            let (sum, overflow) = a.addingReportingOverflow(b)
            if overflow { return nil }
            var result = self
            result.storage = sum == 0 ? .constant(0) : .single(coefficient: sum, symbol: s, power: p)
            return result.isWithinBudget ? result : Self.opaque(self, "+", other)
        default: break
        }
        // Both term lists are sorted: merge them in one pass.
        var merged: [Term] = []
        // `terms` is built from the storage on each access: read both lists once.
        let lhs = terms, rhs = other.terms
        merged.reserveCapacity(lhs.count + rhs.count)
        var i = 0, j = 0
        while i < lhs.count || j < rhs.count {
            if j == rhs.count || (i < lhs.count && lhs[i].monomial < rhs[j].monomial) {
                merged.append(lhs[i]); i += 1
            } else if i == lhs.count || rhs[j].monomial < lhs[i].monomial {
                merged.append(rhs[j]); j += 1
            } else {
                let (sum, overflow) = lhs[i].coefficient.addingReportingOverflow(rhs[j].coefficient)
                if overflow { return nil }
                if sum != 0 { merged.append(Term(coefficient: sum, monomial: lhs[i].monomial)) }
                i += 1; j += 1
            }
        }
        var result = Polynomial(constant: 0)
        result.terms = merged
        return result.isWithinBudget ? result : Self.opaque(self, "+", other)
    }

    public func negated() -> Polynomial? {
        scaled(by: -1)
    }

    /// `k · self`, without expanding a product: every coefficient times `k` (the order of the terms,
    /// by monomial, is unchanged); `nil` on overflow.
    public func scaled(by k: Int) -> Polynomial? {
        switch storage {
        case .constant(let c):
            let (product, overflow) = c.multipliedReportingOverflow(by: k)
            return overflow ? nil : Polynomial(constant: product)
        case .single(let c, let symbol, let power):
            if k == 0 { return Polynomial(constant: 0) }
            let (product, overflow) = c.multipliedReportingOverflow(by: k)
            if overflow { return nil }
            var result = self
            result.storage = .single(coefficient: product, symbol: symbol, power: power)
            return result
        case .general:
            if k == 0 { return Polynomial(constant: 0) }
        }
        var result = self
        var terms = result.terms
        for index in terms.indices {
            let (product, overflow) = terms[index].coefficient.multipliedReportingOverflow(by: k)
            if overflow { return nil }
            terms[index].coefficient = product
        }
        result.terms = terms
        return result
    }

    public func multiplied(by other: Polynomial) -> Polynomial? {
        // A constant factor scales the coefficients: no product to expand, no terms to sort.
        if case .constant(let k) = other.storage {
            guard let result = scaled(by: k) else { return nil }
            return result.isWithinBudget ? result : Self.opaque(self, "*", other)
        }
        if case .constant(let k) = storage {
            guard let result = other.scaled(by: k) else { return nil }
            return result.isWithinBudget ? result : Self.opaque(self, "*", other)
        }
        if case .single(let a, let s, let p) = storage, case .single(let b, let t, let q) = other.storage, s == t {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            let (power, powerOverflow) = Int(p).addingReportingOverflow(Int(q))
            if overflow || powerOverflow { return nil }
            var result = self
            if let narrow = UInt16(exactly: power) {
                result.storage = .single(coefficient: product, symbol: s, power: narrow)
            } else {
                result.storage = .general([Term(coefficient: product, monomial: Monomial(factors: [.init(symbol: s.name, power: power)]))])
            }
            return result.isWithinBudget ? result : Self.opaque(self, "*", other)
        }
        // `a·s^p · b·t^q` of two symbols (`batch*sequence`): the one term the expansion below gives,
        // its two factors in name order, without building and sorting term lists.
        if case .single(let a, let s, let p) = storage, case .single(let b, let t, let q) = other.storage {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow { return nil }
            let first = Monomial.Factor(symbol: s.name, power: Int(p)), second = Monomial.Factor(symbol: t.name, power: Int(q))
            let factors = first.symbol < second.symbol ? [first, second] : [second, first]
            let result = Polynomial(storage: .general([Term(coefficient: product, monomial: Monomial(factors: factors))]))
            return result.isWithinBudget ? result : Self.opaque(self, "*", other)
        }
        let lhs = terms, rhs = other.terms
        if lhs.isEmpty || rhs.isEmpty { return Polynomial(constant: 0) }
        // Expanding more than this many products is past the budget whatever merges afterwards.
        if lhs.count * rhs.count > 4 * Budget.maxTerms { return Self.opaque(self, "*", other) }
        var raw: [Term] = []
        raw.reserveCapacity(lhs.count * rhs.count)
        for a in lhs {
            for b in rhs {
                let (product, overflow) = a.coefficient.multipliedReportingOverflow(by: b.coefficient)
                if overflow { return nil }
                guard let monomial = a.monomial.multiplied(by: b.monomial) else { return nil }
                raw.append(Term(coefficient: product, monomial: monomial))
            }
        }
        guard let result = Self.merging(raw) else { return nil }
        return result.isWithinBudget ? result : Self.opaque(self, "*", other)
    }

    /// Sorts terms once and merges equal monomials with overflow checks; `nil` on overflow.
    static func merging(_ raw: [Term]) -> Polynomial? {
        var sorted = raw
        if sorted.count > 1 { sorted.sort { $0.monomial < $1.monomial } }
        var merged: [Term] = []
        merged.reserveCapacity(sorted.count)
        for term in sorted {
            if let last = merged.last, last.monomial == term.monomial {
                let (sum, overflow) = last.coefficient.addingReportingOverflow(term.coefficient)
                if overflow { return nil }
                merged[merged.count - 1].coefficient = sum
            } else {
                merged.append(term)
            }
        }
        var result = Polynomial(constant: 0)
        result.terms = merged.filter { $0.coefficient != 0 }
        return result
    }

    /// `self / divisor` when the division is exact term by term (a single-term divisor that divides
    /// every term, or a divisor equal to `self` times a constant); `nil` otherwise.
    public func dividedExactly(by divisor: Polynomial) -> Polynomial? {
        let divisorTerms = divisor.terms
        if divisorTerms.count == 1 {
            let d = divisorTerms[0]
            var result: [Term] = []
            for term in terms {
                guard d.coefficient != 0, term.coefficient % d.coefficient == 0,
                      let monomial = term.monomial.divided(by: d.monomial) else { return nil }
                if d.coefficient == -1 && term.coefficient == Int.min { return nil }
                result.append(Term(coefficient: term.coefficient / d.coefficient, monomial: monomial))
            }
            return Polynomial(normalizing: result)
        }
        // A multi-term divisor: exact only when self == k·divisor for an integer k.
        guard let lead = divisorTerms.first, let selfLead = terms.first,
              lead.monomial == selfLead.monomial, lead.coefficient != 0,
              selfLead.coefficient % lead.coefficient == 0 else { return nil }
        let k = selfLead.coefficient / lead.coefficient
        guard let scaled = divisor.multiplied(by: Polynomial(constant: k)), scaled == self else { return nil }
        return Polynomial(constant: k)
    }

    /// Replaces bound symbols by their values; `nil` on overflow.
    public func substituting(_ bindings: [String: Int]) -> Polynomial? {
        switch storage {
        case .constant: return self
        case .single(let c, let symbol, let power):
            guard let value = bindings[symbol.name] else { return self }
            guard let raised = Self.power(value, Int(power)) else { return nil }
            let (product, overflow) = c.multipliedReportingOverflow(by: raised)
            return overflow ? nil : Polynomial(constant: product)
        case .general: break
        }
        var raw: [Term] = []
        raw.reserveCapacity(terms.count)
        for term in terms {
            var coefficient = term.coefficient
            var kept: [Monomial.Factor] = []
            for factor in term.monomial.factors {
                guard let value = bindings[factor.symbol] else { kept.append(factor); continue }
                guard let power = Self.power(value, factor.power) else { return nil }
                let (product, overflow) = coefficient.multipliedReportingOverflow(by: power)
                if overflow { return nil }
                coefficient = product
            }
            raw.append(Term(coefficient: coefficient, monomial: Monomial(factors: kept)))
        }
        return Self.merging(raw)
    }

    /// The value with every symbol at `value`, or `nil` on overflow: `substituting` every symbol
    /// by `value`, without building the bindings for the common inline forms.
    public func valueWithEverySymbol(at value: Int) -> Int? {
        switch storage {
        case .constant(let c): return c
        case .single(let c, _, let power):
            guard let raised = Self.power(value, Int(power)) else { return nil }
            let (product, overflow) = c.multipliedReportingOverflow(by: raised)
            return overflow ? nil : product
        case .general(let terms):
            // The products and the sum `substituting` + `merging` compute, in the same order.
            var total = 0
            for term in terms {
                var coefficient = term.coefficient
                for factor in term.monomial.factors {
                    guard let raised = Self.power(value, factor.power) else { return nil }
                    let (product, overflow) = coefficient.multipliedReportingOverflow(by: raised)
                    if overflow { return nil }
                    coefficient = product
                }
                let (sum, overflow) = total.addingReportingOverflow(coefficient)
                if overflow { return nil }
                total = sum
            }
            return total
        }
    }

    /// `base^exponent` by squaring; `nil` on overflow.
    static func power(_ base: Int, _ exponent: Int) -> Int? {
        if exponent == 0 || base == 1 { return 1 }
        if base == 0 { return 0 }
        if base == -1 { return exponent % 2 == 0 ? 1 : -1 }
        var result = 1, factor = base, remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 {
                let (product, overflow) = result.multipliedReportingOverflow(by: factor)
                if overflow { return nil }
                result = product
            }
            remaining >>= 1
            if remaining > 0 {
                let (square, overflow) = factor.multipliedReportingOverflow(by: factor)
                if overflow { return nil }
                factor = square
            }
        }
        return result
    }

    /// Readable form: `2*batch*sequence^2 + 768*batch - 3`.
    public var description: String {
        if terms.isEmpty { return "0" }
        var text = ""
        for (index, term) in terms.enumerated() {
            let magnitude = term.coefficient.magnitude
            let body: String
            if term.monomial.factors.isEmpty {
                body = "\(magnitude)"
            } else if magnitude == 1 {
                body = term.monomial.text
            } else {
                body = "\(magnitude)*\(term.monomial.text)"
            }
            if index == 0 {
                text = term.coefficient < 0 ? "-" + body : body
            } else {
                text += term.coefficient < 0 ? " - " + body : " + " + body
            }
        }
        return text
    }
}

/// 64-bit FNV-1a: a small hash that, unlike `Hasher`, is the same in every process (opaque symbol
/// names must be stable across runs).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }

    mutating func add(_ word: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
        add(UInt8(0))
    }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
