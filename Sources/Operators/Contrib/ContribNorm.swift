import ONNXGraph
import ShapeInference
import CostKernels

// Fused normalization ops of onnxruntime-optimized transformers (com.microsoft), plus
// SimplifiedLayerNormalization, which onnxruntime registers in the default domain at opset 1.
// Convention: per element `Conventions.layerNorm` (or `.rmsNorm`) + 1 per fused add; per normalized
// row 1 rsqrt (1 FLOP and 1 transcendental), as for the ONNX LayerNormalization rule.

/// `shape` with every dim from `axis` on set to 1 (the saved mean / inverse-std shape).
private func contribReducedShape(_ shape: [Dim], axis: Int) -> [Dim] {
    shape.enumerated().map { $0.offset < axis ? $0.element : 1 }
}

// MARK: - SkipLayerNormalization

/// `LayerNorm(input + skip (+ bias))` over the last axis, with optional saved statistics and sum.
/// Spec: ContribOperators.md#com.microsoft.SkipLayerNormalization · com.microsoft opset 1.
/// Outputs: output (input's shape), mean and inv_std_var (`[..., 1]`, float), input_skip_bias_sum.
struct SkipLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "SkipLayerNormalization", domain: "com.microsoft", inputs: 3...5, outputs: 1...4)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try contribSkipNormShapes(&ctx)
    }

    static let formula = "per element 1 (skip add) + 1 (bias add, when given) + `Conventions.layerNorm` = \(Conventions.layerNorm); 1 rsqrt per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        let adds = Conventions.arithmetic * (ctx.hasInput(4) ? 2 : 1)
        return try rowNormalizationCost(shape: shape, axis: -1, flopsPerElement: Conventions.layerNorm + adds)
    }
}

/// Shapes shared by the skip-normalization ops: output, mean, inv_std_var, sum.
private func contribSkipNormShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
    let x = try ctx.tensor(0)
    guard let shape = x.shape else { return ContribShape.fit([.tensor(x), .unknown, .unknown, .tensor(x)], to: ctx.node) }
    try ContribShape.requireRank(shape, [2, 3], input: 0)
    if let gamma = try ctx.tensor(2).shape, let last = shape.last {
        try ContribShape.requireRank(gamma, [1], input: 2)
        try ContribShape.requireEqual(gamma[0], last, "gamma length vs hidden size")
    }
    if let skip = try ctx.tensor(1).shape, skip.count >= 1, let last = shape.last {
        try ContribShape.requireEqual(skip[skip.count - 1], last, "skip hidden size vs input hidden size")
    }
    let stats = TensorType(dtype: .float, shape: contribReducedShape(shape, axis: shape.count - 1))
    return ContribShape.fit([.tensor(x), .tensor(stats), .tensor(stats), .tensor(x)], to: ctx.node)
}

// MARK: - SkipSimplifiedLayerNormalization

/// `RMSNorm(input + skip (+ bias))` over the last axis (T5/Llama residual + norm fusion).
/// Spec: ContribOperators.md#com.microsoft.SkipSimplifiedLayerNormalization · com.microsoft opset 1.
/// Outputs as SkipLayerNormalization.
struct SkipSimplifiedLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "SkipSimplifiedLayerNormalization", domain: "com.microsoft", inputs: 3...4, outputs: 1...4)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try contribSkipNormShapes(&ctx)
    }

    static let formula = "per element 1 (skip add) + 1 (bias add, when given) + `Conventions.rmsNorm` = \(Conventions.rmsNorm); 1 rsqrt per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        let adds = Conventions.arithmetic * (ctx.hasInput(3) ? 2 : 1)
        return try rowNormalizationCost(shape: shape, axis: -1, flopsPerElement: Conventions.rmsNorm + adds)
    }
}

// MARK: - SimplifiedLayerNormalization

