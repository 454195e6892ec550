import ArgumentParser
import ONNXCost

/// Writing results and failing the same way in every subcommand, through `Console.current`.
enum Output {
    static func write(_ text: String) {
        Console.current.writeOut(text)
    }

    static func error(_ text: String) {
        Console.current.writeError(text)
    }

    /// Why `--strict` fails, `nil` when it passes: nodes without a cost rule and shape errors,
    /// each named (the first few).
    static func strictFailures(_ report: AnalysisReport) -> String? {
        var reasons: [String] = []
        let coverage = report.costs.coverage
        if coverage.uncostedNodes > 0 {
            let ops = coverage.uncostedOps.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
            reasons.append("\(coverage.uncostedNodes) node\(coverage.uncostedNodes == 1 ? "" : "s") without a cost rule (\(ops))")
        }
        let errors = report.shapes.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            let shown = errors.prefix(3).map(\.description).joined(separator: "; ")
            reasons.append("\(errors.count) shape error\(errors.count == 1 ? "" : "s"): \(shown)\(errors.count > 3 ? "; …" : "")")
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// Prints the error (stderr, and the JSON error object on stdout for `--format json`) and exits 2
    /// by throwing `ExitCode(2)` up to `OnnxCost.run`.
    static func fail(kind: String, message: String, format: OutputFormat) throws -> Never {
        error("onnxcost: error: \(message)\n")
        if format == .json { write(JSONRenderer.error(kind: kind, message: message).serialized() + "\n") }
        throw ExitCode(2)
    }
}
