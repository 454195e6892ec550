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
        // Equal counts (a chain's steps): `b − a` is 0. An unknown count is never ordered.
        if a == b { return a != .unknown }
        // The two common answers without building `b − a`, where `b − a` is sure to be a true
        // polynomial (past the budget it would be an opaque symbol, read below as non-negative).
        if let p = a.asPolynomial, let q = b.asPolynomial, q.sumStaysWithinBudget(p) {
            guard let nonNegative = q.differenceHasNoNegativeCoefficient(minus: p) else { return false }
            if nonNegative { return true }
            if let atOneA = p.valueWithEverySymbol(at: 1), let atOneB = q.valueWithEverySymbol(at: 1) {
                let (d, overflow) = atOneB.subtractingReportingOverflow(atOneA)
                if !overflow && d < 0 { return false }
            }
        }
        let difference: Polynomial
        switch b - a {
        case .value(let d): return d >= 0
        case .polynomial(let d): difference = d
        case .unknown: return false
        }
        let terms = difference.terms
        if terms.allSatisfy({ $0.coefficient >= 0 }) { return true }
        if terms.contains(where: { $0.monomial.factors.contains { $0.symbol.contains("(") } }) { return false }
        // Quick rejection: negative with every symbol at 1.
        guard let atOne = difference.valueWithEverySymbol(at: 1), atOne >= 0 else { return false }
        // Every non-constant term is increasing in each symbol ≥ 1: then d ≥ d(1, …, 1) ≥ 0.
        if terms.allSatisfy({ $0.coefficient >= 0 || $0.monomial.factors.isEmpty }) { return true }
        // The shift expands (1 + t)^p: kept to small polynomials (real exports have degree ≤ 3 and
        // a handful of terms), so a pathological one costs a comparison, not minutes.
        guard terms.count <= 32, terms.allSatisfy({ $0.monomial.degree <= 6 }) else { return false }
        var shifted: SymbolicInt = 0
        for term in terms {
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
    /// outputs to the end. Constants are weights, not activations. With `recordSeries`, also the
    /// live bytes at each step (the HTML report's memory chart), kept for the main graph only.
    ///
    /// `ids` are the graph's tensor ids when the caller has them (the main graph's, shared with the
    /// fusion plan); they must hold every name of `inputs`.
    /// `costs` are the graph's node costs when the caller has them (the main graph's): a node's
    /// only output's size is then read from its `bytesWritten` instead of computed again.
    func activationMemory(_ graph: GraphInference, inputs: [String], ids shared: GraphTensorIDs? = nil, constantIDs givenConstants: [Int]? = nil,
                          costs: [NodeCost]? = nil, recordSeries: Bool = false)
        -> (sum: SymbolicInt, peak: SymbolicInt, peakNode: NodeRef?, candidates: [PeakCandidate], live: [SymbolicInt]) {
        let steps = graph.nodes.count
        // Every tensor name has an integer id, hashed once; the sweep below then indexes arrays.
        let ids = shared ?? GraphTensorIDs(graph, extraNames: inputs)
        let names = ids.names
        let count = names.count
        var lastUse = [Int?](repeating: nil, count: count)
        // Loops index the nodes and read only the fields they need: binding a whole NodeInference
        // copies (retains) every field of it.
        let nodes = graph.nodes
        let inputIDs = ids.inputIDs, inputStart = ids.inputStart
        for step in nodes.indices {
            for slot in inputStart[step]..<inputStart[step + 1] where inputIDs[slot] >= 0 { lastUse[inputIDs[slot]] = step }
            if let outer = ids.outerReferences[step] { for id in outer { lastUse[id] = step } }
        }
        for id in ids.graphOutputIDs { lastUse[id] = steps }
        // Every name of `inputs` has an id (the table was built with them).
        let sweepInputs = inputs.compactMap { name in names.existingID(name).map { (name: name, id: $0) } }
        // Output ids of every node, in order (one flat list; `outputStart[step]` is where a step's begin).
        let outputIDs = ids.outputIDs, outputStart = ids.outputStart
        // A DequantizeLinear of a weight is folded by every runtime: its float output never exists.
        var folded = [Bool](repeating: false, count: count)
        for id in givenConstants ?? ids.constantIDs(graph) { folded[id] = true }
        for step in nodes.indices where nodes[step].schema?.traits.contains(.dequantize) == true {
            if inputStart[step] < inputStart[step + 1], case let id = inputIDs[inputStart[step]], id >= 0, folded[id] {
                for slot in outputStart[step]..<outputStart[step + 1] where outputIDs[slot] >= 0 { folded[outputIDs[slot]] = true }
            }
        }
        var sizes = [SymbolicInt?](repeating: nil, count: count)
        for (name, id) in sweepInputs { sizes[id] = bytes(graph.valueTypes[name]?.tensor) }
        var sum: SymbolicInt = 0
        for (_, id) in sweepInputs { sum += sizes[id] ?? 0 }
        for step in nodes.indices {
            for slot in outputStart[step]..<outputStart[step + 1] {
                let id = outputIDs[slot]
                guard id >= 0, !folded[id] else { continue }
                let size = outputBytes(nodes, step: step, slot: slot - outputStart[step], costs: costs)
                sizes[id] = size
                sum += size
            }
        }
        // Sweep: live = inputs at start; at step s add outputs of s, record, free what dies at s.
        // Sizes are compared through their representative values (computed once per tensor), so
        // the sweep does no polynomial evaluation per step.
        let representativeSize = sizes.map { $0.map(representative) }
        var live: SymbolicInt = 0
        var liveRepresentative = 0.0
        // What dies at each step, in the order the tensors were added (a tensor whose last use is
        // before the step that made it is never freed, as before).
        var freeAt = FreeList(steps: steps)
        for (_, id) in sweepInputs {
            live += sizes[id] ?? 0
            liveRepresentative += representativeSize[id] ?? 0
            freeAt.add(id, at: lastUse[id] ?? 0)
        }
        var peak: SymbolicInt = live
        var peakRepresentative = liveRepresentative
        // The step of the peak, named once at the end (not a `NodeRef` built per new peak).
        var peakStep: Int?
        // Non-dominated live sets (see `PeakCandidate`); only needed when sizes are symbolic.
        let trackCandidates = sizes.contains { if case .some(.polynomial) = $0 { true } else { false } }
        var candidates: [PeakCandidate] = []
        var candidateValues: [Double] = []
        var candidateExact: [Int?] = []
        var candidateSteps: [Int] = []
        var droppedCandidate = false
        var series: [SymbolicInt] = []
        if recordSeries { series.reserveCapacity(steps) }
        var dying: [Int] = []
        for step in nodes.indices {
            for slot in outputStart[step]..<outputStart[step + 1] {
                let id = outputIDs[slot]
                guard id >= 0, let size = sizes[id] else { continue }
                live += size
                liveRepresentative += representativeSize[id] ?? 0
                freeAt.add(id, at: lastUse[id] ?? step)
            }
            // A subgraph's own activations live only while its node runs.
            var innerPeak: SymbolicInt = 0
            var innerRepresentative = 0.0
            for sub in nodes[step].subgraphs {
                let inner = activationMemory(sub.graph, inputs: sub.graph.inputNames)
                let value = representative(inner.peak)
                if value > innerRepresentative { innerPeak = inner.peak; innerRepresentative = value }
            }
            // Most steps run no subgraph: `live + 0` is `live`, without the general addition.
            let stepBytes = Self.sum(live, innerPeak)
            if recordSeries { series.append(stepBytes) }
            if peakStep == nil || liveRepresentative + innerRepresentative > peakRepresentative {
                peak = stepBytes
                peakRepresentative = liveRepresentative + innerRepresentative
                peakStep = step
            }
            // A step after which nothing is freed is dominated by the next one (which holds all it
            // holds, and more): only steps that free something, run a subgraph or end the graph count.
            freeAt.take(step, into: &dying)
            let mayPeak = !dying.isEmpty || !nodes[step].subgraphs.isEmpty || step == graph.nodes.count - 1
            // Named at the end: only the kept candidates get a `NodeRef`. The count of the last
            // candidate again (a chain's steps hold equal bytes) is dominated by it, as `addCandidate`
            // would find (equal counts are): skipped before a candidate is built.
            if trackCandidates, mayPeak, candidates.last?.bytes != stepBytes,
               Self.addCandidate(PeakCandidate(bytes: stepBytes, node: nil), to: &candidates,
                                                  representative: liveRepresentative + innerRepresentative, values: &candidateValues,
                                                  exact: &candidateExact, step: step, steps: &candidateSteps),
               !droppedCandidate {
                droppedCandidate = true
                diagnostics.append(Diagnostic(.warning, node: nodes[step].ref, CostFinding.peakCandidateLimit(Self.peakCandidateLimit)))
            }
            for id in dying {
                live = live - (sizes[id] ?? 0)
                liveRepresentative -= representativeSize[id] ?? 0
            }
        }
        let peakNode = peakStep.map { nodes[$0].ref }
        if !trackCandidates || candidates.isEmpty || peak == .unknown {
            candidates = [PeakCandidate(bytes: peak, node: peakNode)]
        } else {
            for index in candidates.indices { candidates[index].node = nodes[candidateSteps[index]].ref }
        }
        return (sum, peak, peakNode, candidates, series)
    }

    /// Bytes of output `slot` of `nodes[step]` at the costed width. A node's only output is what its
    /// `bytesWritten` already counted (`0 + bytes`, the same value), so with `costs` that is read
    /// rather than the element count computed again; otherwise computed.
    func outputBytes(_ nodes: [NodeInference], step: Int, slot: Int, costs: [NodeCost]?) -> SymbolicInt {
        if let costs, slot == 0, nodes[step].outputTypes.count == 1, !Self.isUnknown(nodes[step].outputTypes[0]) {
            return costs[step].bytesWritten
        }
        return bytes(nodes[step].outputTypes[slot].tensor)
    }

    /// The most candidates kept; past it the smallest (at the representative size) is dropped.
    static let peakCandidateLimit = 64

    /// Adds `candidate` unless another is ≥ it at every binding; drops those it is ≥ of.
    @discardableResult
    /// `exact` holds each candidate's value with every symbol at the representative value (`nil`
    /// on overflow): `a` can be dominated by `b` only if `a`'s is ≤ `b`'s, so a pair whose values say
    /// otherwise skips the polynomial test (which would answer no).
    /// `steps` holds each candidate's step (`step` is the new one's), kept aligned with `candidates`.
    static func addCandidate(_ candidate: PeakCandidate, to candidates: inout [PeakCandidate],
                             representative: Double, values: inout [Double], exact: inout [Int?],
                             step: Int, steps: inout [Int]) -> Bool {
        if candidate.bytes == .unknown { return false }
        let polynomial = candidate.bytes.asPolynomial
        let value = polynomial?.valueWithEverySymbol(at: CostPass.representativeSymbolValue)
        /// Whether the test must run: when the difference could outgrow the budget (an opaque
        /// symbol, which the test reads as non-negative), or a value overflowed, it always does.
        func mayBeDominated(_ a: Int?, by b: Int?, other: SymbolicInt) -> Bool {
            guard let a, let b, let p = polynomial, let q = other.asPolynomial, p.sumStaysWithinBudget(q) else { return true }
            return a <= b
        }
        if candidates.indices.contains(where: {
            mayBeDominated(value, by: exact[$0], other: candidates[$0].bytes)
                && PeakCandidate.isDominated(candidate.bytes, by: candidates[$0].bytes)
        }) { return false }
        var index = candidates.count - 1
        while index >= 0 {
            if mayBeDominated(exact[index], by: value, other: candidates[index].bytes),
               PeakCandidate.isDominated(candidates[index].bytes, by: candidate.bytes) {
                candidates.remove(at: index)
                values.remove(at: index)
                exact.remove(at: index)
                steps.remove(at: index)
            }
            index -= 1
        }
        candidates.append(candidate)
        values.append(representative)
        exact.append(value)
        steps.append(step)
        if candidates.count > peakCandidateLimit, let smallest = values.indices.min(by: { values[$0] < values[$1] }) {
            candidates.remove(at: smallest)
            values.remove(at: smallest)
            exact.remove(at: smallest)
            steps.remove(at: smallest)
            return true
        }
        return false
    }
}

