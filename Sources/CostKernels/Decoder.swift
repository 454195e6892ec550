import ONNXGraph

/// How a graph reads as an autoregressive decoder (docs/llm.md): which symbols are the batch, the new
/// tokens and the cached tokens, and which inputs/outputs carry the KV cache.
public struct DecoderSignature: Sendable, Equatable {
    public var batchSymbol: String?
    /// The new tokens of a step (`sequence`).
    public var sequenceSymbol: String
    /// The tokens already in the cache (`past_sequence`); `nil` for a graph without a KV cache.
    public var pastSymbol: String?
    /// Symbols that stand for past + new tokens (an attention mask's `total_sequence`).
    public var totalSymbols: [String]
    public var cacheInputs: [String]
    public var cacheOutputs: [String]
    public var hasCache: Bool { pastSymbol != nil }

    /// The symbol bindings of a step: `tokens` new tokens after `context` cached ones, for `batch` sequences.
    /// A graph without a cache recomputes the whole context: its sequence is context + tokens.
    public func bindings(batch: Int, tokens: Int, context: Int) -> [String: Int] {
        var result: [String: Int] = [:]
        if let batchSymbol { result[batchSymbol] = batch }
        if let pastSymbol {
            result[sequenceSymbol] = tokens
            result[pastSymbol] = context
        } else {
            result[sequenceSymbol] = context + tokens
        }
        for symbol in totalSymbols { result[symbol] = context + tokens }
        return result
    }

    /// Recognizes a decoder: KV-cache inputs (`past_key_values.*`, `past.*`, `past_key*`/`past_value*`)
    /// with `present.*` outputs, or GroupQueryAttention/MultiHeadAttention fed a past; else a no-cache
    /// export whose causal mask (Trilu, or a `LessOrEqual` over positions) feeds a vocabulary output
    /// (last output dim ≥ 1000). `nil` for anything else (an encoder such as BERT).
    public static func detect(_ model: Model) -> DecoderSignature? {
        let graph = model.graph
        let inputs = graph.runtimeInputs
        guard let ids = inputs.first(where: { $0.name == "input_ids" }) ?? inputs.first(where: { $0.type.tensor?.dtype == .int64 }),
              let idShape = ids.type.tensor?.shape, idShape.count == 2, let sequence = symbol(idShape[1]) else { return nil }
        let batch = symbol(idShape[0])
        let cacheInputs = inputs.filter { isCacheName($0.name, prefixes: ["past_key_values", "past.", "past_key", "past_value", "past_"]) }.map(\.name)
        let cacheOutputs = graph.outputs.filter { $0.name.hasPrefix("present") }.map(\.name)
        var past: String?
        for name in cacheInputs {
            guard let shape = inputs.first(where: { $0.name == name })?.type.tensor?.shape else { continue }
            past = shape.compactMap(symbol).first { $0 != batch && $0 != sequence }
            if past != nil { break }
        }
        var totals: [String] = []
        for input in inputs where input.name != ids.name {
            for dim in input.type.tensor?.shape ?? [] {
                guard let name = symbol(dim), name != batch, name != sequence, name != past, !totals.contains(name) else { continue }
                // A mask or position dim over past + new tokens.
                if input.name.contains("mask") || name.contains("total") || (past.map { name.contains($0) } ?? false) { totals.append(name) }
            }
        }
        if past != nil {
            return DecoderSignature(batchSymbol: batch, sequenceSymbol: sequence, pastSymbol: past, totalSymbols: totals,
                                    cacheInputs: cacheInputs, cacheOutputs: cacheOutputs)
        }
        let ops = Set(graph.nodes.map(\.opType))
        let causal = ops.contains("Trilu") || ops.contains("LessOrEqual")
            || graph.nodes.contains { ($0.opType == "Attention" || $0.opType == "MultiHeadAttention")
                && $0.attributes.contains { $0.name == "unidirectional" && $0.value == .int(1) } }
        let vocabulary = graph.outputs.first?.type.tensor?.shape?.last?.intValue ?? 0
        guard causal, vocabulary >= 1000 else { return nil }
        return DecoderSignature(batchSymbol: batch, sequenceSymbol: sequence, pastSymbol: nil, totalSymbols: totals,
                                cacheInputs: [], cacheOutputs: [])
    }

    static func symbol(_ dim: Dim) -> String? {
        guard case .polynomial(let p) = dim, p.symbols.count == 1, p.terms.count == 1, p.terms[0].coefficient == 1,
              p.terms[0].monomial.degree == 1 else { return nil }
        return p.symbols.first
    }

    static func isCacheName(_ name: String, prefixes: [String]) -> Bool {
        prefixes.contains { name.hasPrefix($0) } && !name.hasPrefix("past_sequence")
    }
}
