import ONNXGraph
import ShapeInference
import CostKernels

// Geometry shared by the attention ops of every domain (NN/Attention.swift, Contrib/ContribAttention.swift,
// NN/RecentNN.swift): the scaled-dot-product cost and the rotated share of a rotary embedding.

// MARK: - Scaled dot product

/// The scaled-dot-product core shared by every attention op.
///
/// MACs: `QKᵀ = B·Nq·Sq·T·dk` plus `AV = B·Nq·Sq·T·dv` (per query head, also under grouped K/V).
/// FLOPs: 2·MACs, plus per score element (`B·Nq·Sq·T`) 1 for the scaling, `Conventions.softmax`, and 1
/// per additive mask term (mask input, attention-bias input, causal mask); softcap adds
/// `Conventions.contribSoftcap`. Transcendentals: 1 exp per score element (+1 tanh with softcap).
struct AttentionCore {
    var batch: Dim
    var queryHeads: Dim
    var querySequence: Dim
    var totalSequence: Dim
    var qkHeadSize: Dim
    var vHeadSize: Dim
    var maskTerms: Int
    var softcap: Bool = false

    var scores: Dim { batch * queryHeads * querySequence * totalSequence }

    /// The op's cost: this core plus `projectionMACs` (input projections the op includes), `extraFLOPs`
    /// (bias adds, rotary) and `extraTranscendentals`.
    func cost(projectionMACs: Dim = 0, extraFLOPs: Dim = 0, extraTranscendentals: Dim = 0,
              computeType: DataType? = nil) -> OpCost {
        let coreMACs = scores * (qkHeadSize + vHeadSize)
        let perScore = 1 + Conventions.softmax + maskTerms + (softcap ? Conventions.contribSoftcap : 0)
        let macs = projectionMACs + coreMACs
        let flops = macs * .value(Conventions.flopsPerMAC) + scores * .value(perScore) + extraFLOPs
        let transcendentals = scores * .value(softcap ? 2 : 1) + extraTranscendentals
        return OpCost(macs: macs, flops: flops, transcendentals: transcendentals, computeType: computeType)
    }
}

// MARK: - Rotary embedding

/// Rotated element count shared by both RotaryEmbedding forms: `elements · rotary_dim / head_size`
/// when both are known, else every element.
enum Rotary {
    static func rotatedElements(shape: [Dim], numHeads: Int, rotaryDim: Int, cacheWidth: Dim?) -> Dim {
        let elements = shape.product
        let rotary: Dim = rotaryDim > 0 ? .value(rotaryDim) : (cacheWidth.map { $0 * 2 } ?? .unknown)
        let head: Dim
        if shape.count == 4 { head = shape[3] } else if numHeads > 0, let last = shape.last { head = last.floorDivided(by: .value(numHeads)) } else { head = rotary }
        guard let r = rotary.intValue, let h = head.intValue, r > 0, h > 0, r < h else { return elements }
        return elements.floorDivided(by: .value(h)) * .value(r)
    }
}
