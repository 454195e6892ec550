/// One operator application in a graph.
public struct Node: Hashable, Sendable {
    public var name: String
    public var opType: String
    /// Operator domain; `""` and `"ai.onnx"` are the default domain (normalized to `""`).
    public var domain: String
    /// Input value names in order; `""` marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [Attribute]
    public var overload: String
    public var docString: String

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [Attribute] = [], overload: String = "", docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain == "ai.onnx" ? "" : domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.overload = overload
        self.docString = docString
    }

    /// The attribute named `name`, if present.
    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }

    /// Every subgraph held by an attribute (If branches, Loop/Scan bodies).
    public var subgraphs: [(attribute: String, graph: Graph)] {
        var result: [(String, Graph)] = []
        for attribute in attributes {
            switch attribute.value {
            case .graph(let g): result.append((attribute.name, g))
            case .graphs(let gs): result.append(contentsOf: gs.map { (attribute.name, $0) })
            default: break
            }
        }
        return result
    }
}
