import ArgumentParser
import ONNXCost

/// `onnxcost diff A B`: what a quantization or an optimization pass changed.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two models: totals and per-op-type deltas (B − A), nodes in one model only, input/output shape changes.")

    @Argument(help: "The model before (A).") var before: String
    @Argument(help: "The model after (B).") var after: String

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim in both models: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []
    @Option(help: ArgumentHelp("Accelerators: adds each device's latency estimate for both models.", valueName: "device")) var device: [String] = []
    @Option(help: ArgumentHelp("Target precision for both models.", valueName: "dtype")) var dtype: Precision?
    @Option(help: ArgumentHelp("Extra devices or overrides (docs/devices.md).", valueName: "path")) var devicesFile: String?
    @Option(help: "How many op types (heaviest first) and node names the text and Markdown list.") var top = 20

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
    }

    func run() throws {
        let renderer = try output.renderer(for: .diff)
        let models = try [before, after].map { try ModelOptions.parse([$0] + dims.flatMap { ["--dim", $0] }) }
        let loaded = try models.map { try $0.load(format: output.format) }
        let shapes = try models[0].shapeOptions()
        // A symbol one of the two models lacks is fine (a pass may fix a dim); one neither has is an error.
        let problems = loaded.map { BindingCheck.problems(shapes, model: $0.model, extraSymbols: []) }
        if !dims.isEmpty, let first = problems.first, problems.allSatisfy({ !$0.isEmpty }) {
            try Output.fail(kind: "invalid_argument", message: first.joined(separator: "\n"), format: output.format)
        }
        let options = AnalysisOptions(shapes: shapes, precision: dtype, devices: device, devicesFile: devicesFile)
        let devices: [Device]
        do { devices = try Analyzer.catalog(devicesFile: devicesFile).devices(named: device) } catch {
            try Output.fail(kind: "invalid_device", message: error.description, format: output.format)
        }
        let reports = loaded.map { Analyzer.analyze(loaded: $0, options: options, devices: devices) }
        Output.write(try renderer.diff(DiffResult(reports[0], reports[1]), options: output.renderOptions(top: top)))
    }
}
