import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

/// Runs one node's shape rule and cost rule the way the passes do, for per-op unit tests.
struct OpHarness {
    var types: [ValueType]
    var values: [TensorValue?]
    var cost: OpCost?
    var warnings: [String]
}

/// A tensor type from a compact literal: `t(.float, 1, 3, 224, 224)`; strings are symbols.
func t(_ dtype: DataType, _ dims: Dim...) -> ValueType { .tensor(TensorType(dtype: dtype, shape: dims)) }

/// Infers `node` with input types (nil = omitted input) and optional known input values.
func run(_ node: Node, opset: Int = 21, inputs: [ValueType?], values: [TensorValue?] = [],
         registry: OpRegistry = .builtin) throws -> OpHarness {
    guard let rule = try registry.shapeRule(for: node, opset: opset) else {
        throw ShapeError.unsupported("no rule for \(node.opType)")
    }
    var paddedValues = values
    while paddedValues.count < inputs.count { paddedValues.append(nil) }
    var ctx = ShapeContext(node: node, opset: opset, inputTypes: inputs, inputValues: paddedValues)
    let types = try rule.inferShapes(&ctx)
    var cost: OpCost?
    if let costRule = rule as? any CostRule {
        let costCtx = CostContext(node: node, opset: opset, inputs: inputs.map { $0?.tensor },
                                  outputs: types.map(\.tensor), inputValues: paddedValues)
        cost = try costRule.cost(costCtx)
    }
    return OpHarness(types: types, values: ctx.outputValues, cost: cost, warnings: ctx.warnings)
}

/// Builds a node: `node("Conv", ["x", "w"], attrs: ["strides": .ints([2, 2])])`.
func node(_ op: String, _ inputs: [String], outputs: Int = 1, domain: String = "",
          attrs: [String: Attribute.Value] = [:]) -> Node {
    Node(name: "test_\(op)", opType: op, domain: domain, inputs: inputs,
         outputs: (0..<outputs).map { "out\($0)" },
         attributes: attrs.sorted { $0.key < $1.key }.map { Attribute(name: $0.key, value: $0.value) })
}
