import ONNXGraph
import ShapeInference
import CostKernels

// Recent default-domain ops (opsets 26–28) that no other family owns: CumProd, SwiGLU,
// CausalConvWithState, LinearAttention. Listed in `MiscFamily` (`Misc.swift`).

// MARK: - CumProd

/// Cumulative product along the `axis` input (scalar); output = input's type.
/// Spec: https://onnx.ai/onnx/operators/onnx__CumProd.html · opset 26.
/// Cost: 1 FLOP (`Conventions.arithmetic`, one multiply) per element.
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

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - SwiGLU

/// `Y = Swish_alpha(A) · B`, A and B of identical shapes (no broadcasting).
/// Spec: https://onnx.ai/onnx/operators/onnx__SwiGLU.html · opset 28.
/// Cost: per element `Conventions.silu` (5) + 1 multiply = 6 FLOPs, 1 transcendental (the exp).
struct SwiGLUOp: Operator {
    static let schema = OpSchema(type: "SwiGLU", since: 28, inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) { _ = try node.float("alpha", default: 1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        guard let sa = a.shape, let sb = b.shape else { return [ValueKit.tensor(a.dtype, a.shape ?? b.shape)] }
        guard sa.count == sb.count else { throw .rankMismatch("A has rank \(sa.count), B rank \(sb.count)") }
        var shape: [Dim] = []
        for (x, y) in zip(sa, sb) { shape.append(try ValueKit.unify(x, y, what: "SwiGLU A and B")) }
        return [ValueKit.tensor(a.dtype, shape)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.silu + Conventions.arithmetic, transcendentalsPerElement: 1)
    }
}

// MARK: - CausalConvWithState

/// Stateful causal depthwise 1-D convolution: input `[B, C, L]`, weight `[C, 1, k]`; output = input's
/// shape, present_state `[B, C, k−1]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__CausalConvWithState.html · opset 27.
/// Cost: MACs = B·C·L·k (one tap per kernel element per output); + B·C·L bias adds with a bias;
/// + `Conventions.silu` FLOPs and 1 transcendental per output element with `silu`/`swish`.
struct CausalConvWithStateOp: Operator {
    static let schema = OpSchema(type: "CausalConvWithState", since: 27, inputs: 2...4, outputs: 1...2)

    let activated: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let activation = try node.string("activation", default: "none")
        guard ["none", "silu", "swish"].contains(activation) else {
            throw .invalidAttribute(name: "activation", reason: "unknown activation '\(activation)'")
        }
        activated = activation != "none"
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0), weight = try ctx.tensor(1)
        if let r = input.rank, r != 3 { throw .rankMismatch("input must be [batch, channels, length], got rank \(r)") }
        if let r = weight.rank, r != 3 { throw .rankMismatch("weight must be [channels, 1, k], got rank \(r)") }
        let shape = input.shape
        let k = weight.shape?[2] ?? .unknown
        let state: [Dim] = [shape?[0] ?? .unknown, shape?[1] ?? .unknown, k - 1]
        return Array([.tensor(input), ValueKit.tensor(input.dtype, state)].prefix(ctx.node.outputs.count))
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let outputs = try ctx.outputElements()
        let k = try ctx.inputShape(1).last ?? .unknown
        var extra: Dim = 0
        if ctx.hasInput(2) { extra = extra + outputs * .value(Conventions.arithmetic) }
        if activated { extra = extra + outputs * .value(Conventions.silu) }
        var cost = OpCost.macs(outputs * k, extraFLOPs: extra)
        if activated { cost.transcendentals = outputs }
        return cost
    }
}

// MARK: - LinearAttention

/// Linear-attention recurrence (linear, gated, delta, gated_delta) over packed `[B, T, H·d]` inputs:
/// output `[B, T, Hq·dv]`, present_state `[B, Hkv, dk, dv]` with dk = query.last/Hq,
/// dv = value.last/Hkv.
/// Spec: https://onnx.ai/onnx/operators/onnx__LinearAttention.html · opset 27.
/// Cost per token (× B·T): MACs = Hkv·dk·dv (state update k⊗v) + Hq·dk·dv (readout qᵀS)
/// + Hkv·dk·dv for delta rules (Sᵀk); extra FLOPs = Hq·dv (scale) + for gated rules Hkv·dk·dv
/// (decay multiply) + one exp per decay element, + for delta rules Hkv·dv (v − Sᵀk) + Hkv·dk (β·k).
/// Transcendentals: one exp per decay element (gated rules).
struct LinearAttentionOp: Operator {
    static let schema = OpSchema(type: "LinearAttention", since: 27, inputs: 3...6, outputs: 1...2)

    let qHeads: Int
    let kvHeads: Int
    let gated: Bool
    let delta: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let q = try node.optionalInt("q_num_heads") else { throw .missingAttribute("q_num_heads") }
        guard let kv = try node.optionalInt("kv_num_heads") else { throw .missingAttribute("kv_num_heads") }
        guard q >= 1, kv >= 1, q % kv == 0 else {
            throw .invalidAttribute(name: "q_num_heads", reason: "\(q) must be a positive multiple of kv_num_heads \(kv)")
        }
        let rule = try node.string("update_rule", default: "gated_delta")
        guard ["linear", "gated", "delta", "gated_delta"].contains(rule) else {
            throw .invalidAttribute(name: "update_rule", reason: "unknown rule '\(rule)'")
        }
        qHeads = q
        kvHeads = kv
        gated = rule.hasPrefix("gated")
        delta = rule.hasSuffix("delta")
    }

    /// (dk, dv) from the packed query and value shapes.
    func headDims(query: [Dim]?, value: [Dim]?) -> (Dim, Dim) {
        let dk = (query?.last ?? .unknown).floorDivided(by: .value(qHeads))
        let dv = (value?.last ?? .unknown).floorDivided(by: .value(kvHeads))
        return (dk, dv)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let query = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        let value = try ctx.tensor(2)
        for (index, t) in [(0, query), (2, value)] {
            if let r = t.rank, r != 3 { throw .invalidInput(index: index, reason: "must be 3-D [B, T, H·d], got rank \(r)") }
        }
        let (dk, dv) = headDims(query: query.shape, value: value.shape)
        let b = query.shape?[0] ?? .unknown, t = query.shape?[1] ?? .unknown
        let output = ValueKit.tensor(query.dtype, [b, t, dv * .value(qHeads)])
        let state = ValueKit.tensor(query.dtype, [b, .value(kvHeads), dk, dv])
        return Array([output, state].prefix(ctx.node.outputs.count))
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let query = try ctx.inputShape(0), value = try ctx.inputShape(2)
        let (dk, dv) = headDims(query: query, value: value)
        let tokens = query[0] * query[1]
        let q = Dim.value(qHeads), kv = Dim.value(kvHeads)
        let stateSize = kv * dk * dv
        var macs = stateSize + q * dk * dv
        var extra = q * dv
        var transcendentals: Dim = 0
        if gated {
            let decayPerToken = ctx.hasInput(4) ? (try ctx.inputShape(4).last ?? .unknown) : kv
            extra = extra + stateSize + decayPerToken * .value(Conventions.transcendental)
            transcendentals = decayPerToken
        }
        if delta {
            macs = macs + stateSize
            extra = extra + kv * dv + kv * dk
        }
        var cost = OpCost.macs(tokens * macs, extraFLOPs: tokens * extra)
        cost.transcendentals = tokens * transcendentals
        return cost
    }
}
