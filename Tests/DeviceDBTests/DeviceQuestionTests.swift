import CostKernels
@testable import DeviceDB
import ONNXGraph
import Testing

/// The seeds' device questions, worked out by hand: bandwidth for a target latency (seed 001), max
/// batch, and utilization of a measured run (seed 003).
@Suite struct DeviceQuestionTests {
    /// Seed 001: 100 M fp32 parameters read in 0.1 s need ≥ 4 GB/s. The model: X[1,10000] · W[10000,10000]
    /// moves W (400,000,000 B) + X (40,000 B) + Y (40,000 B) = 400,080,000 B → 4.0008 GB/s; 2·10^8 FLOPs → 2 G ops/s.
    @Test func seed001BandwidthForATargetLatency() throws {
        let model = Pricing.model(nodes: [Node(name: "fc", opType: "MatMul", inputs: ["X", "W"], outputs: ["Y"])],
                                  inputs: [Pricing.tensor("X", .float, [1, 10_000])], outputs: ["Y"],
                                  initializers: [Pricing.weight("W", .float, [10_000, 10_000])])
        let costs = Pricing.costs(model)
        #expect(costs.totals.params == 100_000_000)
        let devices = try DeviceCatalog.builtin().devices.filter { $0.peakTOPS["fp32"] != nil || $0.peakTOPS["tf32"] != nil }
        let rooflines = try devices.map { try Pricing.roofline(costs, on: $0) }
        let bytes = Double(costs.totals.weightBytes.intValue! + costs.fusion.graphInputBytes.intValue! + costs.fusion.graphOutputBytes.intValue!)
        #expect(bytes == 400_080_000)
        let answer = TargetAnswer(latencySeconds: 0.1, bytes: bytes, flops: try #require(rooflines.first?.figures).flops, rooflines: rooflines)
        #expect(answer.requiredBandwidthBytesPerSecond == 4_000_800_000)
        #expect(answer.requiredOpsPerSecond == 2e9)
        // Every device with ≥ 4.0008 GB/s and any fp32 path meets 0.1 s by its estimate.
        #expect(answer.devicesMeetingEstimate.count == rooflines.count)
        // T4: 320 GB/s, 4 MiB of L2: (400,080,000 − 4,194,304) B / 320 GB/s = 1.2371 ms is its bound.
        let tight = TargetAnswer(latencySeconds: 1.2e-3, bytes: bytes, flops: 2e8, rooflines: rooflines)
        #expect(!tight.devicesMeetingBound.contains("t4"))
        let loose = TargetAnswer(latencySeconds: 1.24e-3, bytes: bytes, flops: 2e8, rooflines: rooflines)
        #expect(loose.devicesMeetingBound.contains("t4"))
    }

    /// mlp_small (Gemm 100→50 + Relu, Gemm 50→10, fp32): weights (5,000 + 50 + 500 + 10) · 4 = 22,240 B;
    /// fused peak = x [b,100] + h [b,50] live while the first kernel runs = 600·b B. On 1,000,000 B:
    /// 22,240 + 600·b ≤ 10^6 → b ≤ 1,629.6 → max batch 1,629.
    @Test func maxBatchByHand() throws {
        let costs = try Pricing.costs(fixture: "mlp_small.onnx", bindings: [:])
        #expect(costs.totals.weightBytes == 22_240)
        #expect(costs.fusion.peakActivationBytes == .polynomial(Polynomial(symbol: "batch").multiplied(by: Polynomial(constant: 600))!))
        let required = costs.totals.weightBytes + costs.fusion.peakActivationBytes
        let answer = Capacity.largestFitting(required, symbol: "batch", capacity: 1_000_000)
        #expect(answer.value == 1_629)
        #expect(Capacity.largestFitting(required, symbol: "batch", capacity: 22_839).value == 0)
        #expect(Capacity.largestFitting(required, symbol: "batch", capacity: 22_840).value == 1)
        #expect(Capacity.largestFitting(.value(5), symbol: "batch", capacity: 100).value == nil)
    }

    /// Seed 003: utilization = used OPs/s ÷ raw OPs/s. The 4096³ fp16 MatMul measured at 1 ms on an A100:
    /// 137.44 T ops/s achieved ÷ 312 = 44.05%; 100,663,296 B in 1 ms ÷ 2,039 GB/s = 4.937% of the bandwidth.
    @Test func seed003Utilization() throws {
        let model = Pricing.model(nodes: [Node(name: "mm", opType: "MatMul", inputs: ["A", "W"], outputs: ["Y"])],
                                  inputs: [Pricing.tensor("A", .float16, [4096, 4096])], outputs: ["Y"],
                                  initializers: [Pricing.weight("W", .float16, [4096, 4096])])
        let a100 = try Pricing.device("a100")
        let figures = try #require(try Pricing.roofline(Pricing.costs(model), on: a100).figures)
        let measured = Utilization(figures: figures, device: a100, latencySeconds: 1e-3)
        #expect(close(measured.achievedOpsPerSecond, 137_438_953_472e3))
        #expect(close(measured.utilization, 137_438_953_472e3 / 312e12))
        #expect(abs(measured.utilization - 0.4405) < 0.0001)
        #expect(close(measured.bandwidthUtilization, 100_663_296e3 / 2039e9))
    }
}
