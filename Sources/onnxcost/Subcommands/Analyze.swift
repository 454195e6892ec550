import ArgumentParser
import Foundation
import ONNXCost

/// The default command: the full cost report.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Analyze a model (the default command).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Accelerator for the roofline (an id or alias: t4, a100, h100 ...; see `onnxcost devices`).", valueName: "device"))
    var device: String?

    @Option(help: ArgumentHelp("Target precision: fp32, tf32, fp16, bf16, fp8, int8, int4. Re-costs float weights and activations at that width.", valueName: "dtype"))
    var dtype: Precision?

    @Option(help: ArgumentHelp("Extra devices, a JSON file with the schema of the shipped table.", valueName: "path"))
    var devicesFile: String?

    @Option(help: "How many of the heaviest nodes to list.")
    var top = 10

    @Flag(help: "Leave the per-node list out of the JSON.")
    var noNodes = false

    @Flag(help: "Exit 1 when any node has no rule or a shape error.")
    var strict = false

    func run() throws {
        let options = AnalysisOptions(shapes: try model.checkedShapeOptions(format: output.format), precision: dtype, device: device, devicesFile: devicesFile)
        let report: AnalysisReport
        do {
            report = try Analyzer.analyze(path: model.model, options: options)
        } catch {
            Output.fail(kind: error.kind, message: error.description, format: output.format)
        }
        switch output.format {
        case .text: Output.write(TextRenderer.render(report, top: top))
        case .json: Output.write(JSONRenderer.render(report, includeNodes: !noNodes).serialized(pretty: output.pretty) + "\n")
        case .csv: Output.write(CSVRenderer.render(report))
        case .md: Output.write(MarkdownRenderer.render(report))
        }
        if strict, let reasons = Output.strictFailures(report) {
            FileHandle.standardError.write(Data("onnxcost: --strict: \(reasons)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension Precision: ExpressibleByArgument {}

/// Writing results and failing the same way in every subcommand.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
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

    /// Prints the error (stderr, and the JSON error object on stdout for `--format json`) and exits 2.
    static func fail(kind: String, message: String, format: OutputFormat) -> Never {
        FileHandle.standardError.write(Data("onnxcost: error: \(message)\n".utf8))
        if format == .json { write(JSONRenderer.error(kind: kind, message: message).serialized() + "\n") }
        Foundation.exit(2)
    }
}
