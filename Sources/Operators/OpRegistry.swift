public import ONNXGraph
public import ShapeInference
public import CostKernels

/// The table of every operator onnxcost knows: (domain, type) → entries by `since` version.
/// Explicit arrays of values, no runtime discovery (see `OpRegistry+Builtin.swift`).
public struct OpRegistry: ShapeRuleResolver, CostRuleResolver, Sendable {
    struct Key: Hashable {
        var domain: String
        var type: String
    }

    private var table: [Key: [OperatorEntry]] = [:]

    public init(entries: [OperatorEntry]) {
        self.init(families: [entries])
    }

    /// The entries of several tables, inserted in one pass into a table sized for all of them.
    public init(families: [[OperatorEntry]]) {
        table.reserveCapacity(families.reduce(0) { $0 + $1.count })
        for entries in families {
            for entry in entries {
                table[Key(domain: entry.schema.domain, type: entry.schema.type), default: []].append(entry)
            }
        }
        // In place: iterating the table while assigning to it would copy it.
        var index = table.values.startIndex
        while index != table.values.endIndex {
            if table.values[index].count > 1 { table.values[index].sort { $0.schema.since < $1.schema.since } }
            table.values.formIndex(after: &index)
        }
    }

    /// The entry for `type` in `domain` at `opset`: the one with the greatest `since` ≤ opset,
    /// or the earliest one when the model's opset predates every `since` (old models often declare less).
    public func entry(domain: String, type: String, opset: Int) -> OperatorEntry? {
        guard let candidates = table[Key(domain: domain == "ai.onnx" ? "" : domain, type: type)] else { return nil }
        return candidates.last { $0.schema.since <= opset } ?? candidates.first
    }

    /// The node's rule, as a `RegisteredRule`: the cost pass gets its cost rule back by a cast to that
    /// one concrete type (a metadata compare), not by a protocol-conformance lookup per op type.
    public func shapeRule(for node: Node, opset: Int) throws(ShapeError) -> (any ShapeRule)? {
        guard let entry = entry(domain: node.domain, type: node.opType, opset: opset) else { return nil }
        return RegisteredRule(try entry.instantiate(node: node, opset: opset))
    }

    /// The entry found once: its schema, and its parser for each node.
    public func ruleMaker(for node: Node, opset: Int) -> ShapeRuleMaker {
        guard let entry = entry(domain: node.domain, type: node.opType, opset: opset) else {
            return ShapeRuleMaker(schema: nil) { _, _ in nil }
        }
        return ShapeRuleMaker(schema: entry.schema) { node, opset throws(ShapeError) in RegisteredRule(try entry.instantiate(node: node, opset: opset)) }
    }

    /// Every operator parses only its attributes, and checks only which inputs and outputs the node
    /// has: it never keeps a name, so nodes alike share one instance.
    public var sharesRules: Bool { true }

    public func schema(for node: Node, opset: Int) -> OpSchema? {
        entry(domain: node.domain, type: node.opType, opset: opset)?.schema
    }

    /// The cost rule of a node this registry inferred: every rule it makes is an `OperatorRule`.
    public func costRule(for rule: any ShapeRule) -> (any CostRule)? {
        if let registered = rule as? RegisteredRule { return registered.rule }
        return rule as? any OperatorRule
    }

    /// The cost by the node's rule, called in place (`costRule(for:)` copies the rule into a new box).
    ///
    /// A rule this registry made is recognised by comparing its opened type with `RegisteredRule`
    /// (one metadata compare): `as? RegisteredRule` ran the runtime's general cast, per node.
    public func cost(by rule: any ShapeRule, _ context: CostContext) throws(CostError) -> OpCost? {
        if let cost = try Self.costIfRegistered(rule, context) { return cost }
        guard let rule = rule as? any OperatorRule else { return nil }
        return try rule.cost(context)
    }

    /// `(rule as? RegisteredRule)?.cost(context)`: `nil` only when `rule` is of another type.
    /// Called with the existential opened, so the type test is a compare, not a cast.
    private static func costIfRegistered<Rule: ShapeRule>(_ rule: Rule, _ context: CostContext) throws(CostError) -> OpCost? {
        guard Rule.self == RegisteredRule.self else { return nil }
        // Same type, so the reinterpretation is exact.
        return try unsafeBitCast(rule, to: RegisteredRule.self).rule.cost(context)
    }

    /// The subgraph policy of a control-flow op this registry made (If, Loop, Scan conform).
    public func subgraphCostRule(for rule: any ShapeRule) -> (any SubgraphCostRule)? {
        if let registered = rule as? RegisteredRule { return registered.rule as? any SubgraphCostRule }
        return rule as? any SubgraphCostRule
    }

    /// Every registered (domain, type), for coverage listings.
    public var registeredOps: [(domain: String, type: String)] {
        table.keys.map { ($0.domain, $0.type) }.sorted { ($0.domain, $0.type) < ($1.domain, $1.type) }
    }

    /// Every entry, sorted by domain (default first), type (case-insensitively) and `since`.
    public var allEntries: [OperatorEntry] {
        table.values.flatMap { $0 }.sorted {
            let a = $0.schema, b = $1.schema
            return (a.domain != "" ? 1 : 0, a.domain, a.type.lowercased(), a.type, a.since)
                < (b.domain != "" ? 1 : 0, b.domain, b.type.lowercased(), b.type, b.since)
        }
    }
}

/// A rule the registry made: the parsed operator, a shape rule and a cost rule in one.
public struct RegisteredRule: OperatorRule {
    /// The operator value the entry parsed (`ConvOp`, a table row's operator...).
    public let rule: any OperatorRule

    init(_ rule: any OperatorRule) { self.rule = rule }

    public func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try rule.inferShapes(&ctx)
    }

    public var outputIsInputType: Bool { rule.outputIsInputType }

    public func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try rule.cost(ctx)
    }
}
