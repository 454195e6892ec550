import Foundation
import CostKernels
import ONNXGraph

/// What a training step is asked to be (docs/training.md).
public struct TrainingOptions: Sendable {
    public enum Optimizer: String, Sendable, CaseIterable {
        case sgd, momentum, adam, adamw

        /// fp32 state bytes per parameter: momentum one buffer, Adam/AdamW two moments.
        public var stateBytesPerParameter: Int {
            switch self {
            case .sgd: 0
            case .momentum: 4
            case .adam, .adamw: 8
            }
        }

        /// FLOPs of one update per parameter (SGD: w −= lr·g; momentum: +2; Adam: moments, bias
        /// correction, sqrt and divide; AdamW adds the decoupled decay).
        public var updateFLOPsPerParameter: Int {
            switch self {
            case .sgd: 2
            case .momentum: 4
            case .adam: 12
            case .adamw: 14
            }
        }
    }

    public var optimizer: Optimizer
    /// bf16/fp16 compute with fp32 master weights (`--mixed-precision`); `nil` = the weights' own precision.
    public var mixedPrecision: Precision?
    /// Activation checkpointing: keep only the tensors between kernels, recompute the rest (one extra forward).
    public var recompute: Bool
    /// Data-parallel replicas (`--gpus`).
    public var gpus: Int
    /// Link bandwidth per direction (`--link-gbps`, bytes/s); default: the device's interconnect ÷ 2.
    public var linkBytesPerSecond: Double?
    /// Steps for seed 000's total communication volume (`--steps`).
    public var steps: Int

    public init(optimizer: Optimizer = .adam, mixedPrecision: Precision? = nil, recompute: Bool = false, gpus: Int = 1,
                linkBytesPerSecond: Double? = nil, steps: Int = 1) {
        self.optimizer = optimizer
        self.mixedPrecision = mixedPrecision
        self.recompute = recompute
        self.gpus = gpus
        self.linkBytesPerSecond = linkBytesPerSecond
        self.steps = steps
    }
}

/// One training step on one device (seed 000): compute, memory, data-parallel communication.
public struct TrainingAnswer: Sendable {
    public var parameters: Double
    /// Forward + backward (+ recompute) + optimizer update.
    public var flops: Double
    public var forwardFLOPs: Double
    public var weightBytes: Double
    public var gradientBytes: Double
    /// Optimizer moments, plus fp32 master weights under mixed precision.
    public var optimizerStateBytes: Double
    public var savedActivationBytes: Double
    public var totalMemoryBytes: Double
    public var fits: Bool?
    /// Ring all-reduce of the gradients per step: 2·(N−1)/N × gradient bytes.
    public var allreduceBytesPerStep: Double
    public var allreduceSeconds: Double?
    public var linkBytesPerSecond: Double?
    public var totalCommunicationBytes: Double
    public var stepBoundSeconds: Double
    /// Compute then all-reduce, no overlap (stated in the output).
    public var stepEstimateSeconds: Double
    /// The same with the all-reduce hidden behind the backward pass.
    public var stepOverlappedSeconds: Double
    /// ZeRO stages 1–3: per-GPU memory with optimizer state, then gradients, then weights sharded.
    public var zeroMemoryBytes: [Int: Double]
    public var notes: [String]
}

public enum TrainingError: Error, Sendable, CustomStringConvertible {
    case noTrainableWeights
    case symbolic

    public var description: String {
        switch self {
        case .noTrainableWeights: "--training: the graph has no float weights to train"
        case .symbolic: "--training: counts are symbolic; bind the symbols with --dim or --input"
        }
    }
}

