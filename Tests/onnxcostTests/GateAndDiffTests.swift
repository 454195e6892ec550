import Foundation
import Testing

/// `check` as the deployment gate and `diff A B`, in process, with expected values computed by hand
/// from the fixtures' definitions (tools/fixtures/cli_fixtures.py), never from the code under test.
@Suite struct GateTests {
    static let conv = InProcess.fixture("tiny_convnet.onnx")
    static let broken = InProcess.fixture("broken_graph.onnx")

    /// tiny_convnet: Conv 4×3×3×3 + bias 4, Gemm 10×64 + bias 10 → params 108 + 4 + 640 + 10 = 762;
    /// MACs: Conv 1·4·8·8·3·3·3 = 6912, Gemm 1·10·64 = 640 → 7552; weights 762 × 4 B = 3048 B.
    static let boundaries: [([String], Int32)] = [
        (["--max-params", "762"], 0), (["--max-params", "761"], 1),
        (["--max-macs", "7552"], 0), (["--max-macs", "7551"], 1),
        (["--max-weight-bytes", "3048"], 0), (["--max-weight-bytes", "3047"], 1),
        (["--max-weight-bytes", "3KiB"], 0), (["--max-params", "1K", "--max-macs", "7K"], 1),
        // FLOPs ≥ 2·MACs = 15104, so 15K fails and 1M passes.
        (["--max-flops", "15K"], 1), (["--max-flops", "1M"], 0),
        // The peak of live activations holds at least the 1×4×8×8 float Conv output (1 KiB).
        (["--max-peak-memory", "1000"], 1), (["--max-memory", "1000"], 1), (["--max-peak-memory", "1MiB"], 0),
    ]

    @Test(arguments: boundaries)
    func budgetsAtTheirBoundaries(budget: [String], status: Int32) throws {
        let result = InProcess.run(["check", Self.conv, "--format", "json"] + budget)
        #expect(result.status == status, "\(budget): \(result.stdout) \(result.stderr)")
        let object = try InProcess.json(result.stdout)
        #expect(object["passed"] as? Bool == (status == 0))
        #expect(object["exit_code"] as? Int == Int(status))
        let budgets = try #require(object["budgets"] as? [[String: Any]])
        #expect(budgets.count == budget.count / 2)
        if let params = budgets.first(where: { $0["name"] as? String == "params" }) { #expect(params["value"] as? Double == 762) }
        if let macs = budgets.first(where: { $0["name"] as? String == "macs" }) { #expect(macs["value"] as? Double == 7552) }
        if let bytes = budgets.first(where: { $0["name"] as? String == "weight_bytes" }) { #expect(bytes["value"] as? Double == 3048) }
    }

    /// With no budget, the structural checks still run and print; a well-formed model passes.
    @Test func noBudgetStillChecksStructure() throws {
        let clean = InProcess.run(["check", Self.conv])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("Findings     none: the graph is well formed"))
        #expect(clean.stdout.contains("PASS"))
        let broken = InProcess.run(["check", Self.broken, "--format", "json"])
        #expect(broken.status == 1)
        let findings = try #require(try InProcess.json(broken.stdout)["findings"] as? [[String: Any]])
        let errors = Set(findings.filter { $0["level"] as? String == "error" }.compactMap { $0["rule"] as? String })
        // broken_graph.onnx breaks each of these once (cli_fixtures.py, `broken`).
        #expect(errors == ["dangling-input", "duplicate-name", "cycle", "missing-opset-import", "op-not-in-opset",
                           "initializer-data", "external-data"])
        func message(_ rule: String) -> String { findings.first { $0["rule"] as? String == rule }?["message"] as? String ?? "" }
        #expect(message("dangling-input").contains("'ghost'"))
        #expect(message("duplicate-name").contains("'b'"))
        #expect(message("cycle").contains("cycle_1") && message("cycle").contains("cycle_2"))
        #expect(message("missing-opset-import").contains("custom.ops"))
        #expect(message("op-not-in-opset").contains("Gelu first appears in opset 20; the model imports opset 13"))
        #expect(message("initializer-data").contains("w_empty"))
        // 16 float32 = 64 bytes needed; the committed broken_graph.bin holds 16.
        #expect(message("external-data").contains("holds 16 bytes") && message("external-data").contains("0..<64"))
        #expect(broken.stderr.contains("check failed: "))
    }

