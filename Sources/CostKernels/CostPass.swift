import ONNXGraph
import ShapeInference

/// Options of the cost pass.
public struct CostOptions: Sendable {
    /// `--dtype`: re-cost float weights and activations at this precision; `nil` = as stored.
    public var targetPrecision: Precision?

    public init(targetPrecision: Precision? = nil) { self.targetPrecision = targetPrecision }
}

/// The cost of one node of the main graph (subgraph costs folded into their control-flow node).
///
/// Kept small, since every node's record lives until the report is written: the node's names and
/// output types are read from the shape pass's own record of it (not stored again), and the counts
/// that are zero on most nodes (MACs, transcendentals, parameters) sit in a box only where one is not.
public struct NodeCost: Sendable {
    public enum Status: Sendable, Equatable {
        case costed
        /// No cost rule (an unsupported op): its compute is not counted, and `coverage` says so.
        case noRule
        /// Shapes it needs are unknown, or a count overflowed. Boxed: rare, and larger than the rest.
        indirect case failed(CostError)
    }

    /// The counts that are zero on nearly every node of a large graph (elementwise ops and views
    /// have no MACs, most ops no transcendentals, only a weight's first consumer has parameters).
    @usableFromInline
    final class RareCounts: Sendable {
        @usableFromInline let macs: SymbolicInt
        @usableFromInline let transcendentals: SymbolicInt
        @usableFromInline let params: SymbolicInt

        init(macs: SymbolicInt, transcendentals: SymbolicInt, params: SymbolicInt) {
            self.macs = macs
            self.transcendentals = transcendentals
            self.params = params
        }

        /// A box for the three counts, or `nil` when all are zero.
        @usableFromInline
        static func boxed(macs: SymbolicInt, transcendentals: SymbolicInt, params: SymbolicInt) -> RareCounts? {
            macs == 0 && transcendentals == 0 && params == 0 ? nil : RareCounts(macs: macs, transcendentals: transcendentals, params: params)
        }
    }

    public var flops: SymbolicInt
    public var bytesRead: SymbolicInt
    public var bytesWritten: SymbolicInt
    // Read by the inlinable accessors below, so that a reader in another module (the report)
    // reads the fields it needs in place instead of copying the whole record per access.
    /// The shape pass's records of this node's graph (its array, shared, not copied).
    @usableFromInline let graphNodes: [NodeInference]
    @usableFromInline var rareCounts: RareCounts?
    /// This node's position in `graphNodes`. 32 bits: the loader refuses files of more than
    /// `CONNX_MAX_NODES` (10^7) nodes. Placed before the 1-byte type, so both share one word.
    @usableFromInline let position: Int32
    /// The precision the MACs and FLOPs run at.
    public var computeType: DataType
    public var status: Status

    init(graphNodes: [NodeInference], position: Int, macs: SymbolicInt, flops: SymbolicInt, transcendentals: SymbolicInt,
         params: SymbolicInt, bytesRead: SymbolicInt, bytesWritten: SymbolicInt, computeType: DataType, status: Status) {
        self.flops = flops
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
        self.graphNodes = graphNodes
        self.rareCounts = RareCounts.boxed(macs: macs, transcendentals: transcendentals, params: params)
        self.computeType = computeType
        self.status = status
        self.position = Int32(truncatingIfNeeded: position)
    }

    /// Names the node (from the shape pass's record, field by field: reading its computed `ref`
    /// through the array copied the whole record).
    @inlinable public var ref: NodeRef {
        let index = Int(position)
        return NodeRef(graphPath: graphNodes[index].graphPath, index: graphNodes[index].index, name: graphNodes[index].node.name,
                       opType: graphNodes[index].node.opType, domain: graphNodes[index].node.domain)
    }
    /// The node's op type and domain (what a per-op table needs, without building a whole `NodeRef`).
    @inlinable public var opType: String { graphNodes[Int(position)].node.opType }
    @inlinable public var domain: String { graphNodes[Int(position)].node.domain }
    /// The node's output types as inferred (the shape pass's own array, shared, not copied).
    @inlinable public var outputs: [ValueType] { graphNodes[Int(position)].outputTypes }
    public var macs: SymbolicInt {
        @inlinable get { rareCounts?.macs ?? 0 }
        set { rareCounts = .boxed(macs: newValue, transcendentals: transcendentals, params: params) }
    }
    public var transcendentals: SymbolicInt {
        @inlinable get { rareCounts?.transcendentals ?? 0 }
        set { rareCounts = .boxed(macs: macs, transcendentals: newValue, params: params) }
    }
    /// Elements of parameters this node is the first to consume.
    public var params: SymbolicInt {
        @inlinable get { rareCounts?.params ?? 0 }
        set { rareCounts = .boxed(macs: macs, transcendentals: transcendentals, params: newValue) }
    }

