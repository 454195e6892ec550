import CostKernels
import ONNXGraph

public enum Bound: String, Sendable, Codable { case compute, memory }

/// What the roofline is asked to price.
public struct RooflineOptions: Sendable {
    /// `--dtype`: float compute runs at this precision's peak.
    public var precision: Precision?
    /// `false` (`--no-fusion`): every node is its own kernel and every tensor moves through DRAM.
    public var fusion: Bool
    /// The batch the throughput divides by (the leading dim of the first graph input), `nil` = 1.
    public var batch: Int?
    /// The estimate's cache rule (docs/cost-model.md): a boundary tensor whose LRU reuse distance fits
    /// the device's last-level cache, and weights that fit beside the peak activations, skip DRAM.
    public var cacheReuse: Bool

    public init(precision: Precision? = nil, fusion: Bool = true, batch: Int? = nil, cacheReuse: Bool = true) {
        self.precision = precision
        self.fusion = fusion
        self.batch = batch
        self.cacheReuse = cacheReuse
    }
}

/// One fusion group (one kernel) on the device.
public struct GroupRoofline: Sendable {
    public var group: Int
    public var anchor: NodeRef
    public var nodeCount: Int
    public var flops: Double
    public var bytes: Double
    public var computeSeconds: Double
    public var memorySeconds: Double
    public var seconds: Double { max(computeSeconds, memorySeconds) }
    public var bound: Bound { computeSeconds >= memorySeconds && flops > 0 ? .compute : .memory }
    /// FLOPs per byte moved through DRAM.
    public var intensity: Double? { bytes > 0 ? flops / bytes : nil }
}

/// One node's share of its group: its own compute; the group's DRAM traffic sits on the group's
/// first node (the anchor), so node figures sum to the group's.
public struct NodeRoofline: Sendable {
    public var computeSeconds: Double
    public var memorySeconds: Double
    public var seconds: Double { max(computeSeconds, memorySeconds) }
    public var bound: Bound
    public var intensity: Double?
    /// `nil` for views and folded nodes: they run in no kernel.
    public var group: Int?
    public var role: FusionRole
}

/// The three figures of docs/cost-model.md, and what they rest on.
public struct RooflineFigures: Sendable {
    /// A true lower bound: max(total FLOPs at the fastest default peak, compulsory bytes at full bandwidth).
    public var boundSeconds: Double
    public var boundLimitedBy: Bound
    /// The bound's compute term alone: Σ FLOPs at the default peaks.
    public var boundComputeSeconds: Double
    /// Graph inputs and outputs plus the weights that cannot stay on chip between runs.
    public var compulsoryBytes: Double
    /// The fusion-aware roofline summed over groups: the figure to plan with.
    public var estimateSeconds: Double
    public var computeSeconds: Double
    public var memorySeconds: Double
    /// Whether most of the estimate is spent in compute-bound or memory-bound groups.
    public var bound: Bound
    public var batch: Int
    public var perSecond: Double { estimateSeconds > 0 ? Double(batch) / estimateSeconds : .infinity }
    public var perSecondBound: Double { boundSeconds > 0 ? Double(batch) / boundSeconds : .infinity }
    public var flops: Double
    public var bytesMoved: Double
    /// The peak of the precision that does most of the FLOPs (what utilization divides by).
    public var peakOpsPerSecond: Double
}

/// The model on one device.
public struct RooflineResult: Sendable {
    public var device: Device
    /// `--dtype`, or `nil`: each node at its stored precision.
    public var requestedPrecision: Precision?
    /// The precisions whose peaks were used, after falling back to what the device has.
    public var precisionsUsed: [Precision]
    public var fused: Bool
    /// `nil` when `partial` is not empty: never a silently partial total.
    public var figures: RooflineFigures?
    /// Nodes whose counts are unknown, overflowed or uncosted: the totals would be partial.
    public var partialNodes: [NodeRef]
    public var groups: [GroupRoofline]
    /// Aligned with `CostReport.nodes`.
    public var nodes: [NodeRoofline]
    public var weightBytes: Double
    public var peakActivationBytes: Double
    /// Weights at the costed precision + peak activations (fused boundary tensors unless `--no-fusion`).
    public var requiredMemoryBytes: Double
    public var fits: Bool?
    public var warnings: [String]
    public var isPartial: Bool { !partialNodes.isEmpty }
    /// The largest batch that fits the device's memory (set by the analysis when it can solve for it).
    public var maxBatch: Int?
    /// Why there is no `maxBatch`, or what it assumed.
    public var maxBatchNote: String?
    /// Utilization of a measured run (`--measured-latency`, `--measured-throughput`).
    public var measured: Utilization?
    /// `--training`: the step on this device.
    public var training: TrainingAnswer?
    /// `--prefill` / `--decode`: the serving figures on this device.
    public var llm: LLMAnswer?
}

