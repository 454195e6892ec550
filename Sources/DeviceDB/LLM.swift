import Foundation
import CostKernels
import ONNXGraph

/// `--prefill S` / `--decode S` for a decoder (docs/llm.md).
public struct LLMOptions: Sendable {
    public enum Phase: String, Sendable { case prefill, decode }

    public var phase: Phase
    /// Prompt tokens (prefill), or the context already cached before the new token (decode).
    public var context: Int
    public var batch: Int
    /// `--kv-dtype`: the KV cache's element type; `nil` = as the graph stores it (at `--dtype`).
    public var kvPrecision: Precision?
    /// `--tp N`: tensor parallel over N devices.
    public var tensorParallel: Int
    /// `--link-gbps` (bytes/s per direction) for the tensor-parallel all-reduces.
    public var linkBytesPerSecond: Double?

    public init(phase: Phase, context: Int, batch: Int = 1, kvPrecision: Precision? = nil, tensorParallel: Int = 1,
                linkBytesPerSecond: Double? = nil) {
        self.phase = phase
        self.context = context
        self.batch = batch
        self.kvPrecision = kvPrecision
        self.tensorParallel = tensorParallel
        self.linkBytesPerSecond = linkBytesPerSecond
    }
}

/// What a step costs the model on one device as a sequence/batch is served.
public struct LLMPhaseFigures: Sendable {
    public var boundSeconds: Double
    public var estimateSeconds: Double
}

/// The LLM serving answer on one device: time to first token, time per output token, tokens/s,
/// KV cache, and the longest context and largest batch that fit.
public struct LLMAnswer: Sendable {
    public var phase: LLMOptions.Phase
    public var batch: Int
    /// New tokens of the reported step (S for prefill, 1 for decode).
    public var tokens: Int
    public var context: Int
    public var kvCacheBytesPerToken: Double
    /// The cache after the step: batch × (context + tokens) × bytes per token.
    public var kvCacheBytes: Double
    public var timeToFirstToken: LLMPhaseFigures?
    public var timePerOutputToken: LLMPhaseFigures?
    public var tokensPerSecondBound: Double?
    public var tokensPerSecondEstimate: Double?
    public var maxContext: Int?
    public var maxBatch: Int?
    public var totalParameters: Int
    public var activeParameters: Int
    public var experts: MixtureOfExperts?
    /// Experts a decode step of `batch` tokens touches under uniform routing (expected).
    public var expectedExpertsTouched: Double?
    public var tensorParallel: Int
    public var allreduceSecondsPerStep: Double?
    public var notes: [String]
}

public enum LLM {
    /// KV-cache bytes per token and sequence: the cache outputs (present.*) of a decode step at
    /// `context`, divided by batch × (context + 1), at `kvPrecision` when given.
    public static func kvBytesPerToken(outputs: [ValueInfo], inputs: [ValueInfo], signature: DecoderSignature, batch: Int,
                                       context: Int, kvPrecision: Precision?) -> Double {
        func perToken(_ infos: [ValueInfo], names: [String], length: Int) -> Double {
            guard length > 0 else { return 0 }
            var total = 0.0
            for info in infos where names.contains(info.name) {
                guard let tensor = info.type.tensor, let elements = tensor.elementCount.intValue else { continue }
                let bits = (kvPrecision?.storageType ?? tensor.dtype).bitsPerElement ?? 32
                total += Double(elements) * Double(bits) / 8 / Double(batch * length)
            }
            return total
        }
        let fromOutputs = perToken(outputs, names: signature.cacheOutputs, length: context + 1)
        return fromOutputs > 0 ? fromOutputs : perToken(inputs, names: signature.cacheInputs, length: context)
    }

