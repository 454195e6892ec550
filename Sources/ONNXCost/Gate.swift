import CostKernels
import Foundation
import ONNXGraph
import ONNXLoader
import Operators
import Report
import ShapeInference

/// `onnxcost check`: structural validation of a model and its budgets (docs/output.md, "check").
public enum Gate {
    /// The budgets of one check; `nil` is no budget.
    public struct Budgets: Sendable {
        public var params: Double?
        public var macs: Double?
        public var flops: Double?
        public var weightBytes: Double?
        /// Weights + peak activations.
        public var memory: Double?
        /// Peak live activations alone.
        public var peakMemory: Double?
        /// Estimate on every device asked for.
        public var latency: Double?

        public init(params: Double? = nil, macs: Double? = nil, flops: Double? = nil, weightBytes: Double? = nil, memory: Double? = nil,
                    peakMemory: Double? = nil, latency: Double? = nil) {
            self.params = params
            self.macs = macs
            self.flops = flops
            self.weightBytes = weightBytes
            self.memory = memory
            self.peakMemory = peakMemory
            self.latency = latency
        }

        public var isEmpty: Bool { [params, macs, flops, weightBytes, memory, peakMemory, latency].allSatisfy { $0 == nil } }
    }

    /// What else makes the gate fail.
    public struct Policy: Sendable {
        /// An op without a cost rule fails the gate (`--no-unsupported`).
        public var failOnUncosted = false
        /// An absent external data file fails the gate (`--require-weights`); otherwise it is a warning,
        /// since the analysis reads the graph alone.
        public var requireWeights = false

        public init(failOnUncosted: Bool = false, requireWeights: Bool = false) {
            self.failOnUncosted = failOnUncosted
            self.requireWeights = requireWeights
        }
    }

    /// Loads, analyzes and checks the model at `path`.
    public static func check(path: String, options: AnalysisOptions, budgets: Budgets, policy: Policy = .init()) throws(AnalysisError) -> CheckResult {
        let report = try Analyzer.analyze(path: path, options: options)
        return check(report, budgets: budgets, policy: policy)
    }

    /// Analyzes and checks a model already read.
    public static func check(_ loaded: LoadedModel, options: AnalysisOptions, budgets: Budgets, policy: Policy = .init()) throws(AnalysisError) -> CheckResult {
        let report = try Analyzer.analyze(loaded, options: options)
        return check(report, budgets: budgets, policy: policy)
    }

    /// Checks an analysis already made.
    public static func check(_ report: AnalysisReport, budgets: Budgets, policy: Policy = .init(), registry: OpRegistry = .builtin) -> CheckResult {
        var findings = structuralFindings(report.model, modelPath: report.file.path, registry: registry, requireWeights: policy.requireWeights)
        findings += analysisFindings(report, failOnUncosted: policy.failOnUncosted)
        return CheckResult(path: report.file.path, findings: findings, budgets: budgetOutcomes(report, budgets))
    }

    // MARK: - Budgets

    static func budgetOutcomes(_ report: AnalysisReport, _ budgets: Budgets) -> [CheckResult.Budget] {
        let totals = report.costs.totals
        var outcomes: [CheckResult.Budget] = []
        let counts: [(String, SymbolicInt, Double?)] = [
            ("params", totals.params, budgets.params), ("macs", totals.macs, budgets.macs), ("flops", totals.flops, budgets.flops),
            ("weight_bytes", totals.weightBytes, budgets.weightBytes),
            ("memory", totals.weightBytes + totals.peakActivationBytes, budgets.memory),
            ("peak_memory", totals.peakActivationBytes, budgets.peakMemory),
        ]
        for (name, value, limit) in counts {
            guard let limit else { continue }
            outcomes.append(outcome(name, value, limit, path: report.file.path))
        }
        if let limit = budgets.latency { outcomes += latencyOutcomes(report, limit: limit) }
        return outcomes
    }

