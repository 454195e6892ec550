import ONNXGraph
import ShapeInference

/// A mixture-of-experts layer set as the graph routes it: E experts, k chosen per token, and the
/// parameters that live in experts (docs/llm.md).
public struct MixtureOfExperts: Sendable, Equatable {
    public var experts: Int
    public var topK: Int
    /// Parameter elements held by expert weights (each expert counted: all E of them).
    public var expertParameters: Int
    /// Expert-weight bytes as stored.
    public var expertBytes: Int

    /// Parameters one token uses: everything outside the experts plus k of E experts.
    public func activeParameters(total: Int) -> Int {
        total - expertParameters + expertParameters / experts * topK
    }

    /// Experts a batch of `tokens` touches: at least k; E·(1 − (1 − k/E)^T) expected under uniform routing.
    public func expectedExpertsTouched(tokens: Int) -> Double {
        let e = Double(experts), k = Double(topK)
        return e * (1 - power(1 - k / e, max(tokens, 1)))
    }

    /// Finds the experts: com.microsoft MoE/QMoE nodes (router probabilities [T, E], attribute k, expert
    /// weights from input 2 on), or standard-op routing where TopK(k) indices gather from stacked
    /// constants whose first dim is E.
    public static func detect(_ graph: GraphInference, constants: [String: TensorData]) -> MixtureOfExperts? {
        var experts = 0, k = 0, params = 0, bytes = 0
        var counted = Set<String>()
        func add(_ name: String) {
            guard counted.insert(name).inserted, let tensor = constants[name], let count = tensor.elementCount else { return }
            params += count
            bytes += tensor.dtype.byteCount(elements: count) ?? 0
        }
        var topKIndices: [String: Int] = [:]
        for node in graph.nodes where node.node.opType == "TopK" && node.node.outputs.count > 1 {
            if let value = node.inputValues.count > 1 ? node.inputValues[1]?.knownInts?.first : nil { topKIndices[node.node.outputs[1]] = value }
        }
        for node in graph.nodes {
            let op = node.node.opType
            // Routing indices stay routing indices through views and casts.
            if ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Cast", "Identity"].contains(op), let source = node.node.inputs.first,
               let chosen = topKIndices[source], let output = node.node.outputs.first {
                topKIndices[output] = chosen
            }
            if op == "MoE" || op == "QMoE", node.node.domain == "com.microsoft",
               let e = node.inputTypes.count > 1 ? node.inputTypes[1]?.tensor?.shape?.last?.intValue : nil,
               case .int(let chosen)? = node.node.attribute("k")?.value {
                experts = e
                k = chosen
                for name in node.node.inputs.dropFirst(2) where !name.isEmpty { add(name) }
            } else if op == "Gather", node.node.inputs.count > 1, let chosen = topKIndices[node.node.inputs[1]],
                      let table = constants[node.node.inputs[0]], table.dims.count >= 3 {
                experts = table.dims[0]
                k = chosen
                add(table.name)
            }
        }
        guard experts > 1, k > 0, params > 0 else { return nil }
        return MixtureOfExperts(experts: experts, topK: k, expertParameters: params, expertBytes: bytes)
    }
}

/// `base^exponent` by squaring (CostKernels does not import Foundation).
private func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    var remaining = exponent
    var factor = base
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
    }
    return result
}
