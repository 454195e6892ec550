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

    public var kind: String {
        switch self {
        case .load(let error): error.kind
        case .device: "invalid_device"
        }
    }

    public var description: String {
        switch self {
        case .load(let error): error.description
        case .device(let error): error.description
        }
    }
}

/// The library entry point: bytes → graph → shapes → costs → roofline → report.
public enum Analyzer {
    /// Reads and analyzes the model at `path`.
    public static func analyze(path: String, options: AnalysisOptions = .init(),
                               registry: OpRegistry = .builtin) throws(AnalysisError) -> AnalysisReport {
        var catalog: DeviceCatalog?
        var devices: [Device] = []
        if !options.devices.isEmpty || options.questions.wantsCatalog {
            do {
                catalog = try self.catalog(devicesFile: options.devicesFile)
                devices = try catalog!.devices(named: options.devices)
            } catch { throw .device(error) }
        }
        let loaded: LoadedModel
        do { loaded = try ModelLoader.load(path: path) } catch { throw .load(error) }
        return analyze(loaded: loaded, options: options, devices: devices, catalog: catalog, registry: registry)
    }

    /// Analyzes a model already read. `catalog` is the database a target-latency question searches.
    public static func analyze(loaded: LoadedModel, options: AnalysisOptions = .init(), devices: [Device] = [],
                               catalog: DeviceCatalog? = nil, registry: OpRegistry = .builtin) -> AnalysisReport {
        let shapes = ShapePropagation(model: loaded.model, resolver: registry, options: options.shapes).run()
        let costs = CostPass(model: loaded.model, shapes: shapes, options: CostOptions(targetPrecision: options.precision)).run()
        var report = AnalysisReport(loaded: loaded, shapes: shapes, costs: costs)
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
        return report
    }

    /// Shapes and costs with extra symbol bindings on top of the user's.
    static func price(_ loaded: LoadedModel, _ options: AnalysisOptions, binding extra: [String: Int],
                      without removed: Set<String> = [], registry: OpRegistry) -> (shapes: ShapeInferenceResult, costs: CostReport) {
        var shapeOptions = options.shapes
        for (symbol, value) in extra { shapeOptions.dimBindings[symbol] = value }
        for symbol in removed { shapeOptions.dimBindings[symbol] = nil }
        let shapes = ShapePropagation(model: loaded.model, resolver: registry, options: shapeOptions).run()
        return (shapes, CostPass(model: loaded.model, shapes: shapes, options: CostOptions(targetPrecision: options.precision)).run())
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
