import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: onnx 1.23 `infer_shapes` on one-node models, and numpy.einsum for broadcast
// ellipses (which onnx's inference rejects though the spec allows them). Expected costs: the
// formulas in the comments (MatMul/Gemm MACs = batch·M·N·K; Einsum MACs = ∏ all letter sizes).

private let b = Dim.symbol("B"), s = Dim.symbol("S"), k = Dim.symbol("K")

private let matmulCases: [ShapeCostCase] = [
    ShapeCostCase(label: "MatMul 2-D", op: "MatMul", inputs: [t(.float, 2, 3), t(.float, 3, 4)],
                  expected: [t(.float, 2, 4)], macs: 24, flops: 48),
    // Broadcast batch [2,1] × [3] → [2,3]: MACs = 6·5·7·6 = 1,260.
    ShapeCostCase(label: "MatMul batched broadcast", op: "MatMul", inputs: [t(.float, 2, 1, 5, 6), t(.float, 3, 6, 7)],
                  expected: [t(.float, 2, 3, 5, 7)], macs: 1_260, flops: 2_520),
    // 1-D promotion: [3]·[3,4] → [4] (12 MACs); [2,3]·[3] → [2] (6); [3]·[3] → [] (3).
    ShapeCostCase(label: "MatMul vector-matrix", op: "MatMul", inputs: [t(.float, 3), t(.float, 3, 4)],
                  expected: [t(.float, 4)], macs: 12),
    ShapeCostCase(label: "MatMul matrix-vector", op: "MatMul", inputs: [t(.float, 2, 3), t(.float, 3)],
                  expected: [t(.float, 2)], macs: 6),
    ShapeCostCase(label: "MatMul dot", op: "MatMul", inputs: [t(.float, 3), t(.float, 3)],
                  expected: [t(.float)], macs: 3, flops: 6),
    // BERT FFN: B·S·3072·768 = 2,359,296·B·S MACs.
    ShapeCostCase(label: "MatMul symbolic FFN", op: "MatMul", inputs: [t(.float, b, s, 768), t(.float, 768, 3072)],
                  expected: [t(.float, b, s, 3072)], macs: b * s * 2_359_296, flops: b * s * 4_718_592),
    // Attention scores: B·12·S·S·64 = 768·B·S² MACs.
    ShapeCostCase(label: "MatMul symbolic attention", op: "MatMul",
                  inputs: [t(.float, b, 12, s, 64), t(.float, b, 12, 64, s)],
                  expected: [t(.float, b, 12, s, s)], macs: b * s * s * 768),
    // A symbolic inner dim meets a known one: the known size is used (2·4·5 = 40 MACs).
    ShapeCostCase(label: "MatMul symbolic K", op: "MatMul", inputs: [t(.float, 2, k), t(.float, 5, 4)],
                  expected: [t(.float, 2, 4)], macs: 40),
    ShapeCostCase(label: "MatMul opset 1", op: "MatMul", inputs: [t(.float, 2, 3), t(.float, 3, 4)], opset: 1,
                  expected: [t(.float, 2, 4)], macs: 24),
    // Seed: FC 100 → 50 with bias: 5,000 MACs; FLOPs = 10,000 + 50 bias adds = 10,050.
    ShapeCostCase(label: "Gemm seed FC", op: "Gemm", inputs: [t(.float, 1, 100), t(.float, 100, 50), t(.float, 50)],
                  expected: [t(.float, 1, 50)], macs: 5_000, flops: 10_050),
    // torch Linear export (transB): 8·1000·512 = 4,096,000 MACs; + 8,000 bias adds.
    ShapeCostCase(label: "Gemm transB", op: "Gemm", inputs: [t(.float, 8, 512), t(.float, 1000, 512), t(.float, 1000)],
                  attrs: ["transB": .int(1)], expected: [t(.float, 8, 1000)], macs: 4_096_000, flops: 8_200_000),
    // transA, alpha 0.5, beta 2: 10,000 + 50 (alpha) + 50 (add C) + 50 (beta) = 10,150.
    ShapeCostCase(label: "Gemm alpha beta transA", op: "Gemm",
                  inputs: [t(.float, 100, 1), t(.float, 100, 50), t(.float, 1, 50)],
                  attrs: ["transA": .int(1), "alpha": .float(0.5), "beta": .float(2)],
                  expected: [t(.float, 1, 50)], macs: 5_000, flops: 10_150),
    // No C (opset 11+): 2·MACs only.
    ShapeCostCase(label: "Gemm without C", op: "Gemm", inputs: [t(.float, 1, 100), t(.float, 100, 50)], opset: 11,
                  expected: [t(.float, 1, 50)], macs: 5_000, flops: 10_000),
    // Opset 6 with the broadcast attribute.
    ShapeCostCase(label: "Gemm opset 6", op: "Gemm", inputs: [t(.float, 1, 100), t(.float, 100, 50), t(.float, 50)],
                  attrs: ["broadcast": .int(1)], opset: 6, expected: [t(.float, 1, 50)], macs: 5_000, flops: 10_050),
    ShapeCostCase(label: "Gemm symbolic batch", op: "Gemm", inputs: [t(.float, b, 100), t(.float, 100, 50), t(.float, 50)],
                  expected: [t(.float, b, 50)], macs: b * 5_000, flops: b * 10_050),
    // MatMulInteger: int32 output, 4·8·16 = 512 MACs in uint8.
    ShapeCostCase(label: "MatMulInteger", op: "MatMulInteger", inputs: [t(.uint8, 4, 16), t(.int8, 16, 8)], opset: 10,
                  expected: [t(.int32, 4, 8)], macs: 512, flops: 1_024, computeType: .uint8),
    // QLinearMatMul: output typed as y_zero_point.
    ShapeCostCase(label: "QLinearMatMul", op: "QLinearMatMul",
                  inputs: [t(.uint8, 4, 16), t(.float), t(.uint8), t(.uint8, 16, 8), t(.float), t(.uint8), t(.float), t(.uint8)],
                  opset: 10, expected: [t(.uint8, 4, 8)], macs: 512, computeType: .uint8),
    // Einsum batched matmul: 2·3·4·5 = 120 MACs, 240 FLOPs.
    ShapeCostCase(label: "Einsum bmm", op: "Einsum", inputs: [t(.float, 2, 3, 4), t(.float, 2, 4, 5)],
                  attrs: ["equation": .string("bij,bjk->bik")], opset: 12,
                  expected: [t(.float, 2, 3, 5)], macs: 120, flops: 240),
    // Implicit output: letters appearing once, sorted: "ik". 3·4·5 = 60 MACs.
    ShapeCostCase(label: "Einsum implicit", op: "Einsum", inputs: [t(.float, 3, 4), t(.float, 4, 5)],
                  attrs: ["equation": .string("ij,jk")], opset: 12, expected: [t(.float, 3, 5)], macs: 60, flops: 120),
    // Implicit output sorted: "ba,ca" → "bc".
    ShapeCostCase(label: "Einsum implicit order", op: "Einsum", inputs: [t(.float, 2, 3), t(.float, 4, 3)],
                  attrs: ["equation": .string("ba,ca")], opset: 12, expected: [t(.float, 2, 4)], macs: 24),
    // Transpose: no MACs, no FLOPs.
    ShapeCostCase(label: "Einsum transpose", op: "Einsum", inputs: [t(.float, 3, 4)],
                  attrs: ["equation": .string("ij->ji")], opset: 12, expected: [t(.float, 4, 3)], macs: 0, flops: 0),
    // Trace "ii" → scalar; a one-operand sum over 4 points: 4 FLOPs.
    ShapeCostCase(label: "Einsum trace", op: "Einsum", inputs: [t(.float, 4, 4)],
                  attrs: ["equation": .string("ii")], opset: 12, expected: [t(.float)], macs: 0, flops: 4),
    // Diagonal: no contraction.
    ShapeCostCase(label: "Einsum diagonal", op: "Einsum", inputs: [t(.float, 4, 4)],
                  attrs: ["equation": .string("ii->i")], opset: 12, expected: [t(.float, 4)], macs: 0, flops: 0),
    // Row sums: 12 adds.
    ShapeCostCase(label: "Einsum reduce", op: "Einsum", inputs: [t(.float, 3, 4)],
                  attrs: ["equation": .string("ij->i")], opset: 12, expected: [t(.float, 3)], macs: 0, flops: 12),
    // Ellipsis broadcast ([2,3] with [3]): 4·5·6 letters × 2·3 ellipsis = 720 MACs (numpy shape).
    ShapeCostCase(label: "Einsum ellipsis broadcast", op: "Einsum", inputs: [t(.float, 2, 3, 4, 5), t(.float, 3, 5, 6)],
                  attrs: ["equation": .string("...ij,...jk->...ik")], opset: 12,
                  expected: [t(.float, 2, 3, 4, 6)], macs: 720, flops: 1_440),
    // Implicit output with ellipsis: "...ik".
    ShapeCostCase(label: "Einsum implicit ellipsis", op: "Einsum", inputs: [t(.float, 2, 3, 4, 5), t(.float, 2, 3, 5, 6)],
                  attrs: ["equation": .string("...ij,...jk")], opset: 12, expected: [t(.float, 2, 3, 4, 6)], macs: 720),
    // Outer product: 12 multiplies, nothing summed: FLOPs = MACs.
    ShapeCostCase(label: "Einsum outer", op: "Einsum", inputs: [t(.float, 3), t(.float, 4)],
                  attrs: ["equation": .string("i,j->ij")], opset: 12, expected: [t(.float, 3, 4)], macs: 12, flops: 12),
    // Three operands: space 2·3·4·5 = 120; per point 2 multiplies + 1 add = 360 FLOPs.
    ShapeCostCase(label: "Einsum chain", op: "Einsum", inputs: [t(.float, 2, 3), t(.float, 3, 4), t(.float, 4, 5)],
                  attrs: ["equation": .string("ij,jk,kl->il")], opset: 12, expected: [t(.float, 2, 5)], macs: 120, flops: 360),
    // Upper-case letters (opset 28), spaces ignored: 1·2·3·4·5 = 120 MACs.
    ShapeCostCase(label: "Einsum upper case", op: "Einsum", inputs: [t(.float, 1, 2, 3, 4), t(.float, 1, 2, 5, 4)],
                  attrs: ["equation": .string("bhQd, bhKd -> bhQK")], opset: 28, expected: [t(.float, 1, 2, 3, 5)], macs: 120),
    // Symbolic: B·S·64·32 = 2048·B·S.
    ShapeCostCase(label: "Einsum symbolic", op: "Einsum", inputs: [t(.float, b, s, 64), t(.float, 64, 32)],
                  attrs: ["equation": .string("bsh,hd->bsd")], opset: 12, expected: [t(.float, b, s, 32)], macs: b * s * 2048),
]

