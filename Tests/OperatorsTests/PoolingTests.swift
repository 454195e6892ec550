import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `infer_shapes` on one-node models, except where a comment says
// otherwise. Expected costs: the formulas in the comments (see Pooling.swift's doc comments).

private let n = Dim.symbol("N"), c = Dim.symbol("C"), h = Dim.symbol("H"), w = Dim.symbol("W"), r = Dim.symbol("R")

private let poolCases: [ShapeCostCase] = [
    // ResNet stem pool: (112 + 2 − 3)/2 + 1 = 56; FLOPs = 64·56·56 outputs × 9 comparisons = 1,806,336.
    ShapeCostCase(label: "MaxPool resnet stem", op: "MaxPool", inputs: [t(.float, 1, 64, 112, 112)],
                  attrs: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, 1, 64, 56, 56)], macs: 0, flops: 1_806_336),
    // ceil_mode: ceil((5 − 2)/2) + 1 = 3; Indices int64; FLOPs = 9 × 4 = 36.
    ShapeCostCase(label: "MaxPool ceil_mode + Indices", op: "MaxPool", inputs: [t(.float, 1, 1, 5, 5)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "ceil_mode": .int(1)], outputs: 2,
                  expected: [t(.float, 1, 1, 3, 3), t(.int64, 1, 1, 3, 3)], flops: 36),
    // ceil_mode with pads: ceil((5 + 2 − 2)/2) + 1 = 4, but the last window would start in the right
    // padding ((4−1)·2 = 6 ≥ 5 + 1) and is dropped: 3. onnxruntime and onnx.reference give 3 (onnx
    // 1.23's infer_shapes says 4; the current onnx/defs/nn/defs.cc has the PyTorch rule).
    ShapeCostCase(label: "MaxPool ceil_mode drops a padded window", op: "MaxPool", inputs: [t(.float, 1, 1, 5, 5)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]),
                          "ceil_mode": .int(1)],
                  expected: [t(.float, 1, 1, 3, 3)], flops: 36),
    // ceil((6 + 2 − 3)/2) + 1 = 4 (kept: 6 < 7); FLOPs = 16 × 9 = 144.
    ShapeCostCase(label: "MaxPool ceil_mode keeps", op: "MaxPool", inputs: [t(.float, 1, 1, 6, 6)],
                  attrs: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]),
                          "ceil_mode": .int(1)],
                  expected: [t(.float, 1, 1, 4, 4)], flops: 144),
    // dilations 2: effective kernel 5 → 6; FLOPs = 36 × 9 = 324.
    ShapeCostCase(label: "MaxPool dilations", op: "MaxPool", inputs: [t(.float, 1, 1, 10, 10)],
                  attrs: ["kernel_shape": .ints([3, 3]), "dilations": .ints([2, 2])],
                  expected: [t(.float, 1, 1, 6, 6)], flops: 324),
    // 1-D: 32/4 = 8; FLOPs = 2·3·8 × 4 = 192.
    ShapeCostCase(label: "MaxPool 1-D", op: "MaxPool", inputs: [t(.float, 2, 3, 32)],
                  attrs: ["kernel_shape": .ints([4]), "strides": .ints([4])],
                  expected: [t(.float, 2, 3, 8)], flops: 192),
    // SAME_UPPER: ceil(7/2) = 4.
    ShapeCostCase(label: "MaxPool SAME_UPPER", op: "MaxPool", inputs: [t(.float, 1, 1, 7, 7)],
                  attrs: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")],
                  expected: [t(.float, 1, 1, 4, 4)], flops: 144),
    // Opset 8, two outputs.
    ShapeCostCase(label: "MaxPool opset 8 Indices", op: "MaxPool", inputs: [t(.float, 1, 1, 4, 4)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], opset: 8, outputs: 2,
                  expected: [t(.float, 1, 1, 2, 2), t(.int64, 1, 1, 2, 2)], flops: 16),
    // Symbolic: floor((H + 2 − 3)/2) + 1.
    ShapeCostCase(label: "MaxPool symbolic", op: "MaxPool", inputs: [t(.float, n, c, h, w)],
                  attrs: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, n, c, (h - 1).floorDivided(by: 2) + 1, (w - 1).floorDivided(by: 2) + 1)]),
    // Symbolic, stride 1, pads 1, kernel 3: H stays, FLOPs = 9·N·C·H·W.
    ShapeCostCase(label: "MaxPool symbolic stride 1", op: "MaxPool", inputs: [t(.float, n, c, h, w)],
                  attrs: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, n, c, h, w)], flops: n * c * h * w * 9),
    // int8 MaxPool (opset 12) keeps the type.
    ShapeCostCase(label: "MaxPool int8", op: "MaxPool", inputs: [t(.int8, 1, 1, 4, 4)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], opset: 12,
                  expected: [t(.int8, 1, 1, 2, 2)], flops: 16),
    // AveragePool: 32/2 = 16; FLOPs = 3·16·16 × (4 adds + 1 divide) = 3,840.
    ShapeCostCase(label: "AveragePool", op: "AveragePool", inputs: [t(.float, 1, 3, 32, 32)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])],
                  expected: [t(.float, 1, 3, 16, 16)], macs: 0, flops: 3_840),
    // ceil_mode: ceil((5−3)/2) + 1 = 2; FLOPs = 12 × (9 + 1) = 120.
    ShapeCostCase(label: "AveragePool ceil_mode", op: "AveragePool", inputs: [t(.float, 1, 3, 5, 5)],
                  attrs: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1),
                          "count_include_pad": .int(1)],
                  expected: [t(.float, 1, 3, 2, 2)], flops: 120),
    // Opset 7, count_include_pad: 5 → 5; FLOPs = 75 × 10 = 750.
    ShapeCostCase(label: "AveragePool opset 7", op: "AveragePool", inputs: [t(.float, 1, 3, 5, 5)],
                  attrs: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "count_include_pad": .int(1)],
                  opset: 7, expected: [t(.float, 1, 3, 5, 5)], flops: 750),
    // LpPool p = 3: 48 outputs × (4 taps × (pow + add) + root) = 48 × 9 = 432 FLOPs; transcendentals
    // 48 × (4 + 1) = 240.
    ShapeCostCase(label: "LpPool p=3", op: "LpPool", inputs: [t(.float, 1, 3, 8, 8)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "p": .int(3)],
                  expected: [t(.float, 1, 3, 4, 4)], flops: 432, transcendentals: 240),
    // LpPool p = 2 (default): squares are not transcendental; one sqrt per output: 48.
    ShapeCostCase(label: "LpPool p=2", op: "LpPool", inputs: [t(.float, 1, 3, 8, 8)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])],
                  expected: [t(.float, 1, 3, 4, 4)], flops: 432, transcendentals: 48),
    // Opset 1: p is a FLOAT.
    ShapeCostCase(label: "LpPool opset 1", op: "LpPool", inputs: [t(.float, 1, 3, 8, 8)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "p": .float(2)], opset: 1,
                  expected: [t(.float, 1, 3, 4, 4)], flops: 432),
    // GlobalAveragePool: 2·512·49 = 50,176 adds + 1,024 divides = 51,200.
    ShapeCostCase(label: "GlobalAveragePool", op: "GlobalAveragePool", inputs: [t(.float, 2, 512, 7, 7)],
                  expected: [t(.float, 2, 512, 1, 1)], flops: 51_200),
    ShapeCostCase(label: "GlobalAveragePool symbolic", op: "GlobalAveragePool", inputs: [t(.float, n, c, h, w)],
                  expected: [t(.float, n, c, 1, 1)], flops: n * c * h * w + n * c),
    // GlobalMaxPool: 50,176 comparisons.
    ShapeCostCase(label: "GlobalMaxPool", op: "GlobalMaxPool", inputs: [t(.float, 2, 512, 7, 7)],
                  expected: [t(.float, 2, 512, 1, 1)], flops: 50_176),
    // GlobalLpPool p = 2: 50,176 × 2 + 1,024 sqrt = 101,376; 1,024 transcendentals.
    ShapeCostCase(label: "GlobalLpPool", op: "GlobalLpPool", inputs: [t(.float, 2, 512, 7, 7)],
                  expected: [t(.float, 2, 512, 1, 1)], flops: 101_376, transcendentals: 1_024),
    ShapeCostCase(label: "GlobalLpPool 1-D", op: "GlobalLpPool", inputs: [t(.float, 2, 3, 10)],
                  expected: [t(.float, 2, 3, 1)]),
    // MaxRoiPool: [100, 256, 7, 7]; 1 comparison per output = 1,254,400 (lower bound).
    ShapeCostCase(label: "MaxRoiPool", op: "MaxRoiPool", inputs: [t(.float, 1, 256, 50, 50), t(.float, 100, 5)],
                  attrs: ["pooled_shape": .ints([7, 7])],
                  expected: [t(.float, 100, 256, 7, 7)], flops: 1_254_400),
    // RoiAlign sampling_ratio 2: 1,254,400 outputs × (4 samples × (3·3 lerp + 1) + 1 divide) = × 41.
    ShapeCostCase(label: "RoiAlign", op: "RoiAlign",
                  inputs: [t(.float, 1, 256, 50, 50), t(.float, 100, 4), t(.int64, 100)],
                  attrs: ["output_height": .int(7), "output_width": .int(7), "sampling_ratio": .int(2)], opset: 16,
                  expected: [t(.float, 100, 256, 7, 7)], flops: 51_430_400),
    // Symbolic ROI count, defaults 1×1, adaptive sampling counted as 1 sample: 10 + 1 per output.
    ShapeCostCase(label: "RoiAlign symbolic", op: "RoiAlign",
                  inputs: [t(.float, 1, 256, 50, 50), t(.float, r, 4), t(.int64, r)], opset: 10,
                  expected: [t(.float, r, 256, 1, 1)], flops: r * 256 * 11),
    // MaxUnpool: 2·(2 − 1) + 2 = 4; no compute.
    ShapeCostCase(label: "MaxUnpool", op: "MaxUnpool", inputs: [t(.float, 1, 3, 2, 2), t(.int64, 1, 3, 2, 2)],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], opset: 11,
                  expected: [t(.float, 1, 3, 4, 4)], macs: 0, flops: 0),
    // output_shape input known: the spec makes it the output shape (onnx's inference leaves it unknown).
    ShapeCostCase(label: "MaxUnpool output_shape", op: "MaxUnpool",
                  inputs: [t(.float, 1, 3, 2, 2), t(.int64, 1, 3, 2, 2), t(.int64, 4)],
                  values: [nil, nil, .ints([1, 3, 5, 5])],
                  attrs: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])], opset: 11,
                  expected: [t(.float, 1, 3, 5, 5)]),
]

