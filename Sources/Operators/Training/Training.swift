import ONNXGraph
import ShapeInference
import CostKernels

// Training operators of the `ai.onnx.preview.training` domain. Each updates tensors in place, so each
// output has the type of the input it updates.

/// The domain of ONNX's training preview operators.
let trainingDomain = "ai.onnx.preview.training"

/// One row of the optimizer table: how many input lists follow R and T, which of them the outputs
/// update, and the arithmetic per updated element.
struct OptimizerRow: Sendable {
    var type: String
    /// Input lists after R and T (X, G, H ...).
    var lists: Int
    /// Which lists the outputs update, in order.
    var outputLists: [Int]
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
}

extension OptimizerRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, domain: trainingDomain, inputs: (2 + lists)...Int.max, outputs: 1...Int.max) }
    var formula: String { ElementwiseSupport.perElement(flopsPerElement, transcendentals: transcendentalsPerElement, of: "updated element") }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { OptimizerOp(row: self) }
}

extension OptimizerRow {
    static let table: [OptimizerRow] = [
        OptimizerRow(type: "Adagrad", lists: 3, outputLists: [0, 2], flopsPerElement: 6, transcendentalsPerElement: 1),
        OptimizerRow(type: "Adam", lists: 4, outputLists: [0, 2, 3], flopsPerElement: 10, transcendentalsPerElement: 1),
        OptimizerRow(type: "Momentum", lists: 3, outputLists: [0, 2], flopsPerElement: 4, transcendentalsPerElement: 0),
    ]
}

/// Optimizer steps over n tensor groups: inputs (R, T, then `lists` lists of n tensors), outputs the
/// updated lists (`outputLists` of them, in input-list order starting at the first list).
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxpreviewtraining_Adam.html (Adagrad, Momentum alike) · opset 1.
struct OptimizerOp: OperatorRule {
    let row: OptimizerRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let tensors = ctx.inputCount - 2
        guard tensors > 0, tensors % row.lists == 0 else {
            throw .arity(what: "inputs", expected: (2 + row.lists)...(2 + row.lists), got: ctx.inputCount)
        }
        let n = tensors / row.lists
        var outputs: [ValueType] = []
        for list in row.outputLists {
            for index in 0..<n { outputs.append(.tensor(try ctx.tensor(2 + list * n + index))) }
        }
        return outputs
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = (ctx.inputTypes.count - 2) / row.lists
        var elements: SymbolicInt = 0
        for index in 0..<n { elements += try ctx.inputElements(2 + index) }
        return .elementwise(elements, flopsPerElement: row.flopsPerElement, transcendentalsPerElement: row.transcendentalsPerElement)
    }
}

// MARK: - Gradient

/// Gradients of `y` with respect to the tensors named by `xs`: one output per x, of x's type.
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxpreviewtraining_Gradient.html · opset 1.
struct GradientOp: Operator {
    static let schema = OpSchema(type: "Gradient", domain: trainingDomain, inputs: 1...Int.max, outputs: 1...Int.max)
    let xs: [String]

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let xs = try node.strings("xs") else { throw .missingAttribute("xs") }
        self.xs = xs
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        // The xs are the node's leading inputs (the spec feeds them in the same order).
        try (0..<min(xs.count, ctx.node.outputs.count)).map { index throws(ShapeError) in .tensor(try ctx.tensor(index)) }
    }

    static let formula = "not counted (a backward pass has no fixed formula here); 0 FLOPs, stated."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum TrainingFamily {
    public static let entries: [OperatorEntry] = OptimizerRow.table.entries + OperatorEntry.of([GradientOp.self])
}
