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

/// The inference of one node. Kept small (a graph holds one per node): the node itself and its
/// graph's path are read from the graph's shared node list, and the rule and schema are shared by
/// every node of the same op, opset and attributes.
public struct NodeInference: Sendable {
    /// The node's position in its graph.
    public var index: Int
    /// The nodes of the node's graph and its path, shared by every inference of that graph.
    @usableFromInline let graph: InferredNodes
    public var opset: Int
    public var inputTypes: [ValueType?]
    /// Values of the inputs that carry one; empty when none does (most nodes), so index it only
    /// below its `count`.
    public var inputValues: [TensorValue?]
    public var outputTypes: [ValueType]
    public var status: NodeStatus
    /// The operator instance and its schema; `nil` when unsupported or failed to parse.
    @usableFromInline var instance: OpInstance?
    /// If branches, Loop/Scan bodies, the expanded body of a model-local function.
    public var subgraphs: [SubgraphInference]

    /// The node, as its graph holds it.
    @inlinable public var node: Node { graph.nodes[index] }

    /// `""` for the main graph (see `NodeRef.graphPath`).
    public var graphPath: String { graph.path }

    /// Names the node in messages.
    public var ref: NodeRef { NodeRef(node, index: index, graphPath: graph.path) }

    /// The operator instance (also its cost rule); `nil` when unsupported or failed to parse.
    @inlinable public var rule: (any ShapeRule)? { instance?.rule }

    /// The op's schema (`nil` when the node has no rule).
    @inlinable public var schema: OpSchema? { instance?.schema }
}

/// A graph's nodes and path, held once for all the inferences of its nodes.
@usableFromInline
final class InferredNodes: Sendable {
    @usableFromInline let nodes: [Node]
    let path: String

    init(nodes: [Node], path: String) {
        self.nodes = nodes
        self.path = path
    }
}

/// A parsed operator and its schema, shared by every node with the same op, opset and attributes
/// (rules hold only what they parse from those; see `ShapeRuleResolver.sharesRules`).
@usableFromInline
final class OpInstance: Sendable {
    @usableFromInline let rule: any ShapeRule
    @usableFromInline let schema: OpSchema?
    /// The schema's arities, checked per node without copying the schema (its strings and set).
    let inputArity: ClosedRange<Int>?
    let outputArity: ClosedRange<Int>?
    /// The rule's `outputIsInputType`, asked once per instance rather than per node.
    let outputIsInputType: Bool

    init(rule: any ShapeRule, schema: OpSchema?) {
        self.rule = rule
        self.schema = schema
        inputArity = schema?.inputs
        outputArity = schema?.outputs
        outputIsInputType = rule.outputIsInputType
    }
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
    /// Every tensor name the graph's nodes, inputs and values use, as dense ids.
    public var tensorNames: TensorNameTable
    /// The ids of each node's inputs and outputs, aligned with `nodes`.
    public var nodeTensorIDs: NodeTensorIDs
    /// Types by id of every value this graph defines (inputs, initializers, node outputs).
    var types: [ValueType?]
    /// Names of constant values this graph defines: initializers, Constant outputs, ConstantOfShape
    /// outputs with a constant shape.
    public var constants: Set<String>
    public var inputNames: [String]
    public var outputNames: [String]

    /// Types of every value this graph defines, by name.
    public var valueTypes: ValueTypes { ValueTypes(names: tensorNames, types: types) }
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
