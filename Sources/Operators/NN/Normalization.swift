import ONNXGraph
import ShapeInference
import CostKernels

// Normalization: BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, RMSNormalization, LRN, LpNormalization, MeanVarianceNormalization.

extension Conventions {
    /// BatchNormalization in training mode also computes the batch statistics: mean accumulate (1),
    /// subtract (1), square (1), variance accumulate (1) per element, on top of `batchNorm`.
    static let batchNormStatistics = 4
    /// LRN, per element after the window's sum of squares: bias + α/size·sum (2), pow(·, β) (1, also
    /// a transcendental), divide (1).
    static let lrnNormalize = 4
    /// LpNormalization per element: |x| or x² (1), sum (1), divide (1); one sqrt per row for p = 2.
    static let lpNormalize = 3
    /// MeanVarianceNormalization per element (its ONNX function body): mean (1), x² (1), mean of x²
    /// (1), subtract (1), divide (1); one sqrt per normalized group.
    static let meanVarianceNorm = 5
}

/// The first input's type for every output slot given (`Y` of shape-preserving normalizations).
private func sameAsInput(_ ctx: ShapeContext) throws(ShapeError) -> TensorType {
    try ctx.tensor(0)
}

/// `∏ shape[dims]` for the dims not in `excluded`.
private func product(_ shape: [Dim], excluding excluded: Set<Int>) -> Dim {
    shape.enumerated().filter { !excluded.contains($0.offset) }.map(\.element).product
}

/// A `stash_type` attribute as an element type (default float).
private func stashType(_ node: Node) throws(ShapeError) -> DataType {
    let raw = try node.int("stash_type", default: Int(DataType.float.rawValue))
    guard let raw32 = Int32(exactly: raw), let type = DataType(rawValue: raw32), type.isFloatingPoint else {
        throw .invalidAttribute(name: "stash_type", reason: "\(raw) is not a floating-point element type")
    }
    return type
}

// MARK: - BatchNormalization

/// Batch normalization over the channel axis 1. Opsets 1/6 have `is_test` (and `consumed_inputs` in 1),
/// 1–7 `spatial`; up to 9 the optional outputs are mean, var, saved_mean, saved_var; from 14 the
/// `training_mode` attribute gives outputs running_mean and running_var (`[C]`, typed as input mean/var).
/// Spec: https://onnx.ai/onnx/operators/onnx__BatchNormalization.html · opsets 1, 6, 7, 9, 14, 15.
struct BatchNormalizationOp: Operator {
    static let schema = OpSchema(type: "BatchNormalization", since: 1, inputs: 5...5, outputs: 1...5, traits: .epilogue)

    private let training: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let presentOutputs = node.outputs.filter { !$0.isEmpty }.count
        if opset >= 14 {
            let mode = try node.int("training_mode", default: 0)
            training = mode != 0
            if training && node.outputs.count != 3 && presentOutputs > 1 {
                throw .arity(what: "outputs in training mode", expected: 3...3, got: node.outputs.count)
            }
        } else {
            let isTest = opset < 7 ? try node.int("is_test", default: 0) != 0 : false
            training = !isTest && presentOutputs > 1
        }
        let epsilon = try node.float("epsilon", default: 1e-5)
        guard epsilon.isFinite, epsilon >= 0 else {
            throw .invalidAttribute(name: "epsilon", reason: "must be a non-negative number, got \(epsilon)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        var channels: Dim = .unknown
        if let shape = x.shape { channels = shape.count > 1 ? shape[1] : 1 }
        var types: [ValueType] = [.tensor(x)]
        for index in ctx.node.outputs.indices.dropFirst() {
            // mean/var (and saved_mean/saved_var before 14) are per channel, like input mean (3) and var (4).
            let source = index == 2 || index == 4 ? 4 : 3
            let statistic = ctx.hasInput(source) ? try ctx.tensor(source) : nil
            let dtype = index <= 2 ? (statistic?.dtype ?? x.dtype) : x.dtype
            let shape = statistic?.shape ?? [channels]
            types.append(.tensor(TensorType(dtype: dtype, shape: shape)))
        }
        return types
    }

    static let formula = "`Conventions.batchNorm` (4) FLOPs per element of X; in training mode also `Conventions.batchNormStatistics` (4) per element and one rsqrt (transcendental) per channel."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let elements = try ctx.inputElements(0)
        guard training else { return .elementwise(elements, flopsPerElement: Conventions.batchNorm) }
        let x = try ctx.inputShape(0)
        let channels: Dim = x.count > 1 ? x[1] : 1
        return OpCost(flops: elements * .value(Conventions.batchNorm + Conventions.batchNormStatistics)
                        + channels * .value(Conventions.transcendental),
                      transcendentals: channels)
    }
}