/// RMS normalization over the dims from `axis` (Llama/T5 exports of onnxruntime); onnxruntime
/// registers it in the default domain at opset 1, and it is also accepted in com.microsoft.
/// Outputs Y (the scale's type, X's shape) and inv_std_var (float, dims from `axis` set to 1).
struct SimplifiedLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "SimplifiedLayerNormalization", inputs: 2...2, outputs: 1...2)
    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.int("axis", default: -1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try contribLayerNormShapes(&ctx, axis: axis, statistics: 1)
    }

    static let formula = "`Conventions.rmsNorm` = \(Conventions.rmsNorm) per element + 1 rsqrt per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        return try rowNormalizationCost(shape: shape, axis: axis, flopsPerElement: Conventions.rmsNorm)
    }
}

/// The com.microsoft registration of SimplifiedLayerNormalization (same rule).
struct ContribSimplifiedLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "SimplifiedLayerNormalization", domain: "com.microsoft", inputs: 2...2, outputs: 1...2)
    let base: SimplifiedLayerNormalizationOp

    init(node: Node, opset: Int) throws(ShapeError) { base = try SimplifiedLayerNormalizationOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "`Conventions.rmsNorm` = \(Conventions.rmsNorm) per element + 1 rsqrt per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
}

/// Y (type of input 1, X's shape) followed by `statistics` float outputs with dims from `axis` set to 1.
private func contribLayerNormShapes(_ ctx: inout ShapeContext, axis: Int, statistics: Int) throws(ShapeError) -> [ValueType] {
    let x = try ctx.tensor(0)
    let yType = TensorType(dtype: try ctx.dtype(1), shape: x.shape)
    guard let shape = x.shape else { return ContribShape.fit([.tensor(yType)], to: ctx.node) }
    let a = try Axes.normalize(axis, rank: shape.count)
    let stats = ValueType.tensor(TensorType(dtype: .float, shape: contribReducedShape(shape, axis: a)))
    return ContribShape.fit([.tensor(yType)] + Array(repeating: stats, count: statistics), to: ctx.node)
}

// MARK: - LayerNormalization (com.microsoft)

/// LayerNormalization as onnxruntime's contrib schema declares it (before ONNX opset 17 added it).
/// Outputs Y, Mean, InvStdDev (stats float, dims from `axis` set to 1).
struct ContribLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "LayerNormalization", domain: "com.microsoft", inputs: 2...3, outputs: 1...3)
    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) { axis = try node.int("axis", default: -1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try contribLayerNormShapes(&ctx, axis: axis, statistics: 2)
    }

    static let formula = "`Conventions.layerNorm` = \(Conventions.layerNorm) per element + 1 rsqrt per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        return try rowNormalizationCost(shape: shape, axis: axis, flopsPerElement: Conventions.layerNorm)
    }
}

// MARK: - EmbedLayerNormalization

/// BERT embedding fusion: word + position (+ segment) embedding lookups, sum, LayerNorm, mask index.
/// Spec: ContribOperators.md#com.microsoft.EmbedLayerNormalization · com.microsoft opset 1.
/// input_ids `[B,S]`, word_embedding `[V,H]` → output `[B,S,H]`, mask_index `[B]` (int32),
/// embedding_sum `[B,S,H]`.
struct EmbedLayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "EmbedLayerNormalization", domain: "com.microsoft", inputs: 7...9, outputs: 1...3,
                                 metadataInputs: [0, 1, 7, 8])

    init(node: Node, opset: Int) throws(ShapeError) {}

    private func shape(ids: [Dim], word: [Dim]) throws(ShapeError) -> [Dim] {
        try ContribShape.requireRank(ids, [2], input: 0)
        try ContribShape.requireRank(word, [2], input: 2)
        return [ids[0], ids[1], word[1]]
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let word = try ctx.tensor(2)
        let out = try shape(ids: try ctx.shape(0), word: try ctx.shape(2))
        return ContribShape.fit([
            .tensor(TensorType(dtype: word.dtype, shape: out)),
            .tensor(TensorType(dtype: .int32, shape: [out[0]])),
            .tensor(TensorType(dtype: word.dtype, shape: out)),
        ], to: ctx.node)
    }

    static let formula = "per output element 1 add (2 with segment embeddings) + `Conventions.layerNorm` = \(Conventions.layerNorm); 1 rsqrt per token; + `B·S` reduction steps for the mask index when a mask is given. Lookups are data movement."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputShape(0)
        let adds = Conventions.arithmetic * (ctx.hasInput(4) ? 2 : 1)
        var cost = try rowNormalizationCost(shape: out, axis: -1, flopsPerElement: Conventions.layerNorm + adds)
        if ctx.hasInput(7) { cost.flops += try ctx.inputElements(7) * .value(Conventions.reduceStep) }
        return cost
    }
}

