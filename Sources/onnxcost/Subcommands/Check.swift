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
    @Option(help: "Accelerator for --max-latency.") var device: String?
    @Option(help: "Target precision.") var dtype: Precision?
    @Flag(help: "Fail when any op has no shape or cost rule.") var noUnsupported = false

    func run() throws {
        let budgets = try Budgets(params: maxParams.map(Self.parseCount), macs: maxMacs.map(Self.parseCount),
                                  memory: maxMemory.map(Self.parseBytes), latency: maxLatency.map(Self.parseSeconds))
        if budgets.latency != nil && device == nil { throw ValidationError("--max-latency needs --device") }
        let options = AnalysisOptions(shapes: try model.shapeOptions(), precision: dtype, device: device)
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
            // A latency at an assumed batch of 1 is no gate: the symbols must be bound.
            let unbound = Self.unboundSymbols(report)
            if !unbound.isEmpty {
                Output.write("FAIL latency: unbound symbols \(unbound.joined(separator: ", ")) (budget \(Units.seconds(limit)))\n")
                failures.append("latency needs every input dim bound: bind \(unbound.map { "--dim \($0)=N" }.joined(separator: " "))")
            } else if let roofline = report.roofline, roofline.latencySeconds.isFinite, roofline.latencySeconds >= 0 {
                let ok = roofline.latencySeconds <= limit
                Output.write("\(ok ? "ok  " : "FAIL") latency \(Units.seconds(roofline.latencySeconds)) on \(roofline.device.id) (budget \(Units.seconds(limit)))\n")
                if !ok { failures.append("latency") }
            } else {
                failures.append("latency: \(report.rooflineNote ?? "no roofline")")
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

    /// Symbols left in the graph inputs' shapes (after --dim and --input).
    static func unboundSymbols(_ report: AnalysisReport) -> [String] {
        var symbols = Set<String>()
        for input in report.shapes.inputs {
            for dim in input.type.tensor?.shape ?? [] {
                if case .polynomial(let p) = dim { symbols.formUnion(p.symbols) }
            }
        }
        return symbols.sorted()
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

    /// A budget must be a finite number ≥ 0 ("nanms", "-5M", "infs" are argument errors).
    static func finite(_ value: Double, _ text: String) throws -> Double {
        guard value.isFinite, value >= 0 else { throw ValidationError("not a budget: '\(text)' (a finite number ≥ 0)") }
        return value
    }

    static func parseCount(_ text: String) throws -> Double {
        let scales: [(String, Double)] = [("T", 1e12), ("G", 1e9), ("B", 1e9), ("M", 1e6), ("K", 1e3), ("k", 1e3)]
        for (suffix, scale) in scales where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return try finite(value * scale, text) }
        }
        guard let value = Double(text) else { throw ValidationError("not a count: '\(text)'") }
        return try finite(value, text)
    }

    static func parseBytes(_ text: String) throws -> Double {
        let scales: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        for (suffix, scale) in scales where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return try finite(value * scale, text) }
        }
        guard let value = Double(text) else { throw ValidationError("not a byte size: '\(text)'") }
        return try finite(value, text)
    }

    static func parseSeconds(_ text: String) throws -> Double {
        let scales: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1)]
        for (suffix, scale) in scales where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return try finite(value * scale, text) }
        }
        throw ValidationError("not a duration: '\(text)' (use e.g. 5ms)")
    }
}
