import CostKernels
import DeviceDB
import ONNXGraph
import ShapeInference

/// The facts about the model file a report shows (built by the facade from the loader's result, so
/// this layer never sees the loader).
public struct ModelFile: Sendable, Equatable {
    public var path: String
    public var byteCount: Int
    /// Every external-data file the model names (relative to its folder), and whether it exists.
    public var externalDataFiles: [String: Bool]

    public init(path: String, byteCount: Int = 0, externalDataFiles: [String: Bool] = [:]) {
        self.path = path
        self.byteCount = byteCount
        self.externalDataFiles = externalDataFiles
    }
}

/// Everything one analysis found, ready to render. Built by the facade from each layer's result;
/// renderers only read it.
public struct AnalysisReport: Sendable {
    public var model: Model
    public var file: ModelFile
    public var shapes: ShapeInferenceResult
    public var costs: CostReport
    /// One per device asked for, in the order given.
    public var rooflines: [RooflineResult] = []
    /// How the device figures were taken (unbound symbols at 1).
    public var rooflineNote: String?
    /// Symbols bound only for the device figures.
    public var rooflineBindings: [String: Int] = [:]
    /// Devices that got no figures, and why (symbolic counts, missing figures).
    public var rooflineErrors: [String] = []
    /// `--target-latency` / `--target-throughput`: what a device needs, and which devices meet it.
    public var target: TargetAnswer?
    /// `--sweep`: one point per value and device.
    public var sweep: [SweepPoint] = []
    /// Why a requested mode (`--prefill`, `--decode`, `--training`) cannot apply to this model.
    public var modeError: String?

    public init(model: Model, file: ModelFile, shapes: ShapeInferenceResult, costs: CostReport) {
        self.model = model
        self.file = file
        self.shapes = shapes
        self.costs = costs
    }

    /// The first device's roofline (what `roofline` and `nodes[].roofline` show).
    public var roofline: RooflineResult? { rooflines.first }

    /// Op type → node count over the main graph, `domain.Op` outside the default domain.
    public var opHistogram: [(op: String, count: Int)] {
        var table = OpKeyTable()
        var counts: [Int] = []
        // By index: only the two names are read, not a copy of each node.
        let nodes = model.graph.nodes
        for index in nodes.indices {
            let id = table.id(opType: nodes[index].opType, domain: nodes[index].domain)
            if id == counts.count { counts.append(0) }
            counts[id] += 1
        }
        return zip(table.keys, counts).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map { ($0.0, $0.1) }
    }

    /// Initializer count and bytes by stored dtype (as the file stores them, whatever `--dtype` says).
    public var initializerBytesByType: [(dtype: DataType, count: Int, bytes: Int)] {
        var table: [DataType: (Int, Int)] = [:]
        for tensor in model.graph.initializers {
            let entry = table[tensor.dtype] ?? (0, 0)
            // saturating: hostile files declare tensors whose byte counts sum past 64 bits
            let (bytes, overflow) = entry.1.addingReportingOverflow(tensor.byteCount ?? 0)
            table[tensor.dtype] = (entry.0 + 1, overflow ? Int.max : bytes)
        }
        // Ties by dtype name: the table's order changes from run to run, the report must not.
        return table.sorted { $0.value.1 != $1.value.1 ? $0.value.1 > $1.value.1 : $0.key.name < $1.key.name }
            .map { ($0.key, $0.value.0, $0.value.1) }
    }

    public var weightsAreExternal: Bool { model.hasExternalData }

    /// Warnings from every layer, each naming its node or tensor.
    public var warnings: [String] {
        var result: [String] = []
        if weightsAreExternal {
            let files = file.externalDataFiles.sorted { $0.key < $1.key }
            let missing = files.filter { !$0.value }.map(\.key)
            result.append(missing.isEmpty
                ? "weights are stored in external data (\(files.map(\.key).joined(separator: ", "))); analysis reads the graph only"
                : "weights are stored in external data that is absent (\(missing.joined(separator: ", "))); analysis reads the graph only")
        }
        result += shapes.diagnostics.map { "\($0.severity.rawValue): \($0)" }
        result += costs.diagnostics.map { "\($0.severity.rawValue): \($0)" }
        for roofline in rooflines { result += roofline.warnings }
        result += rooflineErrors
        if let rooflineNote { result.append(rooflineNote) }
        return result
    }
}

/// One `--sweep` value on one device.
public struct SweepPoint: Sendable {
    public var symbol: String
    public var value: Int
    public var roofline: RooflineResult

    public init(symbol: String, value: Int, roofline: RooflineResult) {
        self.symbol = symbol
        self.value = value
        self.roofline = roofline
    }
}
