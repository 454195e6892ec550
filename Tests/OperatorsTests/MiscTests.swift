import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: ONNX spec formulas, or onnx 1.23's ReferenceEvaluator on concrete numbers in a
// scratch script ("ref"). FLOPs: the formulas in each op's doc comment, computed by hand.

private let batch = Dim.symbol("batch")

// MARK: - String ops

@Test func stringOps() throws {
    let a = try run(node("StringNormalizer", ["x"], attrs: ["case_change_action": .string("LOWER")]), opset: 10, inputs: [t(.string, 5)])
    #expect(a.types == [t(.string, 5)])
    // Stopwords make the length data-dependent.
    let b = try run(node("StringNormalizer", ["x"], attrs: ["stopwords": .strings(["a"])]), opset: 10, inputs: [t(.string, 1, 5)])
    #expect(b.types == [t(.string, 1, .opaque("out0_len"))])
    #expect(throws: ShapeError.self) {
        try run(node("StringNormalizer", ["x"], attrs: ["case_change_action": .string("TITLE")]), opset: 10, inputs: [t(.string, 5)])
    }
    let c = try run(node("StringConcat", ["a", "b"]), opset: 20, inputs: [t(.string, batch, 1), t(.string, 3)])
    #expect(c.types == [t(.string, batch, 3)])
    let d = try run(node("StringSplit", ["x"], outputs: 2), opset: 20, inputs: [t(.string, batch)])
    #expect(d.types == [t(.string, batch, .opaque("out0_len")), t(.int64, batch)])
    let e = try run(node("RegexFullMatch", ["x"], attrs: ["pattern": .string("a+")]), opset: 20, inputs: [t(.string, 2, 2)])
    #expect(e.types == [t(.bool, 2, 2)])
    #expect(e.cost == .zero)
    // ref: TfIdfVectorizer on (2, 6) with ngram_indexes 0...6 → (2, 7).
    let f = try run(node("TfIdfVectorizer", ["x"], attrs: ["ngram_indexes": .ints(Array(0...6)), "mode": .string("TF")]), opset: 9,
                    inputs: [t(.int32, 2, 6)])
    #expect(f.types == [t(.float, 2, 7)])
}

// MARK: - DFT, STFT

@Test(arguments: [
    // ref (opset 20): (3, 16, 1) on axis 1, onesided → (3, 9, 2). Cost: 3 transforms × 5·16·log2(16) = 3 × 320 = 960.
    (20, [Dim(3), 16, 1], ["onesided": .int(1)], [Dim(3), 9, 2], 960),
    // ref (opset 17): (3, 16, 5, 2) axis 2 → same shape. 3·16 transforms × 5·5·log2(5) = 48 × 58 (58.05 rounded) = 2784.
    (17, [3, 16, 5, 2], ["axis": .int(2)], [3, 16, 5, 2], 2784),
    // Opset 17 default axis 1 on [batch, 8, 1]: batch transforms × 5·8·3 = 120·batch.
    (17, [batch, 8, 1], [:], [batch, 8, 2], -1),
] as [(Int, [Dim], [String: Attribute.Value], [Dim], Int)])
func dft(opset: Int, input: [Dim], attrs: [String: Attribute.Value], expected: [Dim], flops: Int) throws {
    let r = try run(node("DFT", ["x"], attrs: attrs), opset: opset, inputs: [.tensor(.init(dtype: .float, shape: input))])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected))])
    #expect(r.cost?.flops == (flops >= 0 ? .value(flops) : batch * 120))
}

@Test func dftLengthAxisInputsAndErrors() throws {
    // Opset 20: dft_length 32 (zero-padded) on axis input -2 of [2, 20, 2] → [2, 32, 2]; 2 × 5·32·5 = 1600 FLOPs.
    let r = try run(node("DFT", ["x", "n", "a"]), opset: 20, inputs: [t(.float, 2, 20, 2), t(.int64), t(.int64)],
                    values: [nil, .ints([32]), .ints([-2])])
    #expect(r.types == [t(.float, 2, 32, 2)])
    #expect(r.cost?.flops == 1600)
    // The last (complex) dim is not a valid axis; it must be 1 or 2.
    #expect(throws: ShapeError.self) { try run(node("DFT", ["x"], attrs: ["axis": .int(2)]), opset: 17, inputs: [t(.float, 2, 20, 2)]) }
    #expect(throws: ShapeError.self) { try run(node("DFT", ["x"]), opset: 17, inputs: [t(.float, 2, 20, 3)]) }
}