    public var outputShapes: [[Dim]?] { outputs.map { $0.tensor?.shape } }
    public var outputTypes: [DataType?] { outputs.map { $0.tensor?.dtype } }
}

/// Totals over the model.
public struct CostTotals: Sendable {
    public var macs: SymbolicInt = 0
    public var flops: SymbolicInt = 0
    public var transcendentals: SymbolicInt = 0
    public var params: SymbolicInt = 0
    public var weightBytes: SymbolicInt = 0
    public var activationBytes: SymbolicInt = 0
    /// The peak of live activation bytes. With unbound symbols the peak tensor set can change with
    /// the sizes (attention is quadratic in the sequence): then this is the opaque
    /// `max(c1, c2, ...)` of `peakCandidates`, right at every binding.
    public var peakActivationBytes: SymbolicInt = 0
    /// Live-byte counts, none of which is ≤ another at every binding (symbols ≥ 0): the exact peak
    /// at any binding is the largest of them evaluated there. One entry when the peak is one
    /// polynomial. Each names the node during which it is live.
    public var peakCandidates: [PeakCandidate] = []
    public var memoryAccessBytes: SymbolicInt = 0
    /// MACs and FLOPs by compute precision (`float32`, `int8`...), for the roofline.
    public var macsByType: [DataType: SymbolicInt] = [:]
    public var flopsByType: [DataType: SymbolicInt] = [:]
    /// Parameter elements and stored bytes by stored element type.
    public var paramsByType: [DataType: Int] = [:]
    public var weightBytesByType: [DataType: Int] = [:]
}

/// Ops whose compute is not counted, so no zero is silent.
public struct Coverage: Sendable {
    /// `op` → nodes without a cost rule (unsupported ops, or rules that failed).
    public var uncostedOps: [String: Int] = [:]
    public var uncostedNodes = 0
    public var totalNodes = 0
    public var uncostedShare: Double { totalNodes == 0 ? 0 : Double(uncostedNodes) / Double(totalNodes) }
}

/// The cost of a whole model.
public struct CostReport: Sendable {
    public var nodes: [NodeCost]
    public var totals: CostTotals
    public var coverage: Coverage
    /// The node during which live activation bytes peak.
    public var peakNode: NodeRef?
    /// Live activation bytes while each node of the main graph runs (aligned with `nodes`; a
    /// control-flow node's own subgraph peak included): the series whose maximum is the peak.
    public var liveActivationBytes: [SymbolicInt] = []
    public var targetPrecision: Precision?
    public var diagnostics: [Diagnostic]
    /// The main graph as a deployed runtime fuses it (the roofline's estimate prices this).
    public var fusion: FusionPlan

    /// The fused plan, or one node per group with every tensor moving (`--no-fusion`).
    public func plan(fused: Bool) -> FusionPlan {
        fused ? fusion : .unfused(nodes, peakActivationBytes: totals.peakActivationBytes,
                                  graphInputBytes: fusion.graphInputBytes, graphOutputBytes: fusion.graphOutputBytes)
    }
}

/// Computes every node's cost from the shape pass's result.
public struct CostPass {
    let model: Model
    let shapes: ShapeInferenceResult
    let options: CostOptions
    let rules: any CostRuleResolver

    /// `rules` finds each node's cost rule: the registry that resolved its shape rule (`OpRegistry.builtin`).
    public init(model: Model, shapes: ShapeInferenceResult, options: CostOptions = .init(), rules: any CostRuleResolver) {
        self.model = model
        self.shapes = shapes
        self.options = options
        self.rules = rules
    }

    /// The representative value of every unbound symbol when a peak must be chosen among
    /// symbolic sizes (documented in docs/cost-model.md): bind symbols for exact peaks.
    static let representativeSymbolValue = 1024

