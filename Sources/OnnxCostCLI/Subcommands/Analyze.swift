import ArgumentParser
import Foundation
import ONNXCost

/// The default command: the full cost report.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "Analyze a model (the default command).")

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

    @Option(help: ArgumentHelp("The symbol --device's max batch solves for (default: the first input's leading dim).", valueName: "symbol"))
    var batchSymbol: String?

    @Option(help: ArgumentHelp("What a device needs to run in this time (5ms), and which devices do.", valueName: "duration"))
    var targetLatency: String?

    @Option(help: ArgumentHelp("The same for a throughput (2000/s), divided into the batch.", valueName: "rate"))
    var targetThroughput: String?

    @Option(help: ArgumentHelp("Utilization of a measured run on each --device: its latency (12ms).", valueName: "duration"))
    var measuredLatency: String?

    @Option(help: ArgumentHelp("Utilization of a measured run on each --device: its throughput (900/s).", valueName: "rate"))
    var measuredThroughput: String?

    @Option(help: ArgumentHelp("Device figures along a symbol: batch=1,2,4 or batch=1..256*2 or sequence=128..1024+128.", valueName: "symbol=values"))
    var sweep: String?

    @Flag(help: "Price a training step (forward + backward + optimizer) on each --device.")
    var training = false

    @Option(help: ArgumentHelp("Optimizer for --training: sgd, momentum, adam, adamw.", valueName: "name"))
    var optimizer: String = "adam"

    @Option(help: ArgumentHelp("Mixed-precision training: bf16 or fp16 compute with fp32 master weights.", valueName: "dtype"))
    var mixedPrecision: Precision?

    @Flag(help: "Activation checkpointing for --training: keep tensors between kernels, recompute the rest.")
    var recompute = false

    @Option(help: ArgumentHelp("Data-parallel replicas for --training (ring all-reduce of the gradients).", valueName: "n"))
    var gpus: Int = 1

    @Option(help: ArgumentHelp("Link bandwidth per direction in GB/s for all-reduces (default: the device's interconnect ÷ 2).", valueName: "GB/s"))
    var linkGbps: Double?

    @Option(help: ArgumentHelp("Training steps, for the total communication volume.", valueName: "n"))
    var steps: Int = 1

    @Option(help: ArgumentHelp("A decoder's prefill of S prompt tokens (time to first token).", valueName: "S"))
    var prefill: Int?

    @Option(help: ArgumentHelp("A decoder's decode step after S tokens of context (time per output token).", valueName: "S"))
    var decode: Int?

    @Option(help: ArgumentHelp("Sequences served at once with --prefill/--decode.", valueName: "B"))
    var batch: Int = 1

    @Option(help: ArgumentHelp("KV-cache element type (fp16, bf16, fp8, int8 …); default as the graph stores it.", valueName: "dtype"))
    var kvDtype: Precision?

    @Option(help: ArgumentHelp("Tensor parallel over N devices for --prefill/--decode.", valueName: "N"))
    var tp: Int = 1

    @Option(help: "How many of the heaviest nodes and kernels to list.")
    var top = 10

    @Flag(help: "Leave the per-node list out of the JSON.")
    var noNodes = false

    @Flag(help: "Exit 1 when any node has no rule or a shape error.")
    var strict = false

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
    }

    func run() throws {
        try settings.run()
    }

    /// What was parsed, as plain values.
    var settings: AnalyzeSettings {
        AnalyzeSettings(model: model.model, inputs: model.inputs, dims: model.dims, format: output.format, pretty: output.pretty,
                        color: output.color, device: device, dtype: dtype, devicesFile: devicesFile, noFusion: noFusion,
                        noCacheReuse: noCacheReuse, batchSymbol: batchSymbol, targetLatency: targetLatency,
                        targetThroughput: targetThroughput, measuredLatency: measuredLatency, measuredThroughput: measuredThroughput,
                        sweep: sweep, training: training, optimizer: optimizer, mixedPrecision: mixedPrecision, recompute: recompute,
                        gpus: gpus, linkGbps: linkGbps, steps: steps, prefill: prefill, decode: decode, batch: batch, kvDtype: kvDtype,
                        tp: tp, top: top, noNodes: noNodes, strict: strict)
    }
}

