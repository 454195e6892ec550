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

    public init(type: String, domain: String = "", since: Int = 1, inputs: ClosedRange<Int>, outputs: ClosedRange<Int>,
                metadataInputs: Set<Int> = []) {
        self.type = type
        self.domain = domain
        self.since = since
        self.inputs = inputs
        self.outputs = outputs
        self.metadataInputs = metadataInputs
    }
}

/// Computes an operator's output types from its inputs' types (and small constant values).
public protocol ShapeRule: Sendable {
    /// Returns one type per node output. May set `ctx.outputValues` for value propagation
    /// (Shape → Gather → Concat → Reshape chains).
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType]
}

/// Finds the rule for a node. The `Operators` target provides it, so this target never imports it.
public protocol ShapeRuleResolver: Sendable {
    /// The rule for `node` at `opset` (of the node's domain); `nil` when no rule exists.
    /// Throws when a rule exists but the node's attributes are invalid.
    func shapeRule(for node: Node, opset: Int) throws(ShapeError) -> (any ShapeRule)?
    /// The schema of the rule that `shapeRule` returns, for arity checks and the params convention.
    func schema(for node: Node, opset: Int) -> OpSchema?
}
