import ONNXGraph

extension Engine {
    // MARK: Rules

    /// The node's rule and schema. When the resolver allows it (`sharesRules`), nodes with the same
    /// `RuleKey` share one instance, made for the first of them; a rule that fails to parse is
    /// never cached, so each such node reports its own error.
    func instance(for node: Node, opset: Int) throws(ShapeError) -> OpInstance? {
        // A node whose attributes cannot be keyed (a Constant's tensor) looks nothing up.
        guard sharesRules, RuleKey.isShareable(node) else { return try makeInstance(node, opset: opset) }
        // Runs of one op (a chain of Relus, a layer's repeated pattern) answer from the last rule.
        if let last = lastRule, last.matches(node, opset: opset) { return last.instance }
        if let shared = rules[node.opType]?.scanned.first(where: { $0.matches(node, opset: opset) }) {
            lastRule = shared
            return shared.instance
        }
        guard let key = RuleKey(node: node, opset: opset) else { return try makeInstance(node, opset: opset) }
        if let shared = rules[node.opType]?.hashed[key] {
            lastRule = shared
            return shared.instance
        }
        let shared = SharedRule(key: key, instance: try makeInstance(node, opset: opset))
        rules[node.opType, default: RuleBucket()].insert(shared)
        lastRule = shared
        return shared.instance
    }

    private func makeInstance(_ node: Node, opset: Int) throws(ShapeError) -> OpInstance? {
        let maker = ruleMaker(for: node, opset: opset)
        guard let rule = try maker.make(node, opset) else { return nil }
        return OpInstance(rule: rule, schema: maker.schema)
    }

    /// The resolver's maker for `node`'s op at `opset`, asked once per (domain, op, opset) of the run.
    private func ruleMaker(for node: Node, opset: Int) -> ShapeRuleMaker {
        let key = SchemaKey(domain: node.domain, opType: node.opType, opset: opset)
        // Runs of one op (the Constants of a layer) answer without hashing the key.
        if let last = lastMaker, last.key == key { return last.maker }
        let maker: ShapeRuleMaker
        if let cached = makers[key] {
            maker = cached
        } else {
            maker = resolver.ruleMaker(for: node, opset: opset)
            makers[key] = maker
        }
        lastMaker = (key, maker)
        return maker
    }
}

/// A rule made once for every node with its key. A class: the last one looked up is kept
/// without copying the key.
final class SharedRule {
    let key: RuleKey
    let instance: OpInstance?

    init(key: RuleKey, instance: OpInstance?) {
        self.key = key
        self.instance = instance
    }

    /// Whether `node` (with shareable attributes) at `opset` has this rule's key: what
    /// `RuleKey(node:opset:) == key` says, without building a key.
    func matches(_ node: Node, opset: Int) -> Bool {
        guard key.op.opset == opset, key.inputCount == node.inputs.count, key.outputCount == node.outputs.count,
              key.op.opType == node.opType, key.op.domain == node.domain, key.attributes == node.attributes else { return false }
        return RuleKey.omitted(node) == key.omitted
    }
}

/// The shared rules of one op type. A layer uses a handful per op: the first `scanLimit` are
/// compared with the node in turn, without building or hashing a key; the rest (an op whose
/// attributes vary node by node) are hashed, so a lookup never scans more than `scanLimit`.
struct RuleBucket {
    static let scanLimit = 8
    private(set) var scanned: [SharedRule] = []
    private(set) var hashed: [RuleKey: SharedRule] = [:]

    mutating func insert(_ rule: SharedRule) {
        if scanned.count < Self.scanLimit { scanned.append(rule) } else { hashed[rule.key] = rule }
    }
}

/// What a shared rule may depend on: the op at an opset, the attributes, and which inputs and
/// outputs the node has (operators check arity when they parse). Names never take part.
struct RuleKey: Hashable {
    var op: SchemaKey
    var attributes: [Attribute]
    var inputCount: Int
    var outputCount: Int
    /// Bit `i`: input `i` is omitted (`""`); bit `32 + i`: output `i` is.
    var omitted: UInt64

    /// `nil` when the node gets a rule of its own: an attribute that holds a graph or a tensor (not
    /// hashed deeply), a float that equality cannot tell apart (NaN, -0), or more than 32 inputs or outputs.
    init?(node: Node, opset: Int) {
        guard Self.isShareable(node) else { return nil }
        self.op = SchemaKey(domain: node.domain, opType: node.opType, opset: opset)
        self.attributes = node.attributes
        self.inputCount = node.inputs.count
        self.outputCount = node.outputs.count
        self.omitted = Self.omitted(node)
    }

    /// Whether `node` may share a rule: at most 32 inputs and outputs, every attribute shareable.
    static func isShareable(_ node: Node) -> Bool {
        guard node.inputs.count <= 32, node.outputs.count <= 32 else { return false }
        for attribute in node.attributes where !isShareable(attribute.value) { return false }
        return true
    }

    /// The `omitted` bits of `node`'s names (at most 32 inputs and outputs).
    static func omitted(_ node: Node) -> UInt64 {
        var omitted: UInt64 = 0
        for (index, name) in node.inputs.enumerated() where name.isEmpty { omitted |= 1 << UInt64(index) }
        for (index, name) in node.outputs.enumerated() where name.isEmpty { omitted |= 1 << UInt64(32 + index) }
        return omitted
    }

    static func isShareable(_ value: Attribute.Value) -> Bool {
        switch value {
        case .int, .ints, .string, .strings: return true
        case .float(let v): return isDistinguishable(v)
        case .floats(let vs): return vs.allSatisfy(isDistinguishable)
        default: return false
        }
    }

    /// Whether `==` on this float tells it from every other (NaN equals nothing, -0 equals 0).
    static func isDistinguishable(_ value: Float) -> Bool {
        !value.isNaN && !(value == 0 && value.sign == .minus)
    }
}
