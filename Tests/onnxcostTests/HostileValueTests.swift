import Foundation
import ONNXCost
import Testing

// Issue 10: small, schema-valid graphs with extreme values. Each case is built here by the in-test
// protobuf writer and committed under Regressions/ (`RECORD_REGRESSIONS=1` rewrites the files; a test
// fails when a committed file differs from what the writer builds). Each must give a typed finding
// or a correct answer: in process, and through the binary in a child process under RLIMIT_AS
// (200 MB) within 1 s.

typealias P = ONNXProto

/// One hostile file and what its analysis must say.
struct HostileCase: Sendable, CustomStringConvertible {
    var file: String
    var bytes: [UInt8]
    /// Checks the report: a node's finding or the right output shape.
    var expect: @Sendable (AnalysisReport) -> Void

    var description: String { file }
}

enum Hostile {
    static func scalar(_ name: String, _ dataType: P.DataType, double value: Double) -> [UInt8] {
        dataType == .double ? P.tensor(name: name, dataType: .double, dims: [], doubles: [value])
            : P.tensor(name: name, dataType: .float, dims: [], floats: [Float(value)])
    }

    static func model(_ nodes: [[UInt8]], inputs: [[UInt8]] = [], outputs: [String], initializers: [[UInt8]] = [],
                      opsets: [(domain: String, version: Int64)] = [("", 17)]) -> [UInt8] {
        P.model(opsets: opsets, graph: P.graph(nodes: nodes, inputs: inputs, outputs: outputs.map { P.valueInfo($0, shape: nil) },
                                               initializers: initializers))
    }

    /// The shape error message of the first node of `op` that failed, or `nil`.
    static func failure(_ report: AnalysisReport, op: String) -> String? {
        for node in report.shapes.main.nodes where node.node.opType == op {
            if case .failed(let error) = node.status { return error.description }
        }
        return nil
    }

    static func outputShape(_ report: AnalysisReport, op: String) -> String? {
        report.shapes.main.nodes.first { $0.node.opType == op }?.outputTypes.first?.description
    }

    /// No known count in the report is negative.
    static func noNegativeCounts(_ report: AnalysisReport, sourceLocation: SourceLocation = #_sourceLocation) {
        for node in report.costs.nodes {
            for value in [node.macs, node.flops] {
                if let v = value.intValue { #expect(v >= 0, "\(node.ref): \(v)", sourceLocation: sourceLocation) }
            }
        }
    }

    static func rangeCase(_ file: String, _ dataType: P.DataType, start: Double, limit: Double,
                          expect: @escaping @Sendable (AnalysisReport) -> Void) -> HostileCase {
        HostileCase(file: file, bytes: model([P.node("Range", inputs: ["s", "l", "d"], outputs: ["y"])], outputs: ["y"],
                                             initializers: [scalar("s", dataType, double: start), scalar("l", dataType, double: limit),
                                                            scalar("d", dataType, double: 1)]), expect: expect)
    }

    static func resizeSymbolic(_ file: String, scale: Float) -> HostileCase {
        HostileCase(file: file, bytes: model([P.node("Resize", inputs: ["x", "", "scales"], outputs: ["y"])],
                                             inputs: [P.valueInfo("x", shape: [1, "s"])], outputs: ["y"],
                                             initializers: [P.tensor(name: "scales", dims: [2], floats: [1, scale])])) { report in
            #expect(failure(report, op: "Resize")?.contains("overflow") == true, "\(outputShape(report, op: "Resize") ?? "-")")
        }
    }

    static func maxUnpool(_ file: String, length: Int64) -> HostileCase {
        HostileCase(file: file, bytes: model([P.node("MaxUnpool", inputs: ["x", "i", "shape"], outputs: ["y"],
                                                     attributes: [P.attribute("kernel_shape", .ints([2, 2]))])],
                                             inputs: [P.valueInfo("x", shape: [1, 1, 2, 2]), P.valueInfo("i", .int64, shape: [1, 1, 2, 2]),
                                                      P.valueInfo("shape", .int64, shape: [.value(length)])],
                                             outputs: ["y"])) { report in
            #expect(failure(report, op: "MaxUnpool")?.contains("rank of \(length)") == true)
        }
    }

    /// y = x0 + x1 + … + x(n−1), each x_i of shape [s_i, t_i] with distinct symbols: once n³ (27.6 s
    /// at n = 400), now bounded by `Polynomial.Budget`.
    static func addChain(_ n: Int) -> [UInt8] {
        var nodes: [[UInt8]] = []
        for i in 1..<n {
            nodes.append(P.node("Add", inputs: [i == 1 ? "x0" : "y\(i - 1)", "x\(i)"], outputs: [i == n - 1 ? "y" : "y\(i)"]))
        }
        return model(nodes, inputs: (0..<n).map { P.valueInfo("x\($0)", shape: [.param("s\($0)"), .param("t\($0)")]) }, outputs: ["y"])
    }

    /// ConstantOfShape of [a_1 + b_1, …, a_k + b_k] (each a Concat of two symbolic dims), then Relu:
    /// the element count is a product of k sums, 2^k terms if expanded (k = 20: > 30 s and 4.7 GB).
    static func productOfSums(_ k: Int) -> [UInt8] {
        var nodes: [[UInt8]] = [], inputs: [[UInt8]] = []
        for i in 0..<k {
            inputs.append(P.valueInfo("a\(i)", shape: [.param("a\(i)")]))
            inputs.append(P.valueInfo("b\(i)", shape: [.param("b\(i)")]))
            nodes.append(P.node("Concat", inputs: ["a\(i)", "b\(i)"], outputs: ["c\(i)"], attributes: [P.attribute("axis", .int(0))]))
            nodes.append(P.node("Shape", inputs: ["c\(i)"], outputs: ["s\(i)"]))
        }
        nodes.append(P.node("Concat", inputs: (0..<k).map { "s\($0)" }, outputs: ["shape"], attributes: [P.attribute("axis", .int(0))]))
        nodes.append(P.node("ConstantOfShape", inputs: ["shape"], outputs: ["z"]))
        nodes.append(P.node("Relu", inputs: ["z"], outputs: ["y"]))
        return model(nodes, inputs: inputs, outputs: ["y"])
    }

    static func budgetWarned(_ report: AnalysisReport, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Robust.warnings(report).contains("symbolic budget"), sourceLocation: sourceLocation)
    }

