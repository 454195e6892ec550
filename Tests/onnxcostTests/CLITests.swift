import Foundation
import Testing

/// End-to-end: the commands as a user types them — in process, and the built `onnxcost` binary for `scan`.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The debug binary `swift build --build-tests` produced next to the test bundle.
    static var binary: URL {
        let products = Bundle.main.bundleURL.deletingLastPathComponent()
        let besideTests = products.appendingPathComponent("onnxcost")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return root.appendingPathComponent(".build/debug/onnxcost")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a command in process (`OnnxCost.run`, the same code the binary runs), except `scan`, whose
    /// workers are this binary in worker mode: that one spawns the binary.
    static func run(_ arguments: [String]) throws -> Result {
        guard arguments.first == "scan" else {
            let result = InProcess.run(arguments)
            return Result(status: result.status, stdout: result.stdout, stderr: result.stderr)
        }
        return try spawn(arguments)
    }

    /// The built binary as a separate process.
    static func spawn(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String { root.appendingPathComponent("Tests/ONNXLoaderTests/Fixtures/\(name)").path }
}

@Suite struct CLIErrorTests {
    @Test(arguments: [
        ("empty.onnx", "empty_file"), ("random_bytes.onnx", "malformed"), ("truncated.onnx", "truncated"),
        ("text.onnx", "not_a_model"), ("tensor.pb", "tensor_file_not_model"), ("no_graph.onnx", "no_graph"),
        ("ir_too_new.onnx", "unsupported_ir_version"), ("missing.onnx", "file_not_found"),
    ])
    func badModelExitsTwo(file: String, kind: String) throws {
        let path = CLI.fixture(file)
        let text = try CLI.run([path])
        #expect(text.status == 2)
        #expect(text.stderr.contains(path), "stderr: \(text.stderr)")
        let json = try CLI.run([path, "--format", "json"])
        #expect(json.status == 2)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        #expect(error?["kind"] as? String == kind)
        #expect((error?["message"] as? String)?.contains(path) == true)
    }

    @Test func directoryExitsTwo() throws {
        let result = try CLI.run([CLI.root.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not a regular file"))
    }

    @Test func badArgumentsExitTwo() throws {
        #expect(try CLI.run([CLI.fixture("loop.onnx"), "--dim", "batch"]).status == 2)
        #expect(try CLI.run([CLI.fixture("loop.onnx"), "--dtype", "fp12"]).status == 2)
        #expect(try CLI.run([CLI.fixture("loop.onnx"), "--device", "no-such-gpu"]).status == 2)
    }
}

@Suite struct CLISummaryTests {
    @Test func summaryNamesTheModel() throws {
        let result = try CLI.run([CLI.fixture("metadata.onnx")])
        #expect(result.status == 0)
        #expect(result.stdout.contains("onnxcost-fixtures-metadata 1.2.3"))
        #expect(result.stdout.contains("IR 10"))
    }

    @Test func jsonContractKeys() throws {
        let result = try CLI.run([CLI.fixture("external_missing.onnx"), "--format", "json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["model", "inputs", "outputs", "totals", "nodes", "unresolved", "warnings", "coverage"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let totals = try #require(object["totals"] as? [String: Any])
        for key in ["macs", "flops", "params", "weight_bytes", "activation_bytes", "peak_activation_bytes", "memory_access_bytes"] {
            #expect(totals[key] != nil, "missing totals.\(key)")
        }
        let model = try #require(object["model"] as? [String: Any])
        #expect(model["weights_external"] as? Bool == true)
        let warnings = try #require(object["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("external data that is absent") })
    }

    @Test func devicesListsT4() throws {
        let result = try CLI.run(["devices"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("NVIDIA T4"))
    }
}

/// Flags that name nothing, or sizes that are not sizes, are errors (exit 2) listing the valid
/// names; `--strict` says why it fails (issue 9).
@Suite struct CLIBindingTests {
    static let resnet = CLI.root.appendingPathComponent("Fixtures/models/resnet50.onnx").path

    @Test(arguments: [
        (["--input", "inptu=8x3x224x224"], "its inputs are input"),
        (["--dim", "btach=8"], "its symbols are batch"),
        (["--input", "input=1xZx-3"], "size -3 is not positive"),
        (["--input", "input=-1x3x224x224"], "size -1 is not positive"),
        (["--input", "input=0x3x224x224"], "size 0 is not positive"),
        (["--input", "input=1x3x2.5x224"], "'2.5' is neither"),
        (["--input", "input=1x3x224"], "rank 4"),
        (["--dim", "batch=0"], "positive integer"),
        (["--dim", "batch=-2"], "positive integer"),
    ])
    func invalidBindingExitsTwo(arguments: [String], message: String) throws {
        for command in [[], ["shapes"], ["check"]] {
            let result = try CLI.run(command + [Self.resnet] + arguments)
            #expect(result.status == 2, "\(command + arguments): \(result.stdout)")
            #expect(result.stderr.contains(message), "\(command + arguments): \(result.stderr)")
        }
        let json = try CLI.run([Self.resnet, "--format", "json"] + arguments)
        #expect(json.status == 2)
    }

    @Test func validBindingsStillWork() throws {
        #expect(try CLI.run([Self.resnet, "--dim", "batch=8"]).status == 0)
        #expect(try CLI.run([Self.resnet, "--input", "input=2x3x224x224"]).status == 0)
        // A symbol the user introduces in --input may be bound by --dim.
        #expect(try CLI.run([Self.resnet, "--input", "input=2x3xHxH", "--dim", "H=224"]).status == 0)
    }

    @Test func strictSaysWhy() throws {
        let result = try CLI.run([CLI.fixture("all_attributes.onnx"), "--strict"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--strict: 1 node without a cost rule (test.attrs.AllAttrs×1)"), "stderr: \(result.stderr)")
        #expect(try CLI.run([Self.resnet, "--strict"]).status == 0)
    }

    /// In `scan`, zoos differ: a symbol one model lacks is fine; one no model has is warned at the end.
    @Test func scanWarnsOnlyForSymbolsNoModelHas() throws {
        let models = CLI.root.appendingPathComponent("Fixtures/models")
        let result = try CLI.run(["scan", models.appendingPathComponent("resnet50.onnx").path,
                                  models.appendingPathComponent("gpt2.onnx").path, "--dim", "sequence=16", "--dim", "nosuch=3"])
        #expect(result.status == 0)
        #expect(!result.stderr.contains("--dim sequence"))
        #expect(result.stderr.contains("--dim nosuch: no scanned model has an input with that symbol"), "stderr: \(result.stderr)")
        #expect(try CLI.run(["scan", models.appendingPathComponent("resnet50.onnx").path, "--dim", "batch=0"]).status == 2)
    }
}
