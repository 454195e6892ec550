import CostKernels
import ONNXGraph
import ShapeInference

/// Roofline estimate of one node: it cannot run faster than its compute at peak or its bytes at
/// full bandwidth, whichever is slower.
public struct NodeRoofline: Sendable {
    public var ref: NodeRef
    public var computeSeconds: Double
    public var memorySeconds: Double
    public var latencySeconds: Double { max(computeSeconds, memorySeconds) }
    public var bound: Bound
    /// FLOPs per byte moved.
    public var arithmeticIntensity: Double?
    public var precision: Precision?
}

public enum Bound: String, Sendable, Codable { case compute, memory }

/// The model on one device.
public struct RooflineResult: Sendable {
    public var device: Device
    /// The precision the MAC-heavy work was costed at, after falling back to what the device has.
    public var requestedPrecision: Precision?
    public var nodes: [NodeRoofline]
    public var latencySeconds: Double
    public var computeSeconds: Double
    public var memorySeconds: Double
    public var bound: Bound
    /// Weights + peak activations, and whether that fits the device memory.
    public var requiredMemoryBytes: Double
    public var fitsInMemory: Bool?
    public var warnings: [String]
}

public enum Roofline {
    /// Per-node roofline summed over the model (nodes run one after another). Returns `nil` when a
    /// count is symbolic: bind the symbols (`--dim`, `--input`) to get a latency.
    public static func estimate(costs: CostReport, device: Device, precision: Precision?) throws(DeviceError) -> RooflineResult? {
        guard let bandwidth = device.bandwidthBytesPerSecond else { throw .missingFigure(device: device.id, figure: "memory bandwidth") }
        var warnings: [String] = []
        var nodes: [NodeRoofline] = []
        var computeTotal = 0.0, memoryTotal = 0.0, latencyTotal = 0.0
        var fallbackNoted = Set<String>()
        for node in costs.nodes where node.status == .costed {
            guard let flops = node.flops.intValue, let read = node.bytesRead.intValue, let written = node.bytesWritten.intValue else {
                if node.flops.isUnknown || node.bytesRead.isUnknown { continue }
                return nil
            }
            let wanted = precision.map { p in node.computeType.isFloatingPoint || p == .int8 || p == .int4 ? p : (Precision.of(node.computeType) ?? .fp32) }
                ?? Precision.of(node.computeType) ?? .fp32
            var computeSeconds = 0.0
            var used: Precision?
            if flops > 0 {
                guard let effective = device.effectivePrecision(wanted), let peak = device.peakOpsPerSecond(effective) else {
                    throw .missingFigure(device: device.id, figure: "\(wanted.rawValue) peak")
                }
                if effective != wanted && !fallbackNoted.contains(wanted.rawValue) {
                    warnings.append("\(device.id) has no \(wanted.rawValue) peak; \(effective.rawValue) used")
                    fallbackNoted.insert(wanted.rawValue)
                }
                computeSeconds = Double(flops) / peak
                used = effective
            }
            let bytes = Double(read) + Double(written)
            let memorySeconds = bytes / bandwidth
            let entry = NodeRoofline(ref: node.ref, computeSeconds: computeSeconds, memorySeconds: memorySeconds,
                                     bound: computeSeconds >= memorySeconds && flops > 0 ? .compute : .memory,
                                     arithmeticIntensity: bytes > 0 ? Double(flops) / bytes : nil, precision: used)
            computeTotal += computeSeconds
            memoryTotal += memorySeconds
            latencyTotal += entry.latencySeconds
            nodes.append(entry)
        }
        let weights = Double(costs.totals.weightBytes.intValue ?? 0)
        let peak = Double(costs.totals.peakActivationBytes.intValue ?? 0)
        let required = weights + peak
        return RooflineResult(device: device, requestedPrecision: precision, nodes: nodes, latencySeconds: latencyTotal,
                              computeSeconds: computeTotal, memorySeconds: memoryTotal,
                              bound: computeTotal >= memoryTotal ? .compute : .memory,
                              requiredMemoryBytes: required, fitsInMemory: device.memoryBytes.map { required <= $0 },
                              warnings: warnings)
    }
}