private let matmulErrors: [ShapeErrorCase] = [
    ShapeErrorCase(label: "MatMul inner mismatch", op: "MatMul", inputs: [t(.float, 2, 3), t(.float, 4, 5)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "MatMul batch mismatch", op: "MatMul", inputs: [t(.float, 2, 2, 3), t(.float, 3, 3, 5)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "MatMul scalar", op: "MatMul", inputs: [t(.float), t(.float, 3, 5)], error: "rankMismatch"),
    ShapeErrorCase(label: "Gemm rank 3", op: "Gemm", inputs: [t(.float, 1, 2, 3), t(.float, 3, 5)], error: "rankMismatch"),
    ShapeErrorCase(label: "Gemm inner mismatch", op: "Gemm", inputs: [t(.float, 2, 3), t(.float, 4, 5)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "Gemm C does not broadcast", op: "Gemm", inputs: [t(.float, 2, 3), t(.float, 3, 5), t(.float, 4)],
                   error: "incompatibleDims"),
    ShapeErrorCase(label: "Einsum bad character", op: "Einsum", inputs: [t(.float, 2, 3)],
                   attrs: ["equation": .string("i1->i")], opset: 12, error: "invalidAttribute"),
    ShapeErrorCase(label: "Einsum unknown output letter", op: "Einsum", inputs: [t(.float, 2, 3)],
                   attrs: ["equation": .string("ij->k")], opset: 12, error: "invalidAttribute"),
    ShapeErrorCase(label: "Einsum term rank", op: "Einsum", inputs: [t(.float, 2, 3, 4)],
                   attrs: ["equation": .string("ij->i")], opset: 12, error: "rankMismatch"),
    ShapeErrorCase(label: "Einsum letter sizes differ", op: "Einsum", inputs: [t(.float, 2, 3), t(.float, 4, 5)],
                   attrs: ["equation": .string("ij,jk->ik")], opset: 12, error: "incompatibleDims"),
    ShapeErrorCase(label: "Einsum operand count", op: "Einsum", inputs: [t(.float, 2, 3)],
                   attrs: ["equation": .string("ij,jk->ik")], opset: 12, error: "arity"),
]

@Suite struct MatMulFamilyTests {
    @Test(arguments: matmulCases) func shapesAndCosts(_ row: ShapeCostCase) throws { try row.check() }

    @Test(arguments: matmulErrors) func errors(_ row: ShapeErrorCase) { row.check() }
}
