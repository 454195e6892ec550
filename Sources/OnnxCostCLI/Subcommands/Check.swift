import ArgumentParser
import Foundation
import ONNXCost

/// `onnxcost check MODEL --max-params 30M --max-latency 5ms --device t4`: a deployment gate.
/// Exit 0 when every budget holds, 1 when one fails, 2 when the model or the arguments are invalid.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Gate a model on budgets: exit 0 pass, 1 a budget failed, 2 invalid model.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Largest parameter count (suffixes K, M, G).") var maxParams: String?
    @Option(help: "Largest MAC count (suffixes K, M, G, T).") var maxMacs: String?
    @Option(help: "Largest weights + peak activations in bytes (suffixes KB, MB, GB, KiB, MiB, GiB).") var maxMemory: String?
    @Option(help: "Largest roofline latency (e.g. 5ms, 200us, 0.01s); needs --device.") var maxLatency: String?
    @Option(help: "Accelerators for --max-latency (comma-separated or repeated); every one must meet the budget.") var device: [String] = []
    @Option(help: "Target precision.") var dtype: Precision?
    @Flag(help: "Fail when any op has no shape or cost rule.") var noUnsupported = false

    func run() throws {
        let budgets = try Budgets(params: maxParams.map(Quantities.count), macs: maxMacs.map(Quantities.count),
                                  memory: maxMemory.map(Quantities.bytes), latency: maxLatency.map(Quantities.seconds))
        if budgets.latency != nil && device.isEmpty { throw ValidationError("--max-latency needs --device") }
        let options = AnalysisOptions(shapes: try model.checkedShapeOptions(), precision: dtype, devices: device)
        let report: AnalysisReport
        do { report = try Analyzer.analyze(path: model.model, options: options) } catch {
            Output.fail(kind: error.kind, message: error.description, format: .text)
        }
        var failures: [String] = []
        let totals = report.costs.totals
        // A number a budget needs that is negative, unknown or overflowed fails the check, named.
        func check(_ name: String, _ value: SymbolicInt, _ limit: Double?, _ show: (Double) -> String) {
            guard let limit else { return }
            if value.isUnknown {
                Output.write("FAIL \(name) unknown (budget \(show(limit)))\n")
                failures.append("\(name) is unknown (a shape is unknown or a count overflowed 64 bits; see the warnings of `onnxcost \(model.model)`)")
                return
            }
            guard let known = value.intValue else {
                failures.append("\(name) is symbolic (\(value)); bind the symbols with --dim or --input")
                return
            }
            if known < 0 {
                Output.write("FAIL \(name) \(known) is negative (budget \(show(limit)))\n")
                failures.append("\(name) is negative (\(known)): the model has invalid sizes")
                return
            }
            let verdict = Double(known) <= limit ? "ok  " : "FAIL"
            Output.write("\(verdict) \(name) \(show(Double(known))) (budget \(show(limit)))\n")
            if Double(known) > limit { failures.append(name) }
        }
        check("params", totals.params, budgets.params, Units.count)
        check("MACs", totals.macs, budgets.macs, Units.count)
        check("memory", totals.weightBytes + totals.peakActivationBytes, budgets.memory, Units.bytes)
        if let limit = budgets.latency {
            if !report.rooflineBindings.isEmpty {
                failures.append("latency is symbolic in \(report.rooflineBindings.keys.sorted().joined(separator: ", ")); bind them with --dim or --input")
            } else if report.rooflines.isEmpty {
                failures.append("latency: \(report.rooflineErrors.joined(separator: "; "))")
            }
            for roofline in report.rooflines where report.rooflineBindings.isEmpty {
                guard let estimate = roofline.figures?.estimateSeconds else {
                    failures.append("latency on \(roofline.device.id) is partial: \(roofline.partialNodes.count) node(s) uncosted")
                    continue
                }
                let ok = estimate <= limit
                Output.write("\(ok ? "ok  " : "FAIL") latency \(Units.seconds(estimate)) (estimate) on \(roofline.device.id) (budget \(Units.seconds(limit)))\n")
                if !ok { failures.append("latency on \(roofline.device.id)") }
            }
        }
        // Nodes whose shapes failed (a negative dim, an overflow) make every total a guess.
        if budgets.params != nil || budgets.macs != nil || budgets.memory != nil || budgets.latency != nil {
            let failed = Self.failedNodes(report)
            if !failed.isEmpty {
                Output.write("FAIL \(failed.count) node(s) could not be analyzed: \(failed.prefix(5).joined(separator: "; "))\n")
                failures.append("\(failed.count) node(s) could not be analyzed, so the totals do not bound the model")
            }
        }
        let unsupported = report.costs.coverage.uncostedOps
        if !unsupported.isEmpty {
            let list = unsupported.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
            Output.write("\(noUnsupported ? "FAIL" : "warn") ops without cost rule: \(list)\n")
            if noUnsupported { failures.append("unsupported ops") }
        }
        if !failures.isEmpty {
            FileHandle.standardError.write(Data("check failed: \(failures.joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Nodes of the main graph whose shape rule rejected them, described with their error.
    static func failedNodes(_ report: AnalysisReport) -> [String] {
        report.shapes.main.nodes.compactMap { node in
            if case .failed(let error) = node.status { "\(node.ref): \(error)" } else { nil }
        }
    }

    struct Budgets {
        var params: Double?
        var macs: Double?
        var memory: Double?
        var latency: Double?
    }
}