/// Tensor names interned to dense integer ids (0, 1, 2...) in the order first seen: each lookup
/// hashes the name once, and everything after indexes arrays. Built on the shape pass's table of the
/// same graph (`GraphInference.tensorNames`): names it holds are found there, by id, without hashing.
struct TensorIDs {
    /// The shape pass's ids, and this table's id of each (-1 until seen here).
    private let shared: TensorNameTable
    private var fromShared: [Int32]
    /// Names the shape pass's table does not hold.
    private var table: [String: Int] = [:]
    private var names: [String] = []

    var count: Int { names.count }

    /// Room for about `capacity` names, ids of `shared`'s names kept apart from it.
    init(capacity: Int = 0, shared: TensorNameTable = TensorNameTable()) {
        self.shared = shared
        fromShared = Array(repeating: -1, count: shared.count)
        names.reserveCapacity(capacity)
    }

    /// The id of `name`, given a new one when it is first seen.
    mutating func id(_ name: String) -> Int {
        if let sharedID = shared.id(of: name) { return id(shared: sharedID) }
        // One lookup: the defaulting subscript's accessor inserts `next` when the name is new.
        let next = names.count
        let id = Self.read(&table[name, default: next])
        if id == next { names.append(name) }
        return id
    }

    /// The id of the shape pass's id `sharedID` (no hashing).
    mutating func id(shared sharedID: Int) -> Int {
        let known = fromShared[sharedID]
        if known >= 0 { return Int(known) }
        let id = names.count
        fromShared[sharedID] = Int32(truncatingIfNeeded: id)
        names.append(shared.names[sharedID])
        return id
    }