    /// Functions F0…F39 that each call the next twice (2^40 nodes if inlined): the expansion is
    /// bounded in proportion to the file, and its refusals collapse (once 166,668 warnings, 52 MB).
    static func functionFanOut() -> [UInt8] {
        var functions: [[UInt8]] = []
        for level in 0..<40 {
            let body = level == 39 ? [P.node("Relu", inputs: ["a"], outputs: ["o"])]
                : [P.node("F\(level + 1)", inputs: ["a"], outputs: ["m"], domain: "local"),
                   P.node("F\(level + 1)", inputs: ["m"], outputs: ["o"], domain: "local")]
            functions.append(P.function(name: "F\(level)", domain: "local", inputs: ["a"], outputs: ["o"], nodes: body))
        }
        return P.model(opsets: [("", 17), ("local", 1)],
                       graph: P.graph(nodes: [P.node("F0", inputs: ["x"], outputs: ["y"], domain: "local")],
                                      inputs: [P.valueInfo("x", shape: [2])], outputs: [P.valueInfo("y", shape: nil)]),
                       functions: functions)
    }

    static let cases: [HostileCase] = [
        HostileCase(file: "function-fan-out-2p40.onnx", bytes: functionFanOut()) { report in
            #expect(Robust.warnings(report).contains("not expanded"))
            #expect(report.warnings.count <= 60, "\(report.warnings.count) warnings")
        },
        HostileCase(file: "add-chain-400-distinct-symbols.onnx", bytes: addChain(400)) { report in
            budgetWarned(report)
            // one warning per kind, with a count
            #expect(report.warnings.filter { $0.contains("outgrew the symbolic budget") }.count <= 4)
        },
        HostileCase(file: "product-of-20-sums.onnx", bytes: productOfSums(20)) { report in
            budgetWarned(report)
            #expect(report.costs.nodes.first { $0.ref.opType == "Relu" }?.flops.isUnknown == false)
        },
        // Range: ceil((−1e30 − 0)/1) < 0 is an empty range (it used to trap converting −1e30).
        rangeCase("range-float-0-to-minus-1e30.onnx", .float, start: 0, limit: -1e30) { report in
            #expect(outputShape(report, op: "Range") == "float32[0]")
        },
        rangeCase("range-double-0-to-minus-1e30.onnx", .double, start: 0, limit: -1e30) { report in
            #expect(outputShape(report, op: "Range") == "float64[0]")
        },
        rangeCase("range-double-0-to-1e30.onnx", .double, start: 0, limit: 1e30) { report in
            #expect(failure(report, op: "Range")?.contains("overflow") == true)
        },
        rangeCase("range-float-nan.onnx", .float, start: .nan, limit: 5) { report in
            #expect(failure(report, op: "Range")?.contains("overflow") == true)
        },
        // Found by the schema fuzzer: com.microsoft Range with Int64 edges (limit − start overflows).
        HostileCase(file: "contrib-range-int64-min-to-max.onnx",
                    bytes: model([P.node("Range", inputs: ["s", "l"], outputs: ["y"], domain: "com.microsoft")], outputs: ["y"],
                                 initializers: [P.int64Tensor(name: "s", [Int64.min], dims: []), P.int64Tensor(name: "l", [Int64.max], dims: [])],
                                 opsets: [("", 17), ("com.microsoft", 1)])) { report in
            #expect(failure(report, op: "Range")?.contains("overflow") == true)
        },
        // Found by the schema fuzzer: packed-QKV width / (3·num_heads) with num_heads = Int64.max.
        HostileCase(file: "decoder-masked-mha-num-heads-int64-max.onnx",
                    bytes: model([P.node("DecoderMaskedMultiHeadAttention", inputs: ["q"], outputs: ["y"], domain: "com.microsoft",
                                         attributes: [P.attribute("num_heads", .int(Int64.max))])],
                                 inputs: [P.valueInfo("q", shape: [1, 1, 6])], outputs: ["y"],
                                 opsets: [("", 17), ("com.microsoft", 1)])) { report in
            #expect(failure(report, op: "DecoderMaskedMultiHeadAttention")?.contains("must be in 1...2^31") == true)
        },
        // Resize of a symbolic dim by an integral scale past 2^63.
        resizeSymbolic("resize-symbolic-scale-1e19.onnx", scale: 1e19),
        resizeSymbolic("resize-symbolic-scale-1e30.onnx", scale: 1e30),
        // Expand to −2^63, then Resize ×2: Expand's negative dim is the finding; Resize sees unknown.
        HostileCase(file: "resize-x2-of-expand-minus-2p63.onnx",
                    bytes: model([P.node("Expand", inputs: ["x", "shape"], outputs: ["e"]),
                                  P.node("Resize", inputs: ["e", "", "scales"], outputs: ["y"])],
                                 inputs: [P.valueInfo("x", shape: [1])], outputs: ["y"],
                                 initializers: [P.int64Tensor(name: "shape", [Int64.min]), P.tensor(name: "scales", dims: [1], floats: [2])])) { report in
            #expect(failure(report, op: "Expand")?.contains("negative") == true)
            noNegativeCounts(report)
        },
        // GatherND batch_dims = 1 with an index tensor whose last dim is Int64.max.
        HostileCase(file: "gathernd-batch-dims-1-index-int64-max.onnx",
                    bytes: model([P.node("GatherND", inputs: ["data", "idx"], outputs: ["y"], attributes: [P.attribute("batch_dims", .int(1))])],
                                 inputs: [P.valueInfo("data", shape: [2, 3]), P.valueInfo("idx", .int64, shape: [2, .value(Int64.max)])],
                                 outputs: ["y"])) { report in
            #expect(failure(report, op: "GatherND")?.contains("does not fit data rank") == true)
        },
        // FeatureVectorizer whose inputdimensions sum past Int64.max.
        HostileCase(file: "featurevectorizer-inputdimensions-overflow.onnx",
                    bytes: model([P.node("FeatureVectorizer", inputs: ["a", "b"], outputs: ["y"], domain: "ai.onnx.ml",
                                         attributes: [P.attribute("inputdimensions", .ints([Int64.max, 1]))])],
                                 inputs: [P.valueInfo("a", shape: [1, 2]), P.valueInfo("b", shape: [1, 2])], outputs: ["y"],
                                 opsets: [("", 17), ("ai.onnx.ml", 1)])) { report in
            #expect(failure(report, op: "FeatureVectorizer")?.contains("overflow") == true)
        },
        // MaxUnpool's output rank from the declared length of output_shape.
        maxUnpool("maxunpool-output-shape-length-2p40.onnx", length: 1 << 40),
        maxUnpool("maxunpool-output-shape-length-2p31.onnx", length: 1 << 31),
        maxUnpool("maxunpool-output-shape-length-2p24.onnx", length: 1 << 24),
        // Negative dims: a finding, never a negative cost.
        HostileCase(file: "expand-negative-dim.onnx",
                    bytes: model([P.node("Expand", inputs: ["x", "shape"], outputs: ["e"]), P.node("Relu", inputs: ["e"], outputs: ["y"])],
                                 inputs: [P.valueInfo("x", shape: [1, 4])], outputs: ["y"],
                                 initializers: [P.int64Tensor(name: "shape", [-20, 4])])) { report in
            #expect(failure(report, op: "Expand")?.contains("negative size") == true)
            noNegativeCounts(report)
        },
        HostileCase(file: "resize-negative-sizes.onnx",
                    bytes: model([P.node("Resize", inputs: ["x", "", "", "sizes"], outputs: ["y"])],
                                 inputs: [P.valueInfo("x", shape: [1, 1, 4, 4])], outputs: ["y"],
                                 initializers: [P.int64Tensor(name: "sizes", [1, 1, -8, 8])])) { report in
            #expect(failure(report, op: "Resize")?.contains("negative size") == true)
            noNegativeCounts(report)
        },
        HostileCase(file: "centercroppad-negative-shape.onnx",
                    bytes: model([P.node("CenterCropPad", inputs: ["x", "shape"], outputs: ["y"])],
                                 inputs: [P.valueInfo("x", shape: [4, 4])], outputs: ["y"],
                                 initializers: [P.int64Tensor(name: "shape", [-3, 2])], opsets: [("", 18)])) { report in
            #expect(failure(report, op: "CenterCropPad")?.contains("negative size") == true)
            noNegativeCounts(report)
        },
    ]

