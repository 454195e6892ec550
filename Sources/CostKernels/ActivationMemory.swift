import ONNXGraph
import ShapeInference

/// One candidate for the activation peak: live bytes while `node` runs.
public struct PeakCandidate: Sendable, Equatable {
    public var bytes: SymbolicInt
    public var node: NodeRef?

    /// The peak at `bindings`: the largest candidate there (`nil` when one does not evaluate).
    public static func peak(_ candidates: [PeakCandidate], at bindings: [String: Int]) -> Int? {
        var best: Int?
        for candidate in candidates {
            guard let value = candidate.bytes.evaluated(bindings) else { return nil }
            best = max(best ?? value, value)
        }
        return best
    }

    /// Whether `a ≤ b` at every binding of the symbols (dims are ≥ 1): `b − a` has no negative
    /// coefficient, or has none once every plain symbol `s` is written `1 + t` (t ≥ 0). A sufficient
    /// test: a pair it cannot order stays two candidates, never a wrong peak.
    static func isDominated(_ a: SymbolicInt, by b: SymbolicInt) -> Bool {
        let difference: Polynomial
        switch b - a {
        case .value(let d): return d >= 0
        case .polynomial(let d): difference = d
        case .unknown: return false
        }
        if difference.terms.allSatisfy({ $0.coefficient >= 0 }) { return true }
        let symbols = difference.symbols
        if symbols.contains(where: { $0.contains("(") }) { return false }
        // Quick rejection: negative with every symbol at 1.
        guard let atOne = difference.substituting(Dictionary(uniqueKeysWithValues: symbols.map { ($0, 1) }))?.constantValue,
              atOne >= 0 else { return false }
        // Every non-constant term is increasing in each symbol ≥ 1: then d ≥ d(1, …, 1) ≥ 0.
        if difference.terms.allSatisfy({ $0.coefficient >= 0 || $0.monomial.factors.isEmpty }) { return true }
        // The shift expands (1 + t)^p: kept to small polynomials (real exports have degree ≤ 3 and
        // a handful of terms), so a pathological one costs a comparison, not minutes.
        guard difference.terms.count <= 32, difference.terms.allSatisfy({ $0.monomial.degree <= 6 }) else { return false }
        var shifted: SymbolicInt = 0
        for term in difference.terms {
            var product = SymbolicInt.value(term.coefficient)
            for factor in term.monomial.factors {
                for _ in 0..<factor.power { product = product * (.symbol(factor.symbol) + 1) }
            }
            shifted = shifted + product
        }
        switch shifted {
        case .value(let d): return d >= 0
        case .polynomial(let p): return p.terms.allSatisfy { $0.coefficient >= 0 }
        case .unknown: return false
        }
    }
}