public enum Roofline {
    /// Prices the cost report on `device`. Returns `nil` when a count is symbolic: bind the symbols
    /// (`--dim`, `--input`) to get a latency.
    public static func estimate(costs: CostReport, device: Device, options: RooflineOptions) throws(DeviceError) -> RooflineResult? {
        guard let bandwidth = device.bandwidthBytesPerSecond, bandwidth > 0 else {
            throw .missingFigure(device: device.id, figure: "memory bandwidth")
        }
        let plan = costs.plan(fused: options.fusion)
        var warnings: [String] = []
        var used: [Precision] = []
        var fallbackNoted = Set<Precision>()

        /// The precision a node's compute runs at (after `--dtype`), and the device's peaks for it.
        func peaks(_ node: NodeCost) throws(DeviceError) -> (tensor: Double, vector: Double) {
            let wanted = options.precision.map { p in node.computeType.isFloatingPoint || p == .int8 || p == .int4 ? p : (Precision.of(node.computeType) ?? .fp32) }
                ?? Precision.of(node.computeType) ?? .fp32
            guard let effective = device.effectivePrecision(wanted), let tensor = device.defaultPeakOpsPerSecond(effective) else {
                throw .missingFigure(device: device.id, figure: "\(wanted.rawValue) peak")
            }
            if effective != wanted && fallbackNoted.insert(wanted).inserted {
                warnings.append("\(device.id) has no \(wanted.rawValue) peak; \(effective.rawValue) used")
            }
            if !used.contains(effective) { used.append(effective) }
            return (tensor, device.peakOpsPerSecond(.fp32) ?? tensor)
        }

        var partial: [NodeRef] = []
        var nodes: [NodeRoofline] = []
        nodes.reserveCapacity(costs.nodes.count)
        var boundComputeSeconds = 0.0
        var flopsAtPeak: [Double: Double] = [:]  // peak → FLOPs run at it
        var totalFLOPs = 0.0
        var nodeFLOPs: [Double] = []
        nodeFLOPs.reserveCapacity(costs.nodes.count)
        for (index, node) in costs.nodes.enumerated() {
            let role = plan.roleOfNode[index]
            let counts = node.status == .costed ? node.flops : .unknown
            switch counts {
            case .value(let flops):
                // Views and folded nodes run in no kernel: a DequantizeLinear's scaling is done by the
                // consuming int8 kernel, a folded weight transform once at build time.
                nodeFLOPs.append(role == .view || role == .folded ? 0 : Double(flops))
            case .polynomial:
                return nil
            case .unknown:
                nodeFLOPs.append(0)
                if role == .kernel || role == .epilogue { partial.append(node.ref) }
            }
            totalFLOPs += nodeFLOPs[index]
            nodes.append(NodeRoofline(computeSeconds: 0, memorySeconds: 0, bound: .memory, intensity: nil, group: plan.groupOfNode[index], role: role))
        }

        let onChip = options.cacheReuse ? cacheSavings(plan, cache: device.cacheBytes ?? 0) : nil
        var groups: [GroupRoofline] = []
        groups.reserveCapacity(plan.groups.count)
        var estimate = 0.0, computeTotal = 0.0, memoryTotal = 0.0, computeBoundTime = 0.0, bytesMoved = 0.0
        for group in plan.groups {
            let anchorCost = costs.nodes[group.anchor]
            // Epilogues run on the kernel's accumulator, at the MAC op's precision.
            let macNode = group.members.first { costs.nodes[$0].macs != 0 }
            var compute = 0.0, flops = 0.0
            for member in group.members where nodeFLOPs[member] > 0 {
                let peak = try peaks(costs.nodes[macNode ?? member])
                let seconds = nodeFLOPs[member] / (macNode != nil ? peak.tensor : peak.vector)
                boundComputeSeconds += nodeFLOPs[member] / peak.tensor
                flopsAtPeak[peak.tensor, default: 0] += nodeFLOPs[member]
                nodes[member].computeSeconds = seconds
                compute += seconds
                flops += nodeFLOPs[member]
            }
            var bytes = 0.0
            switch group.bytesMoved {
            case .value(let value): bytes = Double(value)
            case .polynomial: return nil
            case .unknown: if !partial.contains(anchorCost.ref) { partial.append(anchorCost.ref) }
            }
            if let onChip { bytes = max(0, bytes - onChip[group.id]) }
            let memory = bytes / bandwidth
            nodes[group.anchor].memorySeconds = memory
            let entry = GroupRoofline(group: group.id, anchor: anchorCost.ref, nodeCount: group.members.count, flops: flops, bytes: bytes,
                                      computeSeconds: compute, memorySeconds: memory)
            estimate += entry.seconds
            computeTotal += compute
            memoryTotal += memory
            bytesMoved += bytes
            if entry.bound == .compute { computeBoundTime += entry.seconds }
            groups.append(entry)
        }
        for index in nodes.indices {
            let node = nodes[index]
            nodes[index].bound = node.computeSeconds >= node.memorySeconds && node.computeSeconds > 0 ? .compute : .memory
            let bytes = node.memorySeconds * bandwidth
            nodes[index].intensity = bytes > 0 ? nodeFLOPs[index] / bytes : nil
        }

        let weights = double(costs.totals.weightBytes)
        let peak = double(plan.peakActivationBytes)
        let required = weights.flatMap { w in peak.map { w + $0 } }
        let cache = device.cacheBytes ?? 0
        var figures: RooflineFigures?
        // The weights a run touches (a Gather reads only its rows), whatever the pricing plan.
        let touchedWeights = costs.fusion.groups.reduce(0.0) { $0 + (double($1.weightBytesRead) ?? .nan) }
        if partial.isEmpty, weights != nil, touchedWeights.isFinite, let inputs = double(plan.graphInputBytes),
           let outputs = double(plan.graphOutputBytes) {
            let compulsory = inputs + outputs + max(0, touchedWeights - cache)
            let boundMemory = compulsory / bandwidth
            figures = RooflineFigures(boundSeconds: max(boundComputeSeconds, boundMemory),
                                      boundLimitedBy: boundComputeSeconds >= boundMemory ? .compute : .memory,
                                      boundComputeSeconds: boundComputeSeconds,
                                      compulsoryBytes: compulsory, estimateSeconds: estimate, computeSeconds: computeTotal,
                                      memorySeconds: memoryTotal, bound: computeBoundTime * 2 >= estimate ? .compute : .memory,
                                      batch: max(options.batch ?? 1, 1), flops: totalFLOPs, bytesMoved: bytesMoved,
                                      peakOpsPerSecond: flopsAtPeak.max { $0.value < $1.value }?.key ?? 0)
        } else if !partial.isEmpty {
            let named = partial.prefix(5).map(\.description).joined(separator: "; ")
            warnings.append("no latency on \(device.id): \(partial.count) node(s) have unknown or uncosted counts (\(named)\(partial.count > 5 ? " …" : "")); the total would be partial")
        }
        return RooflineResult(device: device, requestedPrecision: options.precision, precisionsUsed: used, fused: plan.fused,
                              figures: figures, partialNodes: partial, groups: groups, nodes: nodes,
                              weightBytes: weights ?? 0, peakActivationBytes: peak ?? 0, requiredMemoryBytes: required ?? 0,
                              fits: required.flatMap { r in device.memoryBytes.map { r <= $0 } }, warnings: warnings)
    }

