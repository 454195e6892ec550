import Foundation
import ONNXCost
import Testing

/// Training steps and LLM serving steps, worked out by hand (docs/training.md, docs/llm.md).
@Suite struct ServingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/models/\(name)").path }

    static func analyze(_ name: String, devices: [String], bindings: [String: Int] = [:], precision: Precision? = nil,
                        configure: (inout AnalysisOptions) -> Void = { _ in }) throws -> AnalysisReport {
        var options = AnalysisOptions(shapes: ShapeInferenceOptions(dimBindings: bindings), precision: precision, devices: devices)
        configure(&options)
        return try Analyzer.analyze(path: fixture(name), options: options)
    }

    /// mlp_small (5,560 fp32 parameters) with Adam at batch 32: weights 4 + gradients 4 + two fp32
    /// moments 8 bytes per parameter = 88,960 B, plus the saved activations: input 100 + hidden 50 +
    /// Relu 50 + output 10 floats per sample = 840 B × 32 = 26,880 B → 115,840 B.
    @Test func adamMemoryForASmallMLP() throws {
        let report = try Self.analyze("mlp_small.onnx", devices: ["a100"], bindings: ["batch": 32]) { $0.training = TrainingOptions(optimizer: .adam) }
        let training = try #require(report.roofline?.training)
        #expect(training.parameters == 5_560)
        #expect(training.weightBytes == 22_240 && training.gradientBytes == 22_240)
        #expect(training.optimizerStateBytes == 44_480)
        #expect(training.savedActivationBytes == 26_880)
        #expect(training.totalMemoryBytes == 115_840)
        #expect(training.fits == true)
        // Forward: 5,500 MACs (2 FLOPs each) + 50 + 10 bias adds in the Gemms + 50 Relu = 11,110 FLOPs per sample;
        // backward 2× each MAC node (the Gemms: 2 · 11,060) and 1× the rest (Relu: 50); Adam: 12 FLOPs per parameter.
        #expect(training.forwardFLOPs == 11_110 * 32)
        #expect(training.flops == Double((11_110 + 22_170) * 32 + 12 * 5_560))
    }

    /// Data parallel over 8: the ring all-reduce moves 2·7/8 × 22,240 B = 38,920 B per step, at the
    /// A100's NVLink 600 GB/s (both directions) = 300 GB/s per direction: 129.7 ns; × 1,000 steps.
    @Test func allReduceForEightGPUs() throws {
        let report = try Self.analyze("mlp_small.onnx", devices: ["a100"], bindings: ["batch": 32]) {
            $0.training = TrainingOptions(optimizer: .sgd, gpus: 8, steps: 1_000)
        }
        let training = try #require(report.roofline?.training)
        #expect(training.allreduceBytesPerStep == 38_920)
        #expect(training.linkBytesPerSecond == 300e9)
        #expect(abs((training.allreduceSeconds ?? 0) - 38_920 / 300e9) < 1e-15)
        #expect(training.totalCommunicationBytes == 38_920_000)
        #expect(training.optimizerStateBytes == 0)
        #expect(training.zeroMemoryBytes[3] == Double((22_240 + 22_240) / 8 + 26_880), "\(training.zeroMemoryBytes)")
    }

    /// llama_gqa_kv: KV bytes per token = 2 (K and V) · 2 layers · 2 KV heads · 32 head dim · 4 bytes = 1,024.
    @Test func kvCacheBytesForAGQADecoder() throws {
        let report = try Self.analyze("llama_gqa_kv.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .decode, context: 512) }
        let llm = try #require(report.roofline?.llm)
        #expect(llm.kvCacheBytesPerToken == 1_024)
        #expect(llm.kvCacheBytes == 1_024 * 513)
        let fp8 = try Self.analyze("llama_gqa_kv.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .decode, context: 512, kvPrecision: .fp8) }
        #expect(fp8.roofline?.llm?.kvCacheBytesPerToken == 256)
    }

    /// A decode step's totals are exactly the graph's with its symbols bound by hand.
    @Test func decodeTotalsEqualTheBoundGraph() throws {
        let decode = try Self.analyze("llama_gqa_kv.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .decode, context: 512, batch: 2) }
        let byHand = try Self.analyze("llama_gqa_kv.onnx", devices: [], bindings: ["batch": 2, "sequence": 1, "past_sequence": 512,
                                                                                    "past_sequence+sequence": 513])
        #expect(decode.costs.totals.macs == byHand.costs.totals.macs)
        #expect(decode.costs.totals.flops == byHand.costs.totals.flops)
        #expect(decode.costs.totals.peakActivationBytes == byHand.costs.totals.peakActivationBytes)
        // Closed form (Fixtures/expected/llama_gqa_kv.json): B·(a·n + β·n·(p+n)) = 2·(1,640,448 + 1,024·513).
        #expect(decode.costs.totals.macs == .value(2 * (1_640_448 + 1_024 * 513)))
    }

    /// Decode of a Llama-3-70B-shaped fp16 model at batch 1 is bandwidth-bound: tokens/s ≤ bandwidth ÷ the bytes
    /// a step must read. Weights 141,107,412,992 B (70,553,706,496 × 2), of which the step reads the embedding
    /// table's one row only (128,256 × 8,192 × 2 = 2,101,346,304 B unread), plus the KV cache at context 4,096:
    /// 327,680 B per token (2 · 80 · 8 · 128 · 2) × 4,096 = 1,342,177,280 B, less the 50 MiB the L2 may keep.
    @Test func decodeBoundIsBandwidthOverWeightsAndCache() throws {
        let report = try Self.analyze("llama3_70b_shape.onnx", devices: ["h100"]) { $0.llm = LLMOptions(phase: .decode, context: 4_096) }
        let llm = try #require(report.roofline?.llm)
        #expect(llm.kvCacheBytesPerToken == 327_680)
        let bytes = 141_107_412_992.0 - 2_101_346_304 + 1_342_177_280 - 52_428_800
        let expected = 3.35e12 / bytes
        let bound = try #require(llm.tokensPerSecondBound)
        #expect(abs(bound / expected - 1) < 0.001, "\(bound) vs \(expected)")
        #expect(llm.maxContext != nil)
        #expect(report.roofline?.fits == false, "141 GB of fp16 weights do not fit an 80 GB H100")
    }

    /// `--prefill` on an encoder is a clear error; `--training` on a graph without float weights too.
    @Test func modesRefuseTheWrongGraph() throws {
        #expect(throws: AnalysisError.self) {
            try Self.analyze("bert_base.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .prefill, context: 128) }
        }
        do {
            _ = try Self.analyze("bert_base.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .prefill, context: 128) }
        } catch {
            #expect("\(error)".contains("not a decoder"))
        }
        let noCache = try Self.analyze("gpt2.onnx", devices: ["l4"]) { $0.llm = LLMOptions(phase: .decode, context: 100) }
        #expect(noCache.roofline?.llm?.notes.contains { $0.contains("recomputes all 101 tokens") } == true)
    }

    /// Mixtral-shaped MoE (2 layers, 8 experts, top-2, hidden 4,096, intermediate 14,336): the experts hold
    /// 2 · 8 · 3 · 4,096 · 14,336 = 2,818,572,288 parameters, so active = total − 2,818,572,288 · 6/8. The closed
    /// form (Fixtures/expected/mixtral_moe_shape.json) gives 3,164,688,384 total and 1,050,759,168 active. The
    /// files also hold float Constant nodes that count as parameters: the onnx package counts 69 elements
    /// (the 64 rotary inverse frequencies and 5 scalars: eps, scale, mask values).
    /// Decode MACs at context 4: a + β·(p+1) = 919,666,688 + 16,384 · 5 = 919,748,608 for both formulations.
    @Test func mixtureOfExpertsActiveParameters() throws {
        for name in ["mixtral_moe_shape.onnx", "mixtral_moe_ms_shape.onnx"] {
            let report = try Self.analyze(name, devices: ["h100"]) { $0.llm = LLMOptions(phase: .decode, context: 128, batch: 4) }
            let llm = try #require(report.roofline?.llm, "\(name)")
            #expect(llm.totalParameters == 3_164_688_384 + 69, "\(name)")
            #expect(llm.activeParameters == 1_050_759_168 + 69, "\(name)")
            #expect(llm.experts?.expertParameters == 2_818_572_288)
            let step = try Self.analyze(name, devices: []) { $0.shapes.dimBindings = ["batch": 1, "sequence": 1, "past_sequence": 4, "past_sequence+sequence": 5] }
            #expect(step.costs.totals.macs == 919_748_608, "\(name)")
            #expect(llm.experts?.experts == 8 && llm.experts?.topK == 2)
            // 4 tokens over 8 experts, top-2: 8 · (1 − (6/8)^4) = 5.47 expected.
            #expect(abs((llm.expectedExpertsTouched ?? 0) - 8 * (1 - pow(0.75, 4))) < 1e-9)
        }
    }
}
