import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// com.microsoft contrib ops. Expected shapes follow onnxruntime 1.31 (checked by running single-node
// models on its CPU provider: GroupQueryAttention, Attention, MultiHeadAttention, FusedMatMul,
// SkipLayerNormalization, MatMulNBits); expected counts are the hand formulas in the comments.

/// One row: a node, its input types (and values), the expected output types and counts.
struct ContribCase: Sendable, CustomTestStringConvertible {
    var label: String
    var node: Node
    var inputs: [ValueType?]
    var values: [TensorValue?] = []
    var outputs: [ValueType]
    var macs: Dim
    var flops: Dim
    var transcendentals: Dim = 0
    var computeType: DataType? = nil
    var testDescription: String { label }
}

/// A com.microsoft node.
func ms(_ op: String, _ inputs: [String], outputs: Int = 1, attrs: [String: Attribute.Value] = [:]) -> Node {
    node(op, inputs, outputs: outputs, domain: "com.microsoft", attrs: attrs)
}

private let batch = Dim.symbol("batch"), seq = Dim.symbol("seq"), past = Dim.symbol("past")

let contribCases: [ContribCase] = [
    // MatMulNBits, Llama-7B MLP up-projection: A [1,7,4096], K=4096, N=11008, 4-bit, block 32.
    // MACs = 7·4096·11008 = 315,621,376 at int4 (weight precision); FLOPs = 2·MACs + 2·N·K
    // (zero-point subtract + scale multiply per weight) = 631,242,752 + 90,177,536 = 721,420,288.
    ContribCase(label: "MatMulNBits 4-bit",
                node: ms("MatMulNBits", ["a", "b", "s"], attrs: ["K": .int(4096), "N": .int(11008), "bits": .int(4), "block_size": .int(32)]),
                inputs: [t(.float16, 1, 7, 4096), t(.uint8, 11008, 128, 16), t(.float16, 11008, 128)],
                outputs: [t(.float16, 1, 7, 11008)], macs: 315_621_376, flops: 721_420_288, computeType: .int4),
    // Symbolic A [batch, seq, 4096], bits 8, with bias: MACs = batch·seq·45,088,768 at int8;
    // FLOPs = 2·MACs + 2·45,088,768 + batch·seq·11008 (bias).
    ContribCase(label: "MatMulNBits 8-bit symbolic",
                node: ms("MatMulNBits", ["a", "b", "s", "", "", "bias"], attrs: ["K": .int(4096), "N": .int(11008), "bits": .int(8), "block_size": .int(128)]),
                inputs: [t(.float, batch, seq, 4096), t(.uint8, 11008, 32, 128), t(.float, 11008, 32), nil, nil, t(.float, 11008)],
                outputs: [t(.float, batch, seq, 11008)],
                macs: batch * seq * 45_088_768,
                flops: batch * seq * 90_177_536 + 90_177_536 + batch * seq * 11008, computeType: .int8),
    // MatMulBnb4 (NF4), A [2,4096] → [2,11008]; MACs = 2·4096·11008 = 90,177,536; FLOPs = 2·MACs + N·K.
    ContribCase(label: "MatMulBnb4",
                node: ms("MatMulBnb4", ["a", "b", "absmax"], attrs: ["K": .int(4096), "N": .int(11008), "block_size": .int(64), "quant_type": .int(1)]),
                inputs: [t(.float, 2, 4096), t(.uint8, 22_544_384), t(.float, 704_512)],
                outputs: [t(.float, 2, 11008)], macs: 90_177_536, flops: 180_355_072 + 45_088_768, computeType: .int4),
    // GroupQueryAttention, N=4, N_kv=2, h=16, S=7, past 9, total_sequence_length 16 (ORT: present
    // [1,2,16,16]). T = max(9, 16) = 16; MACs = B·N·S·T·(h+h) = 4·7·16·32 = 14,336;
    // scores = 4·7·16 = 448; FLOPs = 2·MACs + 448·(1 scale + 5 softmax + 1 causal) = 28,672 + 3,136.
    ContribCase(label: "GroupQueryAttention with past",
                node: ms("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens", "total"], outputs: 3,
                         attrs: ["num_heads": .int(4), "kv_num_heads": .int(2)]),
                inputs: [t(.float, 1, 7, 64), t(.float, 1, 7, 32), t(.float, 1, 7, 32), t(.float, 1, 2, 9, 16), t(.float, 1, 2, 9, 16),
                         t(.int32, 1), t(.int32)],
                values: [nil, nil, nil, nil, nil, nil, .ints([16])],
                outputs: [t(.float, 1, 7, 64), t(.float, 1, 2, 16, 16), t(.float, 1, 2, 16, 16)],
                macs: 14_336, flops: 31_808, transcendentals: 448),
    // Llama-7B GQA-style decode step with a symbolic cache and unknown total length: T = past + seq;
    // MACs = 32·seq·(past+seq)·256; FLOPs = 2·MACs + 32·seq·(past+seq)·7.
    ContribCase(label: "GroupQueryAttention symbolic",
                node: ms("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens", "total"], outputs: 3,
                         attrs: ["num_heads": .int(32), "kv_num_heads": .int(32)]),
                inputs: [t(.float16, 1, seq, 4096), t(.float16, 1, seq, 4096), t(.float16, 1, seq, 4096),
                         t(.float16, 1, 32, past, 128), t(.float16, 1, 32, past, 128), t(.int32, 1), t(.int32)],
                outputs: [t(.float16, 1, seq, 4096), t(.float16, 1, 32, past + seq, 128), t(.float16, 1, 32, past + seq, 128)],
                macs: seq * (past + seq) * 8192, flops: seq * (past + seq) * (16384 + 224), transcendentals: seq * (past + seq) * 32),
    // BERT-base Attention: input [2,128,768], weights [768,2304], bias, mask [2,128], 12 heads.
    // Projection 2·128·768·2304 = 452,984,832 + core 2·12·128·128·(64+64) = 50,331,648 MACs;
    // FLOPs = 2·503,316,480 + bias 2·128·2304 (589,824) + scores 393,216·(1+5+1 mask) = 1,009,975,296.
    // Present (ORT): [2, B, N, S, h] = [2,2,12,128,64].
    ContribCase(label: "Attention BERT-base",
                node: ms("Attention", ["x", "w", "b", "mask"], outputs: 2, attrs: ["num_heads": .int(12)]),
                inputs: [t(.float, 2, 128, 768), t(.float, 768, 2304), t(.float, 2304), t(.int32, 2, 128)],
                outputs: [t(.float, 2, 128, 768), t(.float, 2, 2, 12, 128, 64)],
                macs: 503_316_480, flops: 1_009_975_296, transcendentals: 393_216),
    // GPT-2 Attention with past [2,1,12,past,64] and unidirectional: T = past + 1.
    // MACs = 768·2304 (projection, 1 token) + 12·(past+1)·128; FLOPs = 2·MACs + 2304 + 12·(past+1)·7.
    ContribCase(label: "Attention GPT-2 step",
                node: ms("Attention", ["x", "w", "b", "", "past"], outputs: 2, attrs: ["num_heads": .int(12), "unidirectional": .int(1)]),
                inputs: [t(.float, 1, 1, 768), t(.float, 768, 2304), t(.float, 2304), nil, t(.float, 2, 1, 12, past, 64)],
                outputs: [t(.float, 1, 1, 768), t(.float, 2, 1, 12, past + 1, 64)],
                macs: 1_769_472 + (past + 1) * 1536,
                flops: 3_538_944 + (past + 1) * 3072 + 2304 + (past + 1) * 84, transcendentals: (past + 1) * 12),
    // MultiHeadAttention cross attention: q [1,10,512], k/v [1,20,512], 8 heads (ORT present [1,8,20,64]).
    // MACs = 8·10·20·(64+64) = 204,800; FLOPs = 409,600 + 1,600·6 = 419,200.
    ContribCase(label: "MultiHeadAttention",
                node: ms("MultiHeadAttention", ["q", "k", "v"], outputs: 3, attrs: ["num_heads": .int(8)]),
                inputs: [t(.float, 1, 10, 512), t(.float, 1, 20, 512), t(.float, 1, 20, 512)],
                outputs: [t(.float, 1, 10, 512), t(.float, 1, 8, 20, 64), t(.float, 1, 8, 20, 64)],
                macs: 204_800, flops: 419_200, transcendentals: 1_600),
    // SkipLayerNormalization with beta and bias, [2,128,768] (ORT: mean/inv_std [2,128,1]):
    // 196,608 elements·(7 + 2 adds) + 256 rows (rsqrt) = 1,769,728 FLOPs, 256 transcendentals.
    ContribCase(label: "SkipLayerNormalization",
                node: ms("SkipLayerNormalization", ["x", "skip", "g", "b", "bias"], outputs: 4),
                inputs: [t(.float, 2, 128, 768), t(.float, 2, 128, 768), t(.float, 768), t(.float, 768), t(.float, 768)],
                outputs: [t(.float, 2, 128, 768), t(.float, 2, 128, 1), t(.float, 2, 128, 1), t(.float, 2, 128, 768)],
                macs: 0, flops: 1_769_728, transcendentals: 256),
    // SkipSimplifiedLayerNormalization [1,7,4096]: 28,672·(4 + 1) + 7 = 143,367.
    ContribCase(label: "SkipSimplifiedLayerNormalization",
                node: ms("SkipSimplifiedLayerNormalization", ["x", "skip", "g"], outputs: 4),
                inputs: [t(.float16, 1, 7, 4096), t(.float16, 1, 7, 4096), t(.float16, 4096)],
                outputs: [t(.float16, 1, 7, 4096), t(.float, 1, 7, 1), t(.float, 1, 7, 1), t(.float16, 1, 7, 4096)],
                macs: 0, flops: 143_367, transcendentals: 7),
    // SimplifiedLayerNormalization in the default domain (onnxruntime registers it there at opset 1):
    // 28,672·4 + 7 = 114,695.
    ContribCase(label: "SimplifiedLayerNormalization",
                node: node("SimplifiedLayerNormalization", ["x", "scale"], outputs: 2),
                inputs: [t(.float16, 1, 7, 4096), t(.float16, 4096)],
                outputs: [t(.float16, 1, 7, 4096), t(.float, 1, 7, 1)],
                macs: 0, flops: 114_695, transcendentals: 7),
    // EmbedLayerNormalization (BERT): ids [2,128] → [2,128,768], mask_index [2] int32;
    // 196,608·(7 + 2 adds) + 256 rsqrt + 256 mask reduction steps = 1,769,984.
    ContribCase(label: "EmbedLayerNormalization",
                node: ms("EmbedLayerNormalization", ["ids", "seg", "w", "p", "s", "g", "b", "mask"], outputs: 2),
                inputs: [t(.int32, 2, 128), t(.int32, 2, 128), t(.float, 30522, 768), t(.float, 512, 768), t(.float, 2, 768),
                         t(.float, 768), t(.float, 768), t(.int32, 2, 128)],
                outputs: [t(.float, 2, 128, 768), t(.int32, 2)], macs: 0, flops: 1_769_984, transcendentals: 256),
    // FastGelu with bias [2,8,3072]: 49,152·(9 + 1) = 491,520, 1 tanh each.
    ContribCase(label: "FastGelu", node: ms("FastGelu", ["x", "b"]), inputs: [t(.float, 2, 8, 3072), t(.float, 3072)],
                outputs: [t(.float, 2, 8, 3072)], macs: 0, flops: 491_520, transcendentals: 49_152),
    // BiasGelu: 49,152·(1 + 5) = 294,912.
    ContribCase(label: "BiasGelu", node: ms("BiasGelu", ["x", "b"]), inputs: [t(.float, 2, 8, 3072), t(.float, 3072)],
                outputs: [t(.float, 2, 8, 3072)], macs: 0, flops: 294_912, transcendentals: 49_152),
    // QuickGelu: x·sigmoid(1.702x) = sigmoid 4 + 2 = 6 per element.
    ContribCase(label: "QuickGelu", node: ms("QuickGelu", ["x"]), inputs: [t(.float, batch, 77, 768)],
                outputs: [t(.float, batch, 77, 768)], macs: 0, flops: batch * 354_816, transcendentals: batch * 59_136),
    // BiasSplitGelu [2,64,1280] + [1280] → [2,64,640]: 163,840 bias adds + 81,920·(5 + 1).
    ContribCase(label: "BiasSplitGelu", node: ms("BiasSplitGelu", ["x", "b"]), inputs: [t(.float16, 2, 64, 1280), t(.float16, 1280)],
                outputs: [t(.float16, 2, 64, 640)], macs: 0, flops: 655_360, transcendentals: 81_920),
    // RotaryEmbedding (contrib), [1,7,4096], 32 heads, cos cache [2048,64] (full rotation of h=128):
    // 28,672·3 = 86,016.
    ContribCase(label: "RotaryEmbedding full",
                node: ms("RotaryEmbedding", ["x", "pos", "cos", "sin"], attrs: ["num_heads": .int(32)]),
                inputs: [t(.float16, 1, 7, 4096), t(.int64, 1, 7), t(.float16, 2048, 64), t(.float16, 2048, 64)],
                outputs: [t(.float16, 1, 7, 4096)], macs: 0, flops: 86_016),
    // Partial rotation (Phi-2): rotary_embedding_dim 32 of head 80, [1,32,7,80]: 17,920·32/80·3 = 21,504.
    ContribCase(label: "RotaryEmbedding partial",
                node: ms("RotaryEmbedding", ["x", "pos", "cos", "sin"], attrs: ["rotary_embedding_dim": .int(32), "num_heads": .int(32)]),
                inputs: [t(.float16, 1, 32, 7, 80), t(.int64, 1, 7), t(.float16, 2048, 16), t(.float16, 2048, 16)],
                outputs: [t(.float16, 1, 32, 7, 80)], macs: 0, flops: 21_504),
    // FusedMatMul transB, alpha 0.5: [2,3,4]·[2,5,4]ᵀ → [2,3,5]; MACs 2·3·5·4 = 120; FLOPs 240 + 30.
    ContribCase(label: "FusedMatMul transB alpha",
                node: ms("FusedMatMul", ["a", "b"], attrs: ["transB": .int(1), "alpha": .float(0.5)]),
                inputs: [t(.float, 2, 3, 4), t(.float, 2, 5, 4)], outputs: [t(.float, 2, 3, 5)], macs: 120, flops: 270),
    // transBatchA moves A's first axis before the last (perm [1,0,2]): [3,2,4] → [2,3,4]; ORT → [2,3,5].
    ContribCase(label: "FusedMatMul transBatchA",
                node: ms("FusedMatMul", ["a", "b"], attrs: ["transBatchA": .int(1)]),
                inputs: [t(.float, 3, 2, 4), t(.float, 2, 4, 5)], outputs: [t(.float, 2, 3, 5)], macs: 120, flops: 240),
    // FusedGemm [32,512]·[1000,512]ᵀ + C, Relu: MACs 16,384,000; FLOPs = 2·MACs + 32,000·(1 C + 1 relu).
    ContribCase(label: "FusedGemm relu",
                node: ms("FusedGemm", ["a", "b", "c"], attrs: ["transB": .int(1), "activation": .string("Relu")]),
                inputs: [t(.float, 32, 512), t(.float, 1000, 512), t(.float, 1000)], outputs: [t(.float, 32, 1000)],
                macs: 16_384_000, flops: 32_832_000),
    // FusedConv ResNet stem: [1,3,224,224] * [64,3,7,7], stride 2, pad 3 → [1,64,112,112];
    // MACs = 64·112·112·3·49 = 118,013,952; FLOPs = 2·MACs + 802,816·(1 bias + 1 relu) = 237,633,536.
    ContribCase(label: "FusedConv",
                node: ms("FusedConv", ["x", "w", "b"], attrs: ["strides": .ints([2, 2]), "pads": .ints([3, 3, 3, 3]),
                                                               "kernel_shape": .ints([7, 7]), "activation": .string("Relu")]),
                inputs: [t(.float, 1, 3, 224, 224), t(.float, 64, 3, 7, 7), t(.float, 64)], outputs: [t(.float, 1, 64, 112, 112)],
                macs: 118_013_952, flops: 237_633_536),
    // NhwcConv: the same convolution in NHWC, no bias: FLOPs = 2·MACs.
    ContribCase(label: "NhwcConv",
                node: ms("NhwcConv", ["x", "w"], attrs: ["strides": .ints([2, 2]), "pads": .ints([3, 3, 3, 3])]),
                inputs: [t(.float16, 1, 224, 224, 3), t(.float16, 64, 3, 7, 7)], outputs: [t(.float16, 1, 112, 112, 64)],
                macs: 118_013_952, flops: 236_027_904),
    // DynamicQuantizeMatMul [1,128,768]·[768,3072] int8: MACs 301,989,888 (int8); FLOPs = 2·MACs +
    // 98,304 A elements·4 (dynamic quantization) + 393,216 rescales = 604,766,208.
    ContribCase(label: "DynamicQuantizeMatMul",
                node: ms("DynamicQuantizeMatMul", ["a", "b", "scale"]),
                inputs: [t(.float, 1, 128, 768), t(.int8, 768, 3072), t(.float, 3072)], outputs: [t(.float, 1, 128, 3072)],
                macs: 301_989_888, flops: 604_766_208, computeType: .int8),
    // MatMulIntegerToFloat [4,64]·[64,32] + bias: MACs 8,192; FLOPs 16,384 + 128 scale + 128 bias.
    ContribCase(label: "MatMulIntegerToFloat",
                node: ms("MatMulIntegerToFloat", ["a", "b", "as", "bs", "", "", "bias"]),
                inputs: [t(.uint8, 4, 64), t(.int8, 64, 32), t(.float, 1), t(.float, 32), nil, nil, t(.float, 32)],
                outputs: [t(.float, 4, 32)], macs: 8_192, flops: 16_640, computeType: .int8),
    // QGemm float output, no C: MACs 8·16·32 = 4,096; FLOPs 8,192 + 256 rescales.
    ContribCase(label: "QGemm",
                node: ms("QGemm", ["a", "as", "az", "b", "bs", "bz"], attrs: ["transB": .int(1)]),
                inputs: [t(.uint8, 8, 32), t(.float), t(.uint8), t(.int8, 16, 32), t(.float), t(.int8)],
                outputs: [t(.float, 8, 16)], macs: 4_096, flops: 8_320, computeType: .int8),
    // QLinearAdd [1,64,56,56]: 200,704·(2 + 2 dequantize + 1 add + 2 requantize) = 1,404,928.
    ContribCase(label: "QLinearAdd",
                node: ms("QLinearAdd", ["a", "as", "az", "b", "bs", "bz", "cs", "cz"]),
                inputs: [t(.uint8, 1, 64, 56, 56), t(.float), t(.uint8), t(.uint8, 1, 64, 56, 56), t(.float), t(.uint8), t(.float), t(.uint8)],
                outputs: [t(.uint8, 1, 64, 56, 56)], macs: 0, flops: 1_404_928),
    // QLinearGlobalAveragePool [1,1280,7,7] → [1,1280,1,1]: 62,720 sums + 1,280·(1 + 2 + 2).
    ContribCase(label: "QLinearGlobalAveragePool",
                node: ms("QLinearGlobalAveragePool", ["x", "xs", "xz", "ys", "yz"]),
                inputs: [t(.uint8, 1, 1280, 7, 7), t(.float), t(.uint8), t(.float), t(.uint8)],
                outputs: [t(.uint8, 1, 1280, 1, 1)], macs: 0, flops: 69_120),
    // QLinearConcat of [1,8,4,4] and [1,24,4,4] on axis 1 → [1,32,4,4]: 512·(2 + 2).
    ContribCase(label: "QLinearConcat",
                node: ms("QLinearConcat", ["ys", "yz", "a", "as", "az", "b", "bs", "bz"], attrs: ["axis": .int(1)]),
                inputs: [t(.float), t(.uint8), t(.uint8, 1, 8, 4, 4), t(.float), t(.uint8), t(.uint8, 1, 24, 4, 4), t(.float), t(.uint8)],
                outputs: [t(.uint8, 1, 32, 4, 4)], macs: 0, flops: 2_048),
    // GatherBlockQuantized: 4-bit table packed [32000, 2048] uint8 (4096 values per row), ids [1,7]
    // → [1,7,4096] in the scales' type; 28,672·2 dequantize FLOPs.
    ContribCase(label: "GatherBlockQuantized",
                node: ms("GatherBlockQuantized", ["data", "ids", "scales"], attrs: ["block_size": .int(32)]),
                inputs: [t(.uint8, 32000, 2048), t(.int64, 1, 7), t(.float16, 32000, 128)],
                outputs: [t(.float16, 1, 7, 4096)], macs: 0, flops: 57_344),
    // Inverse of [5,4,4]: 5·4³ = 320 MACs.
    ContribCase(label: "Inverse", node: ms("Inverse", ["x"]), inputs: [t(.float, 5, 4, 4)], outputs: [t(.float, 5, 4, 4)],
                macs: 320, flops: 640),
]

