public import ONNXGraph
public import ShapeInference
public import CostKernels

/// The table of every operator onnxcost knows: (domain, type) → implementations by `since` version.
/// Explicit arrays, no runtime discovery (see `OpRegistry+Builtin.swift`).
public struct OpRegistry: ShapeRuleResolver, Sendable {
    struct Key: Hashable {
        var domain: String
        var type: String
    }

    private var table: [Key: [any Operator.Type]] = [:]

    public init(operators: [any Operator.Type]) {
        for op in operators {
            let schema = op.schema
            table[Key(domain: schema.domain, type: schema.type), default: []].append(op)
        }
        for key in table.keys { table[key]!.sort { $0.schema.since < $1.schema.since } }
    }

    /// The implementation for `type` in `domain` at `opset`: the one with the greatest `since` ≤ opset,
    /// or the earliest one when the model's opset predates every `since` (old models often declare less).
    public func operatorType(domain: String, type: String, opset: Int) -> (any Operator.Type)? {
        guard let candidates = table[Key(domain: domain == "ai.onnx" ? "" : domain, type: type)] else { return nil }
        return candidates.last { $0.schema.since <= opset } ?? candidates.first
    }

    public func shapeRule(for node: Node, opset: Int) throws(ShapeError) -> (any ShapeRule)? {
        guard let op = operatorType(domain: node.domain, type: node.opType, opset: opset) else { return nil }
        return try op.init(node: node, opset: opset)
    }

    public func schema(for node: Node, opset: Int) -> OpSchema? {
        operatorType(domain: node.domain, type: node.opType, opset: opset)?.schema
    }

    /// Every registered (domain, type), for coverage listings.
    public var registeredOps: [(domain: String, type: String)] {
        table.keys.map { ($0.domain, $0.type) }.sorted { ($0.domain, $0.type) < ($1.domain, $1.type) }
    }
}