@Test func stft() throws {
    // ref: signal (2, 400, 1), frame_step 160, Hann window of 400 → (2, 1, 201, 2):
    // frames = floor((400 − 400)/160) + 1 = 1; bins = 400/2 + 1 = 201.
    // Cost: 2·1 frames × (5·400·log2(400) = 17287.7… → 17288, + 400 window multiplies) = 2 × 17688 = 35376.
    let r = try run(node("STFT", ["x", "step", "w"]), opset: 17, inputs: [t(.float, 2, 400, 1), t(.int64), t(.float, 400)],
                    values: [nil, .ints([160])])
    #expect(r.types == [t(.float, 2, 1, 201, 2)])
    #expect(r.cost?.flops == 35376)
    // Whisper-like: length 480000, step 160, frame_length input 400, no window, onesided=0:
    // frames = (480000 − 400)/160 + 1 = 2998; bins 400.
    let s = try run(node("STFT", ["x", "step", "", "len"], attrs: ["onesided": .int(0)]), opset: 17,
                    inputs: [t(.float, batch, 480_000, 1), t(.int64), nil, t(.int64)], values: [nil, .ints([160]), nil, .ints([400])])
    #expect(s.types == [t(.float, batch, 2998, 400, 2)])
}

// MARK: - ImageDecoder, Det, BitCast

@Test func imageDetBitCast() throws {
    let a = try run(node("ImageDecoder", ["x"], attrs: ["pixel_format": .string("Grayscale")]), opset: 20, inputs: [t(.uint8, 1000)])
    #expect(a.types == [t(.uint8, .opaque("out0_height"), .opaque("out0_width"), 1)])
    #expect(throws: ShapeError.self) { try run(node("ImageDecoder", ["x"], attrs: ["pixel_format": .string("CMYK")]), opset: 20, inputs: [t(.uint8, 9)]) }
    // Det of [batch, 3, 3]: batch × 2·27/3 = 18·batch FLOPs.
    let b = try run(node("Det", ["x"]), inputs: [t(.float, batch, 3, 3)])
    #expect(b.types == [t(.float, batch)])
    #expect(b.cost?.flops == batch * 18)
    #expect(throws: ShapeError.self) { try run(node("Det", ["x"]), inputs: [t(.float, 3, 4)]) }
    // BitCast float32 → int32 (same width); float32 → int64 is an error.
    let c = try run(node("BitCast", ["x"], attrs: ["to": .int(6)]), opset: 26, inputs: [t(.float, batch, 2)])
    #expect(c.types == [t(.int32, batch, 2)])
    #expect(throws: ShapeError.self) { try run(node("BitCast", ["x"], attrs: ["to": .int(7)]), opset: 26, inputs: [t(.float, 2)]) }
}

// MARK: - Losses

@Test func losses() throws {
    // ref: NLL (2,5,3) scores, (2,3) targets, reduction none → (2, 3); 6 targets × 1 FLOP = 6.
    let a = try run(node("NegativeLogLikelihoodLoss", ["x", "t"], attrs: ["reduction": .string("none")]), inputs: [t(.float, 2, 5, 3), t(.int64, 2, 3)])
    #expect(a.types == [t(.float, 2, 3)])
    #expect(a.cost?.flops == 6)
    // Mean with weights: scalar; 6 × (1 + 1 + 1) = 18.
    let b = try run(node("NegativeLogLikelihoodLoss", ["x", "t", "w"]), inputs: [t(.float, 2, 5, 3), t(.int64, 2, 3), t(.float, 5)])
    #expect(b.types == [t(.float)])
    #expect(b.cost?.flops == 18)
    // ref: SoftmaxCrossEntropyLoss (2,5,3)/(2,3), mean → (), log_prob (2,5,3).
    // FLOPs: 30 scores × 5 (softmax) + 6 × (1 + 1) (pick, reduce) + 6 logs = 150 + 12 + 6 = 168; transcendentals 30 + 6 = 36.
    let c = try run(node("SoftmaxCrossEntropyLoss", ["x", "t"], outputs: 2), opset: 13, inputs: [t(.float, 2, 5, 3), t(.int64, 2, 3)])
    #expect(c.types == [t(.float), t(.float, 2, 5, 3)])
    #expect(c.cost?.flops == 168)
    #expect(c.cost?.transcendentals == 36)
    #expect(throws: ShapeError.self) {
        try run(node("NegativeLogLikelihoodLoss", ["x", "t"], attrs: ["reduction": .string("max")]), inputs: [t(.float, 2, 5), t(.int64, 2)])
    }
    #expect(throws: ShapeError.self) { try run(node("NegativeLogLikelihoodLoss", ["x", "t"]), inputs: [t(.float, 2, 5), t(.int64, 2, 3)]) }
}

