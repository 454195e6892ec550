import ONNXGraph
import ShapeInference
import CostKernels

// CumProd (onnx/defs/math, opset 26); CumSum, its older sibling, is in Reduction/Reduce.swift.

// MARK: - CumProd

/// Cumulative product along the `axis` input (scalar); output = input's type.
/// Spec: https://onnx.ai/onnx/operators/onnx__CumProd.html · opset 26.
struct CumProdOp: Operator {
    static let schema = OpSchema(type: "CumProd", since: 26, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {
        _ = try node.int("exclusive", default: 0)
        _ = try node.int("reverse", default: 0)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        if let r = input.rank, let axis = ctx.knownInts(1)?.first { _ = try Axes.normalize(axis, rank: r) }
        return [.tensor(input)]
    }

    static let formula = "1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic), one multiply) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum CumProdFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([CumProdOp.self])
}