    /// The name of `id`.
    func name(_ id: Int) -> String { names[id] }

    private static func read(_ value: inout Int) -> Int { value }

    /// This table's id of the shape pass's id `sharedID`, when it has one.
    func existingID(shared sharedID: Int) -> Int? {
        fromShared[sharedID] >= 0 ? Int(fromShared[sharedID]) : nil
    }

    /// The id of `name` when it has one.
    func existingID(_ name: String) -> Int? {
        if let sharedID = shared.id(of: name) { return fromShared[sharedID] >= 0 ? Int(fromShared[sharedID]) : nil }
        return table.isEmpty ? nil : table[name]
    }
}

/// Every tensor name of one graph as a dense id, hashed once for both passes that need them (the
/// activation sweep and the fusion plan), with each node's input and output ids in flat lists.
struct GraphTensorIDs {
    var names: TensorIDs
    /// Input ids of node `i` are `inputIDs[inputStart[i]..<inputStart[i + 1]]` (-1 for an empty name).
    var inputIDs: [Int] = []
    var inputStart: [Int] = []
    var outputIDs: [Int] = []
    var outputStart: [Int] = []
    /// Outer-scope references of each node's subgraphs (rare), in the order the subgraphs list them.
    var outerReferences: [Int: [Int]] = [:]
    var graphInputIDs: [Int] = []
    var graphOutputIDs: [Int] = []

