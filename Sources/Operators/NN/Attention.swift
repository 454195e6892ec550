import ONNXGraph
import ShapeInference
import CostKernels

// Attention in the default domain: Attention and RotaryEmbedding (opset 23), LinearAttention. The
// scaled-dot-product and rotary geometry they share with the com.microsoft ops is in Support/AttentionCore.swift.

// MARK: - Attention

/// Scaled dot-product attention (MHA, GQA and MQA) on already-projected Q, K, V.
/// Spec: https://onnx.ai/onnx/operators/onnx__Attention.html · opsets 23–24 (24 adds the
/// `nonpad_kv_seqlen` input).
/// Q `[B,Nq,Sq,dk]` or `[B,Sq,Nq·dk]`, K `[B,Nkv,L,dk]` or `[B,L,Nkv·dk]`, V likewise with `dv`
/// (3-D inputs need `q_num_heads`/`kv_num_heads`); past_key/value `[B,Nkv,P,·]`. Outputs Y
/// `[B,Nq,Sq,dv]` (3-D: `[B,Sq,Nq·dv]`), present_key/value `[B,Nkv,P+L,·]`, qk_matmul_output
/// `[B,Nq,Sq,P+L]`.
struct AttentionOp: Operator {
    static let schema = OpSchema(type: "Attention", since: 23, inputs: 3...7, outputs: 1...4, metadataInputs: [6])
    let qNumHeads: Int?
    let kvNumHeads: Int?
    let isCausal: Bool
    let softcap: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        qNumHeads = try node.optionalInt("q_num_heads")
        kvNumHeads = try node.optionalInt("kv_num_heads")
        if let q = qNumHeads, q <= 0 { throw .invalidAttribute(name: "q_num_heads", reason: "must be positive, got \(q)") }
        if let k = kvNumHeads, k <= 0 { throw .invalidAttribute(name: "kv_num_heads", reason: "must be positive, got \(k)") }
        if let q = qNumHeads, let k = kvNumHeads, q % k != 0 {
            throw .invalidAttribute(name: "kv_num_heads", reason: "q_num_heads \(q) is not a multiple of kv_num_heads \(k)")
        }
        isCausal = try node.int("is_causal", default: 0) != 0
        softcap = try node.float("softcap", default: 0) > 0
        let mode = try node.int("qk_matmul_output_mode", default: 0)
        guard (0...3).contains(mode) else { throw .invalidAttribute(name: "qk_matmul_output_mode", reason: "must be 0...3, got \(mode)") }
    }

    struct Geometry { var b, nq, nkv, sq, l, p, dk, dv: Dim; var threeD: Bool; var total: Dim { p + l } }

    func geometry(q: [Dim], k: [Dim], v: [Dim], past: [Dim]?) throws(ShapeError) -> Geometry {
        guard q.count == k.count, k.count == v.count, q.count == 3 || q.count == 4 else {
            throw .rankMismatch("Q, K, V must all be 3-D or all 4-D, got ranks \(q.count), \(k.count), \(v.count)")
        }
        var g: Geometry
        if q.count == 4 {
            g = Geometry(b: q[0], nq: q[1], nkv: k[1], sq: q[2], l: k[2], p: 0, dk: q[3], dv: v[3], threeD: false)
            try ContribShape.requireEqual(k[3], q[3], "K head size vs Q head size")
        } else {
            guard let qn = qNumHeads else { throw .missingAttribute("q_num_heads") }
            guard let kvn = kvNumHeads else { throw .missingAttribute("kv_num_heads") }
            g = Geometry(b: q[0], nq: .value(qn), nkv: .value(kvn), sq: q[1], l: k[1], p: 0,
                         dk: try ContribShape.divide(q[2], by: qn, what: "Q hidden / q_num_heads"),
                         dv: try ContribShape.divide(v[2], by: kvn, what: "V hidden / kv_num_heads"), threeD: true)
            try ContribShape.requireEqual(k[2], g.dk * g.nkv, "K hidden vs kv_num_heads·head_size")
        }
        try ContribShape.requireEqual(k.count == 4 ? v[2] : v[1], g.l, "V sequence vs K sequence")
        if let nq = g.nq.intValue, let nkv = g.nkv.intValue, nkv > 0, nq % nkv != 0 {
            throw .incompatibleDims("query heads \(nq) not a multiple of key/value heads \(nkv)")
        }
        if let past {
            try ContribShape.requireRank(past, [4], input: 4)
            g.p = past[2]
        }
        return g
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let qType = try ctx.tensor(0)
        let g = try geometry(q: try ctx.shape(0), k: try ctx.shape(1), v: try ctx.shape(2), past: ctx.hasInput(4) ? try ctx.shape(4) : nil)
        let vType = try ctx.dtype(2)
        let y: [Dim] = g.threeD ? [g.b, g.sq, g.nq * g.dv] : [g.b, g.nq, g.sq, g.dv]
        return ContribShape.fit([
            .tensor(TensorType(dtype: qType.dtype, shape: y)),
            .tensor(TensorType(dtype: qType.dtype, shape: [g.b, g.nkv, g.total, g.dk])),
            .tensor(TensorType(dtype: vType, shape: [g.b, g.nkv, g.total, g.dv])),
            .tensor(TensorType(dtype: qType.dtype, shape: [g.b, g.nq, g.sq, g.total])),
        ], to: ctx.node)
    }

    static let formula = "Cost (`AttentionCore`): QKᵀ `B·Nq·Sq·T·dk` + AV `B·Nq·Sq·T·dv` MACs with T = P+L, per query head; per score element 1 (scale) + `Conventions.softmax` = \(Conventions.softmax) + 1 per mask term (attn_mask, is_causal, nonpad_kv_seqlen) + `Conventions.contribSoftcap` = \(Conventions.contribSoftcap) when softcap > 0; 1 exp (+1 tanh)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: Geometry
        do {
            g = try geometry(q: try ctx.inputShape(0), k: try ctx.inputShape(1), v: try ctx.inputShape(2),
                             past: ctx.hasInput(4) ? try ctx.inputShape(4) : nil)
        } catch { throw .unknownShape("attention geometry: \(error)") }
        let core = AttentionCore(batch: g.b, queryHeads: g.nq, querySequence: g.sq, totalSequence: g.total,
                                        qkHeadSize: g.dk, vHeadSize: g.dv,
                                        maskTerms: (ctx.hasInput(3) ? 1 : 0) + (isCausal ? 1 : 0) + (ctx.hasInput(6) ? 1 : 0),
                                        softcap: softcap)
        return core.cost()
    }
}

