import Foundation
import Testing

/// The device answers end to end, as a user types them, and the binary on its own.
@Suite struct DeviceCLITests {
    static func model(_ name: String) -> String { CLI.root.appendingPathComponent("Fixtures/models/\(name)").path }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try CLI.run(arguments + ["--format", "json"])
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// `--device t4,a100 --device h100`: one roofline per device in order; `roofline` is the first; nodes carry
    /// their share and group; no silent fallback to one device.
    @Test func severalDevices() throws {
        let object = try Self.json([Self.model("mobilenet_v2.onnx"), "--dim", "batch=8", "--device", "t4,a100", "--device", "h100", "--dtype", "int8"])
        let rooflines = try #require(object["rooflines"] as? [[String: Any]])
        #expect(rooflines.map { $0["device"] as? String } == ["nvidia_t4", "nvidia_a100_sxm4_80gb", "nvidia_h100_sxm5_80gb"])
        let first = try #require(object["roofline"] as? [String: Any])
        #expect(first["device"] as? String == "nvidia_t4")
        for key in ["bound_s", "estimate_s", "compute_s", "memory_s", "bound", "per_s", "required_memory_bytes", "fits", "max_batch"] {
            #expect(first[key] != nil && !(first[key] is NSNull), "roofline.\(key)")
        }
        let bound = try #require(first["bound_s"] as? Double), estimate = try #require(first["estimate_s"] as? Double)
        #expect(bound <= estimate)
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        let conv = try #require(nodes.first { $0["op"] as? String == "Conv" }?["roofline"] as? [String: Any])
        for key in ["time_s", "compute_s", "memory_s", "bound", "intensity", "group"] { #expect(conv[key] != nil, "nodes[].roofline.\(key)") }
        #expect(!(try #require(object["groups"] as? [Any])).isEmpty)
    }

    /// An unbound batch is priced at 1 and the output says so (a note and the bindings), never silently.
    @Test func unboundSymbolsAreStated() throws {
        let object = try Self.json([Self.model("mobilenet_v2.onnx"), "--device", "t4"])
        let roofline = try #require(object["roofline"] as? [String: Any])
        #expect((roofline["bindings"] as? [String: Int])?["batch"] == 1)
        #expect((roofline["note"] as? String)?.contains("batch=1") == true)
    }

    /// Every device-question flag lands in its JSON key, and in the text.
    @Test func deviceQuestionsInJSONAndText() throws {
        let args = [Self.model("resnet50.onnx"), "--device", "t4", "--dtype", "int8", "--dim", "batch=4", "--sweep", "batch=1,8",
                    "--target-latency", "2ms", "--measured-latency", "1ms"]
        let object = try Self.json(args)
        let sweep = try #require(object["sweep"] as? [[String: Any]])
        #expect(sweep.map { $0["batch"] as? Int } == [1, 8])
        let target = try #require(object["target"] as? [String: Any])
        #expect((target["required_bandwidth_bytes_per_s"] as? Double ?? 0) > 0)
        let measured = try #require((object["roofline"] as? [String: Any])?["measured"] as? [String: Any])
        #expect((measured["utilization"] as? Double ?? 0) > 0)
        let text = try CLI.run(args)
        #expect(text.stdout.contains("Sweep over batch") && text.stdout.contains("Target 2 ms") && text.stdout.contains("utilization"))
        let csv = try CLI.run(args + ["--format", "csv"])
        #expect(csv.stdout.hasPrefix("batch,device,bound_s,estimate_s"))
    }

    /// Bad values are argument errors (exit 2), not budgets or silent defaults.
    @Test(arguments: [["--target-latency", "nanms"], ["--target-latency", "-5ms"], ["--sweep", "batch=0..4"], ["--measured-throughput", "0/s"],
                      ["--device", "nope"], ["--optimizer", "rmsprop", "--training"], ["--prefill", "0"]])
    func badDeviceArguments(extra: [String]) throws {
        let result = try CLI.run([Self.model("mlp_small.onnx"), "--device", "t4"] + extra)
        #expect(result.status == 2, "\(extra): \(result.stdout) \(result.stderr)")
    }

    /// `devices` in every format; its JSON rows are a valid `--devices-file`.
    @Test func devicesEveryFormat() throws {
        let text = try CLI.run(["devices"])
        #expect(text.status == 0 && text.stdout.contains("t4"))
        #expect(try CLI.run(["devices", "--format", "md"]).stdout.hasPrefix("| alias | device |"))
        #expect(try CLI.run(["devices", "--format", "csv"]).stdout.hasPrefix("id,name,aliases,fp64_tops"))
        let json = try CLI.run(["devices", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["devices"] as? [[String: Any]])
        #expect(rows.count >= 35)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("devices-\(UUID().uuidString).json")
        var edited = rows.filter { ($0["aliases"] as? [String])?.contains("t4") == true }
        edited[0]["memory_bandwidth_bytes_per_s"] = 1e11
        try JSONSerialization.data(withJSONObject: ["devices": edited]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let listed = try CLI.run(["devices", "--devices-file", file.path, "--format", "csv"])
        #expect(listed.status == 0)
        #expect(listed.stdout.split(separator: "\n").filter { $0.hasPrefix("nvidia_t4,") }.count == 1)
        #expect(listed.stdout.contains(",100000000000,"))
        let missing = try CLI.run(["devices", "--devices-file", "/no/such.json"])
        #expect(missing.status == 2 && missing.stderr.contains("/no/such.json: cannot read devices: no such file"))
    }

    /// The binary alone in an empty folder runs `devices` and an analysis: the device table is compiled
    /// in (no resource bundle) and libprotobuf-c is linked statically.
    @Test func binaryRunsAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnxcost-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("onnxcost")
        try FileManager.default.copyItem(at: CLI.binary, to: copy)
        for arguments in [["devices", "--format", "json"], [Self.model("mobilenet_v2.onnx"), "--device", "t4"]] {
            let process = Process()
            process.executableURL = copy
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(arguments)")
        }
        let bytes = try Data(contentsOf: copy)
        #expect(bytes.range(of: Data(".resources".utf8)) == nil, "a resource bundle path is compiled in")
        #expect(bytes.range(of: Data("libprotobuf-c.so".utf8)) == nil, "libprotobuf-c is linked dynamically")
    }
}