    static let record = ProcessInfo.processInfo.environment["RECORD_REGRESSIONS"] != nil

    /// Runs the binary on `path` in a child process under RLIMIT_AS = `megabytes` (`ulimit -v`);
    /// `seconds` is the child's CPU time (user + system, from the shell's `times`), which other
    /// tests running in parallel do not inflate.
    static func runLimited(_ path: String, megabytes: Int = 200, extra: [String] = []) throws -> (status: Int32, seconds: Double, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Under AddressSanitizer the binary reserves terabytes of shadow memory at start, so no
        // address-space limit can apply: the run is then unlimited (and the time limit scaled).
        let limit = Robust.underSanitizer ? "" : "ulimit -v \(megabytes * 1024); "
        let script = limit + "\"$0\" \"$@\" 2>/dev/null; s=$?; times >&2; exit $s"
        process.arguments = ["-c", script, RobustCLITests.binary.path, path] + extra
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // `times` prints the shell's own times, then its children's: "0m0.290s 0m0.008s".
        let childLine = stderr.split(separator: "\n").last ?? ""
        let fields = childLine.split(separator: " ")
        let seconds = fields.count != 2 ? -1 : fields.reduce(0.0) { total, field in
            let parts = field.dropLast().split(separator: "m")
            guard parts.count == 2, let minutes = Double(parts[0]), let secs = Double(parts[1]) else { return -.infinity }
            return total + minutes * 60 + secs
        }
        return (process.terminationStatus, seconds, String(decoding: stdout, as: UTF8.self))
    }
}

