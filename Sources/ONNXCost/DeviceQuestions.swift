import CostKernels
import DeviceDB
import ONNXGraph
import ONNXLoader
import Operators
import Report
import ShapeInference

/// The seeds' device questions (docs/devices.md): how large a batch fits, what a latency target
/// needs, how well a measured run uses the chip, and how the figures move along a symbol.
public struct DeviceQuestionOptions: Sendable {
    /// `--batch-symbol`: the symbol max batch solves for (default: the first graph input's leading dim).
    public var batchSymbol: String?
    /// `--target-latency` (seconds) or `--target-throughput` (per second, divided into the batch).
    public var targetLatency: Double?
    public var targetThroughput: Double?
    /// `--measured-latency` (seconds) or `--measured-throughput` (per second).
    public var measuredLatency: Double?
    public var measuredThroughput: Double?
    /// `--sweep SYMBOL=v1,v2,…`.
    public var sweep: (symbol: String, values: [Int])?

    public init() {}

    /// A target question searches the whole database.
    var wantsCatalog: Bool { targetLatency != nil || targetThroughput != nil }
}

extension Analyzer {
    static func answerDeviceQuestions(_ report: inout AnalysisReport, loaded: LoadedModel, options: AnalysisOptions,
                                      priced: (shapes: ShapeInferenceResult, costs: CostReport), catalog: DeviceCatalog?,
                                      registry: OpRegistry) {
        let questions = options.questions
        let batch = batchSize(priced.shapes) ?? 1
        answerMaxBatch(&report, loaded: loaded, options: options, registry: registry)

        if let latency = questions.measuredLatency ?? questions.measuredThroughput.map({ Double(batch) / $0 }) {
            for index in report.rooflines.indices {
                guard let figures = report.rooflines[index].figures else { continue }
                report.rooflines[index].measured = Utilization(figures: figures, device: report.rooflines[index].device, latencySeconds: latency)
            }
        }

        if let latency = questions.targetLatency ?? questions.targetThroughput.map({ Double(batch) / $0 }), let catalog {
            var errors: [String] = []
            let all = rooflines(priced, devices: catalog.devices, options: options, errors: &errors)
            let costs = priced.costs
            let bytes = [costs.totals.weightBytes, costs.fusion.graphInputBytes, costs.fusion.graphOutputBytes]
                .reduce(0.0) { $0 + Double($1.intValue ?? 0) }
            let flops = all.first?.figures?.flops ?? Double(costs.totals.flops.intValue ?? 0)
            report.target = TargetAnswer(latencySeconds: latency, bytes: bytes, flops: flops, rooflines: all)
        }

        if let sweep = questions.sweep {
            for value in sweep.values {
                // The swept symbol at each value, every other unbound one at 1 (as for the device figures).
                let bound = price(loaded, options, binding: report.rooflineBindings.merging([sweep.symbol: value]) { $1 }, registry: registry)
                var errors: [String] = []
                let devices = report.rooflines.map(\.device)
                for roofline in rooflines(bound, devices: devices, options: options, errors: &errors) {
                    report.sweep.append(SweepPoint(symbol: sweep.symbol, value: value, roofline: roofline))
                }
            }
        }
    }

    /// The largest batch that fits each device: memory needed (weights + peak activations, fused
    /// unless `--no-fusion`) as a polynomial in the batch symbol, solved exactly.
    static func answerMaxBatch(_ report: inout AnalysisReport, loaded: LoadedModel, options: AnalysisOptions, registry: OpRegistry) {
        guard !report.rooflines.isEmpty else { return }
        let symbol = options.questions.batchSymbol ?? leadingSymbol(loaded.model)
        guard let symbol else {
            let note = "no batch symbol: the first graph input's leading dim is a number (name one with --batch-symbol)"
            for index in report.rooflines.indices { report.rooflines[index].maxBatchNote = note }
            return
        }
        // Every other unbound symbol at 1, as for the device figures; the batch symbol free.
        var others: [String: Int] = [:]
        for (name, value) in report.rooflineBindings where name != symbol { others[name] = value }
        // The analysis itself already has the batch free when it is the only unbound symbol.
        let reuse = report.rooflineBindings.keys.sorted() == [symbol]
        let free = reuse ? report.costs : price(loaded, options, binding: others, without: [symbol], registry: registry).costs
        let peak = options.fusion ? free.fusion.peakActivationBytes : free.totals.peakActivationBytes
        let required = free.totals.weightBytes + peak
        for index in report.rooflines.indices {
            guard let capacity = report.rooflines[index].device.memoryBytes else {
                report.rooflines[index].maxBatchNote = "the device has no memory figure"
                continue
            }
            let answer = Capacity.largestFitting(required, symbol: symbol, capacity: capacity)
            report.rooflines[index].maxBatch = answer.value
            report.rooflines[index].maxBatchNote = answer.note.map { "\(symbol): \($0)" } ?? "largest \(symbol) with weights + peak activations ≤ device memory"
        }
    }

    /// The symbol of the first graph input's leading dim, if it is one.
    static func leadingSymbol(_ model: Model) -> String? {
        guard let first = model.graph.runtimeInputs.first?.type.tensor?.shape?.first,
              case .polynomial(let p) = first, p.symbols.count == 1 else { return nil }
        return p.symbols.first
    }
}
