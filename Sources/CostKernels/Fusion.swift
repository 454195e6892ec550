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
    /// Indices into `CostReport.nodes`, in graph order; the first is the anchor. A slice of one
    /// list shared by every group of the plan (not an array per group).
    public var members: ArraySlice<Int>
    /// Boundary activations read (produced by another group, or graph inputs).
    public var activationBytesRead: SymbolicInt
    /// Constants read: weights at their stored (or `--dtype`) width; a DequantizeLinear'd weight at its quantized width.
    public var weightBytesRead: SymbolicInt
    /// Activations written that another group or the graph's outputs consume.
    public var bytesWritten: SymbolicInt

    public var anchor: Int { members[members.startIndex] }
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
    /// The role of a node with input names `inputs`, given which of them (by slot) are constants (or
    /// folded) and whether an attribute holds a subgraph. The traits come from the op's schema
    /// (`OpSchema.traits`). Takes the node's fields, not the node (a copy of every field per node).
    static func of(inputs: [String], holdsSubgraphs: Bool, traits: OpTraits, inputIsConstant: (Int) -> Bool) -> FusionRole {
        if traits.contains(.metadataOnly) { return .folded }
        // Every present input constant (and at least one present): computed once when the engine is built.
        var data = 0, constants = 0
        for (slot, name) in inputs.enumerated() where !name.isEmpty {
            data += 1
            if !inputIsConstant(slot) { break }
            constants += 1
        }
        if data > 0 && constants == data { return .folded }
        if holdsSubgraphs { return .kernel }
        if !traits.isDisjoint(with: [.view, .dequantize]) { return .view }
        if traits.contains(.epilogue) { return .epilogue }
        return .kernel
    }
}

extension NodeInference {
    /// The flags of the node's op (none when it has no schema).
    var traits: OpTraits { schema?.traits ?? [] }
}

extension Node {
    /// Whether an attribute holds a subgraph: `!subgraphs.isEmpty`, without building that list.
    var holdsSubgraphs: Bool {
        attributes.contains { attribute in
            switch attribute.value {
            case .graph: true
            case .graphs(let graphs): !graphs.isEmpty
            default: false
            }
        }
    }
}

