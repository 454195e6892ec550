import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

/// The schema flags the cost pass and the fusion plan read instead of op names: each flag is set on
/// exactly the ops the passes used to list by name (docs/cost-model.md, "Fusion groups").
@Suite struct OpTraitsTests {
    /// Registered op types (any domain) whose schema, at some version, carries `trait`.
    static func types(with trait: OpTraits) -> Set<String> {
        Set(OpRegistry.builtin.allEntries.filter { $0.schema.traits.contains(trait) }.map(\.schema.type))
    }

    /// Every registered version of an op agrees on its flags (the passes do not look at versions).
    @Test func versionsOfAnOpAgree() {
        var byOp: [String: OpTraits] = [:]
        var disagree: [String] = []
        for entry in OpRegistry.builtin.allEntries {
            let key = entry.schema.domain + "/" + entry.schema.type
            if let seen = byOp[key], seen != entry.schema.traits { disagree.append(key) }
            byOp[key] = entry.schema.traits
        }
        #expect(disagree.isEmpty, "\(disagree)")
    }

    @Test func epilogues() {
        #expect(Self.types(with: .epilogue) == [
            "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mean", "Sum", "Mod",
            "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Elu", "Selu", "Celu",
            "Gelu", "Erf", "Exp", "Log", "Sqrt", "Reciprocal", "Neg", "Abs", "Softplus", "Softsign", "Mish",
            "ThresholdedRelu", "Sin", "Cos", "Floor", "Ceil", "Round", "Sign", "Shrink",
            "BatchNormalization", "Cast", "CastLike", "QuantizeLinear", "Where", "Not", "And", "Or", "Xor",
            "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "IsNaN", "IsInf",
            "BiasGelu", "FastGelu", "QuickGelu", "BiasAdd", "BiasSplitGelu",
        ])
    }

    @Test func viewsGEMMsAndMetadata() {
        #expect(Self.types(with: .view) == ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"])
        #expect(Self.types(with: .gemm) == ["MatMul", "Gemm", "Einsum", "FusedMatMul", "MatMulInteger", "QLinearMatMul", "MatMulNBits"])
        #expect(Self.types(with: .metadataOnly) == ["Shape", "Size", "Constant"])
        #expect(Self.types(with: .gemmOperandLayout) == ["Transpose", "Expand"])
        #expect(Self.types(with: .dequantize) == ["DequantizeLinear"])
        #expect(Self.types(with: .gathersRows) == ["Gather", "GatherND", "GatherElements", "GatherBlockQuantized"])
    }

    /// An int32 constant is a parameter only into an op that consumes quantized integers: the ops
    /// named Dequantize…, QLinear…, QGemm… or …Integer….
    @Test func quantizedInputs() {
        let named = Set(OpRegistry.builtin.registeredOps.map(\.type).filter {
            $0.hasPrefix("Dequantize") || $0.hasPrefix("QLinear") || $0.hasPrefix("QGemm") || $0.contains("Integer")
        })
        #expect(named.contains("QLinearConv") && named.contains("MatMulInteger") && named.contains("DequantizeLinear"))
        #expect(Self.types(with: .quantizedInputs) == named)
    }

    /// The cost pass reaches a node's cost rule through the registry that made its shape rule.
    @Test func costRuleResolvesThroughTheRegistry() throws {
        let node = Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])
        let rule = try #require(try OpRegistry.builtin.shapeRule(for: node, opset: 14))
        let context = CostContext(node: node, opset: 14, inputs: [TensorType(dtype: .float, shape: [2, 3])],
                                  outputs: [TensorType(dtype: .float, shape: [2, 3])])
        // Relu: 1 FLOP per element of a 2×3 output.
        #expect(try OpRegistry.builtin.costRule(for: rule)?.cost(context).flops == 6)
        // Relu holds no subgraph: no subgraph policy.
        #expect(OpRegistry.builtin.subgraphCostRule(for: rule) == nil)
    }
}