/// The analyze command's settings as plain values: `Analyze` parses them; the bare `onnxcost MODEL`
/// form makes them directly (`AnalyzeSettings(model:)`, every other field at the option's default:
/// a test checks that this equals what the parser gives), so it runs without building the parser's
/// reflection tables.
struct AnalyzeSettings: Equatable {
    var model: String
    var inputs: [String] = []
    var dims: [String] = []
    var format: OutputFormat = .text
    var pretty = false
    var color: ColorChoice = .auto
    var device: [String] = []
    var dtype: Precision?
    var devicesFile: String?
    var noFusion = false
    var noCacheReuse = false
    var batchSymbol: String?
    var targetLatency: String?
    var targetThroughput: String?
    var measuredLatency: String?
    var measuredThroughput: String?
    var sweep: String?
    var training = false
    var optimizer: String = "adam"
    var mixedPrecision: Precision?
    var recompute = false
    var gpus: Int = 1
    var linkGbps: Double?
    var steps: Int = 1
    var prefill: Int?
    var decode: Int?
    var batch: Int = 1
    var kvDtype: Precision?
    var tp: Int = 1
    var top = 10
    var noNodes = false
    var strict = false

    func run() throws {
        let (shapes, loaded) = try ModelOptions.checkedShapeOptionsAndModel(model: model, inputs: inputs, dims: dims, format: format)
        var options = AnalysisOptions(shapes: shapes, precision: dtype, devices: device, devicesFile: devicesFile,
                                      fusion: !noFusion)
        options.cacheReuse = !noCacheReuse
        options.questions.batchSymbol = batchSymbol
        options.questions.targetLatency = try targetLatency.map(Quantities.seconds)
        options.questions.targetThroughput = try targetThroughput.map(Quantities.rate)
        options.questions.measuredLatency = try measuredLatency.map(Quantities.seconds)
        options.questions.measuredThroughput = try measuredThroughput.map(Quantities.rate)
        options.questions.sweep = try sweep.map(Quantities.sweep)
        if training {
            guard let optimizer = TrainingOptions.Optimizer(rawValue: optimizer.lowercased()) else {
                throw ValidationError("--optimizer must be one of sgd, momentum, adam, adamw; got '\(optimizer)'")
            }
            guard gpus >= 1, steps >= 1 else { throw ValidationError("--gpus and --steps must be ≥ 1") }
            if let mixed = mixedPrecision {
                guard mixed == .bf16 || mixed == .fp16 else { throw ValidationError("--mixed-precision must be bf16 or fp16") }
                if options.precision == nil { options.precision = mixed }
            }
            options.training = TrainingOptions(optimizer: optimizer, mixedPrecision: mixedPrecision, recompute: recompute, gpus: gpus,
                                               linkBytesPerSecond: try linkGbps.map { g throws in
                                                   guard g.isFinite, g > 0 else { throw ValidationError("--link-gbps must be positive") }
                                                   return g * 1e9 }, steps: steps)
        }
        if prefill != nil && decode != nil { throw ValidationError("give --prefill or --decode, not both") }
        if let context = prefill ?? decode {
            guard context >= (prefill != nil ? 1 : 0), batch >= 1, tp >= 1 else { throw ValidationError("--prefill needs S ≥ 1, --decode S ≥ 0, --batch and --tp ≥ 1") }
            options.llm = LLMOptions(phase: prefill != nil ? .prefill : .decode, context: context, batch: batch, kvPrecision: kvDtype,
                                     tensorParallel: tp, linkBytesPerSecond: linkGbps.map { $0 * 1e9 })
        }
        if (training || prefill != nil || decode != nil) && device.isEmpty {
            throw ValidationError("--training, --prefill and --decode need --device")
        }
        if (measuredLatency != nil || measuredThroughput != nil || sweep != nil) && device.isEmpty {
            throw ValidationError("--measured-latency, --measured-throughput and --sweep need --device")
        }
        let renderer = try OutputOptions.renderer(for: .analyze, format: format)
        let report: AnalysisReport
        do {
            // The model is read once: the binding check above already has it when bindings were given.
            if let loaded {
                report = try Analyzer.analyze(loaded, options: options)
            } else {
                report = try Analyzer.analyze(path: model, options: options)
            }
        } catch {
            try Output.fail(kind: error.kind, message: error.description, format: format)
        }
        Output.write(try renderer.analysis(report, options: OutputOptions.renderOptions(top: top, includeNodes: !noNodes, pretty: pretty, color: color)))
        ProcessLifetime.keep(report)
        if strict, let reasons = Output.strictFailures(report) {
            Output.error("onnxcost: --strict: \(reasons)\n")
            throw ExitCode(1)
        }
    }
}

extension Precision: ExpressibleByArgument {}