// MARK: - InstanceNormalization

/// Normalizes each (sample, channel) over its spatial dims, then scale and bias per channel.
/// Spec: https://onnx.ai/onnx/operators/onnx__InstanceNormalization.html · opsets 1, 6, 22.
struct InstanceNormalizationOp: Operator {
    static let schema = OpSchema(type: "InstanceNormalization", since: 1, inputs: 3...3, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        if let rank = x.rank, rank < 2 { throw .rankMismatch("input must have rank ≥ 2, got \(rank)") }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.layerNorm` (7) FLOPs per element + 1 rsqrt (transcendental) per (N, C) group."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        let groups = Array(x.prefix(2)).product
        return OpCost(flops: x.product * .value(Conventions.layerNorm) + groups * .value(Conventions.transcendental),
                      transcendentals: groups)
    }
}

// MARK: - LayerNormalization

/// Normalizes over the dims from `axis` (default −1) on; optional outputs Mean and InvStdDev have
/// shape `X.shape[:axis] + [1]·(rank − axis)` and element type `stash_type` (default float).
/// Spec: https://onnx.ai/onnx/operators/onnx__LayerNormalization.html · opset 17.
struct LayerNormalizationOp: Operator {
    static let schema = OpSchema(type: "LayerNormalization", since: 17, inputs: 2...3, outputs: 1...3)

    private let axis: Int
    private let stash: DataType

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: -1)
        stash = try stashType(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        var statistics: [Dim]?
        if let shape = x.shape {
            let a = try Axes.normalize(axis, rank: shape.count)
            statistics = Array(shape.prefix(a)) + Array(repeating: Dim.value(1), count: shape.count - a)
        }
        return ctx.node.outputs.indices.map { index in
            index == 0 ? .tensor(x) : .tensor(TensorType(dtype: stash, shape: statistics))
        }
    }

    static let formula = "`Conventions.layerNorm` (7) FLOPs per element + 1 rsqrt (transcendental) per normalized row (`∏ X.shape[:axis]`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try rowNormalizationCost(ctx, axis: axis, flopsPerElement: Conventions.layerNorm)
    }
}

// MARK: - GroupNormalization

/// Normalizes each sample's channels in `num_groups` groups; scale and bias are per group in
/// opset 18 and per channel from 21 (`stash_type` added). Spec:
/// https://onnx.ai/onnx/operators/onnx__GroupNormalization.html · opsets 18, 21.
struct GroupNormalizationOp: Operator {
    static let schema = OpSchema(type: "GroupNormalization", since: 18, inputs: 3...3, outputs: 1...1)

    private let groups: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let groups = try node.optionalInt("num_groups") else { throw .missingAttribute("num_groups") }
        guard groups >= 1 else { throw .invalidAttribute(name: "num_groups", reason: "must be ≥ 1, got \(groups)") }
        self.groups = groups
        if opset >= 21 { _ = try stashType(node) }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        if let shape = x.shape {
            guard shape.count >= 2 else { throw .rankMismatch("input must have rank ≥ 2, got \(shape.count)") }
            if let channels = shape[1].intValue, channels % groups != 0 {
                throw .incompatibleDims("channels \(channels) are not divisible by num_groups \(groups)")
            }
        }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.layerNorm` (7) FLOPs per element + 1 rsqrt (transcendental) per (N, group)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        guard let batch = x.first else { throw .unknownShape("input 0") }
        let normalized = batch * .value(groups)
        return OpCost(flops: x.product * .value(Conventions.layerNorm) + normalized * .value(Conventions.transcendental),
                      transcendentals: normalized)
    }
}

// MARK: - RMSNormalization

/// Root-mean-square normalization over the dims from `axis` (default −1), times scale.
/// Spec: https://onnx.ai/onnx/operators/onnx__RMSNormalization.html · opset 23.
struct RMSNormalizationOp: Operator {
    static let schema = OpSchema(type: "RMSNormalization", since: 23, inputs: 2...2, outputs: 1...1)

