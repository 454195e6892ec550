import Foundation
import ONNXCost
import Testing

/// Real architectures exported by tools/fixtures/export_models.py (graphs only, weights absent).
/// Every expected number comes from outside onnxcost: output shapes from running the model in
/// onnxruntime, MACs from onnxruntime's tensor shapes and the textbook formula, parameter counts
/// from the initializers themselves, published figures from torchvision's weight metadata.
enum RealExports {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func expected(_ name: String) -> [String: Any] {
        let url = root.appendingPathComponent("expected/\(name).json")
        guard let data = try? Data(contentsOf: url), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// The fixtures `tools/fixtures/export_models.py` makes (each with an onnxruntime run). A test
    /// checks the folder holds exactly these, so a missing or unlisted fixture fails instead of
    /// silently dropping its cases.
    static let committed: [String] = [
        "bert_base", "bert_base_dynamo", "convnext_tiny", "deeplabv3_mobilenet_v3_large", "efficientnet_b0", "gpt2",
        "gpt2_dynamo", "gpt2_dynamo_ids", "gpt2_dynamo_ids_b1", "inception_v3", "llama_tiny", "llama_tiny_dynamo",
        "mobilenet_v2", "mobilenet_v2_int8_qdq_tensor", "mobilenet_v3_small", "resnet50", "resnet50_dynamo",
        "resnet50_fp16", "resnet50_int8_qdq", "ssdlite320_mobilenet_v3_large", "swin_t", "vgg16", "vit_b_16",
        "vit_b_16_dynamo",
    ]

    /// Every model with an onnxruntime run recorded: the committed list, so that missing files make
    /// the parameterized tests fail (a `try?` listing of the folder gave zero cases, which pass).
    static let names: [String] = committed

    /// The expected JSONs found on disk that carry an onnxruntime run.
    static func namesOnDisk() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("expected").path)
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
            .filter { expected($0)["outputs"] != nil && expected($0)["file"] != nil }.sorted()
    }

    /// Outputs whose size depends on the data (NMS boxes): a named symbol is right there.
    static let dataDependentOutputs: Set<String> = ["ssdlite320_mobilenet_v3_large"]

    /// Analyzes `name` with its inputs bound to `inputs` (name → shape).
    static func analyze(_ name: String, inputs: [String: [Int]], precision: Precision? = nil) throws -> AnalysisReport {
        var shapes = ShapeInferenceOptions()
        for (input, dims) in inputs { shapes.inputShapes[input] = dims.map(Dim.value) }
        return try Analyzer.analyze(path: root.appendingPathComponent("models/\(name).onnx").path,
                                    options: AnalysisOptions(shapes: shapes, precision: precision))
    }

    static func inputs(_ object: [String: Any]) -> [String: [Int]] {
        (object["inputs"] as? [String: [Int]]) ?? [:]
    }
}

@Suite struct RealExportFixtureTests {
    /// The folder holds every committed fixture, each with its graph and an onnxruntime run (two
    /// bindings), and nothing unlisted.
    @Test func fixtureSetIsComplete() throws {
        #expect(try RealExports.namesOnDisk() == RealExports.committed.sorted())
        for name in RealExports.committed {
            let expected = RealExports.expected(name)
            #expect(expected["outputs"] != nil && expected["alt_run"] != nil, "\(name): expected JSON without two runs")
            let model = RealExports.root.appendingPathComponent("models/\(name).onnx").path
            #expect(FileManager.default.fileExists(atPath: model), "\(model) is missing")
        }
    }

    /// `expected` of a file that is not there is empty, and the tests that read it then fail.
    @Test func missingExpectedIsEmpty() {
        #expect(RealExports.expected("no_such_fixture").isEmpty)
    }
}

@Suite struct RealExportShapeTests {
    @Test(arguments: RealExports.names)
    func outputsMatchOnnxruntime(name: String) throws {
        let expected = RealExports.expected(name)
        try #require(expected["outputs"] != nil && expected["alt_run"] != nil, "\(name): no expected JSON with two runs")
        for run in [expected, expected["alt_run"] as? [String: Any]].compactMap({ $0 }) {
            let report = try RealExports.analyze(name, inputs: RealExports.inputs(run))
            #expect(report.shapes.unsupportedOps.isEmpty, "\(name): no rule for \(report.shapes.unsupportedOps)")
            let outputs = try #require(run["outputs"] as? [String: [String: Any]])
            for output in report.shapes.outputs {
                let want = try #require(outputs[output.name], "\(name): unexpected output \(output.name)")
                let got = try #require(output.type.tensor, "\(name).\(output.name): \(output.type)")
                #expect(got.dtype.name == want["dtype"] as? String, "\(name).\(output.name)")
                let wantShape = try #require(want["shape"] as? [Int])
                let gotShape = try #require(got.shape, "\(name).\(output.name): rank unknown")
                #expect(gotShape.count == wantShape.count, "\(name).\(output.name): \(got)")
                for (g, w) in zip(gotShape, wantShape) {
                    if RealExports.dataDependentOutputs.contains(name), case .polynomial = g { continue }
                    #expect(g == .value(w), "\(name).\(output.name): inferred \(got), onnxruntime \(wantShape)")
                }
            }
            if !RealExports.dataDependentOutputs.contains(name) {
                #expect(report.shapes.unresolved.isEmpty, "\(name): \(report.shapes.unresolved.prefix(5))")
            }
        }
    }
}

