import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `infer_shapes` (LayerNormalization, BatchNormalization-15, RMSNormalization);
// ONNX leaves BatchNormalization-9's optional outputs and GroupNormalization untyped, so those come
// from the spec text ("mean, var, saved_mean, saved_var: [C]"; output "same shape as input").
// Expected costs: the formulas in the comments.

private let n = Dim.symbol("N"), b = Dim.symbol("B"), s = Dim.symbol("S"), h = Dim.symbol("H"), w = Dim.symbol("W")

private let normCases: [ShapeCostCase] = [
    // Inference BN: 4 FLOPs per element: 64·112·112 = 802,816 elements → 3,211,264.
    ShapeCostCase(label: "BatchNormalization inference", op: "BatchNormalization",
                  inputs: [t(.float, 1, 64, 112, 112), t(.float, 64), t(.float, 64), t(.float, 64), t(.float, 64)],
                  expected: [t(.float, 1, 64, 112, 112)], macs: 0, flops: 3_211_264, transcendentals: 0),
    ShapeCostCase(label: "BatchNormalization symbolic", op: "BatchNormalization",
                  inputs: [t(.float, n, 64, h, w), t(.float, 64), t(.float, 64), t(.float, 64), t(.float, 64)],
                  expected: [t(.float, n, 64, h, w)], flops: n * h * w * 256),
    // 2-D input [N, C]: 4 × 128 = 512.
    ShapeCostCase(label: "BatchNormalization 2-D", op: "BatchNormalization",
                  inputs: [t(.float, 8, 16), t(.float, 16), t(.float, 16), t(.float, 16), t(.float, 16)],
                  expected: [t(.float, 8, 16)], flops: 512),
    // Opset 15 training: outputs running_mean/var typed as input mean/var (float) while X is float16.
    // FLOPs = 2048 elements × (4 + 4 statistics) + 64 rsqrt = 16,448; 64 transcendentals.
    ShapeCostCase(label: "BatchNormalization training opset 15", op: "BatchNormalization",
                  inputs: [t(.float16, 2, 64, 4, 4), t(.float, 64), t(.float, 64), t(.float, 64), t(.float, 64)],
                  attrs: ["training_mode": .int(1)], opset: 15, outputs: 3,
                  expected: [t(.float16, 2, 64, 4, 4), t(.float, 64), t(.float, 64)], flops: 16_448, transcendentals: 64),
    // Opset 9 with all five outputs (training): 96 × 8 + 3 = 771.
    ShapeCostCase(label: "BatchNormalization opset 9 five outputs", op: "BatchNormalization",
                  inputs: [t(.float, 2, 3, 4, 4), t(.float, 3), t(.float, 3), t(.float, 3), t(.float, 3)],
                  opset: 9, outputs: 5,
                  expected: [t(.float, 2, 3, 4, 4), t(.float, 3), t(.float, 3), t(.float, 3), t(.float, 3)],
                  flops: 771, transcendentals: 3),
    // Opset 6 with is_test = 1: inference even with extra outputs declared.
    ShapeCostCase(label: "BatchNormalization opset 6 is_test", op: "BatchNormalization",
                  inputs: [t(.float, 2, 3, 4, 4), t(.float, 3), t(.float, 3), t(.float, 3), t(.float, 3)],
                  attrs: ["is_test": .int(1), "spatial": .int(1)], opset: 6,
                  expected: [t(.float, 2, 3, 4, 4)], flops: 384),
    // InstanceNormalization: 96 × 7 + 2·3 rsqrt = 678.
    ShapeCostCase(label: "InstanceNormalization", op: "InstanceNormalization",
                  inputs: [t(.float, 2, 3, 4, 4), t(.float, 3), t(.float, 3)],
                  expected: [t(.float, 2, 3, 4, 4)], flops: 678, transcendentals: 6),
    // LayerNormalization axis −1: Mean/InvStdDev [2, 5, 1] float; 7680 × 7 + 10 rows = 53,770.
    ShapeCostCase(label: "LayerNormalization", op: "LayerNormalization",
                  inputs: [t(.float, 2, 5, 768), t(.float, 768), t(.float, 768)], opset: 17, outputs: 3,
                  expected: [t(.float, 2, 5, 768), t(.float, 2, 5, 1), t(.float, 2, 5, 1)],
                  flops: 53_770, transcendentals: 10),
    // axis 1, float16 input: statistics [2, 1, 1] in stash_type float; 53,760 + 2 rows.
    ShapeCostCase(label: "LayerNormalization axis 1 float16", op: "LayerNormalization",
                  inputs: [t(.float16, 2, 5, 768), t(.float16, 5, 768)], attrs: ["axis": .int(1)], opset: 17, outputs: 3,
                  expected: [t(.float16, 2, 5, 768), t(.float, 2, 1, 1), t(.float, 2, 1, 1)],
                  flops: 53_762, transcendentals: 2),
    // Symbolic: 768·7 = 5376 per row.
    ShapeCostCase(label: "LayerNormalization symbolic", op: "LayerNormalization",
                  inputs: [t(.float, b, s, 768), t(.float, 768)], opset: 17,
                  expected: [t(.float, b, s, 768)], flops: b * s * 5376 + b * s, transcendentals: b * s),
    // GroupNormalization: 4096 × 7 + 2·8 = 28,688.
    ShapeCostCase(label: "GroupNormalization 18", op: "GroupNormalization",
                  inputs: [t(.float, 2, 32, 8, 8), t(.float, 8), t(.float, 8)], attrs: ["num_groups": .int(8)], opset: 18,
                  expected: [t(.float, 2, 32, 8, 8)], flops: 28_688, transcendentals: 16),
    ShapeCostCase(label: "GroupNormalization 21", op: "GroupNormalization",
                  inputs: [t(.float, 2, 32, 8, 8), t(.float, 32), t(.float, 32)], attrs: ["num_groups": .int(8)], opset: 21,
                  expected: [t(.float, 2, 32, 8, 8)], flops: 28_688, transcendentals: 16),
    // RMSNormalization: 7680 × 4 + 10 = 30,730.
    ShapeCostCase(label: "RMSNormalization", op: "RMSNormalization",
                  inputs: [t(.float, 2, 5, 768), t(.float, 768)], opset: 23,
                  expected: [t(.float, 2, 5, 768)], flops: 30_730, transcendentals: 10),
    // LRN size 5 (AlexNet): 96·55·55 = 290,400 elements × (5·2 + 4) = 4,065,600; 1 pow each.
    ShapeCostCase(label: "LRN", op: "LRN", inputs: [t(.float, 1, 96, 55, 55)], attrs: ["size": .int(5)],
                  expected: [t(.float, 1, 96, 55, 55)], flops: 4_065_600, transcendentals: 290_400),
    // LpNormalization p = 2 along axis 1 of [2, 3, 4]: 24 × 3 + 8 rows = 80.
    ShapeCostCase(label: "LpNormalization p=2", op: "LpNormalization", inputs: [t(.float, 2, 3, 4)],
                  attrs: ["axis": .int(1)], expected: [t(.float, 2, 3, 4)], flops: 80, transcendentals: 8),
    ShapeCostCase(label: "LpNormalization p=1", op: "LpNormalization", inputs: [t(.float, 2, 3, 4)],
                  attrs: ["p": .int(1)], expected: [t(.float, 2, 3, 4)], flops: 72, transcendentals: 0),
    // MeanVarianceNormalization, axes [0, 2, 3]: 96 × 5 + 3 groups = 483.
    ShapeCostCase(label: "MeanVarianceNormalization", op: "MeanVarianceNormalization", inputs: [t(.float, 2, 3, 4, 4)],
                  opset: 13, expected: [t(.float, 2, 3, 4, 4)], flops: 483, transcendentals: 3),
]

