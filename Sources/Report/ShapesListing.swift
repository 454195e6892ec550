import ONNXGraph
import ShapeInference

/// `onnxcost shapes MODEL`: every tensor with its inferred type and the node that produced it.
public struct ShapesListing: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var type: ValueType
        /// `input`, or the producing node (`Conv 'conv_1' (#3)`).
        public var producer: String
    }

    public var path: String
    public var rows: [Row]
    public var outputs: [ValueInfo]
    public var unresolved: [UnresolvedDim]
    /// `domain.Op` → nodes with no shape rule.
    public var unsupportedOps: [String: Int]
    /// `severity: message` per diagnostic.
    public var warnings: [String]

    /// The rows of one propagation: graph inputs first, then every node output (subgraphs included) in
    /// the order inferred.
    public init(path: String, result: ShapeInferenceResult) {
        self.path = path
        var rows = result.inputs.map { Row(name: $0.name, type: $0.type, producer: "input") }
        func collect(_ graph: GraphInference) {
            for node in graph.nodes {
                for (index, name) in node.node.outputs.enumerated() where !name.isEmpty && index < node.outputTypes.count {
                    rows.append(Row(name: name, type: node.outputTypes[index], producer: node.ref.description))
                }
                for sub in node.subgraphs { collect(sub.graph) }
            }
        }
        collect(result.main)
        self.rows = rows
        outputs = result.outputs
        unresolved = result.unresolved
        unsupportedOps = result.unsupportedOps
        warnings = result.diagnostics.map { "\($0.severity.rawValue): \($0)" }
    }

    /// `Op×count` in name order.
    var unsupportedList: String {
        unsupportedOps.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
    }

    /// `[1,3,224,224]`, `?` when the rank is unknown.
    static func shapeText(_ type: ValueType) -> String {
        guard let shape = type.tensor?.shape else { return "?" }
        return shape.map(\.description).joined(separator: "x")
    }
}
