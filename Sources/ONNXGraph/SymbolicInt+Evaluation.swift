/// Evaluating a symbolic count at given sizes, opaque symbols included.
///
/// `substituting` replaces plain symbols only: an opaque symbol (`floor((height - 1)/(2))`,
/// `min(512, sequence)`, `max(...)` of peak candidates) stays a name. `evaluated` also reads those
/// names back as expressions, so every formula of a report can be checked against a bound run.
extension SymbolicInt {
    /// The value at `bindings`, `nil` when a symbol is unbound, a name is not an expression
    /// (data-dependent counts such as `/NonZero_output_0_len`), or the value does not fit 64 bits.
    public func evaluated(_ bindings: [String: Int]) -> Int? {
        switch self {
        case .value(let v): return v
        case .unknown: return nil
        case .polynomial(let p):
            var total = 0
            for term in p.terms {
                var product = term.coefficient
                for factor in term.monomial.factors {
                    guard let base = bindings[factor.symbol] ?? SymbolExpression.evaluate(factor.symbol, bindings) else { return nil }
                    for _ in 0..<factor.power {
                        let (next, overflow) = product.multipliedReportingOverflow(by: base)
                        if overflow { return nil }
                        product = next
                    }
                }
                let (sum, overflow) = total.addingReportingOverflow(product)
                if overflow { return nil }
                total = sum
            }
            return total
        }
    }
}

/// A tiny parser for the texts opaque symbols are made of: integers and decimals, bound names,
/// `+ - * /`, `^` with an integer power, parentheses, and `floor(x)`, `ceil(x)`, `min(a, b, …)`,
/// `max(a, b, …)`. Arithmetic is in `Double` (exact for the integers sizes reach) and the result
/// must be an integer.
enum SymbolExpression {
    static func evaluate(_ text: String, _ bindings: [String: Int]) -> Int? {
        var parser = Parser(characters: Array(OpaqueNames.text(of: text) ?? text), bindings: bindings)
        guard let value = parser.expression(), parser.atEnd, value.isFinite, value.rounded() == value,
              abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    struct Parser {
        let characters: [Character]
        let bindings: [String: Int]
        var index = 0
        /// Nesting depth, bounded so hostile names cannot exhaust the stack.
        var depth = 0

        init(characters: [Character], bindings: [String: Int]) {
            self.characters = characters
            self.bindings = bindings
        }

        var atEnd: Bool { mutating get { skipSpaces(); return index == characters.count } }

        mutating func skipSpaces() { while index < characters.count, characters[index] == " " { index += 1 } }

        mutating func consume(_ c: Character) -> Bool {
            skipSpaces()
            guard index < characters.count, characters[index] == c else { return false }
            index += 1
            return true
        }

        mutating func expression() -> Double? {
            depth += 1
            defer { depth -= 1 }
            guard depth < 200, var value = term() else { return nil }
            while true {
                if consume("+") { guard let rhs = term() else { return nil }; value += rhs }
                else if consume("-") { guard let rhs = term() else { return nil }; value -= rhs }
                else { return value }
            }
        }

        mutating func term() -> Double? {
            guard var value = power() else { return nil }
            while true {
                if consume("*") { guard let rhs = power() else { return nil }; value *= rhs }
                else if consume("/") { guard let rhs = power(), rhs != 0 else { return nil }; value /= rhs }
                else { return value }
            }
        }

        mutating func power() -> Double? {
            guard let base = unary() else { return nil }
            if consume("^") {
                guard let exponent = unary(), exponent >= 0, exponent <= 64, exponent.rounded() == exponent else { return nil }
                return Foundation_pow(base, Int(exponent))
            }
            return base
        }

        mutating func unary() -> Double? {
            if consume("-") { return unary().map { -$0 } }
            return primary()
        }

        mutating func primary() -> Double? {
            skipSpaces()
            guard index < characters.count else { return nil }
            if consume("(") {
                guard let value = expression(), consume(")") else { return nil }
                return value
            }
            let start = index
            if characters[index].isNumber {
                while index < characters.count, characters[index].isNumber || characters[index] == "." { index += 1 }
                return Double(String(characters[start..<index]))
            }
            while index < characters.count, characters[index].isLetter || characters[index].isNumber
                    || "_.:/".contains(characters[index]) && !(characters[index] == "/" && index > start) {
                index += 1
            }
            let name = String(characters[start..<index])
            guard !name.isEmpty else { return nil }
            if ["floor", "ceil", "min", "max"].contains(name), consume("(") {
                var arguments: [Double] = []
                repeat {
                    guard let argument = expression() else { return nil }
                    arguments.append(argument)
                } while consume(",")
                guard consume(")"), let first = arguments.first else { return nil }
                switch name {
                case "floor": return arguments.count == 1 ? first.rounded(.down) : nil
                case "ceil": return arguments.count == 1 ? first.rounded(.up) : nil
                case "min": return arguments.min()
                default: return arguments.max()
                }
            }
            if let value = bindings[name] { return Double(value) }
            // A name past the budget (`expr_<hash>`) reads back as the expression it stands for.
            if depth < 64, let text = OpaqueNames.text(of: name) {
                var inner = Parser(characters: Array(text), bindings: bindings)
                inner.depth = depth + 1
                guard let value = inner.expression(), inner.atEnd else { return nil }
                return value
            }
            return nil
        }

        /// `base^exponent` by repeated multiplication (no Foundation import in this target).
        func Foundation_pow(_ base: Double, _ exponent: Int) -> Double {
            var result = 1.0
            for _ in 0..<exponent { result *= base }
            return result
        }
    }
}