extension CostPass.State {
    /// Sum of intermediate tensors' bytes, and the peak of live bytes over the inference order:
    /// a tensor lives from its producer to its last consumer; graph inputs from the start, graph
    /// outputs to the end. Constants are weights, not activations.
    mutating func activationMemory(_ graph: GraphInference, inputs: [String])
        -> (sum: SymbolicInt, peak: SymbolicInt, peakNode: NodeRef?, candidates: [PeakCandidate]) {
        let steps = graph.nodes.count
        var lastUse: [String: Int] = [:]
        for (step, node) in graph.nodes.enumerated() {
            for name in node.node.inputs where !name.isEmpty { lastUse[name] = step }
            for (_, sub) in node.node.subgraphs { for name in sub.outerScopeReferences { lastUse[name] = step } }
        }
        for output in graph.outputNames { lastUse[output] = steps }
        // A DequantizeLinear of a weight is folded by every runtime: its float output never exists.
        var folded = graph.constants
        for node in graph.nodes where node.node.opType == "DequantizeLinear" {
            if let source = node.node.inputs.first, folded.contains(source) { folded.formUnion(node.node.outputs) }
        }
        var sizes: [String: SymbolicInt] = [:]
        for name in inputs { sizes[name] = bytes(graph.valueTypes[name]?.tensor) }
        var sum: SymbolicInt = 0
        for name in inputs { sum += sizes[name] ?? 0 }
        for node in graph.nodes {
            for (index, name) in node.node.outputs.enumerated() where !name.isEmpty && !folded.contains(name) {
                let size = bytes(node.outputTypes[index].tensor)
                sizes[name] = size
                sum += size
            }
        }
        // Sweep: live = inputs at start; at step s add outputs of s, record, free what dies at s.
        // Sizes are compared through their representative values (computed once per tensor), so
        // the sweep does no polynomial evaluation per step.
        var representativeSize: [String: Double] = [:]
        for (name, size) in sizes { representativeSize[name] = representative(size) }
        var live: SymbolicInt = 0
        var liveRepresentative = 0.0
        var freeAt: [Int: [String]] = [:]
        for name in inputs {
            live += sizes[name] ?? 0
            liveRepresentative += representativeSize[name] ?? 0
            freeAt[lastUse[name] ?? 0, default: []].append(name)
        }
        var peak: SymbolicInt = live
        var peakRepresentative = liveRepresentative
        var peakNode: NodeRef?
        // Non-dominated live sets (see `PeakCandidate`); only needed when sizes are symbolic.
        let trackCandidates = sizes.values.contains { if case .polynomial = $0 { true } else { false } }
        var candidates: [PeakCandidate] = []
        var candidateValues: [Double] = []
        var droppedCandidate = false
        for (step, node) in graph.nodes.enumerated() {
            for name in node.node.outputs where !name.isEmpty {
                guard let size = sizes[name] else { continue }
                live += size
                liveRepresentative += representativeSize[name] ?? 0
                freeAt[lastUse[name] ?? step, default: []].append(name)
            }
            // A subgraph's own activations live only while its node runs.
            var innerPeak: SymbolicInt = 0
            var innerRepresentative = 0.0
            for sub in node.subgraphs {
                let inner = activationMemory(sub.graph, inputs: sub.graph.inputNames)
                let value = representative(inner.peak)
                if value > innerRepresentative { innerPeak = inner.peak; innerRepresentative = value }
            }
            if peakNode == nil || liveRepresentative + innerRepresentative > peakRepresentative {
                peak = live + innerPeak
                peakRepresentative = liveRepresentative + innerRepresentative
                peakNode = node.ref
            }
            // A step after which nothing is freed is dominated by the next one (which holds all it
            // holds, and more): only steps that free something, run a subgraph or end the graph count.
            let mayPeak = !(freeAt[step]?.isEmpty ?? true) || !node.subgraphs.isEmpty || step == graph.nodes.count - 1
            if trackCandidates, mayPeak, Self.addCandidate(PeakCandidate(bytes: live + innerPeak, node: node.ref), to: &candidates,
                                                  representative: liveRepresentative + innerRepresentative, values: &candidateValues),
               !droppedCandidate {
                droppedCandidate = true
                diagnostics.append(Diagnostic(.warning, node: node.ref, CostFinding.peakCandidateLimit(Self.peakCandidateLimit)))
            }
            for name in freeAt[step] ?? [] {
                live = live - (sizes[name] ?? 0)
                liveRepresentative -= representativeSize[name] ?? 0
            }
            freeAt[step] = nil
        }
        if !trackCandidates || candidates.isEmpty || peak == .unknown {
            candidates = [PeakCandidate(bytes: peak, node: peakNode)]
        }
        return (sum, peak, peakNode, candidates)
    }

    /// The most candidates kept; past it the smallest (at the representative size) is dropped.
    static let peakCandidateLimit = 64

    /// Adds `candidate` unless another is ≥ it at every binding; drops those it is ≥ of.
    @discardableResult
    static func addCandidate(_ candidate: PeakCandidate, to candidates: inout [PeakCandidate],
                             representative: Double, values: inout [Double]) -> Bool {
        if candidate.bytes == .unknown { return false }
        if candidates.contains(where: { PeakCandidate.isDominated(candidate.bytes, by: $0.bytes) }) { return false }
        var index = candidates.count - 1
        while index >= 0 {
            if PeakCandidate.isDominated(candidates[index].bytes, by: candidate.bytes) {
                candidates.remove(at: index)
                values.remove(at: index)
            }
            index -= 1
        }
        candidates.append(candidate)
        values.append(representative)
        if candidates.count > peakCandidateLimit, let smallest = values.indices.min(by: { values[$0] < values[$1] }) {
            candidates.remove(at: smallest)
            values.remove(at: smallest)
            return true
        }
        return false
    }
}
