import CostKernels
import ONNXGraph

/// How well a measured run uses the chip (seed 003): utilization = used OPs/s ÷ raw OPs/s.
public struct Utilization: Sendable {
    public var latencySeconds: Double
    /// The model's FLOPs (in kernels) per measured second.
    public var achievedOpsPerSecond: Double
    /// achieved ÷ the peak of the precision that does most of the FLOPs.
    public var utilization: Double
    /// DRAM bytes of the estimate per measured second ÷ the memory bandwidth.
    public var bandwidthUtilization: Double

    public init(figures: RooflineFigures, device: Device, latencySeconds: Double) {
        self.latencySeconds = latencySeconds
        achievedOpsPerSecond = figures.flops / latencySeconds
        utilization = figures.peakOpsPerSecond > 0 ? achievedOpsPerSecond / figures.peakOpsPerSecond : 0
        let bandwidth = device.memoryBandwidthBytesPerSecond ?? 0
        bandwidthUtilization = bandwidth > 0 ? figures.bytesMoved / latencySeconds / bandwidth : 0
    }
}

/// What a device needs to meet a latency target (seed 001): the bandwidth that moves the compulsory
/// bytes, and the peak that does the FLOPs, within the target.
public struct TargetAnswer: Sendable {
    public var latencySeconds: Double
    /// (weights + graph inputs + outputs) ÷ target: nothing assumed to stay on chip.
    public var requiredBandwidthBytesPerSecond: Double
    public var requiredOpsPerSecond: Double
    public var bytes: Double
    public var flops: Double
    /// Devices whose estimate meets the target, and those whose bound does (they might, with a better runtime).
    public var devicesMeetingEstimate: [String]
    public var devicesMeetingBound: [String]

    public init(latencySeconds: Double, bytes: Double, flops: Double, rooflines: [RooflineResult]) {
        self.latencySeconds = latencySeconds
        self.bytes = bytes
        self.flops = flops
        requiredBandwidthBytesPerSecond = bytes / latencySeconds
        requiredOpsPerSecond = flops / latencySeconds
        devicesMeetingEstimate = rooflines.compactMap { r in r.figures.flatMap { $0.estimateSeconds <= latencySeconds ? r.device.shortName : nil } }
        devicesMeetingBound = rooflines.compactMap { r in r.figures.flatMap { $0.boundSeconds <= latencySeconds ? r.device.shortName : nil } }
    }
}

public enum Capacity {
    /// The largest value of `symbol` (≥ 1) at which `required` bytes fit `capacity`, solved exactly on
    /// the formula by doubling then bisection (memory grows with the symbol); `nil` with the reason
    /// when it cannot be.
    public static func largestFitting(_ required: SymbolicInt, symbol: String, capacity: Double,
                                      limit: Int = 1 << 40) -> (value: Int?, note: String?) {
        // `evaluated` also reads the report's `max(...)` peaks and budget names back.
        func need(_ value: Int) -> Double? { required.evaluated([symbol: value]).map(Double.init) }
        if let bytes = required.intValue { return (nil, "memory does not grow with \(symbol) (\(bytes) bytes)") }
        guard let first = need(1) else { return (nil, "memory is not a formula in \(symbol) alone, or overflows (\(required))") }
        if first > capacity { return (0, "does not fit even at \(symbol)=1") }
        var low = 1, high = 2
        while high <= limit {
            guard let bytes = need(high), bytes <= capacity else { break }
            low = high
            high *= 2
        }
        if high > limit { return (nil, "fits at every \(symbol) up to \(limit)") }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if let bytes = need(middle), bytes <= capacity { low = middle } else { high = middle }
        }
        return (low, nil)
    }
}
