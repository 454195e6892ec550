import CostKernels
import DeviceDB
import Foundation
import ONNXGraph
import ONNXLoader
import Operators
import Report
import ShapeInference

/// What one analysis is asked to do.
public struct AnalysisOptions: Sendable {
    public var shapes: ShapeInferenceOptions
    /// `--dtype`: re-cost float tensors at this precision and use its peak on the device.
    public var precision: Precision?
    /// `--device`: ids or aliases from the device database (`t4,a100`, or `all`); the first is the
    /// one `roofline` and `nodes[].roofline` show.
    public var devices: [String]
    /// `--devices-file`: extra devices or overrides (same JSON schema as `devices --format json`).
    public var devicesFile: String?
    /// `--no-fusion` turns this off: every node its own kernel, every tensor through DRAM.
    public var fusion: Bool
    /// `--no-cache-reuse` turns this off: the estimate charges every boundary tensor to DRAM.
    public var cacheReuse = true
    /// The device questions of docs/devices.md: max batch, target, utilization, sweep.
    public var questions = DeviceQuestionOptions()
    /// `--training`: the training step (docs/training.md).
    public var training: TrainingOptions?
    /// `--prefill` / `--decode`: a decoder's serving step (docs/llm.md).
    public var llm: LLMOptions?

    public init(shapes: ShapeInferenceOptions = .init(), precision: Precision? = nil, devices: [String] = [], devicesFile: String? = nil,
                fusion: Bool = true) {
        self.shapes = shapes
        self.precision = precision
        self.devices = devices
        self.devicesFile = devicesFile
        self.fusion = fusion
    }

    /// One device (the common case).
    public init(shapes: ShapeInferenceOptions = .init(), precision: Precision? = nil, device: String?, devicesFile: String? = nil) {
        self.init(shapes: shapes, precision: precision, devices: device.map { [$0] } ?? [], devicesFile: devicesFile)
    }
}

/// Why an analysis could not be made at all.
public enum AnalysisError: Error, Sendable, CustomStringConvertible {
    case load(LoadError)
    case device(DeviceError)
    /// `--prefill`/`--decode` on a graph that is not a decoder, `--training` without weights.
    case mode(String)

    public var kind: String {
        switch self {
        case .load(let error): error.kind
        case .device: "invalid_device"
        case .mode: "invalid_mode"
        }
    }

    public var description: String {
        switch self {
        case .load(let error): error.description
        case .device(let error): error.description
        case .mode(let message): message
        }
    }
}

/// The library entry point: bytes → graph → shapes → costs → roofline → report.
public enum Analyzer {
    /// Reads and analyzes the model at `path`.
    public static func analyze(path: String, options: AnalysisOptions = .init(),
                               registry: OpRegistry = .builtin) throws(AnalysisError) -> AnalysisReport {
        let (devices, catalog) = try resolveCatalog(options)
        let loaded: LoadedModel
        do { loaded = try ModelLoader.load(path: path) } catch { throw .load(error) }
        return try analyzeChecked(loaded, options: options, devices: devices, catalog: catalog, registry: registry)
    }

    /// Analyzes a model already read (the CLI reads it once, to check `--dim`/`--input` against it
    /// too), with the devices of `options` and the same errors as `analyze(path:)`.
    public static func analyze(_ loaded: LoadedModel, options: AnalysisOptions = .init(),
                               registry: OpRegistry = .builtin) throws(AnalysisError) -> AnalysisReport {
        let (devices, catalog) = try resolveCatalog(options)
        return try analyzeChecked(loaded, options: options, devices: devices, catalog: catalog, registry: registry)
    }

    /// The devices `options` names and the catalog they come from; none when no device is asked for.
    static func resolveCatalog(_ options: AnalysisOptions) throws(AnalysisError) -> (devices: [Device], catalog: DeviceCatalog?) {
        guard !options.devices.isEmpty || options.questions.wantsCatalog else { return ([], nil) }
        // Only a target question searches the whole catalog: otherwise decode just the rows named.
        if !options.questions.wantsCatalog && options.devicesFile == nil {
            do { return (try DeviceCatalog.builtinDevices(named: options.devices), nil) } catch { throw .device(error) }
        }
        do {
            let catalog = try self.catalog(devicesFile: options.devicesFile)
            return (try catalog.devices(named: options.devices), catalog)
        } catch { throw .device(error) }
    }

    static func analyzeChecked(_ loaded: LoadedModel, options: AnalysisOptions, devices: [Device], catalog: DeviceCatalog?,
                               registry: OpRegistry) throws(AnalysisError) -> AnalysisReport {
        let report = analyze(loaded: loaded, options: options, devices: devices, catalog: catalog, registry: registry)
        if let error = report.modeError { throw .mode(error) }
        return report
    }

    /// One device (or none): the common case of the library.
    public static func analyze(loaded: LoadedModel, options: AnalysisOptions = .init(), device: Device?,
                               registry: OpRegistry = .builtin) -> AnalysisReport {
        analyze(loaded: loaded, options: options, devices: device.map { [$0] } ?? [], registry: registry)
    }

