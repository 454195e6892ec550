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
    /// `--device`: an id or alias from the device database.
    public var device: String?
    /// `--devices-file`: extra devices (same JSON schema as the shipped table).
    public var devicesFile: String?

    public init(shapes: ShapeInferenceOptions = .init(), precision: Precision? = nil, device: String? = nil, devicesFile: String? = nil) {
        self.shapes = shapes
        self.precision = precision
        self.device = device
        self.devicesFile = devicesFile
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
        let device = try resolveDevice(options)
        let loaded: LoadedModel
        do { loaded = try ModelLoader.load(path: path) } catch { throw .load(error) }
        return analyze(loaded: loaded, options: options, device: device, registry: registry)
    }

    /// Analyzes a model already read.
    public static func analyze(loaded: LoadedModel, options: AnalysisOptions = .init(), device: Device? = nil,
                               registry: OpRegistry = .builtin) -> AnalysisReport {
        let shapes = ShapePropagation(model: loaded.model, resolver: registry, options: options.shapes).run()
        let costs = CostPass(model: loaded.model, shapes: shapes, options: CostOptions(targetPrecision: options.precision)).run()
        var report = AnalysisReport(loaded: loaded, shapes: shapes, costs: costs)
        if let device {
            do {
                if let roofline = try Roofline.estimate(costs: costs, device: device, precision: options.precision) {
                    report.roofline = roofline
                } else {
                    // Counts are symbolic: a latency needs numbers, so it is taken with every unbound
                    // input symbol at 1, and the report says so (never silently).
                    let symbols = unboundSymbols(shapes)
                    var bound = options
                    for symbol in symbols { bound.shapes.dimBindings[symbol] = 1 }
                    let boundShapes = ShapePropagation(model: loaded.model, resolver: registry, options: bound.shapes).run()
                    let boundCosts = CostPass(model: loaded.model, shapes: boundShapes, options: CostOptions(targetPrecision: options.precision)).run()
                    if !symbols.isEmpty, let roofline = try Roofline.estimate(costs: boundCosts, device: device, precision: options.precision) {
                        report.roofline = roofline
                        report.rooflineNote = "latency on \(device.id) is at \(symbols.map { "\($0)=1" }.joined(separator: ", ")) (unbound symbols); bind them with --dim or --input for other sizes"
                    } else {
                        report.rooflineNote = "no latency on \(device.id): counts are symbolic; bind the symbols with --dim or --input"
                    }
                }
            } catch {
                report.rooflineNote = "no latency on \(device.id): \(error.description)"
            }
        }
        return report
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
        var catalog = try DeviceCatalog.builtin()
        if let devicesFile { catalog.merge(try DeviceCatalog.load(url: URL(fileURLWithPath: devicesFile))) }
        return catalog
    }

    static func resolveDevice(_ options: AnalysisOptions) throws(AnalysisError) -> Device? {
        guard let name = options.device else { return nil }
        do { return try catalog(devicesFile: options.devicesFile).device(named: name) } catch { throw .device(error) }
    }
}