    /// The case: an unbound batch is not taken as 1; the gate fails and names the symbol.
    @Test func latencyOnASymbolicSizeFailsNamingTheSymbol() throws {
        let mobilenet = InProcess.model("mobilenet_v2.onnx")
        let result = InProcess.run(["check", mobilenet, "--max-latency", "5ms", "--device", "t4"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("FAIL latency symbolic in batch: bind it with --dim or --input"), "\(result.stdout)")
        #expect(!result.stdout.contains("ok   latency"))
        let json = try InProcess.json(InProcess.run(["check", mobilenet, "--max-latency", "5ms", "--device", "t4", "--format", "json"]).stdout)
        let budget = try #require((json["budgets"] as? [[String: Any]])?.first)
        #expect(budget["verdict"] as? String == "symbolic")
        #expect(budget["symbols"] as? [String] == ["batch"])
        // The same budget on a symbolic count (params are not, MACs are).
        let macs = InProcess.run(["check", mobilenet, "--max-macs", "1T"])
        #expect(macs.status == 1)
        #expect(macs.stdout.contains("FAIL MACs symbolic in batch"))
        #expect(InProcess.run(["check", mobilenet, "--max-latency", "5s", "--device", "t4", "--dim", "batch=1"]).status == 0)
    }

    /// Several devices: the gate passes only when every device meets the budget, one outcome per device.
    @Test func everyDeviceMustMeetTheLatency() throws {
        let pass = InProcess.run(["check", Self.conv, "--max-latency", "1s", "--device", "t4,a100", "--format", "json"])
        #expect(pass.status == 0)
        let budgets = try #require(try InProcess.json(pass.stdout)["budgets"] as? [[String: Any]])
        #expect(budgets.map { $0["device"] as? String } == ["nvidia_t4", "nvidia_a100_sxm4_80gb"])
        // ~15.9 K FLOPs and ~3 KiB of weights take a few ns on a T4 (320 GB/s) and under 1 ns on an A100 (2 TB/s):
        // one device over the budget fails the gate although the other meets it.
        let split = InProcess.run(["check", Self.conv, "--max-latency", "1ns", "--device", "t4,a100"])
        #expect(split.status == 1)
        #expect(split.stdout.contains("FAIL latency") && split.stdout.contains("on nvidia_t4"), "\(split.stdout)")
        #expect(split.stdout.contains("ok   latency") && split.stdout.contains("on nvidia_a100_sxm4_80gb"), "\(split.stdout)")
        #expect(split.stderr.contains("latency on nvidia_t4"))
        #expect(!split.stderr.contains("latency on nvidia_a100"))
    }

    /// SARIF 2.1.0: version, $schema, the driver with its rules, one located result per finding and failed budget.
    @Test func sarifShape() throws {
        let result = InProcess.run(["check", Self.broken, "--max-params", "1", "--format", "sarif"])
        #expect(result.status == 1)
        let sarif = try InProcess.json(result.stdout)
        #expect(sarif["version"] as? String == "2.1.0")
        #expect((sarif["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "onnxcost")
        let ruleIds = Set(((driver["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(!results.isEmpty)
        for item in results {
            let ruleId = try #require(item["ruleId"] as? String)
            #expect(ruleIds.contains(ruleId), "\(ruleId) is not among the driver's rules")
            #expect(["error", "warning", "note"].contains(item["level"] as? String))
            #expect(((item["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let uri = ((((item["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"]
                as? [String: Any])?["uri"] as? String)
            #expect(uri == URL(fileURLWithPath: Self.broken).absoluteString)
            #expect(uri?.hasPrefix("file:///") == true)
        }
        #expect(results.contains { $0["ruleId"] as? String == "budget" })
    }

    /// A model that cannot be read is exit 2 (not 1), in JSON too.
    @Test func unreadableModelIsTwo() throws {
        let result = InProcess.run(["check", CLI.fixture("truncated.onnx"), "--format", "json"])
        #expect(result.status == 2)
        #expect((try InProcess.json(result.stdout)["error"] as? [String: Any])?["kind"] as? String == "truncated")
    }
}

@Suite struct DiffTests {
    static let conv = InProcess.fixture("tiny_convnet.onnx")
    static let pruned = InProcess.fixture("tiny_convnet_pruned.onnx")

    /// tiny_convnet (4 channels, 10 classes) → tiny_convnet_pruned (2 channels, 5 classes, Relu → Sigmoid `act`).
    /// By hand: MACs A = 6912 + 640 = 7552, B = 1·2·8·8·27 + 1·5·32 = 3456 + 160 = 3616;
    /// params A = 762, B = 2·27 + 2 + 5·32 + 5 = 221; weight bytes 4 × params.
    @Test func totalsAndOpsByHand() throws {
        let result = InProcess.run(["diff", Self.conv, Self.pruned, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try InProcess.json(result.stdout)
        let totals = try #require(object["totals"] as? [String: [String: Any]])
        func triple(_ key: String) -> [Int?] { ["a", "b", "delta"].map { totals[key]?[$0] as? Int } }
        #expect(triple("macs") == [7552, 3616, 3616 - 7552])
        #expect(triple("params") == [762, 221, 221 - 762])
        #expect(triple("weight_bytes") == [3048, 884, 884 - 3048])
        let ops = try #require(object["ops"] as? [[String: Any]])
        func op(_ name: String) -> [String: Any]? { ops.first { $0["op"] as? String == name } }
        #expect((op("Conv")?["macs"] as? [String: Any])?["a"] as? Int == 6912)
        #expect((op("Conv")?["macs"] as? [String: Any])?["b"] as? Int == 3456)
        #expect((op("Gemm")?["macs"] as? [String: Any])?["delta"] as? Int == 160 - 640)
        #expect((op("Relu")?["count"] as? [String: Any])?["delta"] as? Int == -1)
        #expect((op("Sigmoid")?["count"] as? [String: Any])?["delta"] as? Int == 1)
        #expect(object["nodes_only_in_a"] as? [String] == ["relu"])
        #expect(object["nodes_only_in_b"] as? [String] == ["act"])
        let changes = try #require(object["io_changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect(changes.first?["name"] as? String == "y")
        #expect((changes.first?["a"] as? [String: Any])?["shape"] as? [Int] == [1, 10])
        #expect((changes.first?["b"] as? [String: Any])?["shape"] as? [Int] == [1, 5])
    }

    /// A model against itself: every delta 0, no nodes or shapes changed.
    @Test func selfDiffIsZero() throws {
        let object = try InProcess.json(InProcess.run(["diff", Self.conv, Self.conv, "--format", "json"]).stdout)
        let totals = try #require(object["totals"] as? [String: [String: Any]])
        #expect(totals.values.allSatisfy { $0["delta"] as? Int == 0 })
        #expect((object["nodes_only_in_a"] as? [Any])?.isEmpty == true && (object["io_changes"] as? [Any])?.isEmpty == true)
    }

    /// QDQ int8 against fp32 ResNet-50: the Conv MACs are the same (torchvision: 4.09 G at batch 1 for
    /// both), the QuantizeLinear/DequantizeLinear nodes appear only in B; `--device` adds the estimates.
    @Test func quantizationPass() throws {
        let result = InProcess.run(["diff", InProcess.model("resnet50.onnx"), InProcess.model("resnet50_int8_qdq.onnx"), "--dim", "batch=1",
                                    "--device", "t4", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try InProcess.json(result.stdout)
        let ops = try #require(object["ops"] as? [[String: Any]])
        let conv = try #require(ops.first { $0["op"] as? String == "Conv" }?["macs"] as? [String: Any])
        #expect(conv["delta"] as? Int == 0)
        let macs = try #require(conv["a"] as? Int)
        #expect(abs(Double(macs) - 4.09e9) < 0.02e9, "\(macs)")
        let dequantize = try #require(ops.first { $0["op"] as? String == "DequantizeLinear" }?["count"] as? [String: Any])
        #expect(dequantize["a"] as? Int == 0 && (dequantize["b"] as? Int ?? 0) > 0)
        let latency = try #require((object["latency"] as? [[String: Any]])?.first)
        #expect(latency["device"] as? String == "nvidia_t4")
        #expect(latency["a_s"] is Double && latency["b_s"] is Double)
    }

    @Test func badArguments() {
        #expect(InProcess.run(["diff", Self.conv, "/no/such.onnx"]).status == 2)
        #expect(InProcess.run(["diff", Self.conv, Self.pruned, "--dim", "nosuch=3"]).status == 2)
        #expect(InProcess.run(["diff", Self.conv, Self.pruned, "--device", "no-such-gpu"]).status == 2)
        #expect(InProcess.run(["diff", Self.conv, Self.pruned, "--format", "sarif"]).status == 2)
    }
}