@Suite struct HostileValueTests {
    @Test(arguments: Hostile.cases)
    func analyzesInProcess(_ hostile: HostileCase) throws {
        let report = try #require(Robust.analyze(hostile.bytes))
        hostile.expect(report)
    }

    /// With devices every renderer draws a roofline from the hostile counts: its log axes once took
    /// `Int(log10(_:))` of an infinite or zero bound and trapped (HTML, `--device t4 --dtype int8`).
    @Test(arguments: Hostile.cases)
    func rendersWithDevicesInProcess(_ hostile: HostileCase) throws {
        let names = ["t4", "h100"]
        let devices = try Analyzer.catalog(devicesFile: nil).devices(named: names)
        let report = try #require(Robust.feed(hostile.bytes, options: AnalysisOptions(precision: .int8, devices: names), devices: devices).report)
        #expect(!report.rooflines.isEmpty)
    }

    /// The committed file is the one the writer builds (so the folder replays exactly these cases).
    @Test(arguments: Hostile.cases)
    func committedFileMatches(_ hostile: HostileCase) throws {
        let url = Robust.regressions.appendingPathComponent(hostile.file)
        if Hostile.record { try Data(hostile.bytes).write(to: url) }
        let committed = try #require(Robust.read(url), "missing \(url.path): run with RECORD_REGRESSIONS=1")
        #expect(committed == hostile.bytes)
    }