    public func run() -> CostReport {
        let state = State(options: options, rules: rules, constants: constantTable())
        // The main graph's constants looked up once, for the pass, the sweep and the fusion plan.
        let mainConstants = state.constantEntries(shapes.main, constants: shapes.main.constants)
        let nodes = state.costGraph(shapes.main, enclosingConstants: [], constantOf: mainConstants.entryOf)
        var totals = state.totals
        totals.macsByType = state.macsByType.dictionary
        totals.flopsByType = state.flopsByType.dictionary
        // Summed as SymbolicInt: a total beyond 64 bits is unknown, never a trap.
        var weightBytes: SymbolicInt = state.weightBytesUnknown ? .unknown : 0
        for bytes in totals.weightBytesByType.values { weightBytes += .value(bytes) }
        totals.weightBytes = weightBytes
        // The main graph's tensor names, hashed once for the activation sweep and the fusion plan.
        let sweepInputs = shapes.inputs.map(\.name)
        let ids = GraphTensorIDs(shapes.main, extraNames: sweepInputs)
        let constantIDs = ids.constantIDs(shapes.main, shared: mainConstants.ids)
        let memory = state.activationMemory(shapes.main, inputs: sweepInputs, ids: ids, constantIDs: constantIDs, costs: nodes,
                                            recordSeries: true)
        totals.activationBytes = memory.sum
        totals.peakActivationBytes = memory.peak
        totals.peakCandidates = memory.candidates
        if memory.candidates.count > 1 {
            let terms = memory.candidates.map(\.bytes.description).sorted()
            // The report's own formula: kept readable whatever its length (it is not computed on further).
            totals.peakActivationBytes = .symbol("max(\(terms.joined(separator: ", ")))")
        }
        for node in nodes where node.status == .costed || node.status == .noRule {
            State.add(State.sum(node.bytesRead, node.bytesWritten), to: &totals.memoryAccessBytes)
        }
        let fusion = state.fusionPlan(shapes.main, nodes: nodes, ids: ids, constantIDs: constantIDs)
        return CostReport(nodes: nodes, totals: totals, coverage: state.coverage, peakNode: memory.peakNode, liveActivationBytes: memory.live,
                          targetPrecision: options.targetPrecision,
                          diagnostics: Diagnostic.collapsed(state.diagnostics)
                              + Diagnostic.budgetWarnings([("MACs", totals.macs), ("FLOPs", totals.flops), ("activation bytes", totals.activationBytes)]),
                          fusion: fusion)
    }

    /// Every constant tensor by name: its stored type (initializers of all graphs; a later graph's
    /// tensor of the same name replaces an earlier one's).
    func constantTable() -> ConstantTable {
        var result = ConstantTable(capacity: model.graph.initializers.count + model.graph.sparseInitializers.count)
        func collect(_ graph: Graph) {
            for tensor in graph.initializers { result.set(tensor) }
            for sparse in graph.sparseInitializers {
                var dense = sparse.values
                dense.name = sparse.values.name
                result.set(dense)
            }
            // Indexed, not bound: binding a node copies (retains) all its fields.
            for index in graph.nodes.indices where !graph.nodes[index].attributes.isEmpty {
                for (_, sub) in graph.nodes[index].subgraphs { collect(sub) }
            }
        }
        collect(model.graph)
        return result
    }

    /// The pass's running totals and findings. A class: the pass's methods share one instance
    /// (a struct was copied whole for every node).
    final class State {
        let options: CostOptions
        let rules: any CostRuleResolver
        /// Constants of every graph by name (initializers with their stored type; other constants,
        /// such as Constant outputs, with none), and which were already counted as parameters.
        var constants: ConstantTable
        var totals = CostTotals()
        /// MACs and FLOPs by compute type, copied into `totals` at the end (no hashing per node).
        var macsByType = TypeTotals()
        var flopsByType = TypeTotals()
        var coverage = Coverage()
        var diagnostics: [Diagnostic] = []
        /// A parameter's element or byte count did not fit 64 bits: the weight-byte total is unknown.
        var weightBytesUnknown = false

        init(options: CostOptions, rules: any CostRuleResolver, constants: ConstantTable) {
            self.options = options
            self.rules = rules
            self.constants = constants
        }

        /// The element type a tensor is costed at: float tensors take the target precision.
        func costedType(_ dtype: DataType) -> DataType {
            guard let target = options.targetPrecision, dtype.isFloatingPoint else { return dtype }
            return target.storageType
        }