@Suite struct RealExportCostTests {
    /// MACs equal the sum over Conv/MatMul/Gemm of output elements × reduction size, from onnxruntime's shapes.
    @Test(arguments: RealExports.names)
    func macsMatchReference(name: String) throws {
        let expected = RealExports.expected(name)
        try #require(expected["alt_run"] != nil, "\(name): no expected JSON with two runs")
        for run in [expected, expected["alt_run"] as? [String: Any]].compactMap({ $0 }) {
            let reference = try #require((run["reference_macs"] as? [String: Any])?["macs_total"] as? Int,
                                         "\(name): no onnxruntime reference MACs in \(RealExports.inputs(run))")
            let report = try RealExports.analyze(name, inputs: RealExports.inputs(run))
            #expect(report.costs.totals.macs == .value(reference), "\(name) \(RealExports.inputs(run))")
        }
    }

    /// Params equal the file's weight elements, counted by the onnx Python package
    /// (tools/fixtures/file_weight_elements.py: stored constants feeding compute, no shape constants).
    @Test(arguments: RealExports.names)
    func paramsEqualWeightElements(name: String) throws {
        let expected = RealExports.expected(name)
        let weights = try #require(expected["file_weight_elements"] as? Int)
        let report = try RealExports.analyze(name, inputs: RealExports.inputs(expected))
        #expect(report.costs.totals.params == .value(weights), "\(name)")
    }

    /// torchvision's `_ops` ("GFLOPS", really GMACs of conv + linear + matmul) within 0.5%.
    @Test(arguments: ["resnet50", "mobilenet_v2", "efficientnet_b0", "convnext_tiny", "vit_b_16", "swin_t", "inception_v3", "vgg16"])
    func macsMatchTorchvisionPublished(name: String) throws {
        let published = try #require(RealExports.expected("torchvision_published")[name] as? [String: Any])
        let gmacs = try #require(published["_ops"] as? Double)
        let side = (published["crop_size"] as? [Int])?.first ?? 224
        let report = try RealExports.analyze(name, inputs: ["input": [1, 3, side, side]])
        let macs = try #require(report.costs.totals.macs.intValue)
        let error = abs(Double(macs) / (gmacs * 1e9) - 1)
        #expect(error < 0.005, "\(name): \(macs) MACs vs published \(gmacs) G")
    }

    @Test func int8QDQResNet50KeepsMACsAndQuartersWeights() throws {
        let input = ["input": [1, 3, 224, 224]]
        let fp32 = try RealExports.analyze("resnet50", inputs: input)
        let int8 = try RealExports.analyze("resnet50_int8_qdq", inputs: input)
        #expect(int8.costs.totals.macs == fp32.costs.totals.macs)
        // The MAC ops run in int8: every MAC is attributed to an 8-bit type.
        let int8MACs = int8.costs.totals.macsByType.filter { $0.key == .int8 || $0.key == .uint8 }.values.compactMap(\.intValue).reduce(0, +)
        #expect(int8MACs == int8.costs.totals.macs.intValue)
        // Stored bytes by dtype, from the exporter's own numpy sums (expected JSON).
        let bytes = try #require(RealExports.expected("resnet50_int8_qdq")["initializer_bytes_by_dtype"] as? [String: Int])
        #expect(int8.costs.totals.weightBytes == .value(bytes.values.reduce(0, +)))
        let ratio = Double(int8.costs.totals.weightBytes.intValue ?? 0) / Double(fp32.costs.totals.weightBytes.intValue ?? 1)
        #expect(abs(ratio - 0.25) < 0.005, "int8/fp32 weight bytes \(ratio)")
    }

    @Test func fp16ResNet50HalvesWeights() throws {
        let input = ["input": [1, 3, 224, 224]]
        let fp32 = try RealExports.analyze("resnet50", inputs: input)
        let fp16 = try RealExports.analyze("resnet50_fp16", inputs: input)
        #expect(fp16.costs.totals.macs == fp32.costs.totals.macs)
        #expect(fp16.costs.totals.weightBytes.intValue.map { $0 * 2 } == fp32.costs.totals.weightBytes.intValue)
        #expect(fp16.costs.totals.macsByType.keys.contains(.float16))
    }

    @Test func targetPrecisionRecostsWeights() throws {
        let input = ["input": [1, 3, 224, 224]]
        let fp32 = try RealExports.analyze("resnet50", inputs: input)
        let int8 = try RealExports.analyze("resnet50", inputs: input, precision: .int8)
        let int4 = try RealExports.analyze("resnet50", inputs: input, precision: .int4)
        let stored = try #require(fp32.costs.totals.weightBytes.intValue)
        #expect(int8.costs.totals.weightBytes == .value(stored / 4))
        #expect(int4.costs.totals.weightBytes == .value(stored / 8))
        #expect(int8.costs.totals.macs == fp32.costs.totals.macs)
    }

    /// With symbols unbound, GPT-2's MACs are a polynomial in batch and sequence; binding gives the number.
    @Test func gpt2MACsAreAPolynomialInBatchAndSequence() throws {
        let report = try Analyzer.analyze(path: RealExports.root.appendingPathComponent("models/gpt2.onnx").path)
        guard case .polynomial(let macs) = report.costs.totals.macs else {
            Issue.record("MACs are not symbolic: \(report.costs.totals.macs)")
            return
        }
        #expect(macs.symbols == ["batch", "sequence"])
        let closed = try #require(RealExports.expected("closed_form")["gpt2"] as? [String: Any])
        let bound = macs.substituting(["batch": 2, "sequence": 7])?.constantValue
        #expect(bound == closed["macs"] as? Int, "\(macs)")
    }
}

