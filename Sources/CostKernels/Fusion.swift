import ONNXGraph
import ShapeInference

/// How a deployed runtime (TensorRT, onnxruntime's GPU providers) treats a node when it builds
/// kernels: the fusion rules of docs/cost-model.md, one role per node.
public enum FusionRole: String, Sendable, Codable {
    /// Starts a kernel of its own (Conv, MatMul, Gemm, pooling, normalization, softmax, gathers...).
    case kernel
    /// A pointwise op: fused into the kernel that produces its input when it is that input's only
    /// consumer (bias, BatchNormalization at inference, activations, residual Add, Cast, Quantize).
    case epilogue
    /// Moves nothing: its output is its input, seen with other dims (Reshape, Flatten, Squeeze,
    /// Unsqueeze, Identity, Dropout at inference) or read at its stored width (DequantizeLinear of an
    /// activation: the consumer reads the 8-bit tensor).
    case view
    /// Computed once when the engine is built: every input is a constant or folded (DequantizeLinear
    /// of a weight, Transpose of a constant, Shape→Gather→Concat chains on static shapes).
    case folded
}

/// One fusion group: a kernel and what is fused into it. Only tensors that cross a group boundary
/// (or are graph inputs and outputs) move through DRAM.
public struct FusionGroup: Sendable {
    /// Position in `FusionPlan.groups` (also the order the groups run in).
    public var id: Int
    /// Indices into `CostReport.nodes`, in graph order; the first is the anchor.
    public var members: [Int]
    /// Boundary activations read (produced by another group, or graph inputs).
    public var activationBytesRead: SymbolicInt
    /// Constants read: weights at their stored (or `--dtype`) width; a DequantizeLinear'd weight at its quantized width.
    public var weightBytesRead: SymbolicInt
    /// Activations written that another group or the graph's outputs consume.
    public var bytesWritten: SymbolicInt

    public var anchor: Int { members[0] }
    public var bytesMoved: SymbolicInt { activationBytesRead + weightBytesRead + bytesWritten }
}

/// A tensor that crosses a group boundary: written by one group (or a graph input), read by others.
public struct BoundaryTensor: Sendable {
    public var bytes: SymbolicInt
    /// `nil` for a graph input.
    public var producerGroup: Int?
    /// Distinct groups that read it, in order.
    public var consumerGroups: [Int]
    public var isGraphOutput: Bool
    /// A KV cache appended in place: only its new tokens were ever on chip, so no cache keeps it.
    public var isAppendedCache = false
}

/// The model as a deployed runtime runs it: fusion groups and the traffic between them.
public struct FusionPlan: Sendable {
    public var groups: [FusionGroup]
    /// Every activation that moves between groups: what an on-chip cache may keep (the estimate's cache rule).
    public var boundaryTensors: [BoundaryTensor]
    /// Group id of every node of `CostReport.nodes`; `nil` for views and folded nodes, which run in no kernel.
    public var groupOfNode: [Int?]
    public var roleOfNode: [FusionRole]
    /// Peak of live boundary tensors over the group schedule (tensors inside a group never exist in DRAM).
    public var peakActivationBytes: SymbolicInt
    /// Graph inputs and outputs (at the costed width): bytes no run can avoid moving.
    public var graphInputBytes: SymbolicInt
    public var graphOutputBytes: SymbolicInt
    /// Whether the groups are real fusion groups (`false`: one node per group, every tensor moves, `--no-fusion`).
    public var fused: Bool
}

extension FusionRole {
    /// The role of `node`, given which of its inputs are constants (or folded).
    /// The traits come from the op's schema (`OpSchema.traits`).
    static func of(_ node: Node, traits: OpTraits, inputIsConstant: (String) -> Bool) -> FusionRole {
        let data = node.inputs.filter { !$0.isEmpty }
        if traits.contains(.metadataOnly) || (!data.isEmpty && data.allSatisfy(inputIsConstant)) { return .folded }
        if !node.subgraphs.isEmpty { return .kernel }
        if !traits.isDisjoint(with: [.view, .dequantize]) { return .view }
        if traits.contains(.epilogue) { return .epilogue }
        return .kernel
    }
}