        func bytes(_ type: TensorType?) -> SymbolicInt {
            guard let type else { return 0 }
            return TensorType.bytes(elements: type.elementCount, dtype: costedType(type.dtype))
        }

        /// Whether a constant consumed at input `index` of `node` is a model parameter: float
        /// tensors and ≤8-bit integers (quantized weights, zero points), int32 only into quantized
        /// ops (QDQ biases); never at a shape/axes/index input, never int64 or bool.
        func isParameter(_ tensor: TensorData, input index: Int, of node: NodeInference) -> Bool {
            if let schema = node.schema, schema.metadataInputs.contains(index) { return false }
            let dtype = tensor.dtype
            if dtype.isFloatingPoint { return true }
            if let bits = dtype.bitsPerElement, dtype.isInteger, bits <= 8 { return true }
            if dtype == .int32 { return node.schema?.traits.contains(.quantizedInputs) ?? false }
            return false
        }

        /// Each constant's entry in the pass's table by the graph's tensor id (-1: not a constant),
        /// so that a node's inputs are checked by id, never by hashing their names; and the ids of
        /// those constants.
        func constantEntries(_ graph: GraphInference, constants: Set<String>) -> (entryOf: [Int32], ids: [Int]) {
            var entryOf = [Int32](repeating: -1, count: graph.tensorNames.count)
            var ids: [Int] = []
            if !constants.isEmpty {
                let table = graph.tensorNames
                self.constants.reserve(constants.count)
                ids.reserveCapacity(constants.count)
                for name in constants {
                    guard let id = table.id(of: name) else { continue }
                    entryOf[id] = Int32(truncatingIfNeeded: self.constants.entry(name))
                    ids.append(id)
                }
            }
            return (entryOf, ids)
        }

        /// `constantOf` is `constantEntries(graph, ...)`'s table when the caller has it (the main graph's).
        func costGraph(_ graph: GraphInference, enclosingConstants: Set<String>, constantOf given: [Int32]? = nil) -> [NodeCost] {
            // The main graph's constants are its own: no union to build (it hashed every name again).
            let constants = enclosingConstants.isEmpty ? graph.constants : enclosingConstants.union(graph.constants)
            let constantOf = given ?? constantEntries(graph, constants: constants).entryOf
            // Only DequantizeLinear producers matter (QDQ recognition); keeping just those keeps the
            // map small on 100,000-node graphs.
            var producers: [String: NodeInference] = [:]
            for index in graph.nodes.indices where graph.nodes[index].schema?.traits.contains(.dequantize) == true {
                for output in graph.nodes[index].node.outputs where !output.isEmpty { producers[output] = graph.nodes[index] }
            }
            // A loop rather than `map`, whose closure copied the whole state for every node.
            let nodes = graph.nodes
            let tensorIDs = graph.nodeTensorIDs
            // The costs so far, and the node whose only output each tensor id is: a consumer of that
            // tensor reads what the producer's `bytesWritten` counted. Held in one value, lent to
            // each node's costing (not rebuilt per node).
            var earlier = Earlier(nodes: nodes, soleOutputOf: [Int32](repeating: -1, count: graph.tensorNames.count))
            earlier.costs.reserveCapacity(nodes.count)
            // Each record lent to `costNode` in place: indexing the array copied (retained) every field.
            nodes.withUnsafeBufferPointer { records in
                for index in records.indices {
                    let counts = costNode(records[index], inputIDs: tensorIDs.inputs(index), constantOf: constantOf, constants: constants,
                                          producers: producers, earlier: earlier)
                    let outputIDs = tensorIDs.outputs(index)
                    let sole = outputIDs.count == 1 && !Self.isUnknown(records[index].outputTypes[0])
                    for id in outputIDs where id >= 0 { earlier.soleOutputOf[Int(id)] = sole ? Int32(truncatingIfNeeded: index) : -1 }
                    earlier.costs.append(NodeCost(graphNodes: nodes, position: index, macs: counts.macs, flops: counts.flops,
                                                  transcendentals: counts.transcendentals, params: counts.params, bytesRead: counts.bytesRead,
                                                  bytesWritten: counts.bytesWritten, computeType: counts.computeType, status: counts.status))
                }
            }
            return earlier.costs
        }