// MARK: - GroupNorm / SkipGroupNorm

/// Group normalization (NHWC by default) with optional SiLU, and its skip/bias-add fusion.
/// Spec: ContribOperators.md#com.microsoft.GroupNorm, #com.microsoft.SkipGroupNorm · opset 1.
/// Y (and SkipGroupNorm's sum S) have X's shape.
struct GroupNormOp: Operator {
    static let schema = OpSchema(type: "GroupNorm", domain: "com.microsoft", inputs: 3...3, outputs: 1...1)
    let groups: Int
    let silu: Bool
    let channelsLast: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        groups = try contribPositiveInt(node, "groups")
        silu = try node.int("activation", default: 0) == 1
        channelsLast = try node.int("channels_last", default: 1) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try groupNormShapes(&ctx, outputs: 1)
    }

    func groupNormShapes(_ ctx: inout ShapeContext, outputs: Int) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape {
            guard shape.count >= 2 else { throw .rankMismatch("GroupNorm input needs rank ≥ 2") }
            let channels = channelsLast ? shape[shape.count - 1] : shape[1]
            _ = try ContribShape.divide(channels, by: groups, what: "channels / groups")
        }
        return ContribShape.fit(Array(repeating: .tensor(x), count: outputs), to: ctx.node)
    }

    func groupNormCost(_ ctx: CostContext, adds: Int) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        let elements = shape.product, rows = (shape.first ?? 1) * .value(groups)
        let perElement = Conventions.layerNorm + adds + (silu ? Conventions.silu : 0)
        return OpCost(flops: elements * .value(perElement) + rows * .value(Conventions.transcendental),
                      transcendentals: rows + (silu ? elements : 0))
    }

    static let formula = "per element `Conventions.layerNorm` = \(Conventions.layerNorm) (+ `Conventions.silu` = \(Conventions.silu) and 1 sigmoid exp with `activation` = 1) (+ 1 skip add, + 1 bias add for SkipGroupNorm); 1 rsqrt per (batch, group)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try groupNormCost(ctx, adds: 0) }
}

struct SkipGroupNormOp: Operator {
    static let schema = OpSchema(type: "SkipGroupNorm", domain: "com.microsoft", inputs: 4...5, outputs: 1...2)
    let base: GroupNormOp

    init(node: Node, opset: Int) throws(ShapeError) { base = try GroupNormOp(node: node, opset: opset) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try base.groupNormShapes(&ctx, outputs: 2)
    }

    static let formula = "per element `Conventions.layerNorm` = \(Conventions.layerNorm) (+ `Conventions.silu` = \(Conventions.silu) and 1 sigmoid exp with `activation` = 1) (+ 1 skip add, + 1 bias add for SkipGroupNorm); 1 rsqrt per (batch, group)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try base.groupNormCost(ctx, adds: Conventions.arithmetic * (ctx.hasInput(4) ? 2 : 1))
    }
}

/// The normalization ops of the com.microsoft domain (and SimplifiedLayerNormalization in ""),
/// registered in `OpRegistry+Builtin.swift`.
enum ContribNormFamily {
    static let entries: [OperatorEntry] = OperatorEntry.of([
        SkipLayerNormalizationOp.self,
        SkipSimplifiedLayerNormalizationOp.self,
        SimplifiedLayerNormalizationOp.self,
        ContribSimplifiedLayerNormalizationOp.self,
        ContribLayerNormalizationOp.self,
        EmbedLayerNormalizationOp.self,
        GroupNormOp.self,
        SkipGroupNormOp.self,
    ])
}
