import ONNXGraph

/// Values visible at a point of the graph; subgraphs see their parents' values.
final class Scope {
    let parent: Scope?
    var types: [String: ValueType] = [:]
    var values: [String: TensorValue] = [:]
    var constants: Set<String> = []
    /// For values with unknown dims: the node where the first unknown appeared.
    var unknownOrigin: [String: NodeRef] = [:]

    init(parent: Scope?) { self.parent = parent }

    // Empty tables are skipped without hashing the name (most graphs carry no values and lose no dims).
    func type(_ name: String) -> ValueType? { types[name] ?? parent?.type(name) }
    func value(_ name: String) -> TensorValue? { (values.isEmpty ? nil : values[name]) ?? parent?.value(name) }
    func isConstant(_ name: String) -> Bool { constants.contains(name) || (types[name] == nil && parent?.isConstant(name) == true) }
    func origin(_ name: String) -> NodeRef? { (unknownOrigin.isEmpty ? nil : unknownOrigin[name]) ?? parent?.origin(name) }
    func isDefined(_ name: String) -> Bool { types[name] != nil || parent?.isDefined(name) == true }
}

/// Collects the subgraphs a control-flow rule infers through its context.
final class SubgraphBox {
    var graphs: [SubgraphInference] = []
    /// A subgraph was not inferred because graphs nest too deep.
    var tooDeep = false
}
