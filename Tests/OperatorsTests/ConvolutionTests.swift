import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `onnx.shape_inference.infer_shapes` on one-node models (scratch script),
// and the spec's formulas by hand for symbolic dims. Expected costs: the formulas in the comments.

private let n = Dim.symbol("N"), h = Dim.symbol("H"), w = Dim.symbol("W")

private let convCases: [ShapeCostCase] = [
    // Seed document: 3×3 conv, stride 2, pads 1, 224→112. MACs = 1·64·112·112·3·3·3 = 21,676,032;
    // FLOPs = 2·MACs = 43,352,064, + bias adds 1·64·112·112 = 802,816.
    ShapeCostCase(label: "seed conv with bias", op: "Conv",
                  inputs: [t(.float, 1, 3, 224, 224), t(.float, 64, 3, 3, 3), t(.float, 64)],
                  attrs: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, 1, 64, 112, 112)], macs: 21_676_032, flops: .value(43_352_064 + 802_816)),
    ShapeCostCase(label: "seed conv without bias", op: "Conv",
                  inputs: [t(.float, 1, 3, 224, 224), t(.float, 64, 3, 3, 3)],
                  attrs: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, 1, 64, 112, 112)], macs: 21_676_032, flops: 43_352_064),
    // 1-D: (10−3)+1 = 8; MACs = 2·8·8·4·3 = 1,536.
    ShapeCostCase(label: "conv 1-D", op: "Conv", inputs: [t(.float, 2, 4, 10), t(.float, 8, 4, 3)],
                  expected: [t(.float, 2, 8, 8)], macs: 1_536, flops: 3_072),
    // 3-D, pads 1: 8→8; MACs = 4·8³·2·3³ = 110,592.
    ShapeCostCase(label: "conv 3-D", op: "Conv", inputs: [t(.float, 1, 2, 8, 8, 8), t(.float, 4, 2, 3, 3, 3)],
                  attrs: ["pads": .ints([1, 1, 1, 1, 1, 1])],
                  expected: [t(.float, 1, 4, 8, 8, 8)], macs: 110_592),
    // Depthwise (group = C = 32): MACs = 32·56·56·1·9 = 903,168.
    ShapeCostCase(label: "depthwise", op: "Conv", inputs: [t(.float, 1, 32, 56, 56), t(.float, 32, 1, 3, 3)],
                  attrs: ["group": .int(32), "pads": .ints([1, 1, 1, 1])],
                  expected: [t(.float, 1, 32, 56, 56)], macs: 903_168),
    // group 2: MACs = 16·8·8·(8/2)·9 = 36,864.
    ShapeCostCase(label: "grouped", op: "Conv", inputs: [t(.float, 1, 8, 10, 10), t(.float, 16, 4, 3, 3)],
                  attrs: ["group": .int(2)], expected: [t(.float, 1, 16, 8, 8)], macs: 36_864),
    // Dilation 2: effective kernel 5, 10−5+1 = 6; MACs = 6·6·9 = 324.
    ShapeCostCase(label: "dilated", op: "Conv", inputs: [t(.float, 1, 1, 10, 10), t(.float, 1, 1, 3, 3)],
                  attrs: ["dilations": .ints([2, 2])], expected: [t(.float, 1, 1, 6, 6)], macs: 324),
    // SAME_UPPER stride 2: ceil(7/2) = 4; MACs = 16·9 = 144.
    ShapeCostCase(label: "SAME_UPPER", op: "Conv", inputs: [t(.float, 1, 1, 7, 7), t(.float, 1, 1, 3, 3)],
                  attrs: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])],
                  expected: [t(.float, 1, 1, 4, 4)], macs: 144),
    // SAME_LOWER strides (3, 2), kernel 4: ceil(8/3) = 3, ceil(7/2) = 4; MACs = 12·16 = 192.
    ShapeCostCase(label: "SAME_LOWER", op: "Conv", inputs: [t(.float, 1, 1, 8, 7), t(.float, 1, 1, 4, 4)],
                  attrs: ["auto_pad": .string("SAME_LOWER"), "strides": .ints([3, 2])],
                  expected: [t(.float, 1, 1, 3, 4)], macs: 192),
    // VALID stride 2: (7−3)/2+1 = 3; MACs = 9·9 = 81.
    ShapeCostCase(label: "VALID", op: "Conv", inputs: [t(.float, 1, 1, 7, 7), t(.float, 1, 1, 3, 3)],
                  attrs: ["auto_pad": .string("VALID"), "strides": .ints([2, 2])],
                  expected: [t(.float, 1, 1, 3, 3)], macs: 81),
    // kernel_shape attribute (same as W's); MACs = 2·3·3·1·9 = 162.
    ShapeCostCase(label: "kernel_shape attribute", op: "Conv", inputs: [t(.float, 1, 1, 5, 5), t(.float, 2, 1, 3, 3)],
                  attrs: ["kernel_shape": .ints([3, 3])], expected: [t(.float, 1, 2, 3, 3)], macs: 162),
    // Opset 1 rule is the same.
    ShapeCostCase(label: "opset 1", op: "Conv", inputs: [t(.float, 1, 1, 5, 5), t(.float, 2, 1, 3, 3)],
                  opset: 1, expected: [t(.float, 1, 2, 3, 3)], macs: 162),
    // Symbolic, stride 1, pads 1: H and W kept; MACs = N·64·H·W·3·9 = 1728·N·H·W.
    ShapeCostCase(label: "symbolic same size", op: "Conv", inputs: [t(.float, n, 3, h, w), t(.float, 64, 3, 3, 3)],
                  attrs: ["pads": .ints([1, 1, 1, 1])], expected: [t(.float, n, 64, h, w)],
                  macs: n * h * w * 1728, flops: n * h * w * 3456),
    // Symbolic, stride 2, pads 1: floor((H + 2 − 3)/2) + 1.
    ShapeCostCase(label: "symbolic stride 2", op: "Conv", inputs: [t(.float, n, 3, h, w), t(.float, 64, 3, 3, 3)],
                  attrs: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])],
                  expected: [t(.float, n, 64, (h - 1).floorDivided(by: 2) + 1, (w - 1).floorDivided(by: 2) + 1)]),
    // Symbolic SAME_UPPER stride 2: ceil(H/2).
    ShapeCostCase(label: "symbolic SAME_UPPER", op: "Conv", inputs: [t(.float, 1, 3, h, w), t(.float, 8, 3, 3, 3)],
                  attrs: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])],
                  expected: [t(.float, 1, 8, h.ceilDivided(by: 2), w.ceilDivided(by: 2))]),
    // ConvTranspose: 2·(14−1) + 1 + 3 − 2 = 28; channels W[1]·group = 8. MACs = 16·14·14·8·9 = 225,792.
    ShapeCostCase(label: "ConvTranspose pads + output_padding", op: "ConvTranspose",
                  inputs: [t(.float, 1, 16, 14, 14), t(.float, 16, 8, 3, 3)],
                  attrs: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "output_padding": .ints([1, 1])],
                  expected: [t(.float, 1, 8, 28, 28)], macs: 225_792, flops: 451_584),
    // With bias: + 8·28·28 = 6,272 adds.
    ShapeCostCase(label: "ConvTranspose with bias", op: "ConvTranspose",
                  inputs: [t(.float, 1, 16, 14, 14), t(.float, 16, 8, 3, 3), t(.float, 8)],
                  attrs: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "output_padding": .ints([1, 1])],
                  expected: [t(.float, 1, 8, 28, 28)], macs: 225_792, flops: 457_856),
    // group 2: channels 4·2 = 8; 2·13 + 3 = 29. MACs = 16·196·4·9 = 112,896.
    ShapeCostCase(label: "ConvTranspose group", op: "ConvTranspose",
                  inputs: [t(.float, 1, 16, 14, 14), t(.float, 16, 4, 3, 3)],
                  attrs: ["strides": .ints([2, 2]), "group": .int(2)],
                  expected: [t(.float, 1, 8, 29, 29)], macs: 112_896),
    // output_shape wins.
    ShapeCostCase(label: "ConvTranspose output_shape", op: "ConvTranspose",
                  inputs: [t(.float, 1, 16, 14, 14), t(.float, 16, 4, 3, 3)],
                  attrs: ["strides": .ints([2, 2]), "output_shape": .ints([30, 30])],
                  expected: [t(.float, 1, 4, 30, 30)], macs: 112_896),
    // SAME_UPPER stride 2: 14·2 = 28; MACs = 16·196·4·16 = 200,704.
    ShapeCostCase(label: "ConvTranspose SAME_UPPER", op: "ConvTranspose",
                  inputs: [t(.float, 1, 16, 14, 14), t(.float, 16, 4, 4, 4)],
                  attrs: ["strides": .ints([2, 2]), "auto_pad": .string("SAME_UPPER")],
                  expected: [t(.float, 1, 4, 28, 28)], macs: 200_704),
    // 1-D, dilation 2, stride 3: 3·4 + 5 = 17; MACs = 2·5·3·3 = 90.
    ShapeCostCase(label: "ConvTranspose 1-D dilated", op: "ConvTranspose",
                  inputs: [t(.float, 1, 2, 5), t(.float, 2, 3, 3)],
                  attrs: ["strides": .ints([3]), "dilations": .ints([2])],
                  expected: [t(.float, 1, 3, 17)], macs: 90),
    // Symbolic: 2·(H−1) + 2 = 2H; MACs = N·16·H·W·8·4 = 512·N·H·W.
    ShapeCostCase(label: "ConvTranspose symbolic", op: "ConvTranspose",
                  inputs: [t(.float, n, 16, h, w), t(.float, 16, 8, 2, 2)],
                  attrs: ["strides": .ints([2, 2])],
                  expected: [t(.float, n, 8, h * 2, w * 2)], macs: n * h * w * 512),
    // ConvInteger: int32 output; MACs = 4·6·6·3·9 = 3,888, computed in uint8.
    ShapeCostCase(label: "ConvInteger", op: "ConvInteger", inputs: [t(.uint8, 1, 3, 8, 8), t(.uint8, 4, 3, 3, 3)],
                  expected: [t(.int32, 1, 4, 6, 6)], macs: 3_888, flops: 7_776, computeType: .uint8),
    // QLinearConv: output type from y_zero_point (int8); MACs = 4·8·8·3·9 = 6,912.
    ShapeCostCase(label: "QLinearConv", op: "QLinearConv",
                  inputs: [t(.uint8, 1, 3, 8, 8), t(.float), t(.uint8), t(.uint8, 4, 3, 3, 3), t(.float), t(.uint8),
                           t(.float), t(.int8)],
                  attrs: ["pads": .ints([1, 1, 1, 1])],
                  expected: [t(.int8, 1, 4, 8, 8)], macs: 6_912, flops: 13_824, computeType: .uint8),
    // With int32 bias: + 4·64 = 256 adds.
    ShapeCostCase(label: "QLinearConv bias", op: "QLinearConv",
                  inputs: [t(.uint8, 1, 3, 8, 8), t(.float), t(.uint8), t(.uint8, 4, 3, 3, 3), t(.float), t(.uint8),
                           t(.float), t(.uint8), t(.int32, 4)],
                  attrs: ["pads": .ints([1, 1, 1, 1])],
                  expected: [t(.uint8, 1, 4, 8, 8)], macs: 6_912, flops: 14_080),
    // DeformConv: MACs = 8·8·8·4·9 = 18,432; sampling 1·4·64·9 = 2,304 points × (2²−1)·3 = 9 FLOPs
    // = 20,736; FLOPs = 36,864 + 20,736 = 57,600.
    ShapeCostCase(label: "DeformConv", op: "DeformConv",
                  inputs: [t(.float, 1, 4, 10, 10), t(.float, 8, 4, 3, 3), t(.float, 1, 18, 8, 8)], opset: 19,
                  expected: [t(.float, 1, 8, 8, 8)], macs: 18_432, flops: 57_600),
    // With bias (8·64 = 512) and mask (+1 per sample: 2,304): 36,864 + 2,304·10 + 512 = 60,416.
    ShapeCostCase(label: "DeformConv bias mask", op: "DeformConv",
                  inputs: [t(.float, 1, 4, 10, 10), t(.float, 8, 4, 3, 3), t(.float, 1, 18, 8, 8), t(.float, 8),
                           t(.float, 1, 9, 8, 8)], opset: 19,
                  expected: [t(.float, 1, 8, 8, 8)], macs: 18_432, flops: 60_416),
]

