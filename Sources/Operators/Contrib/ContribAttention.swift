import ONNXGraph
import ShapeInference
import CostKernels

// com.microsoft attention ops (onnxruntime transformer optimizer and genai exports).
// Spec: https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md
// Cost conventions: see `AttentionCore` (QKᵀ and AV MACs per query head, scaling 1, softmax
// `Conventions.softmax` + 1 exp, +1 per mask term per score element).

// MARK: - Attention

/// BERT/GPT-2 multi-head attention with the Q/K/V input projection folded in (packed weights).
/// Spec: ContribOperators.md#com.microsoft.Attention · com.microsoft opset 1.
/// Inputs: input `[B,S,H_in]`, weights `[H_in, q+k+v]`, bias, mask_index, past `[2,B,N,P,h]`,
/// attention_bias, past_sequence_length. Outputs `[B,S,v]` and present `[2,B,N,P+S,h]` (the past's
/// shape under `past_present_share_buffer`).
struct ContribAttentionOp: Operator {
    static let schema = OpSchema(type: "Attention", domain: "com.microsoft", inputs: 2...7, outputs: 1...2,
                                 metadataInputs: [3, 6])
    let numHeads: Int
    let qkvSizes: [Int]?
    let unidirectional: Bool
    let shareBuffer: Bool
    let doRotary: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        qkvSizes = try ContribPackedQKV.parse(node, numHeads: numHeads)
        unidirectional = try node.int("unidirectional", default: 0) != 0
        shareBuffer = try node.int("past_present_share_buffer", default: 0) != 0
        doRotary = try node.int("do_rotary", default: 0) != 0
    }

    private func geometry(input: [Dim], weights: [Dim]?, bias: [Dim]?, past: [Dim]?) throws(ShapeError)
        -> (sizes: ContribPackedQKV, total: Dim, headSize: Dim) {
        try ContribShape.requireRank(input, [3], input: 0)
        if let weights {
            try ContribShape.requireRank(weights, [2], input: 1)
            try ContribShape.requireEqual(weights[0], input[2], "weights rows vs input hidden size")
        }
        let sizes = try ContribPackedQKV(sizes: qkvSizes, weights: weights, bias: bias)
        let headSize = try ContribShape.divide(sizes.q, by: numHeads, what: "hidden size / num_heads")
        var total = input[1]
        if let past {
            try ContribShape.requireRank(past, [5], input: 4)
            total = shareBuffer ? past[3] : past[3] + input[1]
        }
        return (sizes, total, headSize)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let input = x.shape else { return ContribShape.fit([.tensor(TensorType(dtype: x.dtype, shape: nil))], to: ctx.node) }
        let past = ctx.hasInput(4) ? try ctx.shape(4) : nil
        let g = try geometry(input: input, weights: try ctx.tensor(1).shape,
                             bias: ctx.hasInput(2) ? try ctx.tensor(2).shape : nil, past: past)
        let output = TensorType(dtype: x.dtype, shape: [input[0], input[1], g.sizes.v])
        let present: [Dim] = (shareBuffer ? past : nil)
            ?? [2, input[0], .value(numHeads), g.total, g.headSize]
        return ContribShape.fit([.tensor(output), .tensor(TensorType(dtype: x.dtype, shape: present))], to: ctx.node)
    }

    static let formula = "projection `B·S·H_in·(q+k+v)` MACs, + `B·S·(q+k+v)` bias adds, + attention core with T = P+S (`AttentionCore`; mask terms: mask_index, attention_bias, unidirectional), + `Conventions.contribRotary` = \(Conventions.contribRotary)·B·S·(q+k) with `do_rotary`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0)
        let g: (sizes: ContribPackedQKV, total: Dim, headSize: Dim)
        do {
            g = try geometry(input: input, weights: try ctx.inputShape(1),
                             bias: ctx.hasInput(2) ? try ctx.inputShape(2) : nil,
                             past: ctx.hasInput(4) ? try ctx.inputShape(4) : nil)
        } catch { throw .unknownShape("attention geometry: \(error)") }
        let (b, s) = (input[0], input[1])
        let heads = Dim.value(numHeads)
        let core = AttentionCore(
            batch: b, queryHeads: heads, querySequence: s, totalSequence: g.total,
            qkHeadSize: g.headSize, vHeadSize: g.sizes.v.floorDivided(by: heads),
            maskTerms: (ctx.hasInput(3) ? 1 : 0) + (ctx.hasInput(5) ? 1 : 0) + (unidirectional ? 1 : 0))
        let tokens = b * s
        var extra: Dim = ctx.hasInput(2) ? tokens * g.sizes.total : 0
        if doRotary { extra += tokens * (g.sizes.q + g.sizes.k) * .value(Conventions.contribRotary) }
        return core.cost(projectionMACs: tokens * input[2] * g.sizes.total, extraFLOPs: extra)
    }
}

