import ONNXGraph

extension Engine {
    // MARK: Rules

    /// The node's rule and schema. When the resolver allows it (`sharesRules`), nodes with the same
    /// `RuleKey` share one instance, made for the first of them; a rule that fails to parse is
    /// never cached, so each such node reports its own error.
    func instance(for node: Node, opset: Int) throws(ShapeError) -> OpInstance? {
        guard sharesRules, let key = RuleKey(node: node, opset: opset) else { return try makeInstance(node, opset: opset) }
        // Runs of one op (a chain of Relus, a layer's repeated pattern) answer without hashing the key.
        if let last = lastRule, last.key == key { return last.instance }
        let instance: OpInstance?
        if let cached = rules[key] {
            instance = cached
        } else {
            instance = try makeInstance(node, opset: opset)
            rules[key] = .some(instance)
        }
        lastRule = (key, instance)
        return instance
    }

    private func makeInstance(_ node: Node, opset: Int) throws(ShapeError) -> OpInstance? {
        guard let rule = try resolver.shapeRule(for: node, opset: opset) else { return nil }
        return OpInstance(rule: rule, schema: schema(for: node, opset: opset))
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
        guard node.inputs.count <= 32, node.outputs.count <= 32 else { return nil }
        for attribute in node.attributes where !Self.isShareable(attribute.value) { return nil }
        var omitted: UInt64 = 0
        for (index, name) in node.inputs.enumerated() where name.isEmpty { omitted |= 1 << UInt64(index) }
        for (index, name) in node.outputs.enumerated() where name.isEmpty { omitted |= 1 << UInt64(32 + index) }
        self.op = SchemaKey(domain: node.domain, opType: node.opType, opset: opset)
        self.attributes = node.attributes
        self.inputCount = node.inputs.count
        self.outputCount = node.outputs.count
        self.omitted = omitted
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