    /// A count against its limit: unknown, symbolic or negative counts never pass.
    static func outcome(_ name: String, _ value: SymbolicInt, _ limit: Double, path: String) -> CheckResult.Budget {
        var budget = CheckResult.Budget(name: name, limit: limit, value: nil, verdict: .pass)
        let label = budget.label
        switch value {
        case .unknown:
            budget.verdict = .unknown
            budget.reason = "\(label) is unknown (a shape is unknown or a count overflowed 64 bits; see the warnings of `onnxcost \(path)`)"
        case .polynomial(let p):
            budget.verdict = .symbolic
            budget.symbols = p.symbols.sorted()
            budget.reason = "\(label) is symbolic (\(value)); bind \(budget.symbols.joined(separator: ", ")) with --dim or --input"
        case .value(let known):
            budget.value = Double(known)
            if known < 0 {
                budget.verdict = .negative
                budget.reason = "\(label) is negative (\(known)): the model has invalid sizes"
            } else if Double(known) > limit {
                budget.verdict = .fail
                budget.reason = "\(label) \(budget.show(Double(known))) exceeds \(budget.show(limit))"
            }
        }
        return budget
    }

    /// One outcome per device: every device must meet the latency budget; unbound symbols fail it.
    static func latencyOutcomes(_ report: AnalysisReport, limit: Double) -> [CheckResult.Budget] {
        if !report.rooflineBindings.isEmpty {
            let symbols = report.rooflineBindings.keys.sorted()
            return [CheckResult.Budget(name: "latency", limit: limit, value: nil, verdict: .symbolic, symbols: symbols,
                                       reason: "latency is symbolic in \(symbols.joined(separator: ", ")); bind them with --dim or --input")]
        }
        if report.rooflines.isEmpty {
            return [CheckResult.Budget(name: "latency", limit: limit, value: nil, verdict: .unavailable,
                                       reason: "latency: \(report.rooflineErrors.joined(separator: "; "))")]
        }
        return report.rooflines.map { roofline in
            let device = roofline.device.id
            guard let estimate = roofline.figures?.estimateSeconds else {
                return CheckResult.Budget(name: "latency", limit: limit, value: nil, verdict: .unavailable, device: device,
                                          reason: "latency on \(device) is partial: \(roofline.partialNodes.count) node(s) uncosted")
            }
            return CheckResult.Budget(name: "latency", limit: limit, value: estimate, verdict: estimate <= limit ? .pass : .fail, device: device,
                                      reason: estimate <= limit ? "" : "latency on \(device) \(Units.seconds(estimate)) exceeds \(Units.seconds(limit))")
        }
    }

    // MARK: - Findings of the analysis

    /// Failed nodes, unresolved dims and uncosted ops.
    static func analysisFindings(_ report: AnalysisReport, failOnUncosted: Bool) -> [CheckResult.Finding] {
        var findings: [CheckResult.Finding] = []
        for node in report.shapes.main.nodes {
            if case .failed(let error) = node.status {
                findings.append(.init(ruleId: "shape-error", level: .error, message: "\(node.ref) could not be analyzed: \(error)",
                                      location: node.ref.description))
            }
        }
        var byOrigin: [String: [String]] = [:]
        var origins: [String] = []
        for dim in report.shapes.unresolved {
            let origin = dim.lostAt?.description ?? "a graph input"
            if byOrigin[origin] == nil { origins.append(origin) }
            byOrigin[origin, default: []].append(dim.dimIndex.map { "\(dim.tensor)[\($0)]" } ?? "\(dim.tensor) (rank)")
        }
        for origin in origins {
            let dims = byOrigin[origin] ?? []
            findings.append(.init(ruleId: "unresolved-dim", level: .warning,
                                  message: "\(dims.count) dim(s) unknown, lost at \(origin): \(dims.prefix(5).joined(separator: ", "))\(dims.count > 5 ? ", …" : "")",
                                  location: origin))
        }
        for (op, count) in report.costs.coverage.uncostedOps.sorted(by: { $0.key < $1.key }) {
            findings.append(.init(ruleId: "uncosted-op", level: failOnUncosted ? .error : .warning,
                                  message: "\(op)×\(count) not costed (no cost rule, or its input shapes are unknown): MACs and FLOPs unknown, not zero",
                                  location: op))
        }
        return findings
    }