// MARK: - MultiHeadAttention

/// Multi-head self/cross attention on already-projected Q, K, V (no projection MACs).
/// Spec: ContribOperators.md#com.microsoft.MultiHeadAttention · com.microsoft opset 1.
/// Query `[B,S,D]` or packed QKV `[B,S,N,3,h]`; key `[B,L,D]`, packed KV `[B,L,N,2,h]` or a cache
/// `[B,N,L,h]`; past_key `[B,N,P,h]`. Outputs `[B,S,N·h_v]`, present_key/value `[B,N,P+L,h]`, qk `[B,N,S,T]`.
struct MultiHeadAttentionOp: Operator {
    static let schema = OpSchema(type: "MultiHeadAttention", domain: "com.microsoft", inputs: 1...10, outputs: 1...4,
                                 metadataInputs: [4, 8, 9])
    let numHeads: Int
    let unidirectional: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        unidirectional = try node.int("unidirectional", default: 0) != 0
    }

    struct Geometry { var b, s, l, p, dk, dv: Dim; var keyIsCache: Bool; var total: Dim { keyIsCache ? l : p + l } }

    func geometry(query q: [Dim], key: [Dim]?, value: [Dim]?, past: [Dim]?) throws(ShapeError) -> Geometry {
        let n = Dim.value(numHeads)
        var g = Geometry(b: q.first ?? .unknown, s: q.count > 1 ? q[1] : .unknown, l: .unknown, p: 0, dk: .unknown, dv: .unknown, keyIsCache: false)
        switch q.count {
        case 5:
            try ContribShape.requireEqual(q[2], n, "packed QKV heads vs num_heads")
            g.dk = q[4]; g.dv = q[4]; g.l = q[1]
        case 3:
            g.dk = try ContribShape.divide(q[2], by: numHeads, what: "query hidden size / num_heads")
            guard let key else { throw .missingInput(1) }
            switch key.count {
            case 3:
                g.l = key[1]
                try ContribShape.requireEqual(key[2], q[2], "key hidden size vs query hidden size")
                guard let value else { throw .missingInput(2) }
                try ContribShape.requireRank(value, [3], input: 2)
                g.dv = try ContribShape.divide(value[2], by: numHeads, what: "value hidden size / num_heads")
            case 4:
                g.l = key[2]; g.keyIsCache = true
                guard let value else { throw .missingInput(2) }
                try ContribShape.requireRank(value, [4], input: 2)
                g.dv = value[3]
            case 5:
                g.l = key[1]; g.dv = key[4]
            default:
                throw .rankMismatch("key has rank \(key.count), expected 3, 4 or 5")
            }
        default:
            throw .rankMismatch("query has rank \(q.count), expected 3 or 5")
        }
        if let past, !g.keyIsCache {
            try ContribShape.requireRank(past, [4], input: 6)
            g.p = past[2]
        }
        return g
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        let g = try geometry(query: try ctx.shape(0), key: ctx.hasInput(1) ? try ctx.shape(1) : nil,
                             value: ctx.hasInput(2) ? try ctx.shape(2) : nil, past: ctx.hasInput(6) ? try ctx.shape(6) : nil)
        let n = Dim.value(numHeads)
        return ContribShape.fit([
            .tensor(TensorType(dtype: dtype, shape: [g.b, g.s, n * g.dv])),
            .tensor(TensorType(dtype: dtype, shape: [g.b, n, g.total, g.dk])),
            .tensor(TensorType(dtype: dtype, shape: [g.b, n, g.total, g.dv])),
            .tensor(TensorType(dtype: dtype, shape: [g.b, n, g.s, g.total])),
        ], to: ctx.node)
    }

    static let formula = "attention core with T = P+L (`AttentionCore`; mask terms: key_padding_mask, attention_bias, unidirectional) + bias adds `B·S·D + B·L·(D + D_v)` when bias is given."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: Geometry
        do {
            g = try geometry(query: try ctx.inputShape(0), key: ctx.hasInput(1) ? try ctx.inputShape(1) : nil,
                             value: ctx.hasInput(2) ? try ctx.inputShape(2) : nil, past: ctx.hasInput(6) ? try ctx.inputShape(6) : nil)
        } catch { throw .unknownShape("attention geometry: \(error)") }
        let n = Dim.value(numHeads)
        let core = AttentionCore(batch: g.b, queryHeads: n, querySequence: g.s, totalSequence: g.total,
                                        qkHeadSize: g.dk, vHeadSize: g.dv,
                                        maskTerms: (ctx.hasInput(4) ? 1 : 0) + (ctx.hasInput(5) ? 1 : 0) + (unidirectional ? 1 : 0))
        let bias: Dim = ctx.hasInput(3) ? g.b * n * (g.s * g.dk + g.l * (g.dk + g.dv)) : 0
        return core.cost(extraFLOPs: bias)
    }
}

