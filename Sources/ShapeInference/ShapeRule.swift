import ONNXGraph

/// What an operator declares about itself, checked before its rule runs.
public struct OpSchema: Sendable {
    /// The exact ONNX op type (`Conv`, `MatMulNBits`).
    public var type: String
    /// `""` for the default ONNX domain, `ai.onnx.ml`, `com.microsoft`.
    public var domain: String
    /// The first opset version this rule implements.
    public var since: Int
    public var inputs: ClosedRange<Int>
    public var outputs: ClosedRange<Int>
    /// Inputs that carry shapes, axes, indices or counts rather than data. A constant fed here is not
    /// a model parameter (see the params convention in docs/cost-model.md).
    public var metadataInputs: Set<Int>
    /// What the passes after shape inference need to know about the op (views, epilogues...), so
    /// they never test op names.
    public var traits: OpTraits

    public init(type: String, domain: String = "", since: Int = 1, inputs: ClosedRange<Int>, outputs: ClosedRange<Int>,
                metadataInputs: Set<Int> = [], traits: OpTraits = []) {
        self.type = type
        self.domain = domain
        self.since = since
        self.inputs = inputs
        self.outputs = outputs
        self.metadataInputs = metadataInputs
        self.traits = traits
    }
}

/// Flags an op declares in its schema for the cost pass and the fusion plan (docs/cost-model.md).
public struct OpTraits: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The output is the first input, relabelled (Reshape, Squeeze, Identity...): no data moves.
    public static let view = OpTraits(rawValue: 1 << 0)
    /// DequantizeLinear: runtimes fold it into its consumer (QDQ), which then reads the quantized tensor.
    public static let dequantize = OpTraits(rawValue: 1 << 1)
    /// Pointwise work a runtime fuses as the epilogue of the kernel before it (Add, Relu, Cast...).
    public static let epilogue = OpTraits(rawValue: 1 << 2)
    /// A GEMM (MatMul, Gemm, Einsum...): it reads a transposed or broadcast operand in place.
    public static let gemm = OpTraits(rawValue: 1 << 3)
    /// Reads only its input's metadata (Shape, Size) or nothing (Constant): folded at load time.
    public static let metadataOnly = OpTraits(rawValue: 1 << 4)
    /// A layout change (Transpose, Expand) that a GEMM consuming it reads in place (strides).
    public static let gemmOperandLayout = OpTraits(rawValue: 1 << 5)
    /// Consumes quantized integers: an int32 constant it reads (a QDQ bias) is a model parameter.
    public static let quantizedInputs = OpTraits(rawValue: 1 << 6)
    /// Reads only the rows of its input 0 that it gathers (Gather, GatherND, GatherElements,
    /// GatherBlockQuantized): an embedding lookup touches B·S rows of a constant table, not all of it.
    public static let gathersRows = OpTraits(rawValue: 1 << 7)
}

/// Computes an operator's output types from its inputs' types (and small constant values).
public protocol ShapeRule: Sendable {
    /// Returns one type per node output. May set `ctx.outputValues` for value propagation
    /// (Shape → Gather → Concat → Reshape chains).
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType]
    /// Whether the rule returns its input 0's tensor type unchanged as its one output, and sets no
    /// values or warnings (unary activations): the engine then passes a tensor input's type on
    /// without making a context or calling the rule (a 100,000-node chain of Relus).
    var outputIsInputType: Bool { get }
}

extension ShapeRule {
    public var outputIsInputType: Bool { false }
}

/// Finds the rule for a node. The `Operators` target provides it, so this target never imports it.
public protocol ShapeRuleResolver: Sendable {
    /// The rule for `node` at `opset` (of the node's domain); `nil` when no rule exists.
    /// Throws when a rule exists but the node's attributes are invalid.
    func shapeRule(for node: Node, opset: Int) throws(ShapeError) -> (any ShapeRule)?
    /// The schema of the rule that `shapeRule` returns, for arity checks and the params convention.
    func schema(for node: Node, opset: Int) -> OpSchema?
    /// Whether a rule depends only on the node's op, opset, attributes and which of its inputs and
    /// outputs are present, never on their names: then nodes that agree on all of those share one
    /// rule, made once (a 100,000-node chain of Relus parses one).
    var sharesRules: Bool { get }
    /// What `shapeRule` and `schema` find for `node`'s op at `opset`, to make the rules of every node
    /// of that op and opset: the engine asks once per (domain, op, opset), not once per node (each
    /// Constant node makes a rule of its own).
    func ruleMaker(for node: Node, opset: Int) -> ShapeRuleMaker
}

extension ShapeRuleResolver {
    /// Rules are made per node unless the resolver states that they may be shared.
    public var sharesRules: Bool { false }

    /// A maker that asks `shapeRule` for each node.
    public func ruleMaker(for node: Node, opset: Int) -> ShapeRuleMaker {
        ShapeRuleMaker(schema: schema(for: node, opset: opset)) { node, opset throws(ShapeError) in try shapeRule(for: node, opset: opset) }
    }
}

/// Makes the rules of one op at one opset (`ShapeRuleResolver.ruleMaker`), with their schema. A
/// class: the engine keeps the last one looked up without copying the schema's fields.
public final class ShapeRuleMaker: Sendable {
    public let schema: OpSchema?
    /// The rule for a node of the op (`nil`: no rule exists); throws when its attributes are invalid.
    public let make: @Sendable (Node, Int) throws(ShapeError) -> (any ShapeRule)?

    public init(schema: OpSchema?, make: @escaping @Sendable (Node, Int) throws(ShapeError) -> (any ShapeRule)?) {
        self.schema = schema
        self.make = make
    }
}