public enum Training {
    /// Backward convention (docs/training.md): a MAC op's backward is 2× its forward (input gradient and
    /// weight gradient, each a product of the same size); any other op's backward is 1× its forward.
    public static func step(costs: CostReport, forward: RooflineResult, device: Device, options: TrainingOptions) throws(TrainingError) -> TrainingAnswer {
        var floatParameters = 0
        for (dtype, count) in costs.totals.paramsByType where dtype.isFloatingPoint { floatParameters += count }
        guard floatParameters > 0 else { throw .noTrainableWeights }
        guard let figures = forward.figures else { throw .symbolic }
        let params = Double(floatParameters)

        var macFLOPs = 0.0, otherFLOPs = 0.0
        for node in costs.nodes where node.status == .costed {
            guard let flops = node.flops.intValue else { throw .symbolic }
            if node.macs != 0 { macFLOPs += Double(flops) } else { otherFLOPs += Double(flops) }
        }
        let forwardFLOPs = macFLOPs + otherFLOPs
        let backward = 2 * macFLOPs + otherFLOPs
        let recomputeFLOPs = options.recompute ? forwardFLOPs : 0
        let update = params * Double(options.optimizer.updateFLOPsPerParameter)
        let flops = forwardFLOPs + backward + recomputeFLOPs + update

        // Bytes per parameter: weights and gradients at the compute width; fp32 master weights under
        // mixed precision; optimizer moments always fp32.
        let computeWidth = Double(options.mixedPrecision.map { $0.storageType.bitsPerElement ?? 32 } ?? 32) / 8
        let weightBytes = params * computeWidth
        let gradientBytes = params * computeWidth
        let masterBytes = options.mixedPrecision == nil ? 0 : params * 4
        let stateBytes = params * Double(options.optimizer.stateBytesPerParameter) + masterBytes
        // Saved for backward: every tensor the forward produces (and the inputs), at the compute
        // width; with recompute only the tensors between kernels.
        // (Under mixed precision the analysis prices the forward at that precision, so these are 2-byte tensors.)
        let everyTensor = Double(costs.totals.activationBytes.intValue ?? 0)
        let boundaries = costs.fusion.boundaryTensors.reduce(0.0) { $0 + Double($1.bytes.intValue ?? 0) }
        let saved = options.recompute ? boundaries : everyTensor
        let total = weightBytes + gradientBytes + stateBytes + saved

        let n = Double(max(options.gpus, 1))
        let allreduce = options.gpus > 1 ? 2 * (n - 1) / n * gradientBytes : 0
        let link = options.linkBytesPerSecond ?? device.interconnectBytesPerSecond.map { $0 / 2 }
        var notes: [String] = []
        let allreduceSeconds: Double? = options.gpus > 1 ? link.map { allreduce / $0 } : 0
        if options.gpus > 1 {
            notes.append(link == nil ? "no interconnect figure for \(device.id): give --link-gbps"
                : "all-reduce at \(String(format: "%.0f", link! / 1e9)) GB/s per direction (\(options.linkBytesPerSecond == nil ? "the device's interconnect ÷ 2: vendors quote both directions" : "--link-gbps"))")
        }

        // Compute scales the forward estimate by FLOPs; memory adds the optimizer's read-modify-write
        // of weights, gradients and state once per step.
        let bandwidth = device.memoryBandwidthBytesPerSecond ?? 1
        let updateBytes = 2 * (weightBytes + gradientBytes + stateBytes)
        let scale = forwardFLOPs > 0 ? (forwardFLOPs + backward + recomputeFLOPs) / forwardFLOPs : 3
        let computeEstimate = figures.estimateSeconds * scale + updateBytes / bandwidth
        let boundCompute = figures.boundComputeSeconds * scale
        let stepBound = max(boundCompute, updateBytes / bandwidth)
        let estimate = computeEstimate + (allreduceSeconds ?? 0)
        let overlapped = max(computeEstimate, allreduceSeconds ?? 0)

        var zero: [Int: Double] = [:]
        if options.gpus > 1 {
            zero[1] = weightBytes + gradientBytes + stateBytes / n + saved
            zero[2] = weightBytes + (gradientBytes + stateBytes) / n + saved
            zero[3] = (weightBytes + gradientBytes + stateBytes) / n + saved
        }
        return TrainingAnswer(parameters: params, flops: flops, forwardFLOPs: forwardFLOPs, weightBytes: weightBytes,
                              gradientBytes: gradientBytes, optimizerStateBytes: stateBytes, savedActivationBytes: saved,
                              totalMemoryBytes: total, fits: device.memoryBytes.map { total <= $0 },
                              allreduceBytesPerStep: allreduce, allreduceSeconds: allreduceSeconds, linkBytesPerSecond: link,
                              totalCommunicationBytes: allreduce * Double(max(options.steps, 1)),
                              stepBoundSeconds: stepBound, stepEstimateSeconds: estimate, stepOverlappedSeconds: overlapped,
                              zeroMemoryBytes: zero, notes: notes)
    }
}
