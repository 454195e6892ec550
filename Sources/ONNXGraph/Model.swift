/// An operator set a model imports: domain (`""` is the default ONNX domain) and version.
public struct OpsetImport: Hashable, Sendable {
    public var domain: String
    public var version: Int

    public init(domain: String, version: Int) {
        self.domain = domain == "ai.onnx" ? "" : domain
        self.version = version
    }
}

/// A model-local function (`FunctionProto`), expanded at its call sites by shape inference.
public struct Function: Hashable, Sendable {
    public var name: String
    public var domain: String
    public var overload: String
    public var inputs: [String]
    public var outputs: [String]
    /// Attribute names the body may reference, and those with defaults.
    public var attributeNames: [String]
    public var attributeDefaults: [Attribute]
    public var nodes: [Node]
    public var opsetImports: [OpsetImport]
    public var valueInfo: [ValueInfo]
    public var docString: String

    public init(name: String, domain: String, overload: String = "", inputs: [String], outputs: [String],
                attributeNames: [String] = [], attributeDefaults: [Attribute] = [], nodes: [Node],
                opsetImports: [OpsetImport] = [], valueInfo: [ValueInfo] = [], docString: String = "") {
        self.name = name
        self.domain = domain == "ai.onnx" ? "" : domain
        self.overload = overload
        self.inputs = inputs
        self.outputs = outputs
        self.attributeNames = attributeNames
        self.attributeDefaults = attributeDefaults
        self.nodes = nodes
        self.opsetImports = opsetImports
        self.valueInfo = valueInfo
        self.docString = docString
    }
}

/// A whole ONNX model: its graph and everything around it.
public struct Model: Hashable, Sendable {
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int
    public var docString: String
    public var opsetImports: [OpsetImport]
    public var metadata: [String: String]
    public var graph: Graph
    public var functions: [Function]
    /// Training-info graphs (initialization and algorithm), kept for completeness; not costed.
    public var trainingGraphs: [Graph]

    public init(irVersion: Int, producerName: String = "", producerVersion: String = "", domain: String = "",
                modelVersion: Int = 0, docString: String = "", opsetImports: [OpsetImport], metadata: [String: String] = [:],
                graph: Graph, functions: [Function] = [], trainingGraphs: [Graph] = []) {
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.opsetImports = opsetImports
        self.metadata = metadata
        self.graph = graph
        self.functions = functions
        self.trainingGraphs = trainingGraphs
    }

    /// The opset version imported for `domain` (`""` is the default domain).
    public func opsetVersion(for domain: String) -> Int? {
        let key = domain == "ai.onnx" ? "" : domain
        return opsetImports.first { $0.domain == key }?.version
    }

    /// Whether any constant's payload lives in an external file.
    public var hasExternalData: Bool {
        func check(_ graph: Graph) -> Bool {
            if graph.initializers.contains(where: \.isExternal) { return true }
            // A node without attributes has no subgraphs: skipped without listing them.
            return graph.nodes.contains { node in !node.attributes.isEmpty && node.subgraphs.contains { check($0.graph) } }
        }
        return check(graph)
    }
}