private let convErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "channel mismatch", op: "Conv", inputs: [t(.float, 1, 4, 8, 8), t(.float, 8, 3, 3, 3)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "negative pads", op: "Conv", inputs: [t(.float, 1, 3, 8, 8), t(.float, 8, 3, 3, 3)],
                   attrs: ["pads": .ints([-1, 0, 0, 0])], error: "invalidAttribute"),
    ShapeErrorCase(label: "zero stride", op: "Conv", inputs: [t(.float, 1, 3, 8, 8), t(.float, 8, 3, 3, 3)],
                   attrs: ["strides": .ints([0, 1])], error: "invalidAttribute"),
    ShapeErrorCase(label: "strides of wrong length", op: "Conv", inputs: [t(.float, 1, 3, 8, 8), t(.float, 8, 3, 3, 3)],
                   attrs: ["strides": .ints([1])], error: "invalidAttribute"),
    ShapeErrorCase(label: "group 0", op: "Conv", inputs: [t(.float, 1, 3, 8, 8), t(.float, 8, 3, 3, 3)],
                   attrs: ["group": .int(0)], error: "invalidAttribute"),
    ShapeErrorCase(label: "unknown auto_pad", op: "Conv", inputs: [t(.float, 1, 3, 8, 8), t(.float, 8, 3, 3, 3)],
                   attrs: ["auto_pad": .string("SAME")], error: "invalidAttribute"),
    ShapeErrorCase(label: "kernel larger than input", op: "Conv", inputs: [t(.float, 1, 1, 2, 2), t(.float, 1, 1, 3, 3)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "weight rank", op: "Conv", inputs: [t(.float, 1, 1, 8, 8), t(.float, 1, 1, 3)],
                   error: "rankMismatch"),
    ShapeErrorCase(label: "strides of wrong kind", op: "Conv", inputs: [t(.float, 1, 1, 8, 8), t(.float, 1, 1, 3, 3)],
                   attrs: ["strides": .string("2")], error: "invalidAttribute"),
    ShapeErrorCase(label: "ConvTranspose channel mismatch", op: "ConvTranspose",
                   inputs: [t(.float, 1, 4, 8, 8), t(.float, 8, 3, 3, 3)], error: "incompatibleDims"),
    ShapeErrorCase(label: "ConvTranspose negative output_padding", op: "ConvTranspose",
                   inputs: [t(.float, 1, 4, 8, 8), t(.float, 4, 3, 3, 3)], attrs: ["output_padding": .ints([-1, 0])],
                   error: "invalidAttribute"),
    ShapeErrorCase(label: "DeformConv offset_group 0", op: "DeformConv",
                   inputs: [t(.float, 1, 4, 10, 10), t(.float, 8, 4, 3, 3), t(.float, 1, 18, 8, 8)],
                   attrs: ["offset_group": .int(0)], opset: 19, error: "invalidAttribute"),
]

@Suite struct ConvolutionFamilyTests {
    @Test(arguments: convCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: convErrors) func errors(_ row: ShapeErrorCase) { row.check() }

    /// An unknown weight rank leaves the output rank unknown instead of guessing.
    @Test func unknownWeightRank() throws {
        let conv = node("Conv", ["x", "w"])
        let rule = try #require(try OpRegistry.builtin.shapeRule(for: conv, opset: 21))
        var ctx = ShapeContext(node: conv, opset: 21, inputTypes: [t(.float, 1, 3, 8, 8), .tensor(TensorType(dtype: .float, shape: nil))],
                               inputValues: [nil, nil])
        #expect(try rule.inferShapes(&ctx) == [.tensor(TensorType(dtype: .float, shape: nil))])
    }
}