    /// Through the binary, under 200 MB of address space: exit 0 or 2, never a signal, within 2 s of
    /// CPU. The bound catches a blow-up (the 2^40 function fan-out expanded would take hours), not a
    /// constant factor: the slowest case takes 0.14 s in release and 0.9–1.3 s in the debug build the
    /// suite runs, on a 2-core machine with other builds running.
    @Test(arguments: Hostile.cases)
    func binaryUnderMemoryLimit(_ hostile: HostileCase) throws {
        let path = Robust.regressions.appendingPathComponent(hostile.file).path
        let result = try Hostile.runLimited(path, extra: ["--format", "json"])
        #expect(result.status == 0 || result.status == 2, "status \(result.status)")
        #expect(result.seconds >= 0 && result.seconds < 2.0 * Robust.slowdown, "\(result.seconds) s of CPU")
    }
}

// MARK: - The gate: `check` never passes on a number it does not have

@Suite struct HostileCheckTests {
    static func regression(_ file: String) -> String { Robust.regressions.appendingPathComponent(file).path }

    /// `check --max-macs 1` on a model whose Expand has a negative dim once printed `ok MACs -80` and
    /// exited 0; now the failed node fails the gate, named.
    @Test func negativeDimFailsTheGate() throws {
        for file in ["expand-negative-dim.onnx", "resize-negative-sizes.onnx", "centercroppad-negative-shape.onnx"] {
            let result = try CLI.run(["check", Self.regression(file), "--max-macs", "1"])
            #expect(result.status == 1, "\(file): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("could not be analyzed") && result.stdout.contains("negative size"), "\(file): \(result.stdout)")
            #expect(!result.stdout.contains("MACs -"))
        }
    }

    @Test(arguments: ["nanms", "-5ms", "infs", "nan", "-1"])
    func nonFiniteOrNegativeBudgetIsAnArgumentError(budget: String) throws {
        let model = Self.regression("expand-negative-dim.onnx")
        let option = budget.hasSuffix("s") ? "--max-latency" : "--max-macs"
        let result = try CLI.run(["check", model, "\(option)=\(budget)", "--device", "t4"])
        #expect(result.status == 2, "\(budget): \(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("not a positive"), "\(result.stderr)")
    }

    /// A latency budget on a model with unbound symbols fails naming the symbols (not batch = 1).
    @Test func latencyWithUnboundSymbolsFails() throws {
        let gpt2 = CLI.root.appendingPathComponent("Fixtures/models/gpt2.onnx").path
        let unbound = try CLI.run(["check", gpt2, "--max-latency", "5s", "--device", "t4"])
        #expect(unbound.status == 1)
        #expect(unbound.stderr.contains("latency is symbolic in batch, sequence"), "\(unbound.stderr)")
        let bound = try CLI.run(["check", gpt2, "--max-latency", "5s", "--device", "t4", "--dim", "batch=1", "--dim", "sequence=8"])
        #expect(bound.status == 0, "\(bound.stdout) \(bound.stderr)")
    }