// MARK: - GroupQueryAttention

/// Grouped-query attention with KV cache (Llama/Mistral/Phi exports of onnxruntime-genai).
/// Spec: ContribOperators.md#com.microsoft.GroupQueryAttention · com.microsoft opset 1.
/// Query `[B,S,N·h]` (or packed `[B,S,(N+2·N_kv)·h]`), key/value `[B,S,N_kv·h]`, past_key/value
/// `[B,N_kv,P,h]`, seqlens_k `[B]`, total_sequence_length (scalar). Outputs `[B,S,N·h]`, present
/// key/value `[B,N_kv,T,h]` with T = max(P, total_sequence_length) when that value is known (as the
/// runtime does), else P+S (S without past); output_qk `[B,N,S,T]`.
struct GroupQueryAttentionOp: Operator {
    static let schema = OpSchema(type: "GroupQueryAttention", domain: "com.microsoft", inputs: 7...15, outputs: 1...4,
                                 metadataInputs: [5, 6, 9])
    let numHeads: Int
    let kvNumHeads: Int
    let causal: Bool
    let doRotary: Bool
    let softcap: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        kvNumHeads = try contribPositiveInt(node, "kv_num_heads")
        guard numHeads % kvNumHeads == 0 else {
            throw .invalidAttribute(name: "kv_num_heads", reason: "num_heads \(numHeads) is not a multiple of kv_num_heads \(kvNumHeads)")
        }
        causal = try node.int("causal", default: 1) != 0
        doRotary = try node.int("do_rotary", default: 0) != 0
        softcap = try node.float("softcap", default: 0) > 0
    }

    struct Geometry { var b, s, h, total: Dim }

    func geometry(query q: [Dim], key: [Dim]?, past: [Dim]?, totalValue: Dim?) throws(ShapeError) -> Geometry {
        try ContribShape.requireRank(q, [3], input: 0)
        let h: Dim
        if let key {
            try ContribShape.requireRank(key, [3], input: 1)
            h = try ContribShape.divide(q[2], by: numHeads, what: "query hidden size / num_heads")
            try ContribShape.requireEqual(key[2], h * .value(kvNumHeads), "key hidden size vs kv_num_heads·head_size")
        } else {
            h = try ContribShape.divide(q[2], by: numHeads + 2 * kvNumHeads, what: "packed QKV width / (num_heads + 2·kv_num_heads)")
        }
        var total: Dim
        if let past {
            try ContribShape.requireRank(past, [4], input: 3)
            total = totalValue.map { ContribShape.maxPreferring(past[2], $0) } ?? (past[2] + q[1])
        } else {
            total = totalValue ?? q[1]
        }
        if total.isUnknown { total = past.map { $0[2] + q[1] } ?? q[1] }
        return Geometry(b: q[0], s: q[1], h: h, total: total)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        let past = ctx.hasInput(3) ? try ctx.tensor(3) : nil
        let g = try geometry(query: try ctx.shape(0), key: ctx.hasInput(1) ? try ctx.shape(1) : nil,
                             past: ctx.hasInput(3) ? try ctx.shape(3) : nil, totalValue: ctx.intValues(6)?.first)
        let cacheType = past?.dtype ?? dtype
        let n = Dim.value(numHeads), nkv = Dim.value(kvNumHeads)
        return ContribShape.fit([
            .tensor(TensorType(dtype: dtype, shape: [g.b, g.s, n * g.h])),
            .tensor(TensorType(dtype: cacheType, shape: [g.b, nkv, g.total, g.h])),
            .tensor(TensorType(dtype: cacheType, shape: [g.b, nkv, g.total, g.h])),
            .tensor(TensorType(dtype: dtype, shape: [g.b, n, g.s, g.total])),
        ], to: ctx.node)
    }

    static let formula = "attention core per *query* head (`B·N·S·T·h` MACs for QKᵀ and again for AV, K/V heads are shared but every query head multiplies), T = the present cache length (an upper bound under a shared max-length buffer); mask terms: causal (default on), attention_bias; softcap when > 0; + `Conventions.contribRotary` = \(Conventions.contribRotary)·B·S·(N+N_kv)·h with `do_rotary`; + `Conventions.rmsNorm` = \(Conventions.rmsNorm) per Q/K element and 1 rsqrt per head row with q/k norm weights."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: Geometry
        let totalValue = ctx.inputValues.count > 6 ? ctx.inputValues[6]?.ints?.first : nil
        do {
            g = try geometry(query: try ctx.inputShape(0), key: ctx.hasInput(1) ? try ctx.inputShape(1) : nil,
                             past: ctx.hasInput(3) ? try ctx.inputShape(3) : nil, totalValue: totalValue)
        } catch { throw .unknownShape("attention geometry: \(error)") }
        let n = Dim.value(numHeads), heads = Dim.value(numHeads + kvNumHeads)
        let core = AttentionCore(batch: g.b, queryHeads: n, querySequence: g.s, totalSequence: g.total,
                                        qkHeadSize: g.h, vHeadSize: g.h,
                                        maskTerms: (causal ? 1 : 0) + (ctx.hasInput(10) ? 1 : 0), softcap: softcap)
        let qkElements = g.b * g.s * heads * g.h
        var extra: Dim = doRotary ? qkElements * .value(Conventions.contribRotary) : 0
        var extraTranscendentals: Dim = 0
        if ctx.hasInput(13) {
            let rows = g.b * g.s * heads
            extra += qkElements * .value(Conventions.rmsNorm) + rows * .value(Conventions.transcendental)
            extraTranscendentals = rows
        }
        return core.cost(extraFLOPs: extra, extraTranscendentals: extraTranscendentals)
    }
}

