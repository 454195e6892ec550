import ONNXGraph
import ShapeInference
import CostKernels

// Training operators of the `ai.onnx.preview.training` domain. Each updates tensors in place, so each
// output has the type of the input it updates.

/// The domain of ONNX's training preview operators.
let trainingDomain = "ai.onnx.preview.training"

/// Optimizer steps over n tensor groups: inputs (R, T, then `groups` lists of n tensors), outputs the
/// updated lists (`updated` of them, in input-list order starting at the first list).
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxpreviewtraining_Adam.html (Adagrad, Momentum alike) · opset 1.
struct OptimizerOp: Operator {
    struct Kind: Sendable {
        var type: String
        /// Input lists after R and T (X, G, H ...).
        var lists: Int
        /// Which lists the outputs update, in order.
        var outputLists: [Int]
        var flopsPerElement: Int
        var transcendentalsPerElement: Int
    }

    static let kinds: [String: Kind] = [
        "Adagrad": Kind(type: "Adagrad", lists: 3, outputLists: [0, 2], flopsPerElement: 6, transcendentalsPerElement: 1),
        "Adam": Kind(type: "Adam", lists: 4, outputLists: [0, 2, 3], flopsPerElement: 10, transcendentalsPerElement: 1),
        "Momentum": Kind(type: "Momentum", lists: 3, outputLists: [0, 2], flopsPerElement: 4, transcendentalsPerElement: 0),
    ]
    static var schema: OpSchema { OpSchema(type: "Adagrad", domain: trainingDomain, inputs: 3...Int.max, outputs: 1...Int.max) }
    let kind: Kind

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let kind = Self.kinds[node.opType] else { throw .unsupported(node.opType) }
        self.kind = kind
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let tensors = ctx.inputCount - 2
        guard tensors > 0, tensors % kind.lists == 0 else {
            throw .arity(what: "inputs", expected: (2 + kind.lists)...(2 + kind.lists), got: ctx.inputCount)
        }
        let n = tensors / kind.lists
        var outputs: [ValueType] = []
        for list in kind.outputLists {
            for index in 0..<n { outputs.append(.tensor(try ctx.tensor(2 + list * n + index))) }
        }
        return outputs
    }

    static let formula = "per updated element, Adagrad 6 FLOPs + 1 sqrt; Adam 10 FLOPs + 1 sqrt; Momentum 4 FLOPs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = (ctx.inputs.count - 2) / kind.lists
        var elements: SymbolicInt = 0
        for index in 0..<n { elements += try ctx.inputElements(2 + index) }
        return .elementwise(elements, flopsPerElement: kind.flopsPerElement, transcendentalsPerElement: kind.transcendentalsPerElement)
    }
}

struct AdamOp: Operator {
    static let schema = OpSchema(type: "Adam", domain: trainingDomain, inputs: 6...Int.max, outputs: 1...Int.max)
    let base: OptimizerOp
    init(node: Node, opset: Int) throws(ShapeError) { base = try OptimizerOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "per updated element, Adagrad 6 FLOPs + 1 sqrt; Adam 10 FLOPs + 1 sqrt; Momentum 4 FLOPs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
}

struct MomentumOp: Operator {
    static let schema = OpSchema(type: "Momentum", domain: trainingDomain, inputs: 5...Int.max, outputs: 1...Int.max)
    let base: OptimizerOp
    init(node: Node, opset: Int) throws(ShapeError) { base = try OptimizerOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "per updated element, Adagrad 6 FLOPs + 1 sqrt; Adam 10 FLOPs + 1 sqrt; Momentum 4 FLOPs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
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
    public static let entries: [OperatorEntry] = OperatorEntry.of([OptimizerOp.self, AdamOp.self, MomentumOp.self, GradientOp.self])
}
