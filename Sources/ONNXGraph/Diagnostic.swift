/// Names a node in messages: `Conv 'conv_1' (#12)`, with the subgraph path when nested.
public struct NodeRef: Hashable, Sendable, CustomStringConvertible {
    /// `""` for the main graph; `If_3/then_branch` for a subgraph; `call/fn` inside an expanded function.
    public var graphPath: String
    public var index: Int
    public var name: String
    public var opType: String
    public var domain: String

    public init(graphPath: String, index: Int, name: String, opType: String, domain: String) {
        self.graphPath = graphPath
        self.index = index
        self.name = name
        self.opType = opType
        self.domain = domain
    }

    /// The reference of `node` at `index` of the graph at `graphPath`.
    public init(_ node: Node, index: Int, graphPath: String) {
        self.init(graphPath: graphPath, index: index, name: node.name, opType: node.opType, domain: node.domain)
    }

    public var description: String {
        let op = domain.isEmpty ? opType : "\(domain).\(opType)"
        let path = graphPath.isEmpty ? "" : " in \(graphPath)"
        return "\(op) '\(name)' (#\(index)\(path))"
    }
}

/// What a diagnostic found: each pass's own typed finding or error (`ShapeError`, `ShapeFinding`,
/// `CostError`, `CostFinding`...). This layer knows only that it prints itself; the pass that made
/// it can downcast to read its cases.
public protocol DiagnosticReason: Sendable, CustomStringConvertible {}

/// One finding of a pass, attached to a node when there is one.
public struct Diagnostic: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var severity: Severity
    public var node: NodeRef?
    /// The typed finding.
    public var reason: any DiagnosticReason
    /// Further diagnostics of the same kind folded into this one by `collapsed`.
    public var repeats: Int = 0

    public init(_ severity: Severity, node: NodeRef? = nil, _ reason: any DiagnosticReason) {
        self.severity = severity
        self.node = node
        self.reason = reason
    }

    /// The finding as text, with the count of those collapsed into it.
    public var message: String {
        repeats > 0 ? "\(reason) (and \(repeats) more like this)" : reason.description
    }

    public var description: String {
        node.map { "\($0): \(message)" } ?? message
    }
}

extension Diagnostic {
    /// One diagnostic per kind (same severity and message), the first with its node, and a count of
    /// the others: a function fanned out 2^40 times once printed 166,668 copies of one warning.
    public static func collapsed(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        struct Kind: Hashable { var severity: Severity; var message: String }
        var order: [Kind] = []
        var first: [Kind: Diagnostic] = [:]
        var counts: [Kind: Int] = [:]
        for diagnostic in diagnostics {
            let kind = Kind(severity: diagnostic.severity, message: diagnostic.message)
            if first[kind] == nil { first[kind] = diagnostic; order.append(kind) }
            counts[kind, default: 0] += 1
        }
        guard order.count < diagnostics.count else { return diagnostics }
        return order.compactMap { kind in
            guard var diagnostic = first[kind] else { return nil }
            diagnostic.repeats += counts[kind, default: 1] - 1
            return diagnostic
        }
    }

    /// Warnings for counts that past `Polynomial.Budget` became opaque `expr_…` symbols, one per count.
    public static func budgetWarnings(_ counts: [(name: String, value: SymbolicInt)]) -> [Diagnostic] {
        counts.filter { $0.value.hasOpaqueExpression }.map { Diagnostic(.warning, BudgetExceeded(count: $0.name)) }
    }
}

/// A total that outgrew `Polynomial.Budget` and holds opaque `expr_…` symbols.
public struct BudgetExceeded: DiagnosticReason, Equatable {
    /// What was counted (`MACs`, `activation bytes`).
    public var count: String

    public init(count: String) { self.count = count }

    public var description: String {
        "\(count) outgrew the symbolic budget (\(Polynomial.Budget.maxTerms) terms, degree \(Polynomial.Budget.maxDegree), \(Polynomial.Budget.maxSymbols) symbols); parts are named expr_… symbols: bind symbols with --dim or --input for numbers"
    }
}