        /// The graph's nodes costed so far, and the one whose only output each tensor id is.
        struct Earlier {
            let nodes: [NodeInference]
            var costs: [NodeCost] = []
            /// The node whose only output each tensor id is, -1 for none.
            var soleOutputOf: [Int32]

            /// What the producer of tensor `id` counted as written (`0 + bytes`, the value `bytes`
            /// gives) when it wrote exactly `type`: the element count is not worked out again.
            func bytesWritten(ofTensor id: Int32, typed type: TensorType?) -> SymbolicInt? {
                guard id >= 0, let type, case let producer = Int(soleOutputOf[Int(id)]), producer >= 0,
                      nodes[producer].outputTypes[0].tensor == type else { return nil }
                return costs[producer].bytesWritten
            }
        }

        /// A node's counts while the pass works them out (stored as a `NodeCost` once done).
        struct Counts {
            var macs: SymbolicInt = 0
            var flops: SymbolicInt = 0
            var transcendentals: SymbolicInt = 0
            var params: SymbolicInt
            var bytesRead: SymbolicInt
            var bytesWritten: SymbolicInt
            var computeType: DataType
            var status: NodeCost.Status = .costed
        }

        /// One node's cost: parameters, bytes, its rule's compute, and its subgraphs' compute.
        /// `inputIDs` are the node's input tensor ids in its graph, `constantOf` each id's entry in
        /// `constants` (-1 when not a constant).
        func costNode(_ inference: NodeInference, inputIDs: ArraySlice<Int32>, constantOf: [Int32], constants: Set<String>,
                      producers: [String: NodeInference], earlier: borrowing Earlier) -> Counts {
            coverage.totalNodes += 1
            let params = countParameters(inference, inputIDs: inputIDs, constantOf: constantOf)
            Self.add(params, to: &totals.params)
            let bytes = bytesMoved(inference, producers: producers, inputIDs: inputIDs, earlier: earlier)
            var cost = Counts(params: params, bytesRead: bytes.read, bytesWritten: bytes.written,
                              computeType: costedType(inference.inputTypes.first??.tensor?.dtype ?? .float))
            // The shape pass's type arrays, shared (not mapped into new arrays per node).
            let context = CostContext(node: inference.node, opset: inference.opset, inputTypes: inference.inputTypes,
                                      outputTypes: inference.outputTypes, inputValues: inference.inputValues)
            applyRule(inference, context: context, producers: producers, to: &cost)
            // Subgraphs (If branches, Loop/Scan bodies, expanded functions) fold into this node.
            if !inference.subgraphs.isEmpty && (cost.status == .costed || inference.rule == nil) {
                foldSubgraphs(inference, context: context, constants: constants, into: &cost)
            }
            addToTotals(cost, inference: inference)
            return cost
        }

        /// Parameters: elements of the constants this node is the first to consume (added to the
        /// per-type totals here).
        func countParameters(_ inference: NodeInference, inputIDs: ArraySlice<Int32>, constantOf: [Int32]) -> SymbolicInt {
            var params: SymbolicInt = 0
            // The ids are aligned with the node's input names (-1 for an omitted one).
            for (index, id) in inputIDs.enumerated() where id >= 0 {
                let entry = Int(constantOf[Int(id)])
                guard entry >= 0, !constants.isCounted(entry) else { continue }
                let node = inference.node
                let name = node.inputs[index]
                let tensor = constants.tensor(entry) ?? inference.inputTypes[index]?.tensor.map {
                    TensorData(name: name, dtype: $0.dtype, dims: $0.shape?.compactMap(\.intValue) ?? [], location: .inline(byteCount: 0), value: nil)
                }
                guard var tensor, isParameter(tensor, input: index, of: inference) else { continue }
                constants.markCounted(entry)
                // Packed narrow weights (MatMulNBits, MatMulBnb4, GatherBlockQuantized): logical elements.
                var packedBytes: Int?
                if let packed = PackedWeights.logical(node, input: index, stored: tensor) {
                    tensor = TensorData(name: name, dtype: packed.dtype, dims: [packed.elements], location: tensor.location, value: nil)
                    packedBytes = packed.bytes
                }
                // Hostile files declare constants of 2^62 elements: counts that overflow are unknown
                // (with a warning naming the tensor), never a trap.
                guard let count = tensor.elementCount else {
                    params += .unknown
                    weightBytesUnknown = true
                    diagnostics.append(Diagnostic(.warning, node: inference.ref, CostFinding.parameterCountOverflow(name)))
                    continue
                }
                params += .value(count)
                let storedType = options.targetPrecision != nil && tensor.dtype.isFloatingPoint ? costedType(tensor.dtype) : tensor.dtype
                let bytes = packedBytes ?? storedType.byteCount(elements: count)
                let countFits = Self.accumulate(&totals.paramsByType, tensor.dtype, count)
                var bytesFit = true
                if let bytes {
                    bytesFit = Self.accumulate(&totals.weightBytesByType, storedType, bytes)
                } else if storedType.bitsPerElement != nil {
                    bytesFit = false  // the byte count itself overflows
                }
                if !bytesFit { weightBytesUnknown = true }
                if !countFits || !bytesFit {
                    diagnostics.append(Diagnostic(.warning, node: inference.ref, CostFinding.parameterTotalsOverflow(name)))
                }
            }
            return params
        }

