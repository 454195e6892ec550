import ONNXGraph
import ShapeInference
import CostKernels

// Fused elementwise activations of onnxruntime-optimized transformers (com.microsoft).
// Cost convention: the sum of the fused parts, per output element.

/// One row of the fused-elementwise table: the op's name, arity and per-element cost.
protocol ContribFusedElementwiseKind: Sendable {
    static var type: String { get }
    static var inputs: ClosedRange<Int> { get }
    /// FLOPs per output element with only the required inputs.
    static var flops: Int { get }
    /// Extra FLOPs per output element when the optional input at index `inputs.upperBound - 1` is given.
    static var optionalInputFLOPs: Int { get }
    static var transcendentals: Int { get }
}

/// A fused elementwise op whose output has the first input's shape and type.
/// Cost: `(flops + optionalInputFLOPs when the optional input is given) × output elements`,
/// `transcendentals × output elements`.
struct ContribFusedElementwiseOp<Kind: ContribFusedElementwiseKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.type, domain: "com.microsoft", inputs: Kind.inputs, outputs: 1...1) }

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        // Bias/skip inputs broadcast onto X (BiasSoftmax's inner broadcast is not numpy-style), so the
        // output is X's type.
        [.tensor(try ctx.tensor(0))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let optional = Kind.inputs.lowerBound < Kind.inputs.upperBound && ctx.hasInput(Kind.inputs.upperBound - 1)
        return .elementwise(try ctx.outputElements(), flopsPerElement: Kind.flops + (optional ? Kind.optionalInputFLOPs : 0),
                            transcendentalsPerElement: Kind.transcendentals)
    }
}

// MARK: - Gelu

/// Gelu (erf form), com.microsoft: `Conventions.gelu` per element, 1 erf.
enum ContribGeluKind: ContribFusedElementwiseKind {
    static let type = "Gelu", inputs = 1...1, flops = Conventions.gelu, optionalInputFLOPs = 0, transcendentals = 1
}
typealias ContribGeluOp = ContribFusedElementwiseOp<ContribGeluKind>

// MARK: - BiasGelu

/// BiasGelu = Gelu(A + B): 1 bias add + `Conventions.gelu` per element, 1 erf.
enum BiasGeluKind: ContribFusedElementwiseKind {
    static let type = "BiasGelu", inputs = 2...2, flops = Conventions.arithmetic + Conventions.gelu, optionalInputFLOPs = 0,
               transcendentals = 1
}
typealias BiasGeluOp = ContribFusedElementwiseOp<BiasGeluKind>

// MARK: - FastGelu

/// FastGelu = tanh-approximated Gelu (X + bias): `Conventions.geluTanh` (+1 with bias) per element, 1 tanh.
enum FastGeluKind: ContribFusedElementwiseKind {
    static let type = "FastGelu", inputs = 1...2, flops = Conventions.geluTanh, optionalInputFLOPs = Conventions.arithmetic,
               transcendentals = 1
}
typealias FastGeluOp = ContribFusedElementwiseOp<FastGeluKind>

// MARK: - QuickGelu

/// QuickGelu = x·sigmoid(α·x): `Conventions.contribQuickGelu` (sigmoid + 2) per element, 1 exp.
enum QuickGeluKind: ContribFusedElementwiseKind {
    static let type = "QuickGelu", inputs = 1...1, flops = Conventions.contribQuickGelu, optionalInputFLOPs = 0,
               transcendentals = 1
}
typealias QuickGeluOp = ContribFusedElementwiseOp<QuickGeluKind>

// MARK: - BiasAdd

/// BiasAdd = X + bias + skip (diffusion models): 2 adds per element.
enum BiasAddKind: ContribFusedElementwiseKind {
    static let type = "BiasAdd", inputs = 3...3, flops = 2 * Conventions.arithmetic, optionalInputFLOPs = 0, transcendentals = 0
}
typealias BiasAddOp = ContribFusedElementwiseOp<BiasAddKind>

// MARK: - BiasSoftmax

/// BiasSoftmax = Softmax(data + bias): 1 add + `Conventions.softmax` per element, 1 exp.
enum BiasSoftmaxKind: ContribFusedElementwiseKind {
    static let type = "BiasSoftmax", inputs = 2...2, flops = Conventions.arithmetic + Conventions.softmax,
               optionalInputFLOPs = 0, transcendentals = 1
}
typealias BiasSoftmaxOp = ContribFusedElementwiseOp<BiasSoftmaxKind>

// MARK: - BiasSplitGelu

/// BiasSplitGelu: `(X + bias)` split in halves along the last axis, `left · Gelu(right)` (diffusion).
/// Spec: ContribOperators.md#com.microsoft.BiasSplitGelu · opset 1. X `[N,S,D]` → `[N,S,D/2]`.
/// Cost: 1 bias add per input element + (`Conventions.gelu` + 1 multiply) per output element, 1 erf each.
struct BiasSplitGeluOp: Operator {
    static let schema = OpSchema(type: "BiasSplitGelu", domain: "com.microsoft", inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard var shape = x.shape else { return [.tensor(x)] }
        try ContribShape.requireRank(shape, [3], input: 0)
        shape[2] = try ContribShape.divide(shape[2], by: 2, what: "hidden size / 2")
        return [.tensor(TensorType(dtype: x.dtype, shape: shape))]
    }

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
/// Cost: 1 bias add (+1 residual add) per element; dropout itself is not counted (inference).
struct BiasDropoutOp: Operator {
    static let schema = OpSchema(type: "BiasDropout", domain: "com.microsoft", inputs: 2...5, outputs: 1...2)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return ContribShape.fit([.tensor(x), .tensor(TensorType(dtype: .bool, shape: x.shape))], to: ctx.node)
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic * (ctx.hasInput(2) ? 2 : 1))
    }
}

/// The fused elementwise ops of the com.microsoft domain, concatenated into `ContribFamily.operators`.
enum ContribElementwiseFamily {
    static let operators: [any Operator.Type] = [
        ContribGeluOp.self,
        BiasGeluOp.self,
        FastGeluOp.self,
        QuickGeluOp.self,
        BiasAddOp.self,
        BiasSoftmaxOp.self,
        BiasSplitGeluOp.self,
        BiasDropoutOp.self,
    ]
}