    /// Assembles the answer from the priced prefill and decode steps on one device.
    public static func answer(options: LLMOptions, signature: DecoderSignature, prefill: RooflineResult?, decode: RooflineResult?,
                              kvPerToken: Double, decodeWorkspaceBytes: Double, weightBytes: Double, hiddenSize: Int?,
                              layers: Int, totalParameters: Int, experts: MixtureOfExperts?, device: Device) -> LLMAnswer {
        var notes: [String] = []
        let n = Double(max(options.tensorParallel, 1))
        let b = Double(options.batch)
        if !signature.hasCache {
            notes.append("no KV cache in the graph: each decode step recomputes all \(options.context + 1) tokens")
        }
        if let kv = options.kvPrecision { notes.append("KV cache priced at \(kv.rawValue)") }
        // Tensor parallel: FLOPs, weights and cache split N ways; two all-reduces of the hidden
        // activations per layer, ring, at the link bandwidth per direction.
        var allreduce: (prefill: Double, decode: Double)?
        if options.tensorParallel > 1 {
            let link = options.linkBytesPerSecond ?? device.interconnectBytesPerSecond.map { $0 / 2 }
            if let link, let hidden = hiddenSize, layers > 0 {
                let width = Double((options.kvPrecision?.storageType.bitsPerElement ?? 16)) / 8
                func time(_ tokens: Int) -> Double {
                    2 * Double(layers) * 2 * (n - 1) / n * b * Double(tokens) * Double(hidden) * width / link
                }
                allreduce = (time(options.context), time(1))
                notes.append("tensor parallel over \(options.tensorParallel): 2 all-reduces of [batch, tokens, \(hidden)] per layer × \(layers) layers at \(String(format: "%.0f", link / 1e9)) GB/s per direction")
            } else {
                notes.append("tensor parallel: no interconnect figure or no hidden size found; all-reduces not priced (give --link-gbps)")
            }
        }
        func split(_ r: RooflineResult?, comm: Double?) -> LLMPhaseFigures? {
            guard let f = r?.figures else { return nil }
            return LLMPhaseFigures(boundSeconds: max(f.boundSeconds / n, comm ?? 0), estimateSeconds: f.estimateSeconds / n + (comm ?? 0))
        }
        let ttft = split(prefill, comm: allreduce?.prefill)
        let tpot = split(decode, comm: allreduce?.decode)

        // Memory per device: weights ÷ N, one KV buffer (past and present share it, as serving
        // runtimes keep it) ÷ N, and the decode step's other activations.
        let capacity = device.memoryBytes ?? 0
        let free = capacity - weightBytes / n - decodeWorkspaceBytes
        var maxContext: Int?, maxBatch: Int?
        if kvPerToken > 0, capacity > 0 {
            let perToken = kvPerToken / n
            maxContext = free > 0 ? Checked.int(free / (b * perToken), rounding: .down) : 0
            maxBatch = free > 0 ? Checked.int(free / (Double(max(options.context, 1)) * perToken), rounding: .down) : 0
        }
        let tokens = options.phase == .prefill ? options.context : 1
        let context = options.phase == .prefill ? 0 : options.context
        var touched: Double?
        if let experts {
            touched = experts.expectedExpertsTouched(tokens: options.batch)
            notes.append("MoE: \(experts.experts) experts, top-\(experts.topK); a decode step of \(options.batch) token(s) touches at least \(experts.topK), \(String(format: "%.2f", touched!)) expected under uniform routing; the graph's gathers price at most tokens × k experts")
        }
        return LLMAnswer(phase: options.phase, batch: options.batch, tokens: tokens, context: context,
                         kvCacheBytesPerToken: kvPerToken, kvCacheBytes: kvPerToken * b * Double(context + tokens),
                         timeToFirstToken: ttft, timePerOutputToken: tpot,
                         tokensPerSecondBound: tpot.map { b / $0.boundSeconds }, tokensPerSecondEstimate: tpot.map { b / $0.estimateSeconds },
                         maxContext: maxContext, maxBatch: maxBatch, totalParameters: totalParameters,
                         activeParameters: experts?.activeParameters(total: totalParameters) ?? totalParameters, experts: experts,
                         expectedExpertsTouched: touched, tensorParallel: options.tensorParallel,
                         allreduceSecondsPerStep: allreduce.map { options.phase == .prefill ? $0.prefill : $0.decode }, notes: notes)
    }
}