    private let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: -1)
        _ = try stashType(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        if let rank = x.rank { _ = try Axes.normalize(axis, rank: rank) }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.rmsNorm` (4) FLOPs per element + 1 rsqrt (transcendental) per row (`∏ X.shape[:axis]`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try rowNormalizationCost(ctx, axis: axis, flopsPerElement: Conventions.rmsNorm)
    }
}

// MARK: - LRN

/// Local response normalization across `size` neighbouring channels.
/// Spec: https://onnx.ai/onnx/operators/onnx__LRN.html · opsets 1, 13.
struct LRNOp: Operator {
    static let schema = OpSchema(type: "LRN", since: 1, inputs: 1...1, outputs: 1...1)

    private let size: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let size = try node.optionalInt("size") else { throw .missingAttribute("size") }
        guard size >= 1, size < 1 << 20 else { throw .invalidAttribute(name: "size", reason: "must be ≥ 1, got \(size)") }
        self.size = size
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { [.tensor(try sameAsInput(ctx))] }

    static let formula = "Cost per element: `size` squares and adds (`size·(arithmetic + reduceStep)`) + `Conventions.lrnNormalize` (4); 1 transcendental (the pow) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let perElement = size * (Conventions.arithmetic + Conventions.reduceStep) + Conventions.lrnNormalize
        return .elementwise(try ctx.inputElements(0), flopsPerElement: perElement, transcendentalsPerElement: 1)
    }
}

// MARK: - LpNormalization

/// Divides by the L1 or L2 norm along `axis` (default −1; `p` 1 or 2, default 2).
/// Spec: https://onnx.ai/onnx/operators/onnx__LpNormalization.html · opsets 1, 22.
struct LpNormalizationOp: Operator {
    static let schema = OpSchema(type: "LpNormalization", since: 1, inputs: 1...1, outputs: 1...1)

    private let axis: Int
    private let p: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: -1)
        p = try node.int("p", default: 2)
        guard p == 1 || p == 2 else { throw .invalidAttribute(name: "p", reason: "must be 1 or 2, got \(p)") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        if let rank = x.rank, rank > 0 { _ = try Axes.normalize(axis, rank: rank) }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.lpNormalize` (3) FLOPs per element; for p = 2 one sqrt (transcendental) per row."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        var rows: Dim = 0
        if p == 2, !x.isEmpty, let a = try? Axes.normalize(axis, rank: x.count) { rows = product(x, excluding: [a]) }
        return OpCost(flops: x.product * .value(Conventions.lpNormalize) + rows * .value(Conventions.transcendental),
                      transcendentals: rows)
    }
}

// MARK: - MeanVarianceNormalization

/// `(X − E[X]) / sqrt(E[X²] − E[X]²)` over `axes` (default [0, 2, 3]).
/// Spec: https://onnx.ai/onnx/operators/onnx__MeanVarianceNormalization.html · opsets 9, 13.
struct MeanVarianceNormalizationOp: Operator {
    static let schema = OpSchema(type: "MeanVarianceNormalization", since: 9, inputs: 1...1, outputs: 1...1)

    private let axes: [Int]

    init(node: Node, opset: Int) throws(ShapeError) {
        axes = try node.ints("axes") ?? [0, 2, 3]
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try sameAsInput(ctx)
        if let rank = x.rank { _ = try Axes.normalize(axes, rank: rank) }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.meanVarianceNorm` (5) FLOPs per element + 1 sqrt (transcendental) per group (the product of the dims not in `axes`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        guard let normalized = try? Axes.normalize(axes, rank: x.count) else { throw .unknownShape("input 0 (axes out of range)") }
        let groups = product(x, excluding: Set(normalized))
        return OpCost(flops: x.product * .value(Conventions.meanVarianceNorm) + groups * .value(Conventions.transcendental),
                      transcendentals: groups)
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum NormalizationFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        BatchNormalizationOp.self, InstanceNormalizationOp.self, LayerNormalizationOp.self,
        GroupNormalizationOp.self, RMSNormalizationOp.self, LRNOp.self, LpNormalizationOp.self,
        MeanVarianceNormalizationOp.self,
    ])
}
