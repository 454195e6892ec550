import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `infer_shapes` on one-node models with constant scales/sizes (scratch
// script); symbolic rows by the spec's formula floor(in·scale). Expected costs: the formulas in the
// comments (linear: 3·(2^k − 1) FLOPs per output for k resized axes; cubic: (4^k − 1)/3 · 4 · 2).

private let n = Dim.symbol("N"), h = Dim.symbol("H"), w = Dim.symbol("W")

private let resizeCases: [ShapeCostCase] = [
    // Opset 13 scales [1, 1, 2, 2], linear: 32 → 64; 12,288 outputs × 3·3 = 110,592.
    ShapeCostCase(label: "Resize linear scales", op: "Resize",
                  inputs: [t(.float, 1, 3, 32, 32), t(.float, 0), t(.float, 4)],
                  values: [nil, .floats([]), .floats([1, 1, 2, 2])], attrs: ["mode": .string("linear")], opset: 13,
                  expected: [t(.float, 1, 3, 64, 64)], macs: 0, flops: 110_592),
    // Opset 13 sizes, cubic: 9,000 outputs × 5 cubic interpolations × 4 taps × 2 = 360,000.
    ShapeCostCase(label: "Resize cubic sizes", op: "Resize",
                  inputs: [t(.float, 1, 3, 32, 32), nil, nil, t(.int64, 4)],
                  values: [nil, nil, nil, .ints([1, 3, 50, 60])], attrs: ["mode": .string("cubic")], opset: 13,
                  expected: [t(.float, 1, 3, 50, 60)], flops: 360_000),
    // Opset 10 (X, scales): floor(10·0.6) = 6, floor(10·1.5) = 15; nearest costs nothing.
    ShapeCostCase(label: "Resize opset 10 nearest", op: "Resize",
                  inputs: [t(.float, 1, 3, 10, 10), t(.float, 4)], values: [nil, .floats([1, 1, 0.6, 1.5])], opset: 10,
                  expected: [t(.float, 1, 3, 6, 15)], flops: 0),
    // Opset 11 with an empty scales tensor and sizes.
    ShapeCostCase(label: "Resize opset 11 sizes", op: "Resize",
                  inputs: [t(.float, 1, 3, 10, 10), t(.float, 0), t(.float, 0), t(.int64, 4)],
                  values: [nil, .floats([]), .floats([]), .ints([1, 3, 7, 7])], opset: 11,
                  expected: [t(.float, 1, 3, 7, 7)]),
    // Opset 18 not_larger: scale = min(15/20, 15/40) = 0.375 → round(7.5) = 8, 15.
    ShapeCostCase(label: "Resize not_larger", op: "Resize",
                  inputs: [t(.float, 1, 3, 20, 40), t(.float, 0), t(.float, 0), t(.int64, 2)],
                  values: [nil, .floats([]), .floats([]), .ints([15, 15])],
                  attrs: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_larger")], opset: 18,
                  expected: [t(.float, 1, 3, 8, 15)]),
    // not_smaller: scale = 0.75 → 15, 30.
    ShapeCostCase(label: "Resize not_smaller", op: "Resize",
                  inputs: [t(.float, 1, 3, 20, 40), t(.float, 0), t(.float, 0), t(.int64, 2)],
                  values: [nil, .floats([]), .floats([]), .ints([15, 15])],
                  attrs: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_smaller")], opset: 18,
                  expected: [t(.float, 1, 3, 15, 30)]),
    // Opset 19 axes [−2, −1], scale 0.5: floor(10.5) = 10; 300 outputs × 9 = 2,700.
    ShapeCostCase(label: "Resize axes downscale", op: "Resize",
                  inputs: [t(.float, 1, 3, 21, 21), t(.float, 0), t(.float, 2)],
                  values: [nil, .floats([]), .floats([0.5, 0.5])],
                  attrs: ["axes": .ints([-2, -1]), "mode": .string("linear")], opset: 19,
                  expected: [t(.float, 1, 3, 10, 10)], flops: 2_700),
    // Symbolic with known scales: 2H, 2W; FLOPs = N·3·4HW·9 = 108·N·H·W.
    ShapeCostCase(label: "Resize symbolic ×2", op: "Resize",
                  inputs: [t(.float, n, 3, h, w), t(.float, 0), t(.float, 4)],
                  values: [nil, .floats([]), .floats([1, 1, 2, 2])], attrs: ["mode": .string("linear")], opset: 13,
                  expected: [t(.float, n, 3, h * 2, w * 2)], flops: n * h * w * 108),
    // Symbolic ×0.5: floor(H/2).
    ShapeCostCase(label: "Resize symbolic ×0.5", op: "Resize",
                  inputs: [t(.float, n, 3, h, w), t(.float, 0), t(.float, 4)],
                  values: [nil, .floats([]), .floats([1, 1, 0.5, 0.5])], opset: 13,
                  expected: [t(.float, n, 3, h.floorDivided(by: 2), w.floorDivided(by: 2))]),
    // sizes propagated from a Shape → Concat chain with a symbolic batch.
    ShapeCostCase(label: "Resize symbolic sizes", op: "Resize",
                  inputs: [t(.float, n, 3, h, w), nil, nil, t(.int64, 4)],
                  values: [nil, nil, nil, .ints([n, 3, 64, 64])], opset: 13,
                  expected: [t(.float, n, 3, 64, 64)]),
    // sizes not known: the resized axes are unknown, never guessed.
    ShapeCostCase(label: "Resize unknown sizes", op: "Resize",
                  inputs: [t(.float, 1, 3, 10, 10), nil, nil, t(.int64, 4)], opset: 13,
                  expected: [t(.float, .unknown, .unknown, .unknown, .unknown)]),
    // Upsample-7 scales attribute: 20, 30; nearest.
    ShapeCostCase(label: "Upsample opset 7", op: "Upsample", inputs: [t(.float, 1, 3, 10, 10)],
                  attrs: ["scales": .floats([1, 1, 2, 3])], opset: 7,
                  expected: [t(.float, 1, 3, 20, 30)], flops: 0),
    // Upsample-9 scales input, linear: 1,200 outputs × 9 = 10,800.
    ShapeCostCase(label: "Upsample opset 9", op: "Upsample", inputs: [t(.float, 1, 3, 10, 10), t(.float, 4)],
                  values: [nil, .floats([1, 1, 2, 2])], attrs: ["mode": .string("linear")], opset: 9,
                  expected: [t(.float, 1, 3, 20, 20)], flops: 10_800),
    // Upsample-1 height/width scales, bilinear: 1,800 outputs × 9 = 16,200.
    ShapeCostCase(label: "Upsample opset 1", op: "Upsample", inputs: [t(.float, 1, 3, 10, 10)],
                  attrs: ["height_scale": .float(2), "width_scale": .float(3), "mode": .string("bilinear")], opset: 1,
                  expected: [t(.float, 1, 3, 20, 30)], flops: 16_200),
    // GridSample-16 bilinear: [2, 3, 5, 7]; 210 outputs × 9 = 1,890.
    ShapeCostCase(label: "GridSample bilinear", op: "GridSample", inputs: [t(.float, 2, 3, 10, 10), t(.float, 2, 5, 7, 2)],
                  opset: 16, expected: [t(.float, 2, 3, 5, 7)], flops: 1_890),
    // bicubic: 210 × (15/3)·4·2 = 8,400.
    ShapeCostCase(label: "GridSample bicubic", op: "GridSample", inputs: [t(.float, 2, 3, 10, 10), t(.float, 2, 5, 7, 2)],
                  attrs: ["mode": .string("bicubic")], opset: 16, expected: [t(.float, 2, 3, 5, 7)], flops: 8_400),
    // GridSample-20 3-D linear: 1,260 outputs × 7·3 = 26,460.
    ShapeCostCase(label: "GridSample 3-D", op: "GridSample", inputs: [t(.float, 2, 3, 4, 10, 10), t(.float, 2, 5, 6, 7, 3)],
                  opset: 20, expected: [t(.float, 2, 3, 5, 6, 7)], flops: 26_460),
    ShapeCostCase(label: "GridSample nearest", op: "GridSample", inputs: [t(.float, 2, 3, 10, 10), t(.float, 2, 5, 7, 2)],
                  attrs: ["mode": .string("nearest")], opset: 20, expected: [t(.float, 2, 3, 5, 7)], flops: 0),
    // AffineGrid: [2, 5, 7, 2]; MACs = 2·35 points · 2·3 = 420.
    ShapeCostCase(label: "AffineGrid", op: "AffineGrid", inputs: [t(.float, 2, 2, 3), t(.int64, 4)],
                  values: [nil, .ints([2, 3, 5, 7])], opset: 20,
                  expected: [t(.float, 2, 5, 7, 2)], macs: 420, flops: 840),
    // Col2Im: C = 12/(2·2) = 3; 300 adds.
    ShapeCostCase(label: "Col2Im", op: "Col2Im", inputs: [t(.float, 1, 12, 25), t(.int64, 2), t(.int64, 2)],
                  values: [nil, .ints([6, 6]), .ints([2, 2])], opset: 18,
                  expected: [t(.float, 1, 3, 6, 6)], flops: 300),
    ShapeCostCase(label: "DepthToSpace", op: "DepthToSpace", inputs: [t(.float, 1, 16, 5, 6)],
                  attrs: ["blocksize": .int(2)], expected: [t(.float, 1, 4, 10, 12)], macs: 0, flops: 0),
    ShapeCostCase(label: "DepthToSpace symbolic CRD", op: "DepthToSpace", inputs: [t(.float, n, 16, h, w)],
                  attrs: ["blocksize": .int(2), "mode": .string("CRD")], opset: 13,
                  expected: [t(.float, n, 4, h * 2, w * 2)]),
    ShapeCostCase(label: "SpaceToDepth", op: "SpaceToDepth", inputs: [t(.float, 1, 4, 6, 8)],
                  attrs: ["blocksize": .int(2)], expected: [t(.float, 1, 16, 3, 4)], flops: 0),
]

private let resizeErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "Resize unknown mode", op: "Resize", inputs: [t(.float, 1, 3, 4, 4), t(.float, 4)],
                   attrs: ["mode": .string("area")], opset: 10, error: "invalidAttribute"),
    ShapeErrorCase(label: "Resize scales count", op: "Resize", inputs: [t(.float, 1, 3, 4, 4), t(.float, 2)],
                   values: [nil, .floats([2, 2])], opset: 10, error: "invalidInput"),
    ShapeErrorCase(label: "Resize negative scale", op: "Resize", inputs: [t(.float, 1, 3, 4, 4), t(.float, 4)],
                   values: [nil, .floats([1, 1, -2, 2])], opset: 10, error: "invalidInput"),
    ShapeErrorCase(label: "Resize neither scales nor sizes", op: "Resize", inputs: [t(.float, 1, 3, 4, 4), nil, nil, nil],
                   opset: 13, error: "invalidInput"),
    ShapeErrorCase(label: "Resize bad policy", op: "Resize",
                   inputs: [t(.float, 1, 3, 4, 4), nil, nil, t(.int64, 4)], values: [nil, nil, nil, .ints([1, 3, 8, 8])],
                   attrs: ["keep_aspect_ratio_policy": .string("fit")], opset: 18, error: "invalidAttribute"),
    ShapeErrorCase(label: "Upsample-7 without scales", op: "Upsample", inputs: [t(.float, 1, 3, 4, 4)], opset: 7,
                   error: "missingAttribute"),
    ShapeErrorCase(label: "DepthToSpace indivisible", op: "DepthToSpace", inputs: [t(.float, 1, 6, 4, 4)],
                   attrs: ["blocksize": .int(2)], error: "incompatibleDims"),
    ShapeErrorCase(label: "DepthToSpace without blocksize", op: "DepthToSpace", inputs: [t(.float, 1, 8, 4, 4)],
                   error: "missingAttribute"),
    ShapeErrorCase(label: "SpaceToDepth indivisible", op: "SpaceToDepth", inputs: [t(.float, 1, 4, 5, 4)],
                   attrs: ["blocksize": .int(2)], error: "incompatibleDims"),
    ShapeErrorCase(label: "GridSample grid rank", op: "GridSample", inputs: [t(.float, 2, 3, 10, 10), t(.float, 2, 5, 2)],
                   opset: 16, error: "rankMismatch"),
    ShapeErrorCase(label: "Col2Im indivisible", op: "Col2Im", inputs: [t(.float, 1, 10, 25), t(.int64, 2), t(.int64, 2)],
                   values: [nil, .ints([6, 6]), .ints([2, 2])], opset: 18, error: "incompatibleDims"),
]

@Suite struct ResizeFamilyTests {
    @Test(arguments: resizeCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: resizeErrors) func errors(_ row: ShapeErrorCase) { row.check() }
}