extension NodeInference {
    /// The flags of the node's op (none when it has no schema).
    var traits: OpTraits { schema?.traits ?? [] }
}

extension CostPass.State {
    /// Groups the main graph's nodes as a deployed runtime fuses them (docs/cost-model.md, "Fusion
    /// groups"), and prices the traffic between groups.
    func fusionPlan(_ graph: GraphInference, nodes: [NodeCost]) -> FusionPlan {
        let count = graph.nodes.count
        var folded = graph.constants
        var appends = Set<Int>()
        var roles: [FusionRole] = []
        roles.reserveCapacity(count)
        // Root of every view output: the tensor that really exists in memory.
        var root: [String: String] = [:]
        func rootOf(_ name: String) -> String { root[name] ?? name }
        /// Bytes a folded tensor costs when a kernel reads it: a DequantizeLinear'd weight at its quantized width.
        var foldedBytes: [String: SymbolicInt] = [:]
        // Who reads each tensor, for the prologue rule below.
        var nodeReaders: [String: [Int]] = [:]
        for index in graph.nodes.indices {
            for name in graph.nodes[index].node.inputs where !name.isEmpty && nodeReaders[name]?.last != index {
                nodeReaders[name, default: []].append(index)
            }
        }
        let outputNames = Set(graph.outputNames)
        /// Whether `name` reaches only GEMM operands (through views): a GEMM reads a transposed or
        /// broadcast operand in place (cuBLAS op(A) = Aᵀ, stride-0 batches), so the Transpose or
        /// Expand that made it moves nothing.
        func feedsOnlyGEMMs(_ name: String, depth: Int = 0) -> Bool {
            guard depth < 8, !outputNames.contains(name), let list = nodeReaders[name], !list.isEmpty else { return false }
            return list.allSatisfy { index in
                let node = graph.nodes[index].node, traits = graph.nodes[index].traits
                if traits.contains(.gemm) { return true }
                if !traits.isDisjoint(with: [.view, .gemmOperandLayout]),
                   node.inputs.first == name, let output = node.outputs.first {
                    return feedsOnlyGEMMs(output, depth: depth + 1)
                }
                return false
            }
        }
        let graphInputs = Set(graph.inputNames).subtracting(graph.constants)
        for index in graph.nodes.indices {
            let node = graph.nodes[index].node, traits = graph.nodes[index].traits
            var role = FusionRole.of(node, traits: traits) { folded.contains($0) }
            if role == .kernel, traits.contains(.gemmOperandLayout), let output = node.outputs.first, feedsOnlyGEMMs(output) {
                role = .view
            }
            // A KV cache appended in place: Concat(past input, new) → present output. A serving runtime
            // writes the new tokens into the past buffer; the past is not copied.
            if role == .kernel, node.opType == "Concat", node.inputs.count == 2, graphInputs.contains(node.inputs[0]),
               let output = node.outputs.first, outputNames.contains(output) || (nodeReaders[output] ?? []).contains(where: {
                   graph.nodes[$0].node.opType == "Identity" && graph.nodes[$0].node.outputs.contains(where: outputNames.contains)
               }) {
                appends.insert(index)
            }
            roles.append(role)
            switch role {
            case .folded:
                for (slot, output) in node.outputs.enumerated() where !output.isEmpty {
                    folded.insert(output)
                    if traits.contains(.dequantize), let source = node.inputs.first, !source.isEmpty {
                        foldedBytes[output] = foldedBytes[source] ?? bytes(graph.nodes[index].inputTypes.first??.tensor)
                    } else if traits.contains(.view) || node.opType == "Transpose",
                              let source = node.inputs.first, let bytes = foldedBytes[source] {
                        foldedBytes[output] = bytes
                    } else {
                        foldedBytes[output] = bytes(graph.nodes[index].outputTypes[slot].tensor)
                    }
                }
            case .view:
                if let source = node.inputs.first, !source.isEmpty, let output = node.outputs.first, !output.isEmpty {
                    root[output] = rootOf(source)
                }
            case .kernel, .epilogue:
                break
            }
        }

        // Real consumers of every root tensor (views see through to their consumers).
        var consumers: [String: [Int]] = [:]
        for index in graph.nodes.indices where roles[index] == .kernel || roles[index] == .epilogue {
            var seen = Set<String>()
            for name in graph.nodes[index].node.inputs where !name.isEmpty && !folded.contains(name) {
                let r = rootOf(name)
                if seen.insert(r).inserted { consumers[r, default: []].append(index) }
            }
            for (_, sub) in graph.nodes[index].node.subgraphs {
                for name in sub.outerScopeReferences where !folded.contains(name) {
                    let r = rootOf(name)
                    if seen.insert(r).inserted { consumers[r, default: []].append(index) }
                }
            }
        }
        let graphOutputs = Set(graph.outputNames.map(rootOf))

        // Sizes of root tensors, at the costed width.
        var size: [String: SymbolicInt] = [:]
        for name in graph.inputNames { size[name] = bytes(graph.valueTypes[name]?.tensor) }
        var producer: [String: Int] = [:]
        for index in graph.nodes.indices where roles[index] == .kernel || roles[index] == .epilogue {
            for (slot, output) in graph.nodes[index].node.outputs.enumerated() where !output.isEmpty {
                size[output] = bytes(graph.nodes[index].outputTypes[slot].tensor)
                producer[output] = index
            }
        }

        // Assign groups: an epilogue joins the group of the input it is the only consumer of.
        var groupOf = [Int?](repeating: nil, count: count)
        var members: [[Int]] = []
        for index in graph.nodes.indices where roles[index] == .kernel || roles[index] == .epilogue {
            var joined: Int?
            if roles[index] == .epilogue {
                let outputElements = graph.nodes[index].outputTypes.first?.tensor?.elementCount
                for name in graph.nodes[index].node.inputs where !name.isEmpty && !folded.contains(name) {
                    let r = rootOf(name)
                    guard let source = producer[r], let group = groupOf[source], consumers[r]?.count == 1,
                          !graphOutputs.contains(r), let elements = outputElements, !elements.isUnknown,
                          elementCount(graph, r, producer: producer, roles: roles) == elements else { continue }
                    joined = group
                    break
                }
            }
            if let joined {
                members[joined].append(index)
                groupOf[index] = joined
            } else {
                groupOf[index] = members.count
                members.append([index])
            }
        }

        // A group runs when its last member can: order groups by their last node, so a residual Add
        // fused into an earlier conv runs after the branch it reads (reuse distances depend on it).
        members.sort { $0.last! < $1.last! }
        for (id, list) in members.enumerated() { for index in list { groupOf[index] = id } }

        // Traffic per group: boundary reads, weight reads, boundary writes.
        var groups: [FusionGroup] = []
        groups.reserveCapacity(members.count)
        var lastConsumerGroup: [String: Int] = [:]
        var readers: [String: [Int]] = [:]
        for (id, list) in members.enumerated() {
            var activationRead: SymbolicInt = 0, weightRead: SymbolicInt = 0, written: SymbolicInt = 0
            var read = Set<String>()
            for index in list {
                let inference = graph.nodes[index]
                let metadata = inference.schema?.metadataInputs ?? []
                let appended = appends.contains(index)
                for (slot, name) in inference.node.inputs.enumerated() where !name.isEmpty && !metadata.contains(slot) && !(appended && slot == 0) {
                    if folded.contains(name) {
                        if read.insert(name).inserted {
                            let stored = foldedBytes[name] ?? bytes(inference.inputTypes[slot]?.tensor)
                            weightRead += touchedBytes(of: stored, slot: slot, node: inference)
                        }
                        continue
                    }
                    let r = rootOf(name)
                    if let source = producer[r], groupOf[source] == id { continue }
                    if read.insert(r).inserted {
                        activationRead += size[r] ?? bytes(inference.inputTypes[slot]?.tensor)
                        lastConsumerGroup[r] = id
                        readers[r, default: []].append(id)
                    }
                }
                for output in inference.node.outputs where !output.isEmpty {
                    let outside = graphOutputs.contains(output) || (consumers[output] ?? []).contains { groupOf[$0] != id }
                    if outside { written += (size[output] ?? 0) - (appended ? size[inference.node.inputs[0]] ?? 0 : 0) }
                }
            }
            groups.append(FusionGroup(id: id, members: list, activationBytesRead: activationRead, weightBytesRead: weightRead, bytesWritten: written))
        }

        var inputBytes: SymbolicInt = 0
        for name in graph.inputNames where !graph.constants.contains(name) { inputBytes += size[name] ?? 0 }
        var outputBytes: SymbolicInt = 0
        for name in Set(graph.outputNames.map(rootOf)) where !folded.contains(name) { outputBytes += size[name] ?? 0 }
        for index in appends { outputBytes = outputBytes - (size[graph.nodes[index].node.inputs[0]] ?? 0) }

        let peak = boundaryPeak(graph, groups: groups, groupOf: groupOf, size: size, producer: producer,
                                lastConsumerGroup: lastConsumerGroup, graphOutputs: graphOutputs)
        var boundary: [BoundaryTensor] = []
        for name in graph.inputNames where !graph.constants.contains(name) {
            boundary.append(BoundaryTensor(bytes: size[name] ?? 0, producerGroup: nil, consumerGroups: readers[name] ?? [],
                                           isGraphOutput: graphOutputs.contains(name)))
        }
        for index in graph.nodes.indices {
            guard let group = groupOf[index] else { continue }
            for output in graph.nodes[index].node.outputs where !output.isEmpty {
                let consumers = readers[output] ?? []
                guard !consumers.isEmpty || graphOutputs.contains(output) else { continue }
                boundary.append(BoundaryTensor(bytes: size[output] ?? 0, producerGroup: group, consumerGroups: consumers,
                                               isGraphOutput: graphOutputs.contains(output), isAppendedCache: appends.contains(index)))
            }
        }
        return FusionPlan(groups: groups, boundaryTensors: boundary, groupOfNode: groupOf, roleOfNode: roles, peakActivationBytes: peak,
                          graphInputBytes: inputBytes, graphOutputBytes: outputBytes, fused: true)
    }