// MARK: - PackedAttention

/// Attention on padding-free packed tokens, with the Q/K/V projection folded in.
/// Spec: ContribOperators.md#com.microsoft.PackedAttention · com.microsoft opset 1.
/// Input `[tokens, H_in]`, weights `[H_in, q+k+v]`, bias, token_offset `[B,S]`, cumulative lengths
/// `[B+1]`, attention_bias. Output `[tokens, v]`.
struct PackedAttentionOp: Operator {
    static let schema = OpSchema(type: "PackedAttention", domain: "com.microsoft", inputs: 5...6, outputs: 1...1,
                                 metadataInputs: [3, 4])
    let numHeads: Int
    let qkvSizes: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        qkvSizes = try ContribPackedQKV.parse(node, numHeads: numHeads)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let input = x.shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        try ContribShape.requireRank(input, [2], input: 0)
        let sizes = try ContribPackedQKV(sizes: qkvSizes, weights: try ctx.tensor(1).shape, bias: try ctx.tensor(2).shape)
        return [.tensor(TensorType(dtype: x.dtype, shape: [input[0], sizes.v]))]
    }

    static let formula = "projection `tokens·H_in·(q+k+v)` MACs + `tokens·(q+k+v)` bias adds + attention core with the padded `B` and `S = T` of token_offset (mask term: attention_bias)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0), offsets = try ctx.inputShape(3)
        guard input.count == 2, offsets.count == 2 else { throw .unknownShape("packed input or token_offset rank") }
        let sizes: ContribPackedQKV
        do { sizes = try ContribPackedQKV(sizes: qkvSizes, weights: try ctx.inputShape(1), bias: try ctx.inputShape(2)) } catch {
            throw .unknownShape("qkv sizes: \(error)")
        }
        let n = Dim.value(numHeads)
        let core = AttentionCore(batch: offsets[0], queryHeads: n, querySequence: offsets[1], totalSequence: offsets[1],
                                        qkHeadSize: sizes.q.floorDivided(by: n), vHeadSize: sizes.v.floorDivided(by: n),
                                        maskTerms: ctx.hasInput(5) ? 1 : 0)
        return core.cost(projectionMACs: input[0] * input[1] * sizes.total, extraFLOPs: input[0] * sizes.total)
    }
}

