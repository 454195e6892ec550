import ONNXGraph
import ShapeInference
import CostKernels

// MARK: - Add (example)

/// Elementwise addition with numpy broadcasting.
/// Spec: https://onnx.ai/onnx/operators/onnx__Add.html · opsets 1–14 (broadcast attribute before 7).
/// Cost: 1 FLOP (`Conventions.arithmetic`) per output element.
struct ExampleAddOp: Operator {
    static let schema = OpSchema(type: "ExampleAdd", since: 7, inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        guard let sa = a.shape, let sb = b.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        let shape = try Broadcast.shape([sa, sb])
        if let va = ctx.intValues(0), let vb = ctx.intValues(1), va.count == vb.count {
            ctx.outputValues[0] = .ints(zip(va, vb).map { $0 + $1 })
        }
        return [.tensor(TensorType(dtype: a.dtype, shape: shape))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}