/// What onnxruntime runs, onnxcost analyzes (issue 9): spec violations are warnings naming the node.
@Suite struct LenientQuantizationTests {
    /// `quantize_static(per_channel=False)` (onnxruntime's default) writes every int32 bias
    /// DequantizeLinear with a scale of shape [1] and a scalar zero point. onnxruntime runs it and
    /// gives logits [1, 1000] (expected JSON); unbound, every dim resolves and logits are [batch, 1000].
    @Test func ortPerTensorQDQMobileNetV2ResolvesEveryDim() throws {
        let name = "mobilenet_v2_int8_qdq_tensor"
        let expected = RealExports.expected(name)
        let outputs = try #require(expected["outputs"] as? [String: [String: Any]], "missing Fixtures/expected/\(name).json")
        #expect(outputs["output"]?["shape"] as? [Int] == [1, 1000])
        let report = try Analyzer.analyze(path: RealExports.root.appendingPathComponent("models/\(name).onnx").path)
        #expect(report.shapes.unresolved.isEmpty, "\(report.shapes.unresolved.prefix(3))")
        let logits = try #require(report.shapes.outputs.first?.type.tensor?.shape)
        #expect(logits == [.symbol("batch"), .value(1000)])
        let errors = report.shapes.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        // Each bias DequantizeLinear gets a warning that names it.
        let rankWarnings = report.shapes.diagnostics.filter { $0.severity == .warning && $0.message.contains("zero point rank") }
        #expect(!rankWarnings.isEmpty)
        #expect(rankWarnings.allSatisfy { $0.node?.opType == "DequantizeLinear" })
        // MACs at batch 1 equal onnxruntime's shapes × the conv/gemm formula.
        let reference = try #require((expected["reference_macs"] as? [String: Any])?["macs_total"] as? Int)
        #expect(report.costs.totals.macs.substituting(["batch": 1]) == .value(reference))
    }
}

/// GPT2LMHeadModel exported by `torch.onnx.export(dynamo=True)` with `input_ids` only and exporter-named
/// dims (`s72` batch, `s70` sequence); the default (sdpa) attention builds its causal mask with
/// Range/GatherND (issue 9).
@Suite struct GPT2InputIdsOnlyTests {
    static let batch = "s72", sequence = "s70"

    /// GPT-2 small at batch 1, sequence S: L·(4·S·H² + 2·S²·H + 2·S·H·I) + S·H·V (closed form,
    /// `closed_form.json`'s formula): 12·(4·128·768² + 2·128²·768 + 2·128·768·3072) + 128·768·50257
    /// = 16,114,089,984 MACs at S = 128.
    static func closedForm(sequence s: Int) -> Int {
        let h = 768, l = 12, i = 3072, v = 50257
        return l * (4 * s * h * h + 2 * s * s * h + 2 * s * h * i) + s * h * v
    }