// MARK: - PackedMultiHeadAttention

/// Multi-head attention on padding-free packed, already-projected Q, K, V.
/// Spec: ContribOperators.md#com.microsoft.PackedMultiHeadAttention · com.microsoft opset 1.
/// Query `[tokens, D]` or packed `[tokens, N, 3, h]`; key `[tokens, D]`, value `[tokens, D_v]`;
/// token_offset `[B,S]`. Output `[tokens, D_v]`.
struct PackedMultiHeadAttentionOp: Operator {
    static let schema = OpSchema(type: "PackedMultiHeadAttention", domain: "com.microsoft", inputs: 6...7, outputs: 1...1,
                                 metadataInputs: [4, 5])
    let numHeads: Int

    init(node: Node, opset: Int) throws(ShapeError) { numHeads = try contribPositiveInt(node, "num_heads") }

    private func sizes(query q: [Dim], value: [Dim]?) throws(ShapeError) -> (tokens: Dim, dk: Dim, dv: Dim) {
        switch q.count {
        case 4: return (q[0], q[3], q[3])
        case 2:
            guard let value else { throw .missingInput(2) }
            try ContribShape.requireRank(value, [2], input: 2)
            return (q[0], try ContribShape.divide(q[1], by: numHeads, what: "query hidden / num_heads"),
                    try ContribShape.divide(value[1], by: numHeads, what: "value hidden / num_heads"))
        default: throw .rankMismatch("query has rank \(q.count), expected 2 or 4")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let s = try sizes(query: try ctx.shape(0), value: ctx.hasInput(2) ? try ctx.shape(2) : nil)
        return [.tensor(TensorType(dtype: try ctx.dtype(0), shape: [s.tokens, .value(numHeads) * s.dv]))]
    }

    static let formula = "attention core with the padded `B`, `S = T` of token_offset (mask term: attention_bias) + `tokens·(2·D + D_v)` bias adds when bias is given."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let offsets = try ctx.inputShape(4)
        guard offsets.count == 2 else { throw .unknownShape("token_offset rank") }
        let s: (tokens: Dim, dk: Dim, dv: Dim)
        do { s = try sizes(query: try ctx.inputShape(0), value: ctx.hasInput(2) ? try ctx.inputShape(2) : nil) } catch {
            throw .unknownShape("query geometry: \(error)")
        }
        let n = Dim.value(numHeads)
        let core = AttentionCore(batch: offsets[0], queryHeads: n, querySequence: offsets[1], totalSequence: offsets[1],
                                        qkHeadSize: s.dk, vHeadSize: s.dv, maskTerms: ctx.hasInput(6) ? 1 : 0)
        return core.cost(extraFLOPs: ctx.hasInput(3) ? s.tokens * n * (s.dk + s.dk + s.dv) : 0)
    }
}

// MARK: - DecoderMaskedMultiHeadAttention

