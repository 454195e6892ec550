import ArgumentParser
import ONNXCost

/// `onnxcost check MODEL --max-params 30M --max-latency 5ms --device t4`: a deployment gate.
/// Structural validation always runs; budgets are optional. Exit 0 when every rule and budget holds,
/// 1 when one fails, 2 when the model or the arguments are invalid.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Gate a model: structural validation and budgets. Exit 0 pass, 1 a rule or budget failed, 2 invalid model or arguments.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Largest parameter count (suffixes K, M, G).") var maxParams: String?
    @Option(help: "Largest MAC count (suffixes K, M, G, T).") var maxMacs: String?
    @Option(help: "Largest FLOP count (suffixes K, M, G, T).") var maxFlops: String?
    @Option(help: "Largest weight bytes as stored, or at --dtype (suffixes KB, MB, GB, KiB, MiB, GiB).") var maxWeightBytes: String?
    @Option(help: "Largest weights + peak activations in bytes (suffixes KB, MB, GB, KiB, MiB, GiB).") var maxMemory: String?
    @Option(help: "Largest peak of live activations in bytes (suffixes KB, MB, GB, KiB, MiB, GiB).") var maxPeakMemory: String?
    @Option(help: "Largest roofline latency estimate (e.g. 5ms, 200us, 0.01s); needs --device.") var maxLatency: String?
    @Option(help: "Accelerators for --max-latency (comma-separated or repeated); every one must meet the budget.") var device: [String] = []
    @Option(help: "Target precision.") var dtype: Precision?
    @Option(help: ArgumentHelp("Extra devices or overrides (docs/devices.md).", valueName: "path")) var devicesFile: String?
    @Flag(help: "Fail when any op has no cost rule (otherwise a warning).") var noUnsupported = false
    @Flag(help: "Fail when an external data file is absent (otherwise a warning: the analysis reads the graph alone).") var requireWeights = false
    @Option(help: "How many findings the text lists (at least 20).") var top = 20

    func run() throws {
        let renderer = try output.renderer(for: .check)
        let budgets = Gate.Budgets(params: try maxParams.map(Quantities.count), macs: try maxMacs.map(Quantities.count),
                                   flops: try maxFlops.map(Quantities.count), weightBytes: try maxWeightBytes.map(Quantities.bytes),
                                   memory: try maxMemory.map(Quantities.bytes), peakMemory: try maxPeakMemory.map(Quantities.bytes),
                                   latency: try maxLatency.map(Quantities.seconds))
        if budgets.latency != nil && device.isEmpty { throw ValidationError("--max-latency needs --device") }
        let (shapes, loaded) = try model.checkedShapeOptionsAndModel(format: output.format)
        let options = AnalysisOptions(shapes: shapes, precision: dtype, devices: device,
                                      devicesFile: devicesFile)
        let result: CheckResult
        do {
            let policy = Gate.Policy(failOnUncosted: noUnsupported, requireWeights: requireWeights)
            if let loaded {
                result = try Gate.check(loaded, options: options, budgets: budgets, policy: policy)
            } else {
                result = try Gate.check(path: model.model, options: options, budgets: budgets, policy: policy)
            }
        } catch {
            try Output.fail(kind: error.kind, message: error.description, format: output.format)
        }
        Output.write(try renderer.check(result, options: output.renderOptions(top: top)))
        if !result.passed {
            Output.error("check failed: \(result.failureReasons.joined(separator: "; "))\n")
            throw ExitCode(1)
        }
    }
}