    @Test func sequenceBoundLogitsKeepTheBatchAndMACsAreLinearInIt() throws {
        let path = RealExports.root.appendingPathComponent("models/gpt2_dynamo_ids.onnx").path
        var shapes = ShapeInferenceOptions()
        shapes.dimBindings = [Self.sequence: 128]
        var analyzed: AnalysisReport?
        // Thread CPU seconds (not wall time, which the parallel suite inflates); debug build.
        let cpu = Robust.cpuSeconds { analyzed = try? Analyzer.analyze(path: path, options: AnalysisOptions(shapes: shapes)) }
        #expect(cpu < 2 * Robust.slowdown, "the symbolic pass must stay bounded: \(cpu) s")
        let report = try #require(analyzed)
        let logits = try #require(report.shapes.outputs.first?.type.tensor?.shape)
        #expect(logits == [.symbol(Self.batch), .value(128), .value(50257)])
        #expect(report.costs.totals.macs == .symbol(Self.batch) * .value(Self.closedForm(sequence: 128)))
        // onnxruntime at [3, 128] (alt run of the expected JSON).
        let alt = try #require(RealExports.expected("gpt2_dynamo_ids")["alt_run"] as? [String: Any])
        let reference = try #require((alt["reference_macs"] as? [String: Any])?["macs_total"] as? Int)
        #expect(report.costs.totals.macs.substituting([Self.batch: 3]) == .value(reference))
        #expect(reference == 3 * Self.closedForm(sequence: 128))
        #expect(report.shapes.unresolved.isEmpty)
    }

    @Test func unboundAnalysisIsBoundedAndQuadraticInSequenceOnly() throws {
        let path = RealExports.root.appendingPathComponent("models/gpt2_dynamo_ids.onnx").path
        var analyzed: AnalysisReport?
        let cpu = Robust.cpuSeconds { analyzed = try? Analyzer.analyze(path: path) }
        #expect(cpu < 2 * Robust.slowdown, "\(cpu) s")
        let report = try #require(analyzed)
        for (b, s) in [(2, 7), (3, 128)] {
            #expect(report.costs.totals.macs.substituting([Self.batch: b, Self.sequence: s]) == .value(b * Self.closedForm(sequence: s)))
        }
    }

    /// Exported from a batch-1 example, torch.export keeps `s72` on the input but specializes the
    /// batch to 1 inside the graph (Reshape constants `[1, -1, 2304]`): onnxruntime refuses batch 2
    /// (`batch2_onnxruntime_error`). The unbound answer `[1, 128·s72, 50257]` is the graph's own
    /// arithmetic, valid only at s72 = 1; the analysis now says so on the node that assumes it, and
    /// at batch 2 reports the broadcast error where onnxruntime fails.
    @Test func batchOneExportSaysWhereItHolds() throws {
        let name = "gpt2_dynamo_ids_b1"
        let expected = RealExports.expected(name)
        let ortError = try #require(expected["batch2_onnxruntime_error"] as? String, "missing Fixtures/expected/\(name).json")
        #expect(ortError.contains("Shape mismatch"))
        let path = RealExports.root.appendingPathComponent("models/\(name).onnx").path
        var shapes = ShapeInferenceOptions()
        shapes.dimBindings = [Self.sequence: 128]
        let report = try Analyzer.analyze(path: path, options: AnalysisOptions(shapes: shapes))
        let assumptions = report.shapes.diagnostics.filter { $0.message.contains("assumes 128*\(Self.batch) = 128") }
        #expect(!assumptions.isEmpty)
        #expect(assumptions.allSatisfy { $0.severity == .warning && $0.node != nil && $0.message.contains("i.e. \(Self.batch) = 1") })
        // At the one binding where it holds, it equals onnxruntime and the closed form.
        #expect(report.costs.totals.macs.substituting([Self.batch: 1]) == .value(Self.closedForm(sequence: 128)))
        // Unbound it used to nest opaque max(...) names layer after layer (minutes, gigabytes);
        // now bounded, it says which equality the broadcast needs, and is right at s72 = 1.
        var analyzed: AnalysisReport?
        let cpu = Robust.cpuSeconds { analyzed = try? Analyzer.analyze(path: path) }
        #expect(cpu < 2 * Robust.slowdown, "\(cpu) s")
        let unbound = try #require(analyzed)
        #expect(unbound.shapes.diagnostics.contains { $0.node?.name == "node_Add_178" && $0.message.contains("assumes \(Self.sequence)*\(Self.batch) = \(Self.sequence)") })
        // Past the symbolic budget the formula holds opaque `expr_…` names: `evaluated` reads them back.
        for s in [7, 128] {
            #expect(unbound.costs.totals.macs.evaluated([Self.batch: 1, Self.sequence: s]) == Self.closedForm(sequence: s))
        }
        let atTwo = try RealExports.analyze(name, inputs: ["input_ids": [2, 7]])
        #expect(atTwo.shapes.diagnostics.contains { $0.severity == .error && $0.message.contains("cannot broadcast") })
    }
}
