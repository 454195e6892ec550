/// A declared graph input, output or intermediate value.
public struct ValueInfo: Hashable, Sendable {
    public var name: String
    public var type: ValueType
    public var docString: String

    public init(name: String, type: ValueType, docString: String = "") {
        self.name = name
        self.type = type
        self.docString = docString
    }
}

/// A computation graph: the main graph of a model, or a subgraph held by an attribute.
public struct Graph: Hashable, Sendable {
    public var name: String
    public var nodes: [Node]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    /// Declared types of intermediate values; onnxcost uses them only to cross-check inference.
    public var valueInfo: [ValueInfo]
    public var initializers: [TensorData]
    public var sparseInitializers: [SparseTensorData]
    public var docString: String

    public init(name: String = "", nodes: [Node] = [], inputs: [ValueInfo] = [], outputs: [ValueInfo] = [],
                valueInfo: [ValueInfo] = [], initializers: [TensorData] = [],
                sparseInitializers: [SparseTensorData] = [], docString: String = "") {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.initializers = initializers
        self.sparseInitializers = sparseInitializers
        self.docString = docString
    }

    /// Inputs that are not initializers (older IR versions list initializers as inputs too).
    public var runtimeInputs: [ValueInfo] {
        let constantNames = Set(initializers.map(\.name)).union(sparseInitializers.map(\.values.name))
        return inputs.filter { !constantNames.contains($0.name) }
    }
}

extension Graph {
    /// Names this graph reads from enclosing scopes (a subgraph's implicit inputs), nested subgraphs included.
    public var outerScopeReferences: [String] {
        var defined = Set(inputs.map(\.name))
        defined.formUnion(initializers.map(\.name))
        for node in nodes { defined.formUnion(node.outputs) }
        var free: [String] = []
        for node in nodes {
            free.append(contentsOf: node.inputs.filter { !$0.isEmpty && !defined.contains($0) })
            for (_, sub) in node.subgraphs { free.append(contentsOf: sub.outerScopeReferences.filter { !defined.contains($0) }) }
        }
        return free
    }
}
