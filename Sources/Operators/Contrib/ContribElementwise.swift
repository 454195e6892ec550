import ONNXGraph
import ShapeInference
import CostKernels

// Fused elementwise activations of onnxruntime-optimized transformers (com.microsoft).
// Cost convention: the sum of the fused parts, per output element.

/// One row of the fused-elementwise table: the op's name, arity and per-element cost.
struct ContribFusedElementwiseRow: OperatorRow {
    var type: String
    var inputs: ClosedRange<Int>
    /// FLOPs per output element with only the required inputs.
    var flops: Int
    /// Extra FLOPs per output element when the optional input at index `inputs.upperBound - 1` is given.
    var optionalInputFLOPs: Int = 0
    var transcendentals: Int
    /// What the op computes, in words.
    var note: String
    var traits: OpTraits = .epilogue

    var schema: OpSchema { OpSchema(type: type, domain: "com.microsoft", inputs: inputs, outputs: 1...1, traits: traits) }
    var formula: String {
        note + " " + ElementwiseSupport.perElement(flops, transcendentals: transcendentals, of: "output element")
            + (optionalInputFLOPs > 0 ? " +\(optionalInputFLOPs) per output element when the optional input is given." : "")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { ContribFusedElementwiseOp(row: self) }

    static let table: [ContribFusedElementwiseRow] = [
        .init(type: "Gelu", inputs: 1...1, flops: Conventions.gelu, transcendentals: 1, note: "Gelu (erf form): `Conventions.gelu`, 1 erf."),
        .init(type: "BiasGelu", inputs: 2...2, flops: Conventions.arithmetic + Conventions.gelu, transcendentals: 1, note: "Gelu(A + B): 1 bias add + `Conventions.gelu`, 1 erf."),
        .init(type: "FastGelu", inputs: 1...2, flops: Conventions.geluTanh, optionalInputFLOPs: Conventions.arithmetic, transcendentals: 1,
              note: "tanh-approximated Gelu(X + bias): `Conventions.geluTanh`, 1 tanh."),
        .init(type: "QuickGelu", inputs: 1...1, flops: Conventions.contribQuickGelu, transcendentals: 1, note: "x·sigmoid(α·x): `Conventions.contribQuickGelu` (sigmoid + 2), 1 exp."),
        .init(type: "BiasAdd", inputs: 3...3, flops: 2 * Conventions.arithmetic, transcendentals: 0, note: "X + bias + skip (diffusion models): 2 adds."),
        .init(type: "BiasSoftmax", inputs: 2...2, flops: Conventions.arithmetic + Conventions.softmax, transcendentals: 1,
              note: "Softmax(data + bias): 1 add + `Conventions.softmax`, 1 exp.", traits: []),
    ]
}

/// A fused elementwise op whose output has the first input's shape and type.
/// Cost: `(flops + optionalInputFLOPs when the optional input is given) × output elements`,
/// `transcendentals × output elements`.
struct ContribFusedElementwiseOp: OperatorRule {
    let row: ContribFusedElementwiseRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        // Bias/skip inputs broadcast onto X (BiasSoftmax's inner broadcast is not numpy-style), so the
        // output is X's type.
        [.tensor(try ctx.tensor(0))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let optional = row.inputs.lowerBound < row.inputs.upperBound && ctx.hasInput(row.inputs.upperBound - 1)
        return .elementwise(try ctx.outputElements(), flopsPerElement: row.flops + (optional ? row.optionalInputFLOPs : 0),
                            transcendentalsPerElement: row.transcendentals)
    }
}

// MARK: - BiasSplitGelu

/// BiasSplitGelu: `(X + bias)` split in halves along the last axis, `left · Gelu(right)` (diffusion).
/// Spec: ContribOperators.md#com.microsoft.BiasSplitGelu · opset 1. X `[N,S,D]` → `[N,S,D/2]`.
struct BiasSplitGeluOp: Operator {
    static let schema = OpSchema(type: "BiasSplitGelu", domain: "com.microsoft", inputs: 2...2, outputs: 1...1, traits: .epilogue)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard var shape = x.shape else { return [.tensor(x)] }
        try ContribShape.requireRank(shape, [3], input: 0)
        shape[2] = try ContribShape.divide(shape[2], by: 2, what: "hidden size / 2")
        return [.tensor(TensorType(dtype: x.dtype, shape: shape))]
    }

    static let formula = "1 bias add per input element + (`Conventions.gelu` = \(Conventions.gelu) + 1 multiply) per output element, 1 erf each."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputElements()
        return OpCost(flops: try ctx.inputElements(0) * .value(Conventions.arithmetic)
                          + out * .value(Conventions.gelu + Conventions.arithmetic),
                      transcendentals: out)
    }
}

// MARK: - BiasDropout

/// `Dropout(data + bias) + residual` with an optional mask output; at inference dropout is the identity.
/// Spec: ContribOperators.md#com.microsoft.BiasDropout · opset 1. output and mask (bool) have data's shape.
struct BiasDropoutOp: Operator {
    static let schema = OpSchema(type: "BiasDropout", domain: "com.microsoft", inputs: 2...5, outputs: 1...2)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return ContribShape.fit([.tensor(x), .tensor(TensorType(dtype: .bool, shape: x.shape))], to: ctx.node)
    }

    static let formula = "1 bias add (+1 residual add) per element; dropout itself is not counted (inference)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic * (ctx.hasInput(2) ? 2 : 1))
    }
}

/// The fused elementwise ops of the com.microsoft domain, registered in `OpRegistry+Builtin.swift`.
enum ContribElementwiseFamily {
    static let entries: [OperatorEntry] = ContribFusedElementwiseRow.table.entries + OperatorEntry.of([
        BiasSplitGeluOp.self,
        BiasDropoutOp.self,
    ])
}