    // MARK: - Structure

    /// Dangling inputs, duplicate names, cycles, opset imports, initializer data and external files.
    public static func structuralFindings(_ model: Model, modelPath: String, registry: OpRegistry = .builtin, requireWeights: Bool = false) -> [CheckResult.Finding] {
        var findings: [CheckResult.Finding] = []
        var opsets: [String: Int] = [:]
        for opset in model.opsetImports { opsets[opset.domain == "ai.onnx" ? "" : opset.domain] = opset.version }
        let functions = Set(model.functions.map { "\($0.domain)\u{0}\($0.name)" })
        var missingDomains: [String: Int] = [:]
        var tooNew: [String: (since: Int, opset: Int, count: Int, first: String)] = [:]

        func validate(_ graph: Graph, outer: Set<String>, path: String) {
            var defined: [String: String] = [:]
            func define(_ name: String, _ what: String) {
                guard !name.isEmpty else { return }
                if let earlier = defined[name] {
                    findings.append(.init(ruleId: "duplicate-name", level: .error,
                                          message: "'\(name)' is defined twice: by \(earlier) and by \(what)\(path)", location: what))
                } else {
                    defined[name] = what
                }
            }
            let initializerNames = Set(graph.initializers.map(\.name))
            // IR < 4 lists initializers among the inputs too: that is one definition.
            for input in graph.inputs where !initializerNames.contains(input.name) { define(input.name, "graph input '\(input.name)'") }
            for tensor in graph.initializers { define(tensor.name, "initializer '\(tensor.name)'") }
            for sparse in graph.sparseInitializers { define(sparse.values.name, "sparse initializer '\(sparse.values.name)'") }
            for (index, node) in graph.nodes.enumerated() {
                for output in node.outputs { define(output, describe(node, index)) }
            }
            let visible = outer.union(defined.keys)
            for (index, node) in graph.nodes.enumerated() {
                for input in node.inputs where !input.isEmpty && !visible.contains(input) {
                    findings.append(.init(ruleId: "dangling-input", level: .error,
                                          message: "\(describe(node, index)) consumes '\(input)', which no node, graph input or initializer defines\(path)",
                                          location: describe(node, index)))
                }
                let domain = node.domain == "ai.onnx" ? "" : node.domain
                if let version = opsets[domain] {
                    if !functions.contains("\(node.domain)\u{0}\(node.opType)"),
                       let op = registry.entry(domain: domain, type: node.opType, opset: version), op.schema.since > version {
                        let key = "\(domain.isEmpty ? "" : domain + ".")\(node.opType)"
                        let entry = tooNew[key] ?? (op.schema.since, version, 0, describe(node, index))
                        tooNew[key] = (entry.since, entry.opset, entry.count + 1, entry.first)
                    }
                } else {
                    missingDomains[domain.isEmpty ? "ai.onnx" : domain, default: 0] += 1
                }
                for (attribute, subgraph) in node.subgraphs {
                    validate(subgraph, outer: visible, path: " in \(describe(node, index))/\(attribute)")
                }
            }
            for output in graph.outputs where !visible.contains(output.name) {
                findings.append(.init(ruleId: "dangling-input", level: .error,
                                      message: "graph output '\(output.name)' is produced by no node, graph input or initializer\(path)",
                                      location: "graph output '\(output.name)'"))
            }
            if let cycle = cycle(graph) {
                findings.append(.init(ruleId: "cycle", level: .error,
                                      message: "\(cycle.count) node(s) form a cycle\(path): \(cycle.prefix(5).joined(separator: ", "))\(cycle.count > 5 ? ", …" : "")",
                                      location: cycle.first))
            }
            for tensor in graph.initializers { findings += dataFindings(tensor, modelPath: modelPath, absent: &absentFiles) }
        }
        var absentFiles: [String: Int] = [:]
        validate(model.graph, outer: [], path: "")
        for (file, count) in absentFiles.sorted(by: { $0.key < $1.key }) {
            findings.append(.init(ruleId: "external-data", level: requireWeights ? .error : .warning,
                                  message: "external data file '\(file)' is absent (\(count) initializer\(count == 1 ? "" : "s")); the analysis reads the graph only",
                                  location: file))
        }
        for (domain, count) in missingDomains.sorted(by: { $0.key < $1.key }) {
            findings.append(.init(ruleId: "missing-opset-import", level: .error,
                                  message: "\(count) node(s) use domain '\(domain)', which the model does not import (opset_import)", location: domain))
        }
        for (op, entry) in tooNew.sorted(by: { $0.key < $1.key }) {
            findings.append(.init(ruleId: "op-not-in-opset", level: .error,
                                  message: "\(op) first appears in opset \(entry.since); the model imports opset \(entry.opset) (\(entry.count) node(s), first \(entry.first))",
                                  location: entry.first))
        }
        return findings
    }

