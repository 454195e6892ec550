import CostKernels
import ONNXGraph

/// `onnxcost diff A B`: what changed from model A to model B (a quantization, an optimization pass).
/// Every delta is B − A.
public struct DiffResult: Sendable {
    /// One total side by side.
    public struct Total: Sendable {
        /// The JSON key (`macs`, `weight_bytes` …).
        public var name: String
        public var a: SymbolicInt
        public var b: SymbolicInt
        public var isBytes: Bool
        public var delta: SymbolicInt { a.isUnknown || b.isUnknown ? .unknown : b - a }
    }

    /// One device's estimate for both models (`--device`).
    public struct Latency: Sendable {
        public var device: String
        public var a: Double?
        public var b: Double?
        public var delta: Double? { if let a, let b { b - a } else { nil } }
    }

    /// One op type (`Conv`, `com.microsoft.QLinearConv`) in both models. Counts of uncosted nodes are unknown.
    public struct OpRow: Sendable {
        /// One model's nodes of this type.
        public struct Side: Sendable {
            public var count = 0
            public var macs: SymbolicInt = 0
            public var flops: SymbolicInt = 0
            public var params: SymbolicInt = 0
        }

        public var op: String
        public var a = Side()
        public var b = Side()
    }

    /// A graph input or output whose type differs, or that exists in one model only (`nil` side).
    public struct ShapeChange: Sendable {
        /// `input` or `output`.
        public var kind: String
        public var name: String
        public var a: ValueType?
        public var b: ValueType?
    }

    public var pathA: String
    public var pathB: String
    public var totals: [Total]
    public var latencies: [Latency]
    /// Heaviest (by the larger FLOPs of the two) first.
    public var ops: [OpRow]
    /// Named nodes of the main graph present in one model only.
    public var onlyInA: [String]
    public var onlyInB: [String]
    public var shapeChanges: [ShapeChange]

    /// The totals' keys, in order; the same as analyze's `totals`.
    public static let totalKeys = ["params", "macs", "flops", "weight_bytes", "activation_bytes", "peak_activation_bytes", "memory_access_bytes"]

    public init(_ a: AnalysisReport, _ b: AnalysisReport) {
        pathA = a.file.path
        pathB = b.file.path
        func values(_ t: CostTotals) -> [SymbolicInt] {
            [t.params, t.macs, t.flops, t.weightBytes, t.activationBytes, t.peakActivationBytes, t.memoryAccessBytes]
        }
        let totalsA = values(a.costs.totals), totalsB = values(b.costs.totals)
        totals = Self.totalKeys.indices.map { index in
            Total(name: Self.totalKeys[index], a: totalsA[index], b: totalsB[index], isBytes: Self.totalKeys[index].hasSuffix("bytes"))
        }
        latencies = a.rooflines.map { roofline in
            Latency(device: roofline.device.id, a: roofline.figures?.estimateSeconds,
                    b: b.rooflines.first { $0.device.id == roofline.device.id }?.figures?.estimateSeconds)
        }
        var rows: [String: OpRow] = [:]
        for (report, side) in [(a, \OpRow.a), (b, \OpRow.b)] {
            for node in report.costs.nodes {
                let key = Self.opKey(node.ref.domain, node.ref.opType)
                var row = rows[key] ?? OpRow(op: key)
                row[keyPath: side].count += 1
                row[keyPath: side].macs += node.status == .costed ? node.macs : .unknown
                row[keyPath: side].flops += node.status == .costed ? node.flops : .unknown
                row[keyPath: side].params += node.params
                rows[key] = row
            }
        }
        ops = rows.values.map { ($0, max(TextRenderer.rank($0.a.flops), TextRenderer.rank($0.b.flops))) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.op < $1.0.op }.map(\.0)
        let namesA = Set(a.model.graph.nodes.map(\.name).filter { !$0.isEmpty })
        let namesB = Set(b.model.graph.nodes.map(\.name).filter { !$0.isEmpty })
        onlyInA = a.model.graph.nodes.map(\.name).filter { !$0.isEmpty && !namesB.contains($0) }
        onlyInB = b.model.graph.nodes.map(\.name).filter { !$0.isEmpty && !namesA.contains($0) }
        shapeChanges = Self.changes("input", a.shapes.inputs, b.shapes.inputs) + Self.changes("output", a.shapes.outputs, b.shapes.outputs)
    }

    static func opKey(_ domain: String, _ type: String) -> String { domain.isEmpty ? type : "\(domain).\(type)" }

    static func changes(_ kind: String, _ a: [ValueInfo], _ b: [ValueInfo]) -> [ShapeChange] {
        let typesB = Dictionary(b.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let namesA = Set(a.map(\.name))
        var result: [ShapeChange] = []
        for info in a where typesB[info.name] != info.type {
            result.append(ShapeChange(kind: kind, name: info.name, a: info.type, b: typesB[info.name]))
        }
        for info in b where !namesA.contains(info.name) {
            result.append(ShapeChange(kind: kind, name: info.name, a: nil, b: info.type))
        }
        return result
    }

    /// `+1.2 M (+4.5%)`, `-3 MiB (-50%)`, `0`, `?`.
    static func deltaText(_ delta: SymbolicInt, from a: SymbolicInt, bytes: Bool) -> String {
        if delta.isUnknown { return "?" }
        if delta == 0 { return "0" }
        let text = bytes ? Units.bytes(delta) : Units.count(delta)
        guard let change = delta.intValue else { return text }
        let sign = change > 0 ? "+" : ""
        guard let base = a.intValue, base != 0 else { return sign + text }
        return "\(sign)\(text) (\(sign)\(Units.format(Double(change) / Double(base) * 100))%)"
    }
}
