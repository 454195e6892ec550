import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Default-domain Attention (opsets 23–24) and RotaryEmbedding (opset 23). Expected shapes match
// `onnx.shape_inference.infer_shapes` (onnx 1.23) where it infers them; counts are hand formulas.

private let b = Dim.symbol("batch"), s = Dim.symbol("seq"), p = Dim.symbol("past")

struct AttentionCase: Sendable, CustomTestStringConvertible {
    var label: String
    var node: Node
    var inputs: [ValueType?]
    var outputs: [ValueType]
    var macs: Dim
    var flops: Dim
    var transcendentals: Dim
    var opset = 23
    var testDescription: String { label }
}

let attentionCases: [AttentionCase] = [
    // GQA, 4-D: Q [2,8,16,64], K/V [2,2,32,64] → Y [2,8,16,64], qk [2,8,16,32] (onnx infers the same).
    // MACs = B·Nq·Sq·T·(dk+dv) = 2·8·16·32·128 = 1,048,576; scores 8,192·(1 scale + 5 softmax).
    AttentionCase(label: "4-D GQA",
                  node: node("Attention", ["q", "k", "v"], outputs: 4),
                  inputs: [t(.float, 2, 8, 16, 64), t(.float, 2, 2, 32, 64), t(.float, 2, 2, 32, 64)],
                  outputs: [t(.float, 2, 8, 16, 64), t(.float, 2, 2, 32, 64), t(.float, 2, 2, 32, 64), t(.float, 2, 8, 16, 32)],
                  macs: 1_048_576, flops: 2_146_304, transcendentals: 8_192),
    // Causal with a float mask: + 2 per score element (mask add, causal mask).
    AttentionCase(label: "4-D causal + mask",
                  node: node("Attention", ["q", "k", "v", "mask"], attrs: ["is_causal": .int(1)]),
                  inputs: [t(.float, 2, 8, 16, 64), t(.float, 2, 2, 32, 64), t(.float, 2, 2, 32, 64), t(.float, 16, 32)],
                  outputs: [t(.float, 2, 8, 16, 64)],
                  macs: 1_048_576, flops: 2_162_688, transcendentals: 8_192),
    // 3-D with past (onnx: Y [B,S,48] for V hidden 24 / 2 kv heads · 4 q heads; present [B,2,P+S,·]).
    // dk = 32/4 = 8, dv = 24/2 = 12, T = past + seq: MACs = B·4·S·T·20; FLOPs = 2·MACs + B·4·S·T·6.
    AttentionCase(label: "3-D with past, symbolic",
                  node: node("Attention", ["q", "k", "v", "", "pk", "pv"], outputs: 4, attrs: ["q_num_heads": .int(4), "kv_num_heads": .int(2)]),
                  inputs: [t(.float, b, s, 32), t(.float, b, s, 16), t(.float, b, s, 24), nil, t(.float, b, 2, p, 8), t(.float, b, 2, p, 12)],
                  outputs: [t(.float, b, s, 48), t(.float, b, 2, p + s, 8), t(.float, b, 2, p + s, 12), t(.float, b, 4, s, p + s)],
                  macs: b * s * (p + s) * 80, flops: b * s * (p + s) * 184, transcendentals: b * s * (p + s) * 4),
    // Softcap (opset 24 node): + 3 FLOPs and 1 tanh per score; scores = 1·4·4·4 = 64; MACs = 64·16.
    AttentionCase(label: "softcap",
                  node: node("Attention", ["q", "k", "v"], attrs: ["softcap": .float(30)]),
                  inputs: [t(.float16, 1, 4, 4, 8), t(.float16, 1, 4, 4, 8), t(.float16, 1, 4, 4, 8)],
                  outputs: [t(.float16, 1, 4, 4, 8)],
                  macs: 1_024, flops: 2_048 + 64 * 9, transcendentals: 128, opset: 24),
    // RotaryEmbedding 4-D [1,8,16,64], full rotation: 8,192·3 = 24,576.
    AttentionCase(label: "RotaryEmbedding 4-D",
                  node: node("RotaryEmbedding", ["x", "cos", "sin", "pos"]),
                  inputs: [t(.float, 1, 8, 16, 64), t(.float, 512, 32), t(.float, 512, 32), t(.int64, 1, 16)],
                  outputs: [t(.float, 1, 8, 16, 64)], macs: 0, flops: 24_576, transcendentals: 0),
    // RotaryEmbedding 3-D, partial rotation 32 of head 64: [b,16,512] num_heads 8: b·8,192·(32/64)·3.
    AttentionCase(label: "RotaryEmbedding 3-D partial",
                  node: node("RotaryEmbedding", ["x", "cos", "sin"], attrs: ["num_heads": .int(8), "rotary_embedding_dim": .int(32)]),
                  inputs: [t(.float, b, 16, 512), t(.float, b, 16, 16), t(.float, b, 16, 16)],
                  outputs: [t(.float, b, 16, 512)], macs: 0, flops: b * 12_288, transcendentals: 0),
]

@Test(arguments: attentionCases)
func attentionOp(_ c: AttentionCase) throws {
    let result = try run(c.node, opset: c.opset, inputs: c.inputs)
    #expect(result.types == c.outputs)
    #expect(result.cost?.macs == c.macs)
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
}

@Test func attentionErrors() {
    // 3-D inputs need q_num_heads / kv_num_heads.
    #expect(throws: ShapeError.self) {
        _ = try run(node("Attention", ["q", "k", "v"]), opset: 23, inputs: [t(.float, 1, 4, 32), t(.float, 1, 4, 32), t(.float, 1, 4, 32)])
    }
    // q_num_heads must be a multiple of kv_num_heads.
    #expect(throws: ShapeError.self) {
        _ = try OpRegistry.builtin.shapeRule(for: node("Attention", ["q", "k", "v"], attrs: ["q_num_heads": .int(8), "kv_num_heads": .int(3)]), opset: 23)
    }
    // Q and K head sizes must agree.
    #expect(throws: ShapeError.self) {
        _ = try run(node("Attention", ["q", "k", "v"]), opset: 23, inputs: [t(.float, 1, 2, 4, 8), t(.float, 1, 2, 4, 16), t(.float, 1, 2, 4, 8)])
    }
    // RotaryEmbedding on a 3-D input needs num_heads.
    #expect(throws: ShapeError.self) {
        _ = try run(node("RotaryEmbedding", ["x", "cos", "sin"]), opset: 23, inputs: [t(.float, 1, 4, 32), t(.float, 4, 16), t(.float, 4, 16)])
    }
}