    /// The bytes of a constant a kernel really reads: a Gather reads only the rows it gathers (an
    /// embedding lookup touches B·S rows, not the whole vocabulary; an expert gather only the chosen
    /// experts), at most the table; a com.microsoft MoE reads the experts its tokens route to, at most
    /// all of them (tokens × k of E, before deduplication). Everything else reads the whole constant.
    func touchedBytes(of stored: SymbolicInt, slot: Int, node inference: NodeInference) -> SymbolicInt {
        let op = inference.node.opType
        if slot == 0, inference.traits.contains(.gathersRows),
           let output = inference.outputTypes.first?.tensor {
            let gathered = TensorType.bytes(elements: output.elementCount, dtype: costedType(output.dtype))
            return minimum(stored, gathered)
        }
        if op == "MoE" || op == "QMoE", slot >= 2, let input = inference.inputTypes.first??.tensor?.shape,
           let experts = inference.inputTypes[1]?.tensor?.shape?.last?.intValue, experts > 0,
           case .int(let k)? = inference.node.attribute("k")?.value, k > 0 {
            let tokens = input.dropLast().reduce(SymbolicInt(1)) { $0 * $1 }
            // tokens·k expert reads of E: stored × min(1, tokens·k / E).
            if let t = tokens.intValue {
                let (reads, overflow) = t.multipliedReportingOverflow(by: k)
                if !overflow && reads < experts, let bytes = stored.intValue {
                    return .value(bytes / experts * reads)
                }
            }
        }
        return stored
    }