// MARK: - CumProd, SwiGLU, CausalConvWithState, LinearAttention

@Test func cumProdAndSwiGLU() throws {
    // CumProd: 1 multiply per element: 4·batch.
    let a = try run(node("CumProd", ["x", "axis"]), opset: 26, inputs: [t(.float, batch, 4), t(.int64)], values: [nil, .ints([1])])
    #expect(a.types == [t(.float, batch, 4)])
    #expect(a.cost?.flops == batch * 4)
    #expect(throws: ShapeError.self) { try run(node("CumProd", ["x", "axis"]), opset: 26, inputs: [t(.float, 4), t(.int64)], values: [nil, .ints([1])]) }
    // SwiGLU on [2, 8]: 16 elements × (5 silu + 1 mul) = 96 FLOPs, 16 exps.
    let b = try run(node("SwiGLU", ["a", "b"]), opset: 28, inputs: [t(.float, 2, 8), t(.float, 2, 8)])
    #expect(b.types == [t(.float, 2, 8)])
    #expect(b.cost?.flops == 96)
    #expect(b.cost?.transcendentals == 16)
    #expect(throws: ShapeError.self) { try run(node("SwiGLU", ["a", "b"]), opset: 28, inputs: [t(.float, 2, 8), t(.float, 2, 4)]) }
}

@Test func causalConvWithState() throws {
    // [2, 16, 10] with k = 4, bias, silu: MACs 2·16·10·4 = 1280; FLOPs 2·1280 + 320 (bias) + 320·5 (silu) = 4480.
    let r = try run(node("CausalConvWithState", ["x", "w", "b"], outputs: 2, attrs: ["activation": .string("silu")]), opset: 27,
                    inputs: [t(.float, 2, 16, 10), t(.float, 16, 1, 4), t(.float, 16)])
    #expect(r.types == [t(.float, 2, 16, 10), t(.float, 2, 16, 3)])
    #expect(r.cost?.macs == 1280)
    #expect(r.cost?.flops == 4480)
    #expect(r.cost?.transcendentals == 320)
    #expect(throws: ShapeError.self) {
        try run(node("CausalConvWithState", ["x", "w"], attrs: ["activation": .string("gelu")]), opset: 27, inputs: [t(.float, 2, 16, 10), t(.float, 16, 1, 4)])
    }
}

@Test func linearAttention() throws {
    // Hq = 4, dk = 32/4 = 8; Hkv = 2, dv = 12/2 = 6; gated_delta with per-head decay [1, 5, 2].
    // Per token: MACs 96 (update) + 192 (readout) + 96 (Sᵀk) = 384 → ×5 tokens = 1920.
    // Extra per token: 24 (scale) + 96 + 2 (decay multiply, exps) + 12 + 16 (delta) = 150 → 750.
    // FLOPs = 2·1920 + 750 = 4590; transcendentals 5·2 = 10.
    let attrs: [String: Attribute.Value] = ["q_num_heads": .int(4), "kv_num_heads": .int(2)]
    let r = try run(node("LinearAttention", ["q", "k", "v", "", "g", "beta"], outputs: 2, attrs: attrs), opset: 27,
                    inputs: [t(.float, 1, 5, 32), t(.float, 1, 5, 16), t(.float, 1, 5, 12), nil, t(.float, 1, 5, 2), t(.float, 1, 5, 2)])
    #expect(r.types == [t(.float, 1, 5, 24), t(.float, 1, 2, 8, 6)])
    #expect(r.cost?.macs == 1920)
    #expect(r.cost?.flops == 4590)
    #expect(r.cost?.transcendentals == 10)
    #expect(throws: ShapeError.self) {
        try run(node("LinearAttention", ["q", "k", "v"], attrs: ["q_num_heads": .int(3), "kv_num_heads": .int(2)]), opset: 27,
                inputs: [t(.float, 1, 5, 24), t(.float, 1, 5, 16), t(.float, 1, 5, 12)])
    }
}