        /// Bytes read (every present input; the quantized tensor behind a folded DequantizeLinear) and
        /// written (every output); unknown when a type is.
        func bytesMoved(_ inference: NodeInference, producers: [String: NodeInference], inputIDs: ArraySlice<Int32>,
                        earlier: borrowing Earlier) -> (read: SymbolicInt, written: SymbolicInt) {
            let inputs = inference.node.inputs
            let inputTypes = inference.inputTypes
            var read: SymbolicInt = 0
            var readsUnknown = false
            // An input's type and its `bytes`: an output of that type (every elementwise op's) has
            // those bytes, without its element count worked out again.
            var known: (type: TensorType, bytes: SymbolicInt)?
            let firstID = inputIDs.startIndex
            for index in inputTypes.indices {
                if let type = inputTypes[index], Self.isUnknown(type) { readsUnknown = true }
                guard index < inputs.count && !inputs[index].isEmpty else { continue }
                let type = inputTypes[index]?.tensor
                if let quantized = quantizedInputBytes(inputs[index], producers: producers) {
                    Self.add(quantized, to: &read)
                    continue
                }
                // The producer's `bytesWritten` of this very type is `bytes(type)`.
                let size = earlier.bytesWritten(ofTensor: inputIDs[firstID + index], typed: type) ?? bytes(type)
                Self.add(size, to: &read)
                if let type { known = (type, size) }
            }
            if readsUnknown { read = .unknown }
            var written: SymbolicInt = 0
            var writesUnknown = false
            for type in inference.outputTypes {
                if Self.isUnknown(type) { writesUnknown = true }
                let tensor = type.tensor
                if let tensor, let known, known.type == tensor {
                    Self.add(known.bytes, to: &written)
                } else {
                    Self.add(bytes(tensor), to: &written)
                }
            }
            if writesUnknown { written = .unknown }
            return (read, written)
        }

        /// The compute the node's cost rule states, or why there is none.
        func applyRule(_ inference: NodeInference, context: CostContext, producers: [String: NodeInference], to cost: inout Counts) {
            if inference.status == .inferred, let shapeRule = inference.rule {
                do throws(CostError) {
                    guard let opCost = try rules.cost(by: shapeRule, context) else {
                        cost.status = .noRule  // an inferred op without a cost rule
                        return
                    }
                    cost.macs = opCost.macs
                    cost.flops = opCost.flops
                    cost.transcendentals = opCost.transcendentals
                    if let override = opCost.bytesReadOverride { cost.bytesRead = override }
                    if let computeType = opCost.computeType {
                        cost.computeType = computeType
                    } else if opCost.macs != 0, let quantized = qdqComputeType(inference.node, producers: producers) {
                        cost.computeType = quantized
                    }
                } catch {
                    cost.status = .failed(error)
                    diagnostics.append(Diagnostic(.warning, node: inference.ref, CostFinding.rule(error)))
                }
            } else if inference.subgraphs.isEmpty || inference.rule != nil {
                cost.status = inference.status == .inferred || inference.status == .unsupported ? .noRule
                    : .failed(.shapesNotInferred)
            }
        }