    /// A count that overflowed is unknown: the gate fails and says which count.
    @Test func unknownCountFails() throws {
        let bytes = Hostile.model([P.node("MatMul", inputs: ["a", "b"], outputs: ["y"])],
                                  inputs: [P.valueInfo("a", shape: [.value(1 << 40), .value(1 << 40)]),
                                           P.valueInfo("b", shape: [.value(1 << 40), .value(1 << 40)])], outputs: ["y"])
        let path = try RobustCLITests.write(bytes, "matmul-overflow.onnx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CLI.run(["check", path, "--max-macs", "1T"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("MACs is unknown"), "\(result.stdout) \(result.stderr)")
    }
}

// MARK: - Loader and opset findings

@Suite struct HostileLoaderTests {
    /// int64_data holding 3 values for dims [5]: a typed invalid_tensor, not a silently missing value.
    @Test func int64DataCountDisagreeingWithDims() {
        let tensor = P.tensor(name: "shape", dataType: .int64, dims: [5], int64s: [1, 2, 3])
        let bytes = Hostile.model([P.node("Reshape", inputs: ["x", "shape"], outputs: ["y"])],
                                  inputs: [P.valueInfo("x", shape: [6])], outputs: ["y"], initializers: [tensor])
        let error = Robust.feed(bytes).error
        #expect(error?.kind == "invalid_tensor")
        #expect(error?.description.contains("holds 3 values") == true, "\(String(describing: error))")
        // and a tensor that carries no data at all stays accepted (weights stripped by exporters)
        let empty = Hostile.model([P.node("Relu", inputs: ["w"], outputs: ["y"])], outputs: ["y"],
                                  initializers: [P.tensor(name: "w", dims: [5])])
        #expect(Robust.feed(empty).error == nil)
    }

    @Test(arguments: [(Int64(1_000_000), "newer than any"), (-1, "not a valid opset"), (Int64.max, "newer than any"), (0, "not a valid opset")])
    func absurdOpsetVersionsAreFindings(version: Int64, finding: String) throws {
        let bytes = Hostile.model([P.node("Relu", inputs: ["x"], outputs: ["y"])], inputs: [P.valueInfo("x", shape: [2])],
                                  outputs: ["y"], opsets: [("", version)])
        let report = try #require(Robust.analyze(bytes))
        #expect(Robust.warnings(report).contains(finding), "\(Robust.warnings(report))")
    }
}

// MARK: - A scan that survives anything

@Suite struct HostileScanTests {
    /// A folder mixing good models with a trapping, a hanging, a truncated and a huge-by-declaration
    /// file, plus a missing path: one row per file, streamed, and exit 1.
    @Test func scanSurvivesCrashesHangsAndMissingPaths() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnxcost-scan-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try #require(Robust.read(CLI.root.appendingPathComponent("Fixtures/models/resnet50.onnx")))
        let files: [(String, [UInt8])] = [
            ("a-good.onnx", good), ("b-crash.onnx", good), ("c-hang.onnx", good),
            ("d-truncated.onnx", Array(good.prefix(100))),
            ("e-maxunpool.onnx", try #require(Robust.read(Robust.regressions.appendingPathComponent("maxunpool-output-shape-length-2p40.onnx")))),
            ("f-good.onnx", good),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let missing = folder.appendingPathComponent("missing.onnx").path

        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["scan", folder.path, missing, "--format", "jsonl", "--timeout", "2", "--jobs", "2"]
        process.environment = ProcessInfo.processInfo.environment.merging(["ONNXCOST_WORKER_FAULTS": "crash=b-crash.onnx,hang=c-hang.onnx"]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)

        var kinds: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let path = try #require((object["model"] as? [String: Any])?["path"] as? String)
            kinds[URL(fileURLWithPath: path).lastPathComponent] = (object["error"] as? [String: Any])?["kind"] as? String ?? "ok"
        }
        #expect(kinds == ["a-good.onnx": "ok", "b-crash.onnx": "crashed", "c-hang.onnx": "timeout", "d-truncated.onnx": "truncated",
                          "e-maxunpool.onnx": "ok", "f-good.onnx": "ok", "missing.onnx": "file_not_found"], "\(stdout)")
    }

    @Test func scanArguments() throws {
        #expect(try CLI.run(["scan"]).status == 2)
        #expect(try CLI.run(["scan", CLI.root.path, "--timeout", "nan"]).status == 2)
        #expect(try CLI.run(["scan", CLI.root.path, "--timeout", "0"]).status == 2)
    }
}

// MARK: - Memory proportional to the file: the shim's caps

@Suite struct HostileSizeTests {
    /// A ModelProto around `graph` (raw GraphProto bytes) with opset 17, built without per-byte
    /// appends (these files are tens of megabytes).
    static func model(graph: [UInt8], extra: [UInt8] = []) -> [UInt8] {
        var w = ProtoWriter()
        w.int(1, 8)
        w.message(7, graph)
        w.message(8, P.operatorSetID(domain: "", version: 17))
        return w.bytes + extra
    }