extension CostPass.State {
    /// Groups the main graph's nodes as a deployed runtime fuses them (docs/cost-model.md, "Fusion
    /// groups"), and prices the traffic between groups.
    /// `constantIDs` are `ids.constantIDs(graph)`.
    func fusionPlan(_ graph: GraphInference, nodes: [NodeCost], ids: GraphTensorIDs, constantIDs: [Int]) -> FusionPlan {
        let count = graph.nodes.count
        // Tensor names as dense ids, each name hashed once (the table the activation sweep used);
        // every table below is an array.
        let names = ids.names
        let inputIDs = ids.inputIDs, inputStart = ids.inputStart, outputIDs = ids.outputIDs, outputStart = ids.outputStart
        // Slices of these local arrays: slicing through `ids` retained and released its array per call.
        func inputs(_ index: Int) -> ArraySlice<Int> { inputIDs[inputStart[index]..<inputStart[index + 1]] }
        func outputs(_ index: Int) -> ArraySlice<Int> { outputIDs[outputStart[index]..<outputStart[index + 1]] }
        let outerReferences = ids.outerReferences
        let graphInputIDs = ids.graphInputIDs
        let graphOutputIDs = ids.graphOutputIDs
        var constant = [Bool](repeating: false, count: names.count)
        for id in constantIDs { constant[id] = true }
        let tensors = names.count
        // Each node's schema read once (reading it through the array copies the whole record).
        var traitsOf: [OpTraits] = [], metadataOf: [Set<Int>] = []
        traitsOf.reserveCapacity(count)
        metadataOf.reserveCapacity(count)
        for index in 0..<count {
            let schema = graph.nodes[index].schema
            traitsOf.append(schema?.traits ?? [])
            metadataOf.append(schema?.metadataInputs ?? [])
        }

        var folded = constant
        var appends = Set<Int>()
        var roles: [FusionRole] = []
        roles.reserveCapacity(count)
        // Root of every view output: the tensor that really exists in memory.
        var root = Array(0..<tensors)
        /// Bytes a folded tensor costs when a kernel reads it: a DequantizeLinear'd weight at its quantized width.
        // Keyed by id: only folded tensors have one (a graph of activations has none).
        var foldedBytes: [Int: SymbolicInt] = [:]
        // Who reads each tensor, for the prologue rule below.
        var nodeReaders = ListTable(keys: tensors, capacity: inputIDs.count)
        for index in 0..<count {
            for id in inputs(index) where id >= 0 && nodeReaders.last(id) != index { nodeReaders.append(index, to: id) }
        }
        var isOutput = [Bool](repeating: false, count: tensors)
        for id in graphOutputIDs { isOutput[id] = true }
        /// Whether `id` reaches only GEMM operands (through views): a GEMM reads a transposed or
        /// broadcast operand in place (cuBLAS op(A) = Aᵀ, stride-0 batches), so the Transpose or
        /// Expand that made it moves nothing.
        func feedsOnlyGEMMs(_ id: Int, depth: Int = 0) -> Bool {
            guard depth < 8, !isOutput[id], !nodeReaders.isEmpty(id) else { return false }
            return !nodeReaders.contains(id) { index in
                let traits = traitsOf[index]
                if traits.contains(.gemm) { return false }
                if !traits.isDisjoint(with: [.view, .gemmOperandLayout]),
                   inputs(index).first == id, let output = outputs(index).first, output >= 0 {
                    return !feedsOnlyGEMMs(output, depth: depth + 1)
                }
                return true
            }
        }
        var isGraphInput = [Bool](repeating: false, count: tensors)
        for id in graphInputIDs where !constant[id] { isGraphInput[id] = true }
        for index in 0..<count {
            let traits = traitsOf[index]
            // The node's fields read in place: binding the whole node copied every field of it.
            let inputNames = graph.nodes[index].node.inputs
            let firstInput = inputStart[index]
            var role = FusionRole.of(inputs: inputNames, holdsSubgraphs: graph.nodes[index].node.holdsSubgraphs, traits: traits) { slot in
                let id = inputIDs[firstInput + slot]
                return id >= 0 && folded[id]
            }
            if role == .kernel, traits.contains(.gemmOperandLayout), let output = outputs(index).first, output >= 0,
               feedsOnlyGEMMs(output) {
                role = .view
            }
            // A KV cache appended in place: Concat(past input, new) → present output. A serving runtime
            // writes the new tokens into the past buffer; the past is not copied.
            if role == .kernel, graph.nodes[index].node.opType == "Concat", inputNames.count == 2, let past = inputs(index).first, past >= 0,
               isGraphInput[past], let output = outputs(index).first, output >= 0,
               isOutput[output] || nodeReaders.contains(output, where: { reader in
                   graph.nodes[reader].node.opType == "Identity" && outputs(reader).contains { $0 >= 0 && isOutput[$0] }
               }) {
                appends.insert(index)
            }
            roles.append(role)
            switch role {
            case .folded:
                let source = inputs(index).first ?? -1
                for (slot, output) in outputs(index).enumerated() where output >= 0 {
                    folded[output] = true
                    if traits.contains(.dequantize), source >= 0 {
                        foldedBytes[output] = foldedBytes[source] ?? bytes(graph.nodes[index].inputTypes.first??.tensor)
                    } else if traits.contains(.view) || graph.nodes[index].node.opType == "Transpose", source >= 0,
                              let bytes = foldedBytes[source] {
                        foldedBytes[output] = bytes
                    } else {
                        foldedBytes[output] = bytes(graph.nodes[index].outputTypes[slot].tensor)
                    }
                }
            case .view:
                if let source = inputs(index).first, source >= 0, let output = outputs(index).first, output >= 0 {
                    root[output] = root[source]
                }
            case .kernel, .epilogue:
                break
            }
        }
        // `appends` by node, for the checks per node (no hashing); no table when there are none.
        var appendsInPlace: [Bool] = []
        if !appends.isEmpty {
            appendsInPlace = Array(repeating: false, count: count)
            for index in appends { appendsInPlace[index] = true }
        }
        let computes = (0..<count).filter { roles[$0] == .kernel || roles[$0] == .epilogue }

        // Real consumers of every root tensor (views see through to their consumers).
        var consumers = ListTable(keys: tensors, capacity: inputIDs.count)
        var seenBy = [Int](repeating: -1, count: tensors)
        for index in computes {
            for id in inputs(index) where id >= 0 && !folded[id] {
                let r = root[id]
                if seenBy[r] != index { seenBy[r] = index; consumers.append(index, to: r) }
            }
            // Rare (subgraphs only): an empty table answers without hashing.
            guard !outerReferences.isEmpty, let outer = outerReferences[index] else { continue }
            for id in outer where !folded[id] {
                let r = root[id]
                if seenBy[r] != index { seenBy[r] = index; consumers.append(index, to: r) }
            }
        }
        var graphOutput = [Bool](repeating: false, count: tensors)
        for id in graphOutputIDs { graphOutput[root[id]] = true }

        // Sizes of root tensors, at the costed width (each computed once; a node's only output's is
        // its `bytesWritten`).
        var size = [SymbolicInt?](repeating: nil, count: tensors)
        for (name, id) in zip(graph.inputNames, graphInputIDs) { size[id] = bytes(graph.valueTypes[name]?.tensor) }
        // The compute node that writes each tensor, -1 for none (32 bits: node indices are below
        // `CONNX_MAX_NODES`).
        var producer = [Int32](repeating: -1, count: tensors)
        for index in computes {
            for (slot, id) in outputs(index).enumerated() where id >= 0 {
                size[id] = outputBytes(graph.nodes, step: index, slot: slot, costs: nodes)
                producer[id] = Int32(truncatingIfNeeded: index)
            }
        }
        /// Element count of a root tensor: a graph input's or its producer's output.
        func elementCount(_ id: Int) -> SymbolicInt? {
            if producer[id] >= 0 {
                let index = Int(producer[id])
                // The first output of that name, as the producer lists it.
                guard let slot = outputs(index).firstIndex(of: id) else { return nil }
                return graph.nodes[index].outputTypes[slot - outputStart[index]].tensor?.elementCount
            }
            return graph.valueTypes[names.name(id)]?.tensor?.elementCount
        }

        /// Whether root tensor `id` has `elements` elements. Its producer's output of the same
        /// shape has them without counting again (the count is the shape's product).
        func sameElementCount(_ id: Int, _ elements: SymbolicInt, shape: [Dim]?) -> Bool {
            if let shape, producer[id] >= 0, let slot = outputs(Int(producer[id])).firstIndex(of: id),
               let sourceShape = graph.nodes[Int(producer[id])].outputTypes[slot - outputStart[Int(producer[id])]].tensor?.shape,
               sourceShape == shape {
                return true
            }
            return elementCount(id) == elements
        }

        // Assign groups: an epilogue joins the group of the input it is the only consumer of.
        var groupOf = [Int?](repeating: nil, count: count)
        // Members of each group as first numbered, in one table (not an array per group).
        var membersOf = ListTable(keys: computes.count, capacity: computes.count)
        var groupCount = 0
        var elementCounts = ElementCountMemo()
        for index in computes {
            var joined: Int?
            if roles[index] == .epilogue {
                let output = graph.nodes[index].outputTypes.first?.tensor
                let outputElements = elementCounts.elementCount(output)
                for id in inputs(index) where id >= 0 && !folded[id] {
                    let r = root[id]
                    guard producer[r] >= 0, let group = groupOf[Int(producer[r])], consumers.hasOne(r),
                          !graphOutput[r], let elements = outputElements, !elements.isUnknown,
                          sameElementCount(r, elements, shape: output?.shape) else { continue }
                    joined = group
                    break
                }
            }
            if let joined {
                membersOf.append(index, to: joined)
                groupOf[index] = joined
            } else {
                groupOf[index] = groupCount
                membersOf.append(index, to: groupCount)
                groupCount += 1
            }
        }
        // A group runs when its last member can: order groups by their last node, so a residual Add
        // fused into an earlier conv runs after the branch it reads (reuse distances depend on it).
        // Every group's members then lie in one list, in that order.
        let order = (0..<groupCount).sorted { membersOf.last($0)! < membersOf.last($1)! }
        var memberList: [Int] = []
        memberList.reserveCapacity(computes.count)
        var memberStart: [Int] = []
        memberStart.reserveCapacity(groupCount + 1)
        for (id, first) in order.enumerated() {
            memberStart.append(memberList.count)
            membersOf.forEach(first) { index in
                groupOf[index] = id
                memberList.append(index)
            }
        }
        memberStart.append(memberList.count)
        membersOf = ListTable(keys: 0)

        // Traffic per group: boundary reads, weight reads, boundary writes.
        var groups: [FusionGroup] = []
        groups.reserveCapacity(groupCount)
        // The last group that reads each tensor, -1 for none.
        var lastConsumerGroup = [Int32](repeating: -1, count: tensors)
        var readers = ListTable(keys: tensors, capacity: inputIDs.count)
        var readBy = [Int](repeating: -1, count: tensors)
        for id in 0..<groupCount {
            let list = memberList[memberStart[id]..<memberStart[id + 1]]
            var activationRead: SymbolicInt = 0, weightRead: SymbolicInt = 0, written: SymbolicInt = 0
            for index in list {
                let metadata = metadataOf[index]
                let appended = !appendsInPlace.isEmpty && appendsInPlace[index]
                // Empty sets (nearly every node) answer without hashing.
                for (slot, tensor) in inputs(index).enumerated()
                where tensor >= 0 && (metadata.isEmpty || !metadata.contains(slot)) && !(appended && slot == 0) {
                    if folded[tensor] {
                        if readBy[tensor] != id {
                            readBy[tensor] = id
                            let inference = graph.nodes[index]
                            let stored = foldedBytes[tensor] ?? bytes(inference.inputTypes[slot]?.tensor)
                            weightRead += touchedBytes(of: stored, slot: slot, node: inference)
                        }
                        continue
                    }
                    let r = root[tensor]
                    if producer[r] >= 0, groupOf[Int(producer[r])] == id { continue }
                    if readBy[r] != id {
                        readBy[r] = id
                        activationRead += size[r] ?? bytes(graph.nodes[index].inputTypes[slot]?.tensor)
                        lastConsumerGroup[r] = Int32(truncatingIfNeeded: id)
                        readers.append(id, to: r)
                    }
                }
                let past = inputs(index).first ?? -1
                for output in outputs(index) where output >= 0 {
                    let outside = graphOutput[output] || consumers.contains(output) { groupOf[$0] != id }
                    if outside { written += (size[output] ?? 0) - (appended && past >= 0 ? size[past] ?? 0 : 0) }
                }
            }
            groups.append(FusionGroup(id: id, members: list, activationBytesRead: activationRead, weightBytesRead: weightRead, bytesWritten: written))
        }

        var inputBytes: SymbolicInt = 0
        for id in graphInputIDs where !constant[id] { inputBytes += size[id] ?? 0 }
        var outputBytes: SymbolicInt = 0
        for id in Set(graphOutputIDs.map { root[$0] }) where !folded[id] { outputBytes += size[id] ?? 0 }
        for index in appends { if let past = inputs(index).first, past >= 0 { outputBytes = outputBytes - (size[past] ?? 0) } }

        let peak = boundaryPeak(graphInputs: graphInputIDs.filter { !constant[$0] }, groups: groups, groupOf: groupOf, size: size,
                                producer: producer, lastConsumerGroup: lastConsumerGroup, graphOutput: graphOutput)
        var boundary: [BoundaryTensor] = []
        for id in graphInputIDs where !constant[id] {
            boundary.append(BoundaryTensor(bytes: size[id] ?? 0, producerGroup: nil, consumerGroups: readers.list(id),
                                           isGraphOutput: graphOutput[id]))
        }
        for index in 0..<count {
            guard let group = groupOf[index] else { continue }
            for output in outputs(index) where output >= 0 {
                guard !readers.isEmpty(output) || graphOutput[output] else { continue }
                boundary.append(BoundaryTensor(bytes: size[output] ?? 0, producerGroup: group, consumerGroups: readers.list(output),
                                               isGraphOutput: graphOutput[output], isAppendedCache: !appendsInPlace.isEmpty && appendsInPlace[index]))
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

    /// Live boundary bytes over the group schedule: a tensor lives from the group that writes it to
    /// the last group that reads it; graph inputs from the start, graph outputs to the end.
    private func boundaryPeak(graphInputs: [Int], groups: [FusionGroup], groupOf: [Int?], size: [SymbolicInt?],
                              producer: [Int32], lastConsumerGroup: [Int32], graphOutput: [Bool]) -> SymbolicInt {
        let end = groups.count
        var freeAfter = ListTable(keys: end + 1, capacity: producer.count)
        var live: SymbolicInt = 0
        var liveRepresentative = 0.0
        let representativeSize = size.map { representative($0 ?? 0) }
        for id in graphInputs {
            live += size[id] ?? 0
            liveRepresentative += representativeSize[id]
            let last = graphOutput[id] ? end : max(Int(lastConsumerGroup[id]), 0)
            if last <= end { freeAfter.append(id, to: last) }
        }
        var written = ListTable(keys: groups.count, capacity: producer.count)
        for (id, index) in producer.enumerated() {
            guard index >= 0, let group = groupOf[Int(index)] else { continue }
            let last = graphOutput[id] ? end : Int(lastConsumerGroup[id])
            guard last >= 0 else { continue }  // consumed inside its own group only
            written.append(id, to: group)
            freeAfter.append(id, to: max(last, group))
        }
        var peak = live
        var peakRepresentative = liveRepresentative
        for group in groups.indices {
            written.forEach(group) { id in
                live += size[id] ?? 0
                liveRepresentative += representativeSize[id]
            }
            if liveRepresentative > peakRepresentative {
                peak = live
                peakRepresentative = liveRepresentative
            }
            freeAfter.forEach(group) { id in
                live = live - (size[id] ?? 0)
                liveRepresentative -= representativeSize[id]
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
        let everyNode = Array(nodes.indices)
        for (index, node) in nodes.enumerated() {
            groups.append(FusionGroup(id: index, members: everyNode[index...index], activationBytesRead: node.bytesRead, weightBytesRead: 0,
                                      bytesWritten: node.bytesWritten))
        }
        return FusionPlan(groups: groups, boundaryTensors: [], groupOfNode: Array(nodes.indices), roleOfNode: Array(repeating: .kernel, count: nodes.count),
                          peakActivationBytes: peakActivationBytes, graphInputBytes: graphInputBytes,
                          graphOutputBytes: graphOutputBytes, fused: false)
    }
}
