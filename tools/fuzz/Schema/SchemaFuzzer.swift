// Schema-directed fuzzer: for every registered op, small graphs built from its schema (input and
// output counts, opset range) and the attributes its rule reads, filled with extreme values (huge,
// negative and Int64-edge attribute values and constant inputs, dims of 0, 2^31, 2^40, Int64.max,
// symbolic dims), run through the whole in-process pipeline (shapes → costs → roofline → renderers).
//
// A finding is a case that traps (the process dies: the runner script restarts and records it), takes
// longer than the per-case budget, or reports a negative size or count. Every case is replayable from
// (seed, case index): `onnxcost-schema-fuzz --seed S --case I`.
import Foundation
import ONNXCost

public struct SchemaFuzzer {
    /// One generated graph and where it came from.
    public struct Case: Sendable {
        public var index: Int
        public var op: String
        public var model: Model

        public init(index: Int, op: String, model: Model) {
            self.index = index
            self.op = op
            self.model = model
        }
    }

    /// Something a case did that it must not.
    public struct Finding: Sendable, CustomStringConvertible {
        public var caseIndex: Int
        public var op: String
        public var kind: String
        public var detail: String
        public var description: String { "case \(caseIndex) \(op): \(kind): \(detail)" }
    }

    public struct Summary: Sendable {
        public var cases = 0
        public var opsCovered = Set<String>()
        public var findings: [Finding] = []
        public var slowest: (op: String, seconds: Double) = ("", 0)
    }

    /// Every registered op as `domain::Type` (`Type` in the default domain), sorted.
    public static let ops: [(domain: String, type: String)] = OpRegistry.builtin.registeredOps

    public let seed: UInt64
    /// Seconds a case may take (analysis and rendering) before it is a finding.
    public var caseBudget: Double

    public init(seed: UInt64, caseBudget: Double = 1.0) {
        self.seed = seed
        self.caseBudget = caseBudget
    }

    // MARK: Generation