/// One-token decoder attention on projected Q/K/V with a (possibly shared max-length) KV cache.
/// Spec: ContribOperators.md#com.microsoft.DecoderMaskedMultiHeadAttention · com.microsoft opset 1.
/// Self attention: key/value `[B,1,D]`, past `[B,N,P,h]`, present `[B,N,P+1,h]` (the past's shape
/// under `past_present_share_buffer`). Cross attention: key/value are caches `[B,N,L,h]`. Query may
/// be packed `[B,1,3·D]` when key is omitted. Output `[B,S,N·h_v]`, qk `[B,N,S,T]`.
struct DecoderMaskedMultiHeadAttentionOp: Operator {
    static let schema = OpSchema(type: "DecoderMaskedMultiHeadAttention", domain: "com.microsoft", inputs: 1...11,
                                 outputs: 1...4, metadataInputs: [3, 7, 8, 9])
    let numHeads: Int
    let shareBuffer: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        shareBuffer = try node.int("past_present_share_buffer", default: 0) != 0
    }

    struct Geometry { var b, s, dk, dv, total: Dim; var cross: Bool; var past: [Dim]? }

    func geometry(query q: [Dim], key: [Dim]?, value: [Dim]?, past: [Dim]?) throws(ShapeError) -> Geometry {
        try ContribShape.requireRank(q, [3], input: 0)
        var g = Geometry(b: q[0], s: q[1], dk: .unknown, dv: .unknown, total: q[1], cross: false, past: past)
        if let key, key.count == 4 {
            guard let value else { throw .missingInput(2) }
            try ContribShape.requireRank(value, [4], input: 2)
            g.cross = true; g.dk = key[3]; g.dv = value[3]; g.total = key[2]
            return g
        }
        if key != nil {
            g.dk = try ContribShape.divide(q[2], by: numHeads, what: "query hidden / num_heads")
            if let value, value.count == 3 { g.dv = try ContribShape.divide(value[2], by: numHeads, what: "value hidden / num_heads") } else { g.dv = g.dk }
        } else {
            g.dk = try ContribShape.divide(q[2], by: 3 * numHeads, what: "packed QKV width / (3·num_heads)")
            g.dv = g.dk
        }
        if let past {
            try ContribShape.requireRank(past, [4], input: 5)
            g.total = shareBuffer ? past[2] : past[2] + q[1]
        }
        return g
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        let g = try geometry(query: try ctx.shape(0), key: ctx.hasInput(1) ? try ctx.shape(1) : nil,
                             value: ctx.hasInput(2) ? try ctx.shape(2) : nil, past: ctx.hasInput(5) ? try ctx.shape(5) : nil)
        let n = Dim.value(numHeads)
        let presentKey: [Dim] = (shareBuffer && !g.cross ? g.past : nil) ?? [g.b, n, g.total, g.dk]
        let presentValue: [Dim] = (shareBuffer && !g.cross ? g.past.map { Array($0.dropLast()) + [g.dv] } : nil) ?? [g.b, n, g.total, g.dv]
        return ContribShape.fit([
            .tensor(TensorType(dtype: dtype, shape: [g.b, g.s, n * g.dv])),
            .tensor(TensorType(dtype: dtype, shape: presentKey)),
            .tensor(TensorType(dtype: dtype, shape: presentValue)),
            .tensor(TensorType(dtype: .float, shape: [g.b, n, g.s, g.total])),
        ], to: ctx.node)
    }

    static let formula = "attention core with T = L (cross), P+S, or the max length P under a shared buffer (an upper bound); mask terms: mask_index, attention_bias; + bias adds `B·S·(2·D + D_v)` with bias."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: Geometry
        do {
            g = try geometry(query: try ctx.inputShape(0), key: ctx.hasInput(1) ? try ctx.inputShape(1) : nil,
                             value: ctx.hasInput(2) ? try ctx.inputShape(2) : nil, past: ctx.hasInput(5) ? try ctx.inputShape(5) : nil)
        } catch { throw .unknownShape("attention geometry: \(error)") }
        let n = Dim.value(numHeads)
        let core = AttentionCore(batch: g.b, queryHeads: n, querySequence: g.s, totalSequence: g.total,
                                        qkHeadSize: g.dk, vHeadSize: g.dv,
                                        maskTerms: (ctx.hasInput(3) ? 1 : 0) + (ctx.hasInput(4) ? 1 : 0))
        return core.cost(extraFLOPs: ctx.hasInput(10) ? g.b * g.s * n * (g.dk + g.dk + g.dv) : 0)
    }
}

// MARK: - DecoderMaskedSelfAttention

