import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `infer_shapes` on one-node models (where hidden_size is absent onnx
// leaves the hidden dim unknown; the rule reads it from R's last dim, per the spec's R shape
// [num_directions, gates·hidden_size, hidden_size]). Expected costs: the formulas in the comments;
// "unit-steps" = seq·directions·batch·hidden.

private let s = Dim.symbol("S"), b = Dim.symbol("B")

private let rnnCases: [ShapeCostCase] = [
    // LSTM forward: MACs = 10·1·4·4·64·(32 + 64) = 983,040. Unit-steps 2,560 × (4 cell + 4 gate adds
    // + 8 bias adds + 3·4 sigmoid + 2 tanh = 30) = 76,800. FLOPs = 1,966,080 + 76,800 = 2,042,880;
    // transcendentals 5 × 2,560 = 12,800.
    ShapeCostCase(label: "LSTM forward", op: "LSTM",
                  inputs: [t(.float, 10, 4, 32), t(.float, 1, 256, 32), t(.float, 1, 256, 64), t(.float, 1, 512)],
                  attrs: ["hidden_size": .int(64)], outputs: 3,
                  expected: [t(.float, 10, 1, 4, 64), t(.float, 1, 4, 64), t(.float, 1, 4, 64)],
                  macs: 983_040, flops: 2_042_880, transcendentals: 12_800),
    // Bidirectional, layout 1 (opset 14), no bias: MACs 1,966,080; 5,120 unit-steps × 22 = 112,640.
    ShapeCostCase(label: "LSTM bidirectional layout 1", op: "LSTM",
                  inputs: [t(.float, 4, 10, 32), t(.float, 2, 256, 32), t(.float, 2, 256, 64)],
                  attrs: ["hidden_size": .int(64), "layout": .int(1), "direction": .string("bidirectional")], opset: 14,
                  outputs: 3, expected: [t(.float, 4, 10, 2, 64), t(.float, 4, 2, 64), t(.float, 4, 2, 64)],
                  macs: 1_966_080, flops: 4_044_800, transcendentals: 25_600),
    // Peepholes (input 7): + 6 per unit-step: 2,042,880 + 6 × 2,560 = 2,058,240.
    ShapeCostCase(label: "LSTM peepholes", op: "LSTM",
                  inputs: [t(.float, 10, 4, 32), t(.float, 1, 256, 32), t(.float, 1, 256, 64), t(.float, 1, 512), nil, nil, nil,
                           t(.float, 1, 192)],
                  attrs: ["hidden_size": .int(64)], outputs: 3,
                  expected: [t(.float, 10, 1, 4, 64), t(.float, 1, 4, 64), t(.float, 1, 4, 64)], flops: 2_058_240),
    // Symbolic seq and batch: MACs = S·B·4·64·96 = 24,576·S·B; FLOPs = 49,152·S·B + 30·64·S·B.
    ShapeCostCase(label: "LSTM symbolic", op: "LSTM",
                  inputs: [t(.float, s, b, 32), t(.float, 1, 256, 32), t(.float, 1, 256, 64), t(.float, 1, 512)],
                  attrs: ["hidden_size": .int(64)], outputs: 2,
                  expected: [t(.float, s, 1, b, 64), t(.float, 1, b, 64)],
                  macs: s * b * 24_576, flops: s * b * 51_072),
    // GRU: MACs = 5·2·3·32·(16 + 32) = 46,080; unit-steps 320 × (5 + 3 + 6 bias + 2·4 sigmoid + 1 tanh
    // = 23) = 7,360; FLOPs = 92,160 + 7,360 = 99,520; transcendentals 3 × 320 = 960.
    ShapeCostCase(label: "GRU", op: "GRU",
                  inputs: [t(.float, 5, 2, 16), t(.float, 1, 96, 16), t(.float, 1, 96, 32), t(.float, 1, 192)],
                  attrs: ["hidden_size": .int(32)], outputs: 2,
                  expected: [t(.float, 5, 1, 2, 32), t(.float, 1, 2, 32)],
                  macs: 46_080, flops: 99_520, transcendentals: 960),
    ShapeCostCase(label: "GRU opset 3 linear_before_reset", op: "GRU",
                  inputs: [t(.float, 5, 2, 16), t(.float, 1, 96, 16), t(.float, 1, 96, 32), t(.float, 1, 192)],
                  attrs: ["hidden_size": .int(32), "linear_before_reset": .int(1)], opset: 3, outputs: 2,
                  expected: [t(.float, 5, 1, 2, 32), t(.float, 1, 2, 32)], macs: 46_080, flops: 99_520),
    // RNN: MACs = 7·3·20·(10 + 20) = 12,600; 420 unit-steps × (1 add + 1 tanh) = 840; 420 tanh.
    ShapeCostCase(label: "RNN", op: "RNN",
                  inputs: [t(.float, 7, 3, 10), t(.float, 1, 20, 10), t(.float, 1, 20, 20)],
                  attrs: ["hidden_size": .int(20)], outputs: 2,
                  expected: [t(.float, 7, 1, 3, 20), t(.float, 1, 3, 20)],
                  macs: 12_600, flops: 26_040, transcendentals: 420),
    // hidden_size absent: read from R.
    ShapeCostCase(label: "RNN hidden from R", op: "RNN",
                  inputs: [t(.float, 7, 3, 10), t(.float, 1, 20, 10), t(.float, 1, 20, 20)], outputs: 2,
                  expected: [t(.float, 7, 1, 3, 20), t(.float, 1, 3, 20)], macs: 12_600),
    // Relu activation: no transcendentals.
    ShapeCostCase(label: "RNN Relu", op: "RNN",
                  inputs: [t(.float, 7, 3, 10), t(.float, 1, 20, 10), t(.float, 1, 20, 20)],
                  attrs: ["hidden_size": .int(20), "activations": .strings(["Relu"])], opset: 7, outputs: 2,
                  expected: [t(.float, 7, 1, 3, 20), t(.float, 1, 3, 20)], flops: 26_040, transcendentals: 0),
]

private let rnnErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "unknown direction", op: "LSTM",
                   inputs: [t(.float, 10, 4, 32), t(.float, 1, 256, 32), t(.float, 1, 256, 64)],
                   attrs: ["direction": .string("sideways")], error: "invalidAttribute"),
    ShapeErrorCase(label: "layout 2", op: "GRU", inputs: [t(.float, 5, 2, 16), t(.float, 1, 96, 16), t(.float, 1, 96, 32)],
                   attrs: ["layout": .int(2)], error: "invalidAttribute"),
    ShapeErrorCase(label: "directions mismatch", op: "GRU",
                   inputs: [t(.float, 5, 2, 16), t(.float, 2, 96, 16), t(.float, 2, 96, 32)], error: "incompatibleDims"),
    ShapeErrorCase(label: "hidden_size mismatch", op: "LSTM",
                   inputs: [t(.float, 10, 4, 32), t(.float, 1, 256, 32), t(.float, 1, 256, 64)],
                   attrs: ["hidden_size": .int(32)], error: "incompatibleDims"),
    ShapeErrorCase(label: "unknown activation", op: "RNN",
                   inputs: [t(.float, 7, 3, 10), t(.float, 1, 20, 10), t(.float, 1, 20, 20)],
                   attrs: ["activations": .strings(["Swish"])], error: "invalidAttribute"),
    ShapeErrorCase(label: "X rank 2", op: "RNN", inputs: [t(.float, 7, 10), t(.float, 1, 20, 10), t(.float, 1, 20, 20)],
                   error: "rankMismatch"),
]

@Suite struct RNNFamilyTests {
    @Test(arguments: rnnCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: rnnErrors) func errors(_ row: ShapeErrorCase) { row.check() }
}
