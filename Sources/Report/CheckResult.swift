/// `onnxcost check MODEL`: the deployment gate's verdict — structural findings and budgets.
public struct CheckResult: Sendable {
    /// SARIF's levels: an `error` fails the gate, a `warning` or `note` does not.
    public enum Level: String, Sendable { case error, warning, note }

    /// One rule the gate applies (SARIF's `reportingDescriptor`).
    public struct Rule: Sendable {
        public var id: String
        public var summary: String
    }

    /// One structural finding: a rule broken at a place in the graph.
    public struct Finding: Sendable {
        public var ruleId: String
        public var level: Level
        public var message: String
        /// The node or tensor it is about (`Conv 'conv_1' (#3)`), when there is one.
        public var location: String?

        public init(ruleId: String, level: Level, message: String, location: String? = nil) {
            self.ruleId = ruleId
            self.level = level
            self.message = message
            self.location = location
        }
    }

    /// One budget and how the model fared against it.
    public struct Budget: Sendable {
        public enum Verdict: String, Sendable {
            case pass, fail
            /// The count overflowed or a shape is unknown: the gate cannot pass on it.
            case unknown
            /// The count depends on unbound symbols: bind them (`symbols`) with --dim or --input.
            case symbolic
            /// Invalid sizes made the count negative.
            case negative
            /// The device could not price the model (partial figures, no figures).
            case unavailable
        }

        /// `params`, `macs`, `flops`, `weight_bytes`, `memory`, `peak_memory`, `latency`.
        public var name: String
        public var limit: Double
        /// The model's figure when known.
        public var value: Double?
        public var verdict: Verdict
        /// For `latency`: the device.
        public var device: String?
        /// Symbols to bind for a `symbolic` verdict.
        public var symbols: [String]
        /// Why it did not pass, in words (empty when it passed).
        public var reason: String

        public init(name: String, limit: Double, value: Double?, verdict: Verdict, device: String? = nil, symbols: [String] = [],
                    reason: String = "") {
            self.name = name
            self.limit = limit
            self.value = value
            self.verdict = verdict
            self.device = device
            self.symbols = symbols
            self.reason = reason
        }

        public var passed: Bool { verdict == .pass }

        /// `12.5 M`, `3.1 MiB`, `1.2 ms`: the figure in its unit.
        public func show(_ number: Double) -> String {
            switch name {
            case "latency": Units.seconds(number)
            case "weight_bytes", "memory", "peak_memory": Units.bytes(number)
            default: Units.count(number)
            }
        }

        /// The label in the text and Markdown tables (`MACs`, `latency on nvidia_t4`).
        public var label: String {
            let base = CheckResult.budgetLabels[name] ?? name
            return device.map { "\(base) on \($0)" } ?? base
        }
    }

    public var path: String
    public var findings: [Finding]
    public var budgets: [Budget]

    public init(path: String, findings: [Finding], budgets: [Budget]) {
        self.path = path
        self.findings = findings
        self.budgets = budgets
    }

    /// The gate passes when no budget failed and no finding is an error.
    public var passed: Bool { budgets.allSatisfy(\.passed) && !findings.contains { $0.level == .error } }

    /// Why the gate failed, one reason per failed budget or error rule (`check failed: …` on stderr).
    public var failureReasons: [String] {
        var reasons = budgets.filter { !$0.passed }.map(\.reason)
        var counts: [String: Int] = [:]
        var order: [String] = []
        for finding in findings where finding.level == .error {
            if counts[finding.ruleId] == nil { order.append(finding.ruleId) }
            counts[finding.ruleId, default: 0] += 1
        }
        reasons += order.map { id in
            let count = counts[id] ?? 0
            return id == "shape-error"
                ? "\(count) node(s) could not be analyzed, so the totals do not bound the model"
                : "\(count) \(id) finding\(count == 1 ? "" : "s")"
        }
        return reasons
    }

    static let budgetLabels = ["params": "params", "macs": "MACs", "flops": "FLOPs", "weight_bytes": "weight bytes", "memory": "memory",
                               "peak_memory": "peak memory", "latency": "latency"]

    /// Every rule the gate applies, in the order the docs list them.
    public static let rules: [Rule] = [
        Rule(id: "dangling-input", summary: "A node consumes (or the graph outputs) a name no node, graph input or initializer defines."),
        Rule(id: "duplicate-name", summary: "A tensor name is defined twice (two node outputs, or a node output and an initializer or input)."),
        Rule(id: "cycle", summary: "The nodes form a cycle, so no execution order exists."),
        Rule(id: "missing-opset-import", summary: "A node's domain has no opset import."),
        Rule(id: "op-not-in-opset", summary: "An operator does not exist yet in the opset version the model imports."),
        Rule(id: "initializer-data", summary: "An initializer's stored data disagrees with its dims and dtype."),
        Rule(id: "external-data", summary: "An external data file is missing, or too short for the tensors it should hold."),
        Rule(id: "shape-error", summary: "A node's shapes could not be inferred (invalid attributes, negative or incompatible sizes)."),
        Rule(id: "unresolved-dim", summary: "A dim stayed unknown after shape inference; counts that depend on it are unknown."),
        Rule(id: "uncosted-op", summary: "An operator has no cost rule: its MACs and FLOPs are unknown, not zero."),
        Rule(id: "budget", summary: "A budget (--max-params, --max-macs, --max-flops, --max-weight-bytes, --max-memory, --max-peak-memory, --max-latency) is exceeded or cannot be checked."),
    ]
}
