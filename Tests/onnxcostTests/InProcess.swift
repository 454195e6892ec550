import Foundation
import OnnxCostCLI
import Testing

/// Runs `onnxcost` in this process (issue 14): the arguments a user types, stdout and stderr captured
/// per call, and the exit status `OnnxCost.main()` would exit with. Calls run in parallel.
enum InProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], terminal: Bool = false, environment: [String: String] = [:]) -> Result {
        let (console, capture) = Console.capturing(stdoutIsTerminal: terminal, environment: environment)
        let status = OnnxCost.run(arguments: arguments, console: console)
        return Result(status: status, stdout: capture.stdout, stderr: capture.stderr)
    }

    /// A fixture of this target (`Tests/onnxcostTests/Fixtures`, made by tools/fixtures/cli_fixtures.py).
    static func fixture(_ name: String) -> String { CLI.root.appendingPathComponent("Tests/onnxcostTests/Fixtures/\(name)").path }

    static func model(_ name: String) -> String { CLI.root.appendingPathComponent("Fixtures/models/\(name)").path }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text.prefix(200))")
    }
}

/// Committed expected outputs under `Tests/onnxcostTests/Golden/`, compared exactly; `ONNXCOST_RECORD=1`
/// rewrites them from the current output (then review the diff before committing).
enum Golden {
    static let folder = CLI.root.appendingPathComponent("Tests/onnxcostTests/Golden")

    static var recording: Bool { ProcessInfo.processInfo.environment["ONNXCOST_RECORD"] == "1" }

    /// The output with the checkout's absolute path removed, so goldens hold repository-relative paths.
    static func portable(_ text: String) -> String {
        text.replacingOccurrences(of: URL(fileURLWithPath: CLI.root.path + "/").absoluteString, with: "")
            .replacingOccurrences(of: CLI.root.path + "/", with: "")
    }

    static func check(_ output: String, file name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        let actual = portable(output)
        if recording {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no golden file \(name); run with ONNXCOST_RECORD=1 to record it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(expectedLines.count, actualLines.count)
            Issue.record("""
                \(name) differs from its golden file at line \(first + 1) (ONNXCOST_RECORD=1 re-records):
                expected: \(first < expectedLines.count ? String(expectedLines[first]) : "<end>")
                actual:   \(first < actualLines.count ? String(actualLines[first]) : "<end>")
                """, sourceLocation: sourceLocation)
        }
    }
}