    /// The smaller of two byte counts when both are known (the first otherwise).
    func minimum(_ a: SymbolicInt, _ b: SymbolicInt) -> SymbolicInt {
        if let x = a.intValue, let y = b.intValue { return .value(Swift.min(x, y)) }
        return a
    }

    /// Element count of a root tensor: a graph input's or its producer's output.
    private func elementCount(_ graph: GraphInference, _ name: String, producer: [String: Int], roles: [FusionRole]) -> SymbolicInt? {
        if let index = producer[name] {
            let inference = graph.nodes[index]
            guard let slot = inference.node.outputs.firstIndex(of: name) else { return nil }
            return inference.outputTypes[slot].tensor?.elementCount
        }
        return graph.valueTypes[name]?.tensor?.elementCount
    }

    /// Live boundary bytes over the group schedule: a tensor lives from the group that writes it to
    /// the last group that reads it; graph inputs from the start, graph outputs to the end.
    private func boundaryPeak(_ graph: GraphInference, groups: [FusionGroup], groupOf: [Int?], size: [String: SymbolicInt],
                              producer: [String: Int], lastConsumerGroup: [String: Int], graphOutputs: Set<String>) -> SymbolicInt {
        let end = groups.count
        var freeAfter: [Int: [String]] = [:]
        var live: SymbolicInt = 0
        var liveRepresentative = 0.0
        for name in graph.inputNames where !graph.constants.contains(name) {
            let s = size[name] ?? 0
            live += s
            liveRepresentative += representative(s)
            freeAfter[graphOutputs.contains(name) ? end : (lastConsumerGroup[name] ?? 0), default: []].append(name)
        }
        var written: [[String]] = Array(repeating: [], count: groups.count)
        for (name, index) in producer {
            guard let group = groupOf[index] else { continue }
            let last = graphOutputs.contains(name) ? end : lastConsumerGroup[name]
            guard let last else { continue }  // consumed inside its own group only
            written[group].append(name)
            freeAfter[max(last, group), default: []].append(name)
        }
        var peak = live
        var peakRepresentative = liveRepresentative
        for group in groups.indices {
            for name in written[group] {
                let s = size[name] ?? 0
                live += s
                liveRepresentative += representative(s)
            }
            if liveRepresentative > peakRepresentative {
                peak = live
                peakRepresentative = liveRepresentative
            }
            for name in freeAfter[group] ?? [] {
                let s = size[name] ?? 0
                live = live - s
                liveRepresentative -= representative(s)
            }
        }
        return peak
    }
}

extension FusionPlan {
    /// One node per group: every input read and every output written, as the per-node cost fields
    /// say (`--no-fusion`).
    public static func unfused(_ nodes: [NodeCost], peakActivationBytes: SymbolicInt, graphInputBytes: SymbolicInt,
                               graphOutputBytes: SymbolicInt) -> FusionPlan {
        var groups: [FusionGroup] = []
        groups.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            groups.append(FusionGroup(id: index, members: [index], activationBytesRead: node.bytesRead, weightBytesRead: 0,
                                      bytesWritten: node.bytesWritten))
        }
        return FusionPlan(groups: groups, boundaryTensors: [], groupOfNode: Array(nodes.indices), roleOfNode: Array(repeating: .kernel, count: nodes.count),
                          peakActivationBytes: peakActivationBytes, graphInputBytes: graphInputBytes,
                          graphOutputBytes: graphOutputBytes, fused: false)
    }
}