/// One-token GPT-style self attention with the packed Q/K/V projection and a `[2,B,N,P,h]` cache.
/// Spec: ContribOperators.md#com.microsoft.DecoderMaskedSelfAttention · com.microsoft opset 1.
/// Output `[B,S,v]`; present `[2,B,N,P+S,h]` (the past's shape under `past_present_share_buffer`).
struct DecoderMaskedSelfAttentionOp: Operator {
    static let schema = OpSchema(type: "DecoderMaskedSelfAttention", domain: "com.microsoft", inputs: 5...9, outputs: 2...2,
                                 metadataInputs: [3, 6, 7, 8])
    let numHeads: Int
    let qkvSizes: [Int]?
    let shareBuffer: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        qkvSizes = try ContribPackedQKV.parse(node, numHeads: numHeads)
        shareBuffer = try node.int("past_present_share_buffer", default: 0) != 0
    }

    private func geometry(input: [Dim], weights: [Dim]?, bias: [Dim]?, past: [Dim]) throws(ShapeError)
        -> (sizes: ContribPackedQKV, total: Dim, headSize: Dim) {
        try ContribShape.requireRank(input, [3], input: 0)
        try ContribShape.requireRank(past, [5], input: 4)
        let sizes = try ContribPackedQKV(sizes: qkvSizes, weights: weights, bias: bias)
        let headSize = try ContribShape.divide(sizes.q, by: numHeads, what: "hidden size / num_heads")
        return (sizes, shareBuffer ? past[3] : past[3] + input[1], headSize)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        let input = try ctx.shape(0), past = try ctx.shape(4)
        let g = try geometry(input: input, weights: try ctx.tensor(1).shape, bias: try ctx.tensor(2).shape, past: past)
        let present: [Dim] = shareBuffer ? past : [2, input[0], .value(numHeads), g.total, g.headSize]
        return ContribShape.fit([.tensor(TensorType(dtype: x.dtype, shape: [input[0], input[1], g.sizes.v])),
                                 .tensor(TensorType(dtype: x.dtype, shape: present))], to: ctx.node)
    }

    static let formula = "as `Attention` (projection + bias adds + core), T = P+S or the max length P under a shared buffer (an upper bound); mask terms: mask_index, attention_bias."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0)
        let g: (sizes: ContribPackedQKV, total: Dim, headSize: Dim)
        do { g = try geometry(input: input, weights: try ctx.inputShape(1), bias: try ctx.inputShape(2), past: try ctx.inputShape(4)) } catch {
            throw .unknownShape("attention geometry: \(error)")
        }
        let n = Dim.value(numHeads), tokens = input[0] * input[1]
        let core = AttentionCore(batch: input[0], queryHeads: n, querySequence: input[1], totalSequence: g.total,
                                        qkHeadSize: g.headSize, vHeadSize: g.sizes.v.floorDivided(by: n),
                                        maskTerms: (ctx.hasInput(3) ? 1 : 0) + (ctx.hasInput(5) ? 1 : 0))
        return core.cost(projectionMACs: tokens * input[2] * g.sizes.total, extraFLOPs: tokens * g.sizes.total)
    }
}

// MARK: - QAttention