    /// Case `index`: op `index % ops.count`, values drawn from a generator seeded by (seed, index).
    public func makeCase(_ index: Int) -> Case {
        var rng = SplitMix(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let (domain, type) = Self.ops[index % Self.ops.count]
        let latest = ShapePropagation.latestKnownOpsets[domain] ?? 1
        let opType = OpRegistry.builtin.entry(domain: domain, type: type, opset: latest)
        let schema = opType?.schema
        let since = schema?.since ?? 1
        let opset = [since, latest, since + rng.below(Swift.max(latest - since, 0) + 1)][rng.below(3)]
        let inputRange = schema?.inputs ?? 1...1
        let outputRange = schema?.outputs ?? 1...1
        let inputCount = Swift.min(inputRange.lowerBound + rng.below(4), inputRange.upperBound, 8)
        let outputCount = Swift.min(outputRange.lowerBound + rng.below(2), outputRange.upperBound, 6)

        var inputs: [ValueInfo] = [], initializers: [TensorData] = [], inputNames: [String] = []
        for i in 0..<inputCount {
            if i >= inputRange.lowerBound && rng.below(4) == 0 { inputNames.append(""); continue }
            let name = "in\(i)"
            inputNames.append(name)
            // Inputs that carry shapes, axes, counts or scales are constants most of the time.
            let metadata = schema?.metadataInputs.contains(i) ?? false
            if rng.below(4) < (metadata ? 3 : 2) {
                initializers.append(Self.constant(name, &rng))
            } else {
                inputs.append(ValueInfo(name: name, type: Self.tensorType(&rng)))
            }
        }
        let key = domain.isEmpty ? type : "\(domain)::\(type)"
        var attributeNames = Self.attributesByOp[key] ?? []
        attributeNames = attributeNames.filter { _ in rng.below(3) != 0 }
        for _ in 0..<rng.below(3) { attributeNames.append(Self.everyAttribute[rng.below(Self.everyAttribute.count)]) }
        let attributes = Set(attributeNames).sorted().map { Self.attribute($0, &rng) }
        let outputs = (0..<outputCount).map { "out\($0)" }
        var nodes = [Node(name: "n", opType: type, domain: domain, inputs: inputNames, outputs: outputs, attributes: attributes)]
        // Half the time a consumer reads the first output, so its costs price what the op produced:
        // Relu, or another registered op fed by it (values and odd shapes flow from op to op).
        switch rng.below(4) {
        case 0: nodes.append(Node(name: "use", opType: "Relu", inputs: ["out0"], outputs: ["used"]))
        case 1:
            let (nextDomain, nextType) = Self.ops[rng.below(Self.ops.count)]
            let nextKey = nextDomain.isEmpty ? nextType : "\(nextDomain)::\(nextType)"
            let nextSchema = OpRegistry.builtin.entry(domain: nextDomain, type: nextType,
                                                             opset: ShapePropagation.latestKnownOpsets[nextDomain] ?? 1)?.schema
            let count = Swift.min(Swift.max(nextSchema?.inputs.lowerBound ?? 1, 1) + rng.below(2), nextSchema?.inputs.upperBound ?? 1, 6)
            var nextInputs = ["out0"]
            for _ in 1..<Swift.max(count, 1) {
                let candidates = inputNames.filter { !$0.isEmpty } + ["out0"]
                nextInputs.append(candidates[rng.below(candidates.count)])
            }
            let nextAttributes = Set((Self.attributesByOp[nextKey] ?? []).filter { _ in rng.below(2) == 0 }).sorted().map { Self.attribute($0, &rng) }
            nodes.append(Node(name: "use", opType: nextType, domain: nextDomain, inputs: nextInputs, outputs: ["used"], attributes: nextAttributes))
        default: break
        }
        let graph = Graph(name: "fuzz", nodes: nodes, inputs: inputs,
                          outputs: (nodes.count > 1 ? ["used"] : outputs).map { ValueInfo(name: $0, type: .unknown) },
                          initializers: initializers)
        var opsets = [OpsetImport(domain: "", version: domain.isEmpty ? opset : 17)]
        if !domain.isEmpty { opsets.append(OpsetImport(domain: domain, version: opset)) }
        for other in ["ai.onnx.ml", "com.microsoft", "ai.onnx.preview.training"] where other != domain {
            opsets.append(OpsetImport(domain: other, version: ShapePropagation.latestKnownOpsets[other] ?? 1))
        }
        return Case(index: index, op: key, model: Model(irVersion: 8, opsetImports: opsets, graph: graph))
    }

    static let edgeInts: [Int] = [0, 1, 2, 3, -1, -2, 7, 64, 1 << 31, -(1 << 31), 1 << 40, 1 << 62, .max, .min, .max - 1, 4097]
    static let smallInts: [Int] = [0, 1, 2, 3, -1, 4]
    static let edgeDoubles: [Double] = [0, 1, 2, 0.5, -1, 1e19, 1e30, -1e30, .nan, .infinity, -.infinity, 1e-30, 3.5]
    static let strings = ["", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "linear", "nearest", "cubic", "forward",
                          "bidirectional", "reverse", "constant", "reflect", "edge", "RIGHT", "LEFT", "bogus", "ij,jk->ik", "...i,i->..."]
    static let dtypes: [DataType] = [.float, .float, .int64, .int64, .int32, .bool, .float16, .uint8, .int8, .double]

    static func dim(_ rng: inout SplitMix) -> Dim {
        switch rng.below(10) {
        case 0: return .symbol("s\(rng.below(3))")
        case 1: return .unknown
        case 2: return .value([0, 1 << 31, 1 << 40, .max, 1 << 62][rng.below(5)])
        default: return .value([1, 2, 3, 4, 5, 8, 16][rng.below(7)])
        }
    }

    static func tensorType(_ rng: inout SplitMix) -> ValueType {
        if rng.below(12) == 0 { return .sequence(plainTensorType(&rng)) }
        return plainTensorType(&rng)
    }

    static func plainTensorType(_ rng: inout SplitMix) -> ValueType {
        let rank = rng.below(7) == 0 ? nil : rng.below(6)
        return .tensor(TensorType(dtype: dtypes[rng.below(dtypes.count)], shape: rank.map { r in (0..<r).map { _ in dim(&rng) } }))
    }

    /// A small constant: int64 edge values (shapes, axes, pads, sizes) or float edge values (scales).
    static func constant(_ name: String, _ rng: inout SplitMix) -> TensorData {
        // An empty tensor with huge other dims (0 × 2^62): sizes multiply to 0 only in the right order.
        if rng.below(12) == 0 {
            let big = [1 << 31, 1 << 40, 1 << 62, Int.max][rng.below(4)]
            let dims = rng.below(2) == 0 ? [0, big] : [big, 0]
            let float = rng.below(2) == 0
            return TensorData(name: name, dtype: float ? .float : .int64, dims: dims, location: .inline(byteCount: 0),
                              value: float ? .floats([]) : .ints([]))
        }
        let count = [0, 1, 1, 1, 2, 3, 4, 5][rng.below(8)]
        let dims = rng.below(4) == 0 && count == 1 ? [] : [count]
        if rng.below(5) < 2 {
            let values = (0..<count).map { _ in edgeDoubles[rng.below(edgeDoubles.count)] }
            if rng.below(2) == 0 {
                return TensorData(name: name, dtype: .double, dims: dims, location: .inline(byteCount: count * 8), value: .floats(values))
            }
            return TensorData(name: name, dtype: .float, dims: dims, location: .inline(byteCount: count * 4), value: .floats(values))
        }
        let values = (0..<count).map { _ in Dim.value(rng.below(2) == 0 ? smallInts[rng.below(smallInts.count)] : edgeInts[rng.below(edgeInts.count)]) }
        return TensorData(name: name, dtype: .int64, dims: dims, location: .inline(byteCount: count * 8), value: .ints(values))
    }

    static let graphAttributes: Set<String> = ["body", "then_branch", "else_branch"]

    /// A small subgraph for If/Loop/Scan/SequenceMap: 1–3 formal inputs and outputs of random types,
    /// its body an op drawn from the registry over them (or a pass-through).
    static func subgraph(_ rng: inout SplitMix) -> Graph {
        let inputCount = 1 + rng.below(3), outputCount = 1 + rng.below(3)
        let inputs = (0..<inputCount).map { ValueInfo(name: "g\($0)", type: rng.below(3) == 0 ? .unknown : tensorType(&rng)) }
        var nodes: [Node] = []
        var outputs: [ValueInfo] = []
        for o in 0..<outputCount {
            let (domain, type) = rng.below(2) == 0 ? ("", "Identity") : ops[rng.below(ops.count)]
            let name = "go\(o)"
            nodes.append(Node(name: "b\(o)", opType: type, domain: domain, inputs: [inputs[rng.below(inputCount)].name], outputs: [name]))
            outputs.append(ValueInfo(name: name, type: .unknown))
        }
        return Graph(name: "sub", nodes: nodes, inputs: inputs, outputs: outputs)
    }

    static func attribute(_ name: String, _ rng: inout SplitMix) -> Attribute {
        if graphAttributes.contains(name) && rng.below(5) != 0 { return Attribute(name: name, value: .graph(subgraph(&rng))) }
        func int() -> Int { rng.below(2) == 0 ? smallInts[rng.below(smallInts.count)] : edgeInts[rng.below(edgeInts.count)] }
        let value: Attribute.Value
        switch rng.below(10) {
        case 0...3: value = .int(int())
        case 4...6: value = .ints((0..<rng.below(6)).map { _ in int() })
        case 7: value = .float(Float(edgeDoubles[rng.below(edgeDoubles.count)]))
        case 8: value = .floats((0..<rng.below(4)).map { _ in Float(edgeDoubles[rng.below(edgeDoubles.count)]) })
        default: value = .string(strings[rng.below(strings.count)])
        }
        return Attribute(name: name, value: value)
    }

    // MARK: Running

    /// Analyzes `fuzzCase` in-process and checks what the report says; returns findings.
    public func check(_ fuzzCase: Case) -> (findings: [Finding], seconds: Double) {
        var findings: [Finding] = []
        func found(_ kind: String, _ detail: String) {
            findings.append(Finding(caseIndex: fuzzCase.index, op: fuzzCase.op, kind: kind, detail: detail))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let loaded = LoadedModel(model: fuzzCase.model, path: "<fuzz \(fuzzCase.index)>")
        let report = Analyzer.analyze(loaded: loaded, devices: Self.device.map { [$0] } ?? [])
        _ = JSONRenderer.render(report).serialized()
        _ = TextRenderer.render(report)
        _ = CSVRenderer.render(report)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds > caseBudget { found("slow", String(format: "%.2f s", seconds)) }
        for node in report.shapes.main.nodes {
            for type in node.outputTypes {
                if let shape = type.tensor?.shape, let bad = shape.first(where: { ($0.intValue ?? 0) < 0 }) {
                    found("negative_dim", "\(node.ref) output dim \(bad)")
                }
            }
        }
        for node in report.costs.nodes {
            for (name, value) in [("macs", node.macs), ("flops", node.flops), ("bytes_read", node.bytesRead), ("bytes_written", node.bytesWritten)] {
                if let v = value.intValue, v < 0 { found("negative_count", "\(node.ref) \(name) \(v)") }
            }
        }
        let totals = report.costs.totals
        for (name, value) in [("macs", totals.macs), ("flops", totals.flops), ("params", totals.params),
                              ("activation_bytes", totals.activationBytes), ("peak", totals.peakActivationBytes)] {
            if let v = value.intValue, v < 0 { found("negative_total", "\(name) \(v)") }
        }
        return (findings, seconds)
    }

    static let device: Device? = try? Analyzer.catalog(devicesFile: nil).device(named: "t4")

    /// Runs cases `range`, calling `before` with each case first (crash triage writes it down).
    public func run(_ range: Range<Int>, deadline: Double? = nil, before: (Case) -> Void = { _ in }) -> Summary {
        var summary = Summary()
        let start = DispatchTime.now().uptimeNanoseconds
        for index in range {
            if let deadline, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 > deadline { break }
            let fuzzCase = makeCase(index)
            before(fuzzCase)
            let (findings, seconds) = check(fuzzCase)
            summary.cases += 1
            summary.opsCovered.insert(fuzzCase.op)
            summary.findings += findings
            if seconds > summary.slowest.seconds { summary.slowest = (fuzzCase.op, seconds) }
        }
        return summary
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): seeded, so every case is replayable.
public struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A value in `0..<bound` (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
