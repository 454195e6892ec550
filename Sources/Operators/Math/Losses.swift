import ONNXGraph
import ShapeInference
import CostKernels

// The training losses of onnx/defs/math: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

// MARK: - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss

/// Loss ops: `[N, C, d…]` scores and `[N, d…]` targets; the loss is `[N, d…]` with
/// `reduction = none`, else a scalar. SoftmaxCrossEntropyLoss's optional second output is the
/// log-probabilities (the scores' shape).
/// Spec: https://onnx.ai/onnx/operators/onnx__NegativeLogLikelihoodLoss.html (opsets 12–22),
/// https://onnx.ai/onnx/operators/onnx__SoftmaxCrossEntropyLoss.html (opsets 12–13).
struct NegativeLogLikelihoodLossOp: Operator {
    static let schema = OpSchema(type: "NegativeLogLikelihoodLoss", since: 12, inputs: 2...3, outputs: 1...1)

    let reduced: Bool

    init(node: Node, opset: Int) throws(ShapeError) { reduced = try Self.parseReduction(node) }

    static func parseReduction(_ node: Node) throws(ShapeError) -> Bool {
        let reduction = try node.string("reduction", default: "mean")
        guard ["none", "sum", "mean"].contains(reduction) else {
            throw .invalidAttribute(name: "reduction", reason: "unknown reduction '\(reduction)'")
        }
        _ = try node.optionalInt("ignore_index")
        return reduction != "none"
    }

    /// The loss type for scores `input` and targets `target`.
    static func lossType(_ input: TensorType, _ target: TensorType, reduced: Bool) throws(ShapeError) -> ValueType {
        if let s = input.shape, let t = target.shape {
            guard s.count >= 2, t.count == s.count - 1 else {
                throw .rankMismatch("scores rank \(s.count) needs targets of rank \(s.count - 1), got \(t.count)")
            }
        }
        return ValueKit.tensor(input.dtype, reduced ? [] : target.shape)
    }

    /// FLOPs of the pick/weight/reduce part, per the doc comment.
    static func pickFLOPs(_ ctx: CostContext, reduced: Bool) throws(CostError) -> Dim {
        let targets = try ctx.inputElements(1)
        let perTarget = Conventions.arithmetic + (ctx.hasInput(2) ? Conventions.arithmetic : 0) + (reduced ? Conventions.reduceStep : 0)
        return targets * .value(perTarget)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [try Self.lossType(try ctx.tensor(0), try ctx.tensor(1), reduced: reduced)]
    }

    static let formula = "per target element 1 FLOP (the negated pick), +1 with `weight`, +1 (`reduceStep`) when reduced; SoftmaxCrossEntropyLoss adds a log-softmax: `Conventions.softmax` = \(Conventions.softmax) FLOPs and 1 transcendental (exp) per score element, and 1 transcendental (log) per target element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        OpCost(flops: try Self.pickFLOPs(ctx, reduced: reduced))
    }
}

/// See `NegativeLogLikelihoodLossOp`.
struct SoftmaxCrossEntropyLossOp: Operator {
    static let schema = OpSchema(type: "SoftmaxCrossEntropyLoss", since: 12, inputs: 2...3, outputs: 1...2)

    let reduced: Bool

    init(node: Node, opset: Int) throws(ShapeError) { reduced = try NegativeLogLikelihoodLossOp.parseReduction(node) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let scores = try ctx.tensor(0)
        let loss = try NegativeLogLikelihoodLossOp.lossType(scores, try ctx.tensor(1), reduced: reduced)
        return ctx.node.outputs.count > 1 ? [loss, .tensor(scores)] : [loss]
    }

    static let formula = "per target element 1 FLOP (the negated pick), +1 with `weight`, +1 (`reduceStep`) when reduced; SoftmaxCrossEntropyLoss adds a log-softmax: `Conventions.softmax` = \(Conventions.softmax) FLOPs and 1 transcendental (exp) per score element, and 1 transcendental (log) per target element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let scores = try ctx.inputElements(0)
        let targets = try ctx.inputElements(1)
        let pick = try NegativeLogLikelihoodLossOp.pickFLOPs(ctx, reduced: reduced)
        return OpCost(flops: scores * .value(Conventions.softmax) + pick + targets * .value(Conventions.transcendental),
                      transcendentals: scores * .value(Conventions.transcendental) + targets * .value(Conventions.transcendental))
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum LossFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([NegativeLogLikelihoodLossOp.self, SoftmaxCrossEntropyLossOp.self])
}