    /// Ids for every name of `graph`, its inputs and outputs, and `extraNames` (the inputs an
    /// activation sweep starts from), so that every later lookup finds its name.
    init(_ graph: GraphInference, extraNames: [String] = []) {
        let count = graph.nodes.count
        names = TensorIDs(capacity: count + graph.inputNames.count, shared: graph.tensorNames)
        inputStart.reserveCapacity(count + 1)
        outputStart.reserveCapacity(count + 1)
        // The shape pass named every node's inputs and outputs: its ids are renumbered here (in the
        // order first seen, as the sweep and the plan number them), without hashing a name again.
        let shapeIDs = graph.nodeTensorIDs
        inputIDs.reserveCapacity(shapeIDs.inputIDs.count)
        outputIDs.reserveCapacity(shapeIDs.outputIDs.count)
        for index in 0..<count {
            inputStart.append(inputIDs.count)
            for id in shapeIDs.inputs(index) { inputIDs.append(id < 0 ? -1 : names.id(shared: Int(id))) }
            outputStart.append(outputIDs.count)
            for id in shapeIDs.outputs(index) { outputIDs.append(id < 0 ? -1 : names.id(shared: Int(id))) }
        }
        inputStart.append(inputIDs.count)
        outputStart.append(outputIDs.count)
        for (index, inference) in graph.nodes.enumerated() where !inference.node.attributes.isEmpty {
            var list: [Int] = []
            for (_, sub) in inference.node.subgraphs { for name in sub.outerScopeReferences { list.append(names.id(name)) } }
            if !list.isEmpty { outerReferences[index] = list }
        }
        graphInputIDs = graph.inputNames.map { names.id($0) }
        graphOutputIDs = graph.outputNames.map { names.id($0) }
        for name in extraNames { _ = names.id(name) }
    }

    /// Ids of the graph's constants (`GraphInference.constants`). `shared`, when given, are their
    /// shape-pass ids (the cost pass looked them up already): then no name is hashed again. Not a
    /// stored field: the fusion plan's closures copy this table, field by field, per call.
    func constantIDs(_ graph: GraphInference, shared: [Int]? = nil) -> [Int] {
        var result: [Int] = []
        if let shared {
            for sharedID in shared { if let id = names.existingID(shared: sharedID) { result.append(id) } }
        } else {
            for name in graph.constants { if let id = names.existingID(name) { result.append(id) } }
        }
        return result
    }