    static func describe(_ node: Node, _ index: Int) -> String {
        let op = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
        return "\(op) '\(node.name)' (#\(index))"
    }

    /// The nodes left when every node whose inputs are ready has been taken (Kahn), `nil` when none.
    static func cycle(_ graph: Graph) -> [String]? {
        var producer: [String: Int] = [:]
        for (index, node) in graph.nodes.enumerated() { for output in node.outputs where !output.isEmpty { producer[output] = index } }
        var waiting = [Int](repeating: 0, count: graph.nodes.count)
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for (index, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty {
                if let source = producer[input] { waiting[index] += 1; consumers[source].append(index) }
            }
        }
        var ready = waiting.indices.filter { waiting[$0] == 0 }
        var done = 0
        while let index = ready.popLast() {
            done += 1
            for next in consumers[index] {
                waiting[next] -= 1
                if waiting[next] == 0 { ready.append(next) }
            }
        }
        guard done < graph.nodes.count else { return nil }
        return graph.nodes.indices.filter { waiting[$0] > 0 }.map { describe(graph.nodes[$0], $0) }
    }

    /// An inline initializer with no data for a non-empty shape; an external one whose file is shorter
    /// than offset + length. Absent files are counted in `absent` (one finding per file).
    static func dataFindings(_ tensor: TensorData, modelPath: String, absent: inout [String: Int]) -> [CheckResult.Finding] {
        let location = "initializer '\(tensor.name)'"
        let shape = "\(tensor.dtype.name)\(tensor.dims)"
        switch tensor.location {
        case .inline(let byteCount):
            guard let expected = tensor.byteCount, expected > 0, byteCount == 0, tensor.dtype != .string else { return [] }
            return [.init(ruleId: "initializer-data", level: .error,
                          message: "\(location) declares \(shape) (\(expected) bytes) but holds no data", location: location)]
        case .external(let file, let offset, let length):
            let url = URL(fileURLWithPath: modelPath).deletingLastPathComponent().appendingPathComponent(file)
            guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else {
                absent[file, default: 0] += 1
                return []
            }
            guard let needed = length ?? tensor.byteCount else { return [] }
            let (end, overflow) = offset.addingReportingOverflow(needed)
            guard overflow || end > size else { return [] }
            return [.init(ruleId: "external-data", level: .error,
                          message: "\(location): '\(file)' holds \(size) bytes but \(shape) needs bytes \(offset)..<\(overflow ? "2^63" : String(end))",
                          location: location)]
        }
    }
}
