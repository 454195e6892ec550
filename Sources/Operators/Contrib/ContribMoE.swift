import CostKernels
import ONNXGraph
import ShapeInference

// MARK: - MoE, QMoE (com.microsoft)

/// Mixture of experts: `input [.., H]`, `router_probs [T, E]`, expert weights `fc1 [E, ·, ·]`, bias,
/// `fc2`, bias, optional `fc3` (and for QMoE scales). Output has the input's shape. Spec:
/// ContribOperators.md#com.microsoft.MoE.
struct MoEOp: Operator {
    static let schema = OpSchema(type: "MoE", domain: "com.microsoft", inputs: 3...15, outputs: 1...1)

    let k: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        k = try node.int("k", default: 1)
        guard k >= 1 else { throw .invalidAttribute(name: "k", reason: "MoE k must be ≥ 1, got \(k)") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape, shape.isEmpty { throw .rankMismatch("MoE input must have rank ≥ 1") }
        return [.tensor(x)]
    }

    static let formula = "each token runs its top-`k` experts: MACs = tokens · k · (|fc1| + |fc2| + |fc3|) / E (each expert matrix once, whatever its layout: fused gate/up `[E, 2I, H]` or not), + `E·H·1` for nothing else (routing probabilities are an input). FLOPs = 2·MACs + the activation per intermediate element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0)
        guard let experts = try ctx.inputShape(1).last?.intValue, experts > 0 else { throw .unknownShape("router_probs' expert count") }
        let tokens = Array(input.dropLast()).product
        var perExpert: SymbolicInt = 0
        var intermediate: SymbolicInt = 0
        for slot in [2, 4, 6] where ctx.hasInput(slot) {
            let elements = try ctx.inputElements(slot)
            guard let total = elements.intValue else { throw .unknownShape("expert weight \(slot)") }
            perExpert += .value(total / experts)
            if slot == 4, let hidden = input.last?.intValue, hidden > 0 { intermediate = .value(total / experts / hidden) }
        }
        let macs = tokens * .value(k) * perExpert
        return OpCost(macs: macs, flops: macs * 2 + tokens * .value(k) * intermediate * .value(Conventions.arithmetic))
    }
}

public enum ContribMoEFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([MoEOp.self])
}