    /// `count` empty NodeProtos: two bytes each (tag 0x0A, length 0).
    static func emptyNodes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 2 * count)
        for i in stride(from: 0, to: bytes.count, by: 2) { bytes[i] = 0x0A }
        return bytes
    }

    /// An initializer whose packed dims hold `count` ones.
    static func packedDims(_ count: Int) -> [UInt8] {
        var tensor = ProtoWriter()
        tensor.bytesField(1, [UInt8](repeating: 1, count: count))
        tensor.int(2, 1)
        tensor.string(8, "w")
        var graph = ProtoWriter()
        graph.message(5, tensor.bytes)
        return model(graph: graph.bytes)
    }

    /// `count` opset_import entries.
    static func opsetImports(_ count: Int) -> [UInt8] {
        var entry = ProtoWriter()
        entry.message(8, P.operatorSetID(domain: "", version: 17))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entry.bytes.count * count)
        for _ in 0..<count { bytes += entry.bytes }
        return model(graph: [], extra: bytes)
    }

    static let small: [(file: String, bytes: [UInt8], kind: String)] = [
        ("dims-4097-packed.onnx", packedDims(4097), "limit_exceeded"),
        ("opset-imports-4097.onnx", opsetImports(4097), "limit_exceeded"),
    ]

    @Test(arguments: small.map(\.file))
    func smallFilesAreRefusedTyped(file: String) throws {
        let entry = try #require(Self.small.first { $0.file == file })
        let url = Robust.regressions.appendingPathComponent(file)
        if Hostile.record { try Data(entry.bytes).write(to: url) }
        #expect(Robust.read(url) == entry.bytes, "committed \(file) differs: RECORD_REGRESSIONS=1")
        #expect(Robust.feed(entry.bytes).error?.kind == entry.kind)
    }

    /// The issue's files, written at test time (tens of MB): each refused with a typed error by the
    /// binary under 200 MB of address space (plus the mapped file) within 1 s of CPU.
    @Test(arguments: ["nodes-10m-plus-1", "dims-40mb", "opsets-40mb", "attribute-ints-2p20-plus-1"])
    func largeFilesAreRefusedWithinBudget(name: String) throws {
        let bytes: [UInt8]
        switch name {
        case "nodes-10m-plus-1": bytes = Self.model(graph: Self.emptyNodes(10_000_001))
        case "dims-40mb": bytes = Self.packedDims(40_000_000)
        case "opsets-40mb": bytes = Self.opsetImports(40_000_000 / 4)
        default:
            var attribute = ProtoWriter()
            attribute.string(1, "value_ints")
            attribute.bytesField(8, [UInt8](repeating: 1, count: (1 << 20) + 1))
            attribute.int(20, 7)
            let node = P.node("Constant", inputs: [], outputs: ["c"], attributes: [attribute.bytes])
            bytes = Self.model(graph: P.graph(nodes: [node], outputs: [P.valueInfo("c", .int64, shape: nil)]))
        }
        let path = try RobustCLITests.write(bytes, name + ".onnx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let megabytes = 200 + bytes.count >> 20
        let result = try Hostile.runLimited(path, megabytes: megabytes, extra: ["--format", "json"])
        #expect(result.status == 2, "\(name): status \(result.status)")
        #expect(result.stdout.contains("\"limit_exceeded\""), "\(name): \(result.stdout.prefix(300))")
        #expect(result.seconds >= 0 && result.seconds < 1.0 * Robust.slowdown, "\(name): \(result.seconds) s")
    }

    /// 1 M empty NodeProtos (2 MB) under 200 MB of address space: protobuf-c's allocation fails, and
    /// that is reported as `out_of_memory` (it used to be `not_a_model`), exit 2, never a signal.
    @Test(.disabled(if: Robust.underSanitizer, "AddressSanitizer's shadow memory does not fit any RLIMIT_AS"))
    func outOfMemoryIsReportedAsSuch() throws {
        let path = try RobustCLITests.write(Self.model(graph: Self.emptyNodes(1_000_000)), "nodes-1m.onnx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Hostile.runLimited(path, megabytes: 200, extra: ["--format", "json"])
        #expect(result.status == 2, "status \(result.status)")
        #expect(result.stdout.contains("\"out_of_memory\""), "\(result.stdout.prefix(300))")
    }

    /// A small graph loads; one node past ten million is refused.
    @Test func nodeCapRefusesPastTenMillion() {
        var unpacked = ModelLoader.load(bytesOrNil: Self.model(graph: Self.emptyNodes(10)))
        #expect(unpacked)
        unpacked = ModelLoader.load(bytesOrNil: Self.model(graph: Self.emptyNodes(10_000_001)))
        #expect(!unpacked)
    }
}

// MARK: - The symbolic budget itself

@Suite struct SymbolicBudgetTests {
    /// (a_1 + b_1)···(a_k + b_k) stops expanding at the term bound: an `expr_` symbol, quickly, and
    /// the same name for the same expression.
    @Test func productOfSumsBecomesANamedSymbol() {
        func product() -> SymbolicInt {
            var result: SymbolicInt = 1
            for i in 0..<20 { result = result * (.symbol("a\(i)") + .symbol("b\(i)")) }
            return result
        }
        var first: SymbolicInt = 0
        let cpu = Robust.cpuSeconds { first = product() }
        #expect(cpu < 1 * Robust.slowdown)
        #expect(first.hasOpaqueExpression)
        #expect(first == product())
        if case .polynomial(let p) = first { #expect(p.terms.count <= Polynomial.Budget.maxTerms) }
        // exact below the bound: (a + b)^2 keeps its three terms
        let square = (SymbolicInt.symbol("a") + .symbol("b")) * (.symbol("a") + .symbol("b"))
        #expect(square.description == "a^2 + 2*a*b + b^2")
        #expect(!square.hasOpaqueExpression)
    }

    @Test func symbolsAndDegreeAreBounded() {
        var sum: SymbolicInt = 0
        for i in 0..<200 { sum = sum + .symbol("s\(i)") }
        if case .polynomial(let p) = sum { #expect(p.symbols.count <= Polynomial.Budget.maxSymbols + 1) }
        #expect(sum.hasOpaqueExpression)
        var power: SymbolicInt = .symbol("x")
        for _ in 0..<40 { power = power * .symbol("x") }
        #expect(power.hasOpaqueExpression)
        // a long opaque name is replaced by a hash of it, stably
        let long = String(repeating: "max(s, ", count: 50)
        #expect(SymbolicInt.opaque(long) == SymbolicInt.opaque(long))
        #expect(SymbolicInt.opaque(long).description.hasPrefix(Polynomial.Budget.opaquePrefix))
        #expect(SymbolicInt.opaque("max(a, b)").description == "max(a, b)")
    }
}

// MARK: - Reports with device figures past 2^63

@Suite struct HostileRooflineTests {
    /// Found by the schema fuzzer: five MatMuls of [2^20, 2^20] make 1.15e19 FLOPs (each node's
    /// count fits 64 bits, their double sum does not), and the text report's device line converted
    /// that double with `Int(_:)` and trapped.
    static let bytes: [UInt8] = Hostile.model(
        (0..<5).map { P.node("MatMul", inputs: [$0 == 0 ? "x" : "y\($0 - 1)", "w"], outputs: [$0 == 4 ? "y" : "y\($0)"]) },
        inputs: [P.valueInfo("x", shape: [.value(1 << 20), .value(1 << 20)]), P.valueInfo("w", shape: [.value(1 << 20), .value(1 << 20)])],
        outputs: ["y"])

    @Test func textReportWithDeviceFiguresPastInt64() throws {
        let url = Robust.regressions.appendingPathComponent("matmul-x5-flops-past-2p63-with-device.onnx")
        if Hostile.record { try Data(Self.bytes).write(to: url) }
        #expect(Robust.read(url) == Self.bytes, "committed file differs: RECORD_REGRESSIONS=1")
        let result = try Hostile.runLimited(url.path, extra: ["--device", "t4"])
        #expect(result.status == 0, "status \(result.status)")
        #expect(result.stdout.contains("FLOPs"), "\(result.stdout.suffix(400))")
        #expect(result.seconds >= 0 && result.seconds < 1.0 * Robust.slowdown, "\(result.seconds) s")
    }
}