@Test(arguments: contribCases)
func contribOp(_ c: ContribCase) throws {
    let result = try run(c.node, opset: 1, inputs: c.inputs, values: c.values)
    #expect(result.types == c.outputs)
    #expect(result.cost?.macs == c.macs)
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
    if let computeType = c.computeType { #expect(result.cost?.computeType == computeType) }
}

@Test func contribRangePropagatesValues() throws {
    // Range(0, 10, 3) = [0, 3, 6, 9].
    let result = try run(ms("Range", ["s", "l", "d"]), opset: 1, inputs: [t(.int64), t(.int64), t(.int64)],
                         values: [.ints([0]), .ints([10]), .ints([3])])
    #expect(result.types == [t(.int64, 4)])
    #expect(result.values[0] == .ints([0, 3, 6, 9]))
    // Range(0, seq) with a symbolic limit: length seq.
    let symbolic = try run(ms("Range", ["s", "l"]), opset: 1, inputs: [t(.int64), t(.int64)], values: [.ints([0]), .ints([seq])])
    #expect(symbolic.types == [t(.int64, seq)])
}

@Test func generationOpsHaveShapesButNoCost() throws {
    let decoder = Graph(name: "decoder", nodes: [], inputs: [], outputs: [], initializers: [])
    let beam = ms("BeamSearch", ["ids", "max", "min", "beams", "ret"], outputs: 2,
                  attrs: ["decoder": .graph(decoder), "eos_token_id": .int(2), "pad_token_id": .int(0)])
    let registry = OpRegistry.builtin
    let rule = try #require(try registry.shapeRule(for: beam, opset: 1))
    var ctx = ShapeContext(node: beam, opset: 1, inputTypes: [t(.int32, 2, 8), t(.int32, 1), t(.int32, 1), t(.int32, 1), t(.int32, 1)],
                           inputValues: [nil, .ints([20]), nil, .ints([4]), .ints([1])])
    // sequences [batch, num_return_sequences, max_length] = [2, 1, 20]; scores [2, 1].
    #expect(try rule.inferShapes(&ctx) == [t(.int32, 2, 1, 20), t(.float, 2, 1)])
    #expect(throws: (any Error).self) { _ = try run(beam, opset: 1, inputs: [t(.int32, 2, 8), t(.int32, 1), t(.int32, 1), t(.int32, 1), t(.int32, 1)]) }
}

@Test(arguments: [
    // kv_num_heads must divide num_heads.
    ms("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "s", "t"], attrs: ["num_heads": .int(32), "kv_num_heads": .int(5)]),
    // num_heads is required.
    ms("Attention", ["x", "w"]),
    // block_size must be a power of 2 ≥ 16.
    ms("MatMulNBits", ["a", "b", "s"], attrs: ["K": .int(64), "N": .int(32), "block_size": .int(24)]),
    // bits outside 2...8.
    ms("MatMulNBits", ["a", "b", "s"], attrs: ["K": .int(64), "N": .int(32), "block_size": .int(32), "bits": .int(9)]),
    // unknown fused activation.
    ms("FusedGemm", ["a", "b"], attrs: ["activation": .string("Cube")]),
])
func contribInvalidAttributesThrow(_ n: Node) {
    #expect(throws: ShapeError.self) { _ = try OpRegistry.builtin.shapeRule(for: n, opset: 1) }
}

@Test func contribShapeMismatchesThrow() {
    // MatMulNBits: A's last dim must equal K.
    let nbits = ms("MatMulNBits", ["a", "b", "s"], attrs: ["K": .int(4096), "N": .int(4096), "block_size": .int(32)])
    #expect(throws: ShapeError.self) { _ = try run(nbits, opset: 1, inputs: [t(.float, 1, 7, 4095), t(.uint8, 4096, 128, 16), t(.float, 4096, 128)]) }
    // Attention: hidden 770 is not divisible by 3·… (weights width 2310 / 3 = 770, 770 % 12 ≠ 0).
    let attention = ms("Attention", ["x", "w"], attrs: ["num_heads": .int(12)])
    #expect(throws: ShapeError.self) { _ = try run(attention, opset: 1, inputs: [t(.float, 1, 4, 768), t(.float, 768, 2310)]) }
}

// MARK: - One geometry per family (issue 9)

/// The contrib conv and pool ops use ONNX's conv/pool geometry (`ConvPool`), as Conv and
/// AveragePool do: explicit pads win over auto_pad, an empty auto_pad means NOTSET, ceil mode drops
/// a last window that would start in the right padding, and an output ≤ 0 is an error.
@Suite struct ContribGeometryTests {
    // Explicit pads [1,1,1,1] with auto_pad VALID: ONNX's inference uses the pads → 8 + 2 − 3 + 1 = 8.
    @Test func explicitPadsWinOverAutoPad() throws {
        let conv = ms("FusedConv", ["x", "w"], attrs: ["pads": .ints([1, 1, 1, 1]), "auto_pad": .string("VALID")])
        let result = try run(conv, opset: 1, inputs: [t(.float, 1, 2, 8, 8), t(.float, 4, 2, 3, 3)])
        #expect(result.types == [t(.float, 1, 4, 8, 8)])
    }

    @Test func emptyAutoPadIsNotSet() throws {
        let conv = ms("FusedConv", ["x", "w"], attrs: ["auto_pad": .string("")])
        let result = try run(conv, opset: 1, inputs: [t(.float, 1, 2, 8, 8), t(.float, 4, 2, 3, 3)])
        #expect(result.types == [t(.float, 1, 4, 6, 6)])
    }

    // Input 4, kernel 2, stride 2, pads [0,2]: ceil((4 + 2 − 2)/2) + 1 = 3, but the third window
    // starts at 2·2 = 4 ≥ 4, inside the right padding → dropped (ONNX, PyTorch): 2.
    @Test func ceilModeDropsALastWindowInThePadding() throws {
        let pool = ms("QLinearAveragePool", ["x", "xs", "xz", "ys", "yz"],
                      attrs: ["kernel_shape": .ints([2]), "strides": .ints([2]), "pads": .ints([0, 2]), "ceil_mode": .int(1)])
        let result = try run(pool, opset: 1, inputs: [t(.uint8, 1, 3, 4), t(.float), t(.uint8), t(.float), t(.uint8)])
        #expect(result.types == [t(.uint8, 1, 3, 2)])
        // torch.nn.AvgPool1d(2, 2, ceil_mode=True) on length 5 → 3 (the last window starts at 4 < 5).
        let five = try run(pool, opset: 1, inputs: [t(.uint8, 1, 3, 5), t(.float), t(.uint8), t(.float), t(.uint8)])
        #expect(five.types == [t(.uint8, 1, 3, 3)])
    }

    @Test func outputBelowOneIsAnError() {
        let conv = ms("FusedConv", ["x", "w"])
        #expect(opsErrorKind { _ = try run(conv, opset: 1, inputs: [t(.float, 1, 2, 2, 2), t(.float, 4, 2, 3, 3)]) } == "incompatibleDims")
    }

    /// Cost rules keep the geometry's error typed.
    @Test func costErrorsStayTyped() throws {
        let matmul = ms("FusedMatMul", ["a", "b"])
        let ctx = CostContext(node: matmul, opset: 1, inputs: [TensorType(dtype: .float, shape: [2, 3]), TensorType(dtype: .float, shape: [4, 5])],
                              outputs: [nil], inputValues: [nil, nil])
        let op = try FusedMatMulOp(node: matmul, opset: 1)
        do throws(CostError) {
            _ = try op.cost(ctx)
            Issue.record("incompatible inner dims were costed")
        } catch {
            if case .shape(let shapeError) = error, case .incompatibleDims = shapeError {} else { Issue.record("untyped: \(error)") }
        }
        let norm = ms("SimplifiedLayerNormalization", ["x", "s"], attrs: ["axis": .int(5)])
        let normCtx = CostContext(node: norm, opset: 1, inputs: [TensorType(dtype: .float, shape: [2, 3]), TensorType(dtype: .float, shape: [3])],
                                  outputs: [nil], inputValues: [nil, nil])
        let normOp = try SimplifiedLayerNormalizationOp(node: norm, opset: 1)
        do throws(CostError) {
            _ = try normOp.cost(normCtx)
            Issue.record("an out-of-range axis was costed")
        } catch {
            if case .shape = error {} else { Issue.record("untyped: \(error)") }
        }
    }
}
