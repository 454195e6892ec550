import ArgumentParser
import Foundation
import ONNXCost

/// The default command: the full cost report.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Analyze a model (the default command).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Accelerators for the roofline: ids or aliases (t4, a100, h100 ...; see `onnxcost devices`), comma-separated or repeated, or `all`.", valueName: "device"))
    var device: [String] = []

    @Option(help: ArgumentHelp("Target precision: fp32, tf32, fp16, bf16, fp8, int8, int4. Re-costs float weights and activations at that width.", valueName: "dtype"))
    var dtype: Precision?

    @Option(help: ArgumentHelp("Extra devices or overrides: {\"devices\": [rows as `onnxcost devices --format json` prints]} (docs/devices.md).", valueName: "path"))
    var devicesFile: String?

    @Flag(help: "Price every node as its own kernel, every tensor through DRAM (no fusion groups).")
    var noFusion = false

    @Flag(help: "Charge every tensor between kernels to DRAM, even when it fits the device's last-level cache.")
    var noCacheReuse = false

    @Option(help: "How many of the heaviest nodes to list.")
    var top = 10

    @Flag(help: "Leave the per-node list out of the JSON.")
    var noNodes = false

    @Flag(help: "Exit 1 when any node has no rule or a shape error.")
    var strict = false

    func run() throws {
        var options = AnalysisOptions(shapes: try model.shapeOptions(), precision: dtype, devices: device, devicesFile: devicesFile,
                                      fusion: !noFusion)
        options.cacheReuse = !noCacheReuse
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
        if strict && (report.costs.coverage.uncostedNodes > 0 || report.shapes.diagnostics.contains { $0.severity == .error }) {
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

    /// Prints the error (stderr, and the JSON error object on stdout for `--format json`) and exits 2.
    static func fail(kind: String, message: String, format: OutputFormat) -> Never {
        FileHandle.standardError.write(Data("onnxcost: error: \(message)\n".utf8))
        if format == .json { write(JSONRenderer.error(kind: kind, message: message).serialized() + "\n") }
        Foundation.exit(2)
    }
}