    static func double(_ value: SymbolicInt) -> Double? { value.intValue.map(Double.init) }

    /// DRAM bytes each group need not move because an LRU cache of `cache` bytes still holds them: a
    /// read of a boundary tensor hits when the bytes touched since its previous use (its write or an
    /// earlier read), plus itself, fit the cache (its reuse distance); its write never reaches DRAM when
    /// every read hits. The weights stay when they fit beside the largest set of live activations.
    /// No free parameter: the cache size is the datasheet's.
    static func cacheSavings(_ plan: FusionPlan, cache: Double) -> [Double] {
        var savings = [Double](repeating: 0, count: plan.groups.count)
        guard cache > 0, plan.fused else { return savings }
        var touched = [Double](repeating: 0, count: plan.groups.count + 1)  // bytes touched before group g
        for group in plan.groups { touched[group.id + 1] = touched[group.id] + (double(group.bytesMoved) ?? .infinity) }
        for tensor in plan.boundaryTensors {
            guard let bytes = double(tensor.bytes), bytes > 0, let producer = tensor.producerGroup, !tensor.isAppendedCache else { continue }
            var previous = producer
            var everyReadHits = true
            for consumer in tensor.consumerGroups {
                guard consumer > previous, touched[consumer] - touched[previous + 1] + bytes <= cache else {
                    everyReadHits = false
                    previous = max(previous, consumer)
                    continue
                }
                savings[consumer] += bytes
                previous = consumer
            }
            if everyReadHits && !tensor.isGraphOutput && !tensor.consumerGroups.isEmpty { savings[producer] += bytes }
        }
        if let peak = double(plan.peakActivationBytes) {
            let weights = plan.groups.reduce(0.0) { $0 + (double($1.weightBytesRead) ?? .infinity) }
            if weights + peak <= cache {
                for group in plan.groups { savings[group.id] += double(group.weightBytesRead) ?? 0 }
            }
        }
        return savings
    }
}
