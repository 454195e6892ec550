/// An integer that is known, a polynomial in named symbols, or unknown.
///
/// Tensor dims and operator costs use the same algebra: a dim of an exported transformer is `batch`
/// or `sequence*12`, and its FLOPs are a polynomial in those symbols. Arithmetic never traps: an
/// overflow becomes `.unknown`, which callers report (see `ShapeError`/`CostError`).
/// A `.polynomial` is never constant: constants are always `.value`.
public enum SymbolicInt: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    case value(Int)
    case polynomial(Polynomial)
    case unknown

    public init(integerLiteral value: Int) { self = .value(value) }

    /// A named symbol (`batch`, `s0`).
    public static func symbol(_ name: String) -> SymbolicInt { .polynomial(Polynomial(symbol: name)) }

    /// Wraps a polynomial, folding constants into `.value`.
    public init(_ polynomial: Polynomial?) {
        guard let polynomial else { self = .unknown; return }
        if let constant = polynomial.constantValue { self = .value(constant) } else { self = .polynomial(polynomial) }
    }

    public var intValue: Int? { if case .value(let v) = self { v } else { nil } }
    public var isKnown: Bool { if case .value = self { true } else { false } }
    public var isUnknown: Bool { if case .unknown = self { true } else { false } }

    /// The polynomial form (a constant for `.value`), `nil` when unknown.
    public var asPolynomial: Polynomial? {
        switch self {
        case .value(let v): Polynomial(constant: v)
        case .polynomial(let p): p
        case .unknown: nil
        }
    }

    /// A symbol that stands for an expression this algebra cannot keep exactly (`floor((s0 - 1)/2)`),
    /// so that equal expressions still compare equal and flow on by name.
    /// Names longer than `Polynomial.Budget.maxNameLength` (a chain of n broadcasts nests n `max`es)
    /// become `expr_<hash of the text>`.
    public static func opaque(_ text: String) -> SymbolicInt {
        guard text.utf8.count > Polynomial.Budget.maxNameLength else { return .symbol(text) }
        var hash = FNV1a()
        hash.add(text)
        let name = Polynomial.Budget.opaquePrefix + hash.hex
        OpaqueNames.remember(name, text)
        return .symbol(name)
    }

    /// Whether a symbol stands for an expression past `Polynomial.Budget`.
    public var hasOpaqueExpression: Bool { asPolynomial?.hasOpaqueExpression ?? false }

    public var description: String {
        switch self {
        case .value(let v): "\(v)"
        case .polynomial(let p): p.description
        case .unknown: "?"
        }
    }

    public static func + (lhs: SymbolicInt, rhs: SymbolicInt) -> SymbolicInt {
        if case .value(let a) = lhs, case .value(let b) = rhs {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? .unknown : .value(sum)
        }
        guard let a = lhs.asPolynomial, let b = rhs.asPolynomial else { return .unknown }
        return SymbolicInt(a.adding(b))
    }

    public static prefix func - (operand: SymbolicInt) -> SymbolicInt {
        if case .value(let a) = operand { return a == Int.min ? .unknown : .value(-a) }
        return SymbolicInt(operand.asPolynomial?.negated())
    }

    public static func - (lhs: SymbolicInt, rhs: SymbolicInt) -> SymbolicInt { lhs + (-rhs) }

    public static func * (lhs: SymbolicInt, rhs: SymbolicInt) -> SymbolicInt {
        if case .value(let a) = lhs, case .value(let b) = rhs {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? .unknown : .value(product)
        }
        if let product = singleTimesConstant(lhs, rhs) ?? singleTimesConstant(rhs, lhs) { return product }
        // `1 · p` is `p` (what the product below gives a true polynomial within the budget), without
        // wrapping, scaling and re-checking it: every element count starts from 1.
        if case .value(1) = lhs, case .polynomial(let p) = rhs, p.constantValue == nil, p.isWithinBudget { return rhs }
        if case .value(1) = rhs, case .polynomial(let p) = lhs, p.constantValue == nil, p.isWithinBudget { return lhs }
        if lhs == 0 || rhs == 0 { return 0 }
        guard let a = lhs.asPolynomial, let b = rhs.asPolynomial else { return .unknown }
        return SymbolicInt(a.multiplied(by: b))
    }

    /// `c·s^p · k` (`batch · 1024`, every symbolic element count) as `*` computes it — a zero
    /// factor is 0, an overflowing coefficient `.unknown` — without the general product; `nil` when
    /// the operands are not of that form or the power is past the budget (then `*` names it).
    @inline(__always)
    static func singleTimesConstant(_ symbolic: SymbolicInt, _ constant: SymbolicInt) -> SymbolicInt? {
        guard case .value(let k) = constant, case .polynomial(let p) = symbolic,
              case .single(let c, let s, let power) = p.storage, Int(power) <= Polynomial.Budget.maxDegree else { return nil }
        if k == 0 { return 0 }
        let (product, overflow) = c.multipliedReportingOverflow(by: k)
        return overflow ? .unknown : .polynomial(Polynomial(storage: .single(coefficient: product, symbol: s, power: power)))
    }

    public static func += (lhs: inout SymbolicInt, rhs: SymbolicInt) {
        if case .value(let a) = lhs, case .value(let b) = rhs {
            let (sum, overflow) = a.addingReportingOverflow(b)
            lhs = overflow ? .unknown : .value(sum)
            return
        }
        // Two multiples of one power of one symbol (summing a chain's equal counts): the sum `+`
        // gives when it is a non-zero multiple within the budget, built in place.
        if case .polynomial(let a) = lhs, case .polynomial(let b) = rhs,
           case .single(let x, let s, let p) = a.storage, case .single(let y, let t, let q) = b.storage,
           p == q, Int(p) <= Polynomial.Budget.maxDegree, s == t {
            let (sum, overflow) = x.addingReportingOverflow(y)
            if !overflow && sum != 0 {
                lhs = .polynomial(Polynomial(storage: .single(coefficient: sum, symbol: s, power: p)))
                return
            }
        }
        lhs = lhs + rhs
    }
    public static func *= (lhs: inout SymbolicInt, rhs: SymbolicInt) { lhs = lhs * rhs }

    /// Floor division. Exact symbolic quotients stay polynomials; other symbolic quotients become an
    /// opaque symbol; division by zero or a non-positive known divisor of a symbol is `.unknown`.
    public func floorDivided(by divisor: SymbolicInt) -> SymbolicInt {
        if case .value(let a) = self, case .value(let b) = divisor {
            guard b != 0, !(a == Int.min && b == -1) else { return .unknown }
            let q = a / b
            return .value((a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q)
        }
        guard let a = asPolynomial, let b = divisor.asPolynomial, b != Polynomial(constant: 0) else { return .unknown }
        if let exact = a.dividedExactly(by: b) { return SymbolicInt(exact) }
        return .opaque("floor((\(a))/(\(b)))")
    }

    /// Ceiling division (`ceil(a/b)`), as in pooling with `ceil_mode`.
    public func ceilDivided(by divisor: SymbolicInt) -> SymbolicInt {
        if case .value(let a) = self, case .value(let b) = divisor {
            guard b != 0, !(a == Int.min && b == -1) else { return .unknown }
            let q = a / b
            return .value((a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q)
        }
        guard let a = asPolynomial, let b = divisor.asPolynomial, b != Polynomial(constant: 0) else { return .unknown }
        if let exact = a.dividedExactly(by: b) { return SymbolicInt(exact) }
        return .opaque("ceil((\(a))/(\(b)))")
    }

    /// Broadcast of two dims (numpy rules): 1 yields the other; equal dims stay; a known dim >1 wins
    /// over a symbol (the symbol must be 1 or equal to it). Two different symbols give the opaque
    /// `max(a, b)`, not a guess; incompatible known dims give `nil`.
    public static func broadcast(_ a: SymbolicInt, _ b: SymbolicInt) -> SymbolicInt? {
        if a == b { return a }
        if a == 1 { return b }
        if b == 1 { return a }
        // `min(k, s)` against `s`: in a valid model they broadcast, so the larger one, `s`, wins.
        if a.isMinimum(involving: b) { return b }
        if b.isMinimum(involving: a) { return a }
        // `c·m·n` against `m` (c ≥ 1, monomials): the first is ≥ the second at every binding of
        // symbols ≥ 1, so where the broadcast is valid (equal, or the smaller is 1) the result is
        // the larger. Keeps `[1,12,s·b,s·b] + [b,1,s,s]` a polynomial instead of nesting opaque
        // `max(...)` names layer after layer (issue 9: GPT-2 exported from a batch-1 example).
        if a.dominates(b) { return a }
        if b.dominates(a) { return b }
        switch (a, b) {
        case (.value, .value): return nil
        case (.value, _): return a
        case (_, .value): return b
        case (.unknown, _), (_, .unknown): return .unknown
        default:
            let names = [a.description, b.description].sorted()
            return .opaque("max(\(names[0]), \(names[1]))")
        }
    }

    /// Whether both are single-term polynomials with positive coefficients, and this one's
    /// coefficient is at least the other's and its monomial a multiple of the other's: then it is
    /// ≥ `other` whenever every symbol is ≥ 1.
    func dominates(_ other: SymbolicInt) -> Bool {
        guard case .polynomial(let p) = self, case .polynomial(let q) = other, p.terms.count == 1, q.terms.count == 1 else { return false }
        let (big, small) = (p.terms[0], q.terms[0])
        guard small.coefficient > 0, big.coefficient >= small.coefficient, !small.monomial.factors.isEmpty else { return false }
        if small.monomial.factors.contains(where: { $0.symbol.contains("(") }) { return false }
        for factor in small.monomial.factors {
            guard let match = big.monomial.factors.first(where: { $0.symbol == factor.symbol }), match.power >= factor.power else { return false }
        }
        return true
    }

    /// Whether this is the opaque `min(x, other)` that `minimum` builds.
    func isMinimum(involving other: SymbolicInt) -> Bool {
        guard case .polynomial(let p) = self, p.terms.count == 1, p.terms[0].coefficient == 1,
              p.terms[0].monomial.factors.count == 1, p.terms[0].monomial.factors[0].power == 1 else { return false }
        let name = p.terms[0].monomial.factors[0].symbol
        let operand = other.description
        return name.hasPrefix("min(") && (name.hasPrefix("min(\(operand), ") || name.hasSuffix(", \(operand))"))
    }

    /// Replaces bound symbols by values (used for `--dim` bindings).
    public func substituting(_ bindings: [String: Int]) -> SymbolicInt {
        guard case .polynomial(let p) = self else { return self }
        return SymbolicInt(p.substituting(bindings))
    }

    /// The minimum of two values when it can be decided.
    public static func minimum(_ a: SymbolicInt, _ b: SymbolicInt) -> SymbolicInt {
        if let x = a.intValue, let y = b.intValue { return .value(Swift.min(x, y)) }
        if a == b { return a }
        if a.isUnknown || b.isUnknown { return .unknown }
        let names = [a.description, b.description].sorted()
        return .opaque("min(\(names[0]), \(names[1]))")
    }
}

/// A tensor dimension: a known size, a symbolic size, or unknown.
public typealias Dim = SymbolicInt

extension Array where Element == SymbolicInt {
    /// The product of all elements (the element count of a shape); 1 for a scalar.
    public var product: SymbolicInt {
        var result: SymbolicInt = 1
        for dim in self { result = result * dim }
        return result
    }
}

import Synchronization

/// The expressions behind `expr_<hash>` names, so a formula that outgrew the budget still evaluates
/// at given sizes (`SymbolicInt.evaluated`). At most `limit` are kept (one process analyzes one model
/// at a time in a scan's worker).
public enum OpaqueNames {
    static let table = Mutex<[String: String]>([:])
    static let limit = 100_000

    static func remember(_ name: String, _ text: String) {
        table.withLock { names in if names.count < limit { names[name] = text } }
    }

    /// The expression an `expr_…` name stands for.
    public static func text(of name: String) -> String? {
        guard name.hasPrefix(Polynomial.Budget.opaquePrefix) else { return nil }
        return table.withLock { $0[name] }
    }
}