/// Quantized (int8) BERT attention: int8 projection, float attention core.
/// Spec: ContribOperators.md#com.microsoft.QAttention · com.microsoft opset 1.
/// Input `[B,S,H_in]` (u)int8, weight `[H_in, 3·H]`, bias `[3·H]`, scales, mask_index, zero points,
/// past `[2,B,N,P,h]`. Output `[B,S,H]` (the scales' float type), present `[2,B,N,P+S,h]`.
struct QAttentionOp: Operator {
    static let schema = OpSchema(type: "QAttention", domain: "com.microsoft", inputs: 5...9, outputs: 1...2,
                                 metadataInputs: [5])
    let numHeads: Int
    let unidirectional: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try contribPositiveInt(node, "num_heads")
        unidirectional = try node.int("unidirectional", default: 0) != 0
    }

    private func geometry(input: [Dim], weight: [Dim], past: [Dim]?) throws(ShapeError) -> (hidden: Dim, head: Dim, total: Dim) {
        try ContribShape.requireRank(input, [3], input: 0)
        try ContribShape.requireRank(weight, [2], input: 1)
        try ContribShape.requireEqual(weight[0], input[2], "weight rows vs input hidden size")
        let hidden = try ContribShape.divide(weight[1], by: 3, what: "weight width / 3")
        let head = try ContribShape.divide(hidden, by: numHeads, what: "hidden / num_heads")
        var total = input[1]
        if let past {
            try ContribShape.requireRank(past, [5], input: 8)
            total = past[3] + input[1]
        }
        return (hidden, head, total)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.shape(0)
        let g = try geometry(input: input, weight: try ctx.shape(1), past: ctx.hasInput(8) ? try ctx.shape(8) : nil)
        let dtype = try ctx.dtype(3)
        return ContribShape.fit([
            .tensor(TensorType(dtype: dtype, shape: [input[0], input[1], g.hidden])),
            .tensor(TensorType(dtype: dtype, shape: [2, input[0], .value(numHeads), g.total, g.head])),
        ], to: ctx.node)
    }

    static let formula = "projection `B·S·H_in·3H` MACs, + `B·S·3H`·2 (dequantize scale multiply + bias add), + the attention core (T = P+S; mask terms: mask_index, unidirectional). computeType `.int8` (the projection dominates)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0)
        let g: (hidden: Dim, head: Dim, total: Dim)
        do { g = try geometry(input: input, weight: try ctx.inputShape(1), past: ctx.hasInput(8) ? try ctx.inputShape(8) : nil) } catch {
            throw .unknownShape("attention geometry: \(error)")
        }
        let tokens = input[0] * input[1], width = g.hidden * 3
        let core = AttentionCore(batch: input[0], queryHeads: .value(numHeads), querySequence: input[1],
                                        totalSequence: g.total, qkHeadSize: g.head, vHeadSize: g.head,
                                        maskTerms: (ctx.hasInput(5) ? 1 : 0) + (unidirectional ? 1 : 0))
        return core.cost(projectionMACs: tokens * input[2] * width,
                         extraFLOPs: tokens * width * .value(Conventions.arithmetic + Conventions.arithmetic),
                         computeType: .int8)
    }
}

// MARK: - RotaryEmbedding (com.microsoft)

/// Rotary position embedding (RoPE) applied to Q or K, contrib form.
/// Spec: ContribOperators.md#com.microsoft.RotaryEmbedding · com.microsoft opset 1.
/// Input `[B,S,D]` or `[B,N,S,h]`, position_ids, cos/sin caches `[max_pos, rotary_dim/2]`; output
/// has the input's shape.
struct ContribRotaryEmbeddingOp: Operator {
    static let schema = OpSchema(type: "RotaryEmbedding", domain: "com.microsoft", inputs: 4...4, outputs: 1...1,
                                 metadataInputs: [1])
    let numHeads: Int
    let rotaryDim: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        numHeads = try node.int("num_heads", default: 0)
        rotaryDim = try node.int("rotary_embedding_dim", default: 0)
        guard numHeads >= 0, rotaryDim >= 0 else { throw .invalidAttribute(name: "num_heads", reason: "must be non-negative") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape { try ContribShape.requireRank(shape, [3, 4], input: 0) }
        return [.tensor(x)]
    }

    static let formula = "`Conventions.contribRotary` (= 3: x·cos + rotate(x)·sin) per rotated output element; the unrotated tail of a partial rotation is a copy."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let rotated = Rotary.rotatedElements(shape: try ctx.outputShape(), numHeads: numHeads, rotaryDim: rotaryDim,
                                                    cacheWidth: ctx.hasInput(2) ? try ctx.inputShape(2).last : nil)
        return .elementwise(rotated, flopsPerElement: Conventions.contribRotary)
    }
}

/// The attention ops of the com.microsoft domain, registered in `OpRegistry+Builtin.swift`.
enum ContribAttentionFamily {
    static let entries: [OperatorEntry] = OperatorEntry.of([
        ContribAttentionOp.self,
        MultiHeadAttentionOp.self,
        GroupQueryAttentionOp.self,
        PackedAttentionOp.self,
        PackedMultiHeadAttentionOp.self,
        DecoderMaskedMultiHeadAttentionOp.self,
        DecoderMaskedSelfAttentionOp.self,
        QAttentionOp.self,
        ContribRotaryEmbeddingOp.self,
    ])
}