private let poolErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "MaxPool without kernel_shape", op: "MaxPool", inputs: [t(.float, 1, 1, 4, 4)],
                   error: "missingAttribute"),
    ShapeErrorCase(label: "MaxPool storage_order 2", op: "MaxPool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([2, 2]), "storage_order": .int(2)], error: "invalidAttribute"),
    ShapeErrorCase(label: "MaxPool kernel rank", op: "MaxPool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([2])], error: "invalidAttribute"),
    ShapeErrorCase(label: "MaxPool kernel 0", op: "MaxPool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([0, 2])], error: "invalidAttribute"),
    ShapeErrorCase(label: "AveragePool odd pads", op: "AveragePool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([2, 2]), "pads": .ints([1, 1, 1])], error: "invalidAttribute"),
    ShapeErrorCase(label: "AveragePool kernel too large", op: "AveragePool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([5, 5])], error: "incompatibleDims"),
    ShapeErrorCase(label: "LpPool p 0", op: "LpPool", inputs: [t(.float, 1, 1, 4, 4)],
                   attrs: ["kernel_shape": .ints([2, 2]), "p": .int(0)], error: "invalidAttribute"),
    ShapeErrorCase(label: "GlobalMaxPool rank 1", op: "GlobalMaxPool", inputs: [t(.float, 4)], error: "rankMismatch"),
    ShapeErrorCase(label: "MaxRoiPool without pooled_shape", op: "MaxRoiPool",
                   inputs: [t(.float, 1, 8, 10, 10), t(.float, 3, 5)], error: "missingAttribute"),
    ShapeErrorCase(label: "RoiAlign unknown mode", op: "RoiAlign",
                   inputs: [t(.float, 1, 8, 10, 10), t(.float, 3, 4), t(.int64, 3)], attrs: ["mode": .string("min")],
                   error: "invalidAttribute"),
    ShapeErrorCase(label: "MaxUnpool without kernel_shape", op: "MaxUnpool",
                   inputs: [t(.float, 1, 3, 2, 2), t(.int64, 1, 3, 2, 2)], error: "missingAttribute"),
]

@Suite struct PoolingFamilyTests {
    @Test(arguments: poolCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: poolErrors) func errors(_ row: ShapeErrorCase) { row.check() }
}
