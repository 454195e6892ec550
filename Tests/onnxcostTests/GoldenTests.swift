import Foundation
import Testing

/// Every command × format on committed fixtures, in process, against committed expected output
/// (`Tests/onnxcostTests/Golden/`; `ONNXCOST_RECORD=1` re-records). The exit status of each case is
/// stated here, not recorded.
@Suite struct GoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var golden: String
        var arguments: [String]
        var status: Int32
        var testDescription: String { golden }
    }

    static let conv = InProcess.fixture("tiny_convnet.onnx")
    static let pruned = InProcess.fixture("tiny_convnet_pruned.onnx")
    static let broken = InProcess.fixture("broken_graph.onnx")
    static let mlp = InProcess.model("mlp_small.onnx")

    static func each(_ stem: String, _ arguments: [String], _ formats: [String], status: Int32 = 0) -> [Case] {
        formats.map { format in
            let ext = format == "text" ? "txt" : format
            return Case(golden: "\(stem).\(ext)", arguments: arguments + (format == "text" ? [] : ["--format", format]), status: status)
        }
    }

    static let cases: [Case] =
        each("analyze-tiny_convnet", [conv], ["text", "json", "csv", "md"])
        + each("analyze-mlp_small", [mlp], ["text", "json", "csv", "md"])
        + each("analyze-mlp_small-t4", [mlp, "--dim", "batch=8", "--device", "t4"], ["text", "json", "csv", "md"])
        + each("shapes-tiny_convnet", ["shapes", conv], ["text", "json", "csv", "md"])
        + each("shapes-mlp_small", ["shapes", mlp], ["text", "json", "csv", "md"])
        + each("devices", ["devices"], ["text", "json", "csv", "md"])
        + each("check-tiny_convnet", ["check", conv, "--max-params", "1K", "--max-macs", "10K", "--max-weight-bytes", "3048"],
               ["text", "json", "md", "sarif"])
        + each("check-tiny_convnet-over", ["check", conv, "--max-params", "700", "--max-flops", "1K"], ["text", "json", "md", "sarif"], status: 1)
        + each("check-broken_graph", ["check", broken], ["text", "json", "md", "sarif"], status: 1)
        + each("diff-tiny_convnet", ["diff", conv, pruned], ["text", "json", "csv", "md"])
        // Errors: the model (exit 2, the error object under json), the arguments (exit 2, invalid_argument).
        + each("error-missing-model", ["shapes", "Tests/onnxcostTests/Fixtures/no-such.onnx"], ["json"], status: 2)
        + each("error-latency-without-device", ["check", conv, "--max-latency", "5ms"], ["json"], status: 2)
        + each("error-format-not-supported", ["shapes", conv], ["sarif"], status: 2)

    @Test(arguments: cases)
    func matchesGolden(_ golden: Case) throws {
        let result = InProcess.run(golden.arguments)
        #expect(result.status == golden.status, "\(golden.arguments): \(result.stderr)")
        try Golden.check(result.stdout, file: golden.golden)
    }
}
