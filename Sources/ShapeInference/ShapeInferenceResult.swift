import ONNXGraph

/// How one node fared.
public enum NodeStatus: Sendable, Equatable {
    case inferred
    /// No rule exists for this op: outputs are unknown, and the op is listed as unsupported.
    case unsupported
    /// The rule rejected the node (invalid attributes, incompatible shapes). Boxed: rare, and
    /// larger than every other case.
    indirect case failed(ShapeError)
    /// An input's type was unknown, so this node could not be inferred (not its fault).
    case upstreamUnknown
}

/// The inference of one node. Kept small (a graph holds one per node): the node's reference is
/// derived from the node, and the schema is shared by every node of the op.
public struct NodeInference: Sendable {
    /// The node's position in its graph.
    public var index: Int
    /// `""` for the main graph (see `NodeRef.graphPath`).
    public var graphPath: String
    public var node: Node
    public var opset: Int
    public var inputTypes: [ValueType?]
    /// Values of the inputs that carry one; empty when none does (most nodes), so index it only
    /// below its `count`.
    public var inputValues: [TensorValue?]
    public var outputTypes: [ValueType]
    public var status: NodeStatus
    /// The operator instance (also its cost rule); `nil` when unsupported or failed to parse.
    public var rule: (any ShapeRule)?
    /// The op's schema, one instance per (domain, op, opset) of the run.
    var schemaBox: SchemaBox?
    /// If branches, Loop/Scan bodies, the expanded body of a model-local function.
    public var subgraphs: [SubgraphInference]

    /// Names the node in messages.
    public var ref: NodeRef { NodeRef(node, index: index, graphPath: graphPath) }

    public var schema: OpSchema? {
        get { schemaBox?.schema }
        set { schemaBox = newValue.map(SchemaBox.init) }
    }
}

/// One op's schema, shared by the inferences of all its nodes.
final class SchemaBox: Sendable {
    let schema: OpSchema
    init(_ schema: OpSchema) { self.schema = schema }
}

/// An inferred subgraph and the attribute that holds it.
public struct SubgraphInference: Sendable {
    public var attribute: String
    public var graph: GraphInference
}

/// The inference of one graph: its nodes in the order they were inferred (topological).
public struct GraphInference: Sendable {
    public var path: String
    public var nodes: [NodeInference]
    /// Types of every value this graph defines (inputs, initializers, node outputs).
    public var valueTypes: [String: ValueType]
    /// Names of constant values this graph defines: initializers, Constant outputs, ConstantOfShape
    /// outputs with a constant shape.
    public var constants: Set<String>
    public var inputNames: [String]
    public var outputNames: [String]
}

/// A dim that stayed unknown, and the node where it was lost.
public struct UnresolvedDim: Sendable, Hashable {
    public var tensor: String
    /// `nil` when the whole rank is unknown.
    public var dimIndex: Int?
    public var lostAt: NodeRef?
}

/// The result of shape propagation over a model.
public struct ShapeInferenceResult: Sendable {
    public var main: GraphInference
    /// Graph inputs as bound by the options, and outputs as inferred.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var diagnostics: [Diagnostic]
    public var unresolved: [UnresolvedDim]
    /// `domain.Op` (or `Op` in the default domain) → number of nodes with no rule.
    public var unsupportedOps: [String: Int]
}
