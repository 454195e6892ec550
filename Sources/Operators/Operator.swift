public import ONNXGraph
public import ShapeInference
public import CostKernels

/// An ONNX operator: its schema, its parsed attributes, its shape rule and its cost rule, side by
/// side in one struct, so adding an op touches one file (plus one line in its family's list).
///
/// Member order in conforming types: `schema`, stored attributes, `init`, `inferShapes`, `cost`.
public protocol Operator: ShapeRule, CostRule {
    static var schema: OpSchema { get }
    /// Parses, defaults and validates the attributes once. `opset` is the node's domain version.
    init(node: Node, opset: Int) throws(ShapeError)
}