        /// Adds the compute of the node's subgraphs (If branches, Loop/Scan bodies, expanded
        /// functions) as its rule's policy says: repeated, or the costlier branch.
        func foldSubgraphs(_ inference: NodeInference, context: CostContext, constants: Set<String>, into cost: inout Counts) {
            let policy = inference.rule.flatMap(rules.subgraphCostRule(for:))?.subgraphPolicy(context) ?? .repeated(1)
            var branchCosts: [(macs: SymbolicInt, flops: SymbolicInt, transcendentals: SymbolicInt)] = []
            for subgraph in inference.subgraphs {
                let inner = costGraph(subgraph.graph, enclosingConstants: constants)
                var sum = (macs: SymbolicInt(0), flops: SymbolicInt(0), transcendentals: SymbolicInt(0))
                for n in inner where n.status == .costed {
                    sum.macs += n.macs
                    sum.flops += n.flops
                    sum.transcendentals += n.transcendentals
                    cost.params += n.params
                }
                branchCosts.append(sum)
            }
            switch policy {
            case .repeated(let times):
                for branch in branchCosts {
                    cost.macs += branch.macs * times
                    cost.flops += branch.flops * times
                    cost.transcendentals += branch.transcendentals * times
                }
            case .costlierBranch:
                let costliest = branchCosts.max { representative($0.flops) < representative($1.flops) }
                if let costliest {
                    cost.macs += costliest.macs
                    cost.flops += costliest.flops
                    cost.transcendentals += costliest.transcendentals
                }
            }
            if inference.rule == nil { cost.status = .costed }
        }

        /// Adds a costed node to the totals, or an uncosted one to the coverage.
        func addToTotals(_ cost: Counts, inference: NodeInference) {
            guard cost.status == .costed else {
                let node = inference.node
                coverage.uncostedNodes += 1
                let key = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
                coverage.uncostedOps[key, default: 0] += 1
                return
            }
            if cost.macs.isUnknown || cost.flops.isUnknown {
                diagnostics.append(Diagnostic(.warning, node: inference.ref, CostFinding.unknownCount))
            }
            Self.add(cost.macs, to: &totals.macs)
            Self.add(cost.flops, to: &totals.flops)
            Self.add(cost.transcendentals, to: &totals.transcendentals)
            if !Self.isZero(cost.macs) { macsByType.add(cost.macs, to: cost.computeType) }
            if !Self.isZero(cost.flops) { flopsByType.add(cost.flops, to: cost.computeType) }
        }

        /// Adds `amount` to `table[key]`, saturating at `Int.max`; `false` when it saturated.
        static func accumulate(_ table: inout [DataType: Int], _ key: DataType, _ amount: Int) -> Bool {
            let (sum, overflow) = table[key, default: 0].addingReportingOverflow(amount)
            table[key] = overflow ? Int.max : sum
            return !overflow
        }

        /// QDQ form: a MAC op whose data inputs all come from DequantizeLinear of 8-bit tensors runs
        /// in that integer type (that is how runtimes fuse it).
        func qdqComputeType(_ node: Node, producers: [String: NodeInference]) -> DataType? {
            var type: DataType?
            for name in node.inputs.prefix(2) where !name.isEmpty {
                guard let producer = producers[name], producer.schema?.traits.contains(.dequantize) == true,
                      let quantized = producer.inputTypes.first??.tensor?.dtype,
                      quantized == .int8 || quantized == .uint8 || quantized == .int4 || quantized == .uint4 else {
                    if constants.hasTensor(name) { continue }
                    return nil
                }
                type = quantized == .uint8 ? .uint8 : quantized
            }
            return type
        }

        /// A fused QDQ kernel reads the quantized tensor, not the dequantized float: count its bytes.
        func quantizedInputBytes(_ name: String, producers: [String: NodeInference]) -> SymbolicInt? {
            guard !producers.isEmpty, let producer = producers[name], producer.schema?.traits.contains(.dequantize) == true,
                  let quantized = producer.inputTypes.first??.tensor else { return nil }
            return TensorType.bytes(elements: quantized.elementCount, dtype: quantized.dtype)
        }

        /// Evaluates a count with every symbol at the representative value, to pick among symbolic sizes.
        func representative(_ value: SymbolicInt) -> Double {
            switch value {
            case .value(let v): return Double(v)
            case .unknown: return -1
            case .polynomial(let p):
                return Double(p.valueWithEverySymbol(at: CostPass.representativeSymbolValue) ?? Int.max)
            }
        }
    }
}