// MARK: - RotaryEmbedding

/// Rotary position embedding (RoPE).
/// Spec: https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html · opset 23.
/// X `[B,N,S,h]` or `[B,S,N·h]` (3-D needs `num_heads`), cos/sin caches `[max_pos, r/2]` (with
/// position_ids) or `[B,S,r/2]`; Y has X's shape.
struct RotaryEmbeddingOp: Operator {
    static let schema = OpSchema(type: "RotaryEmbedding", since: 23, inputs: 3...4, outputs: 1...1, metadataInputs: [3])
    let numHeads: Int?
    let rotaryDim: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try node.optionalInt("num_heads")
        rotaryDim = try node.int("rotary_embedding_dim", default: 0)
        if let n = numHeads, n <= 0 { throw .invalidAttribute(name: "num_heads", reason: "must be positive, got \(n)") }
        guard rotaryDim >= 0, rotaryDim % 2 == 0 else {
            throw .invalidAttribute(name: "rotary_embedding_dim", reason: "must be a non-negative even number, got \(rotaryDim)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape {
            try ContribShape.requireRank(shape, [3, 4], input: 0)
            if shape.count == 3 {
                guard let n = numHeads else { throw .missingAttribute("num_heads") }
                _ = try ContribShape.divide(shape[2], by: n, what: "hidden size / num_heads")
            }
        }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.contribRotary` (= 3: x·cos + rotate(x)·sin) per rotated output element (`elements·r/h` under partial rotation, r = `rotary_embedding_dim`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let rotated = Rotary.rotatedElements(shape: try ctx.outputShape(), numHeads: numHeads ?? 0, rotaryDim: rotaryDim,
                                                    cacheWidth: ctx.hasInput(1) ? try ctx.inputShape(1).last : nil)
        return .elementwise(rotated, flopsPerElement: Conventions.contribRotary)
    }
}

// MARK: - LinearAttention

/// Linear-attention recurrence (linear, gated, delta, gated_delta) over packed `[B, T, H·d]` inputs:
/// output `[B, T, Hq·dv]`, present_state `[B, Hkv, dk, dv]` with dk = query.last/Hq,
/// dv = value.last/Hkv.
/// Spec: https://onnx.ai/onnx/operators/onnx__LinearAttention.html · opset 27.
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

    static let formula = "Cost per token (× B·T): MACs = Hkv·dk·dv (state update k⊗v) + Hq·dk·dv (readout qᵀS) + Hkv·dk·dv for delta rules (Sᵀk); extra FLOPs = Hq·dv (scale) + for gated rules Hkv·dk·dv (decay multiply) + one exp per decay element, + for delta rules Hkv·dv (v − Sᵀk) + Hkv·dk (β·k). Transcendentals: one exp per decay element (gated rules)."
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

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum AttentionFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        AttentionOp.self,
        RotaryEmbeddingOp.self,
        LinearAttentionOp.self,
    ])
}