    func inputs(_ index: Int) -> ArraySlice<Int> { inputIDs[inputStart[index]..<inputStart[index + 1]] }
    func outputs(_ index: Int) -> ArraySlice<Int> { outputIDs[outputStart[index]..<outputStart[index + 1]] }
}

/// Tensors to free at each step of a sweep, kept in the order they were added. A tensor added for
/// a step the sweep has already passed is never freed (it is dropped), as a dictionary of lists
/// consumed step by step behaved.
struct FreeList {
    private var heads: [Int]
    private var next: [Int] = []
    private var ids: [Int] = []
    private var tails: [Int]
    private var current = -1

    init(steps: Int) {
        heads = Array(repeating: -1, count: steps + 1)
        tails = heads
    }

    /// Frees `id` after `step` (steps past the last one, the graph's outputs, are never freed).
    mutating func add(_ id: Int, at step: Int) {
        guard step > current, step < heads.count else { return }
        let entry = ids.count
        ids.append(id)
        next.append(-1)
        if tails[step] >= 0 { next[tails[step]] = entry } else { heads[step] = entry }
        tails[step] = entry
    }

    /// The ids to free after `step`, in the order added, into `result` (emptied first, its storage
    /// reused: no array per step); later adds for `step` or before are dropped.
    mutating func take(_ step: Int, into result: inout [Int]) {
        current = step
        result.removeAll(keepingCapacity: true)
        guard step >= 0, step < heads.count else { return }
        var entry = heads[step]
        while entry >= 0 {
            result.append(ids[entry])
            entry = next[entry]
        }
    }
}

/// Lists of ids keyed by dense ids (tensors, nodes, groups), in four flat arrays instead of an array
/// of arrays: one heap block per table, not one per non-empty list (a 100,000-node graph had
/// 500,000 small arrays in its fusion plan). Each list keeps the order its ids were appended in.
/// Entries and ids are stored as Int32: the loader refuses files with more than 2^28 node and graph
/// inputs and outputs (`CONNX_MAX_TENSOR_REFERENCES`), which bounds every tensor id, node index and
/// list length below 2^31, so the narrowing never wraps; reading back widens, which cannot trap.
struct ListTable {
    private var heads: [Int32]
    private var tails: [Int32]
    private var next: [Int32] = []
    private var values: [Int32] = []

    /// `keys` empty lists; room for `capacity` ids without growing.
    init(keys: Int, capacity: Int = 0) {
        heads = Array(repeating: -1, count: keys)
        tails = heads
        next.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// Appends `value` to the list of `key`.
    mutating func append(_ value: Int, to key: Int) {
        let entry = Int32(truncatingIfNeeded: values.count)
        values.append(Int32(truncatingIfNeeded: value))
        next.append(-1)
        let tail = Int(tails[key])
        if tail >= 0 { next[tail] = entry } else { heads[key] = entry }
        tails[key] = entry
    }

    /// The id appended last to the list of `key`.
    func last(_ key: Int) -> Int? {
        let tail = Int(tails[key])
        return tail >= 0 ? Int(values[tail]) : nil
    }

    func isEmpty(_ key: Int) -> Bool { heads[key] < 0 }

    /// Whether the list of `key` holds exactly one id.
    func hasOne(_ key: Int) -> Bool {
        let head = Int(heads[key])
        return head >= 0 && next[head] < 0
    }

    /// Whether an id of the list of `key` satisfies `predicate` (in list order, stopping at the first).
    func contains(_ key: Int, where predicate: (Int) throws -> Bool) rethrows -> Bool {
        var entry = Int(heads[key])
        while entry >= 0 {
            if try predicate(Int(values[entry])) { return true }
            entry = Int(next[entry])
        }
        return false
    }

    /// Calls `body` on every id of the list of `key`, in the order appended.
    func forEach(_ key: Int, _ body: (Int) throws -> Void) rethrows {
        var entry = Int(heads[key])
        while entry >= 0 {
            try body(Int(values[entry]))
            entry = Int(next[entry])
        }
    }

    /// The list of `key`, in the order appended.
    func list(_ key: Int) -> [Int] {
        var result: [Int] = []
        var entry = Int(heads[key])
        while entry >= 0 {
            result.append(Int(values[entry]))
            entry = Int(next[entry])
        }
        return result
    }
}