private let normErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "GroupNormalization without num_groups", op: "GroupNormalization",
                   inputs: [t(.float, 2, 32, 8, 8), t(.float, 8), t(.float, 8)], opset: 18, error: "missingAttribute"),
    ShapeErrorCase(label: "GroupNormalization indivisible", op: "GroupNormalization",
                   inputs: [t(.float, 2, 30, 8, 8), t(.float, 8), t(.float, 8)], attrs: ["num_groups": .int(8)], opset: 18,
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "LayerNormalization axis out of range", op: "LayerNormalization",
                   inputs: [t(.float, 2, 5, 768), t(.float, 768)], attrs: ["axis": .int(3)], opset: 17,
                   error: "invalidAttribute"),
    ShapeErrorCase(label: "LayerNormalization integer stash_type", op: "LayerNormalization",
                   inputs: [t(.float, 2, 5, 768), t(.float, 768)], attrs: ["stash_type": .int(7)], opset: 17,
                   error: "invalidAttribute"),
    ShapeErrorCase(label: "LpNormalization p=3", op: "LpNormalization", inputs: [t(.float, 2, 3)],
                   attrs: ["p": .int(3)], error: "invalidAttribute"),
    ShapeErrorCase(label: "LRN without size", op: "LRN", inputs: [t(.float, 1, 3, 4, 4)], error: "missingAttribute"),
    ShapeErrorCase(label: "BatchNormalization negative epsilon", op: "BatchNormalization",
                   inputs: [t(.float, 2, 3), t(.float, 3), t(.float, 3), t(.float, 3), t(.float, 3)],
                   attrs: ["epsilon": .float(-1)], error: "invalidAttribute"),
    ShapeErrorCase(label: "InstanceNormalization rank 1", op: "InstanceNormalization",
                   inputs: [t(.float, 3), t(.float, 3), t(.float, 3)], error: "rankMismatch"),
]

@Suite struct NormalizationFamilyTests {
    @Test(arguments: normCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: normErrors) func errors(_ row: ShapeErrorCase) { row.check() }
}