    /// Analyzes a model already read. `catalog` is the database a target-latency question searches.
    public static func analyze(loaded: LoadedModel, options requested: AnalysisOptions = .init(), devices: [Device] = [],
                               catalog: DeviceCatalog? = nil, registry: OpRegistry = .builtin) -> AnalysisReport {
        var options = requested
        // A serving step binds the decoder's symbols, so the totals are exactly that step's.
        var signature: DecoderSignature?
        if let llm = options.llm {
            signature = DecoderSignature.detect(loaded.model)
            if let signature {
                let step = llm.phase == .prefill ? (tokens: llm.context, context: 0) : (tokens: 1, context: llm.context)
                for (symbol, value) in signature.bindings(batch: llm.batch, tokens: step.tokens, context: step.context) {
                    options.shapes.dimBindings[symbol] = value
                }
            }
        }
        let shapes = ShapePropagation(model: loaded.model, resolver: registry, options: options.shapes).run()
        let costs = CostPass(model: loaded.model, shapes: shapes, options: CostOptions(targetPrecision: options.precision), rules: registry).run()
        var report = AnalysisReport(model: loaded.model, file: ModelFile(loaded), shapes: shapes, costs: costs)
        if let llm = options.llm, signature == nil {
            report.modeError = "--\(llm.phase.rawValue): \(loaded.path) is not a decoder: no past_key_values/present cache and no causal mask feeding a vocabulary output"
            return report
        }
        guard !devices.isEmpty || options.questions.wantsCatalog else { return report }
        // Counts that are symbolic need numbers for a latency: every unbound input symbol is taken
        // at 1, and the report says so (never silently).
        var priced = (shapes: shapes, costs: costs)
        let symbols = unboundSymbols(shapes)
        if !symbols.isEmpty {
            priced = price(loaded, options, binding: Dictionary(uniqueKeysWithValues: symbols.map { ($0, 1) }), registry: registry)
            report.rooflineNote = "device figures are at \(symbols.map { "\($0)=1" }.joined(separator: ", ")) (unbound symbols); bind them with --dim or --input for other sizes"
            report.rooflineBindings = Dictionary(uniqueKeysWithValues: symbols.map { ($0, 1) })
        }
        report.rooflines = rooflines(priced, devices: devices, options: options, errors: &report.rooflineErrors)
        answerDeviceQuestions(&report, loaded: loaded, options: options, priced: priced, catalog: catalog, registry: registry)
        if let training = options.training { answerTraining(&report, priced: priced, options: training) }
        if let llm = options.llm, let signature {
            answerLLM(&report, loaded: loaded, options: options, llm: llm, signature: signature, priced: priced, registry: registry)
        }
        return report
    }

    /// Shapes and costs with extra symbol bindings on top of the user's.
    static func price(_ loaded: LoadedModel, _ options: AnalysisOptions, binding extra: [String: Int],
                      without removed: Set<String> = [], registry: OpRegistry) -> (shapes: ShapeInferenceResult, costs: CostReport) {
        var shapeOptions = options.shapes
        for (symbol, value) in extra { shapeOptions.dimBindings[symbol] = value }
        for symbol in removed { shapeOptions.dimBindings[symbol] = nil }
        let shapes = ShapePropagation(model: loaded.model, resolver: registry, options: shapeOptions).run()
        return (shapes, CostPass(model: loaded.model, shapes: shapes, options: CostOptions(targetPrecision: options.precision), rules: registry).run())
    }

    /// One roofline per device; a device that cannot price the model says why in `errors`.
    static func rooflines(_ priced: (shapes: ShapeInferenceResult, costs: CostReport), devices: [Device], options: AnalysisOptions,
                          errors: inout [String]) -> [RooflineResult] {
        let rooflineOptions = RooflineOptions(precision: options.precision, fusion: options.fusion, batch: batchSize(priced.shapes),
                                              cacheReuse: options.cacheReuse)
        var results: [RooflineResult] = []
        for device in devices {
            do {
                if let roofline = try Roofline.estimate(costs: priced.costs, device: device, options: rooflineOptions) {
                    results.append(roofline)
                } else {
                    errors.append("no latency on \(device.id): counts are symbolic; bind the symbols with --dim or --input")
                }
            } catch {
                errors.append("no latency on \(device.id): \(error.description)")
            }
        }
        return results
    }

    /// The batch a throughput divides by: the leading dim of the first graph input, when known.
    static func batchSize(_ shapes: ShapeInferenceResult) -> Int? {
        guard let first = shapes.inputs.first?.type.tensor?.shape?.first else { return nil }
        return first.intValue
    }

    /// Symbols left in the graph inputs' shapes after the user's bindings.
    static func unboundSymbols(_ shapes: ShapeInferenceResult) -> [String] {
        var symbols = Set<String>()
        for input in shapes.inputs {
            for dim in input.type.tensor?.shape ?? [] {
                if case .polynomial(let p) = dim { symbols.formUnion(p.symbols) }
            }
        }
        return symbols.sorted()
    }

    /// The device database, with the user's file merged in.
    public static func catalog(devicesFile: String?) throws(DeviceError) -> DeviceCatalog {
        try DeviceCatalog.builtin(mergingFile: devicesFile)
    }

    static func resolveDevices(_ options: AnalysisOptions) throws(AnalysisError) -> [Device] {
        guard !options.devices.isEmpty else { return [] }
        do { return try catalog(devicesFile: options.devicesFile).devices(named: options.devices) } catch { throw .device(error) }
    }
}

extension ModelFile {
    /// The file facts a report shows, from the loader's result.
    public init(_ loaded: LoadedModel) {
        self.init(path: loaded.path, byteCount: loaded.fileByteCount, externalDataFiles: loaded.externalDataFiles)
    }
}
