import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes were checked with `onnx.shape_inference.infer_shapes` (onnx 1.23, strict mode) on
// single-node models (axes given as initializers where they are inputs). Where onnx gives no shape
// (non-constant axes, unknown K) the expected result is stated in the row's comment.

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("seq")

private func f32(_ dims: [Dim]) -> ValueType { opsTensor(.float, dims) }
private func i64(_ dims: [Dim]) -> ValueType { opsTensor(.int64, dims) }

// MARK: - Reduce*

struct ReduceCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var shape: [Dim]
    var attrs: [String: Attribute.Value] = [:]
    /// The axes input's values (`nil` = omitted input).
    var axesInput: [Int]?
    var expected: [Dim]
    var flops: Dim
    var transcendentals: Dim = 0
    var testDescription: String { "\(op)-\(opset) \(shape) \(attrs.keys.sorted()) axes \(axesInput.map { "\($0)" } ?? "-")" }
}

@Test(arguments: [
    // onnx: ReduceSum-11(float[2,3,4], axes=[1], keepdims=0) → [2,4]; 24 input elements × 1.
    ReduceCase(op: "ReduceSum", opset: 11, shape: [2, 3, 4], attrs: ["axes": .ints([1]), "keepdims": .int(0)], expected: [2, 4], flops: 24),
    // onnx: ReduceSum-13(float[2,3,4], axes input [0,−1]) → [1,3,1].
    ReduceCase(op: "ReduceSum", opset: 13, shape: [2, 3, 4], axesInput: [0, -1], expected: [1, 3, 1], flops: 24),
    // onnx: ReduceSum-13 without axes, keepdims=0 → [] (all axes).
    ReduceCase(op: "ReduceSum", opset: 13, shape: [2, 3, 4], attrs: ["keepdims": .int(0)], expected: [], flops: 24),
    // onnx: noop_with_empty_axes=1 without axes → input shape; no compute.
    ReduceCase(op: "ReduceSum", opset: 13, shape: [2, 3, 4], attrs: ["noop_with_empty_axes": .int(1)], expected: [2, 3, 4], flops: 0),
    // An empty axes input is the same as none.
    ReduceCase(op: "ReduceSum", opset: 13, shape: [2, 3, 4], attrs: ["noop_with_empty_axes": .int(1)], axesInput: [],
               expected: [2, 3, 4], flops: 0),
    // onnx: ReduceMean-13(axes=[−1]) and ReduceMean-18(axes input [−1]) on [batch,seq,768] → [batch,seq,1];
    // 768·batch·seq adds + batch·seq divisions.
    ReduceCase(op: "ReduceMean", opset: 13, shape: [batch, seq, 768], attrs: ["axes": .ints([-1])], expected: [batch, seq, 1],
               flops: batch * seq * 769),
    ReduceCase(op: "ReduceMean", opset: 18, shape: [batch, seq, 768], axesInput: [-1], expected: [batch, seq, 1],
               flops: batch * seq * 769),
    // ReduceMax-1 without axes attribute reduces everything, keepdims default 1 → [1,1].
    ReduceCase(op: "ReduceMax", opset: 1, shape: [3, 4], expected: [1, 1], flops: 12),
    ReduceCase(op: "ReduceMin", opset: 20, shape: [3, 4], attrs: ["keepdims": .int(0)], axesInput: [1], expected: [3], flops: 12),
    ReduceCase(op: "ReduceProd", opset: 18, shape: [3, 4], axesInput: [0], expected: [1, 4], flops: 12),
    // ReduceL1: abs + add per input.
    ReduceCase(op: "ReduceL1", opset: 13, shape: [3, 4], attrs: ["axes": .ints([1])], expected: [3, 1], flops: 24),
    // onnx: ReduceL2-18(float[3,4], axes [0], keepdims=0) → [4]; square + add per input (24) + sqrt per output (4).
    ReduceCase(op: "ReduceL2", opset: 18, shape: [3, 4], attrs: ["keepdims": .int(0)], axesInput: [0], expected: [4],
               flops: 28, transcendentals: 4),
    ReduceCase(op: "ReduceSumSquare", opset: 18, shape: [3, 4], axesInput: [1], expected: [3, 1], flops: 24),
    // ReduceLogSum: add per input (12) + log per output (3).
    ReduceCase(op: "ReduceLogSum", opset: 18, shape: [3, 4], axesInput: [1], expected: [3, 1], flops: 15, transcendentals: 3),
    // onnx: ReduceLogSumExp-13(float[3,4]) → [1,1]; exp + add per input (24) + 1 log; 12 + 1 transcendentals.
    ReduceCase(op: "ReduceLogSumExp", opset: 13, shape: [3, 4], expected: [1, 1], flops: 25, transcendentals: 13),
    // Scalar input: reduces to a scalar (onnx: []).
    ReduceCase(op: "ReduceSum", opset: 13, shape: [], expected: [], flops: 1),
])
func reductionReduce(_ c: ReduceCase) throws {
    var inputs: [ValueType?] = [f32(c.shape)]
    var values: [TensorValue?] = [nil]
    var names = ["x"]
    if let axes = c.axesInput {
        inputs.append(i64([.value(axes.count)]))
        values.append(.ints(axes.map(Dim.value)))
        names.append("axes")
    }
    let result = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: inputs, values: values)
    #expect(result.types == [f32(c.expected)])
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
}

@Test func reductionNonConstantAxes() throws {
    // onnx gives no shape at all; the rank is still known with keepdims=1 (each dim is 1 or unknown).
    let kept = try opsInferOnly(node("ReduceSum", ["x", "axes"]), opset: 13, inputs: [f32([2, 1, batch]), i64([2])])
    #expect(kept.types == [f32([.unknown, 1, .unknown])])
    // keepdims=0 with two axes of rank 3: rank 1, size unknown.
    let dropped = try opsInferOnly(node("ReduceMax", ["x", "axes"], attrs: ["keepdims": .int(0)]), opset: 18,
                                   inputs: [f32([2, 1, 4]), i64([2])])
    #expect(dropped.types == [f32([.unknown])])
    // Axes of unknown length: unknown rank.
    let unknown = try opsInferOnly(node("ReduceMax", ["x", "axes"], attrs: ["keepdims": .int(0)]), opset: 18,
                                   inputs: [f32([2, 1, 4]), i64([seq])])
    #expect(unknown.types == [opsTensor(.float, nil)])
}

@Test func reductionStaleAxesAttribute() throws {
    // ReduceMean-18 still carrying the pre-18 attribute: used, with a warning.
    let result = try opsInferOnly(node("ReduceMean", ["x"], attrs: ["axes": .ints([1])]), opset: 18, inputs: [f32([2, 3])])
    #expect(result.types == [f32([2, 1])])
    #expect(result.warnings.count == 1)
}

@Test func reductionValues() throws {
    // numel of a [batch, seq, 64] shape: ReduceProd(keepdims=0) = 64·batch·seq.
    let prod = try run(node("ReduceProd", ["x"], attrs: ["keepdims": .int(0)]), opset: 13, inputs: [i64([3])],
                       values: [.ints([batch, seq, 64])])
    #expect(prod.types == [i64([])])
    #expect(prod.values == [.ints([batch * seq * 64])])
    // numpy: np.array([[1,2,3],[4,5,6]]).sum(axis=1, keepdims=True) = [[6],[15]].
    let sum = try run(node("ReduceSum", ["x", "axes"]), opset: 13, inputs: [i64([2, 3]), i64([1])],
                      values: [.ints([1, 2, 3, 4, 5, 6]), .ints([1])])
    #expect(sum.values == [.ints([6, 15])])
    // numpy: the same summed over axis 0 = [5, 7, 9].
    let sum0 = try run(node("ReduceSum", ["x"], attrs: ["axes": .ints([0]), "keepdims": .int(0)]), opset: 11, inputs: [i64([2, 3])],
                       values: [.ints([1, 2, 3, 4, 5, 6])])
    #expect(sum0.values == [.ints([5, 7, 9])])
    // ReduceMax of symbolic sizes only when decidable: batch + 1 > batch ≥ 0 (sizes are ≥ 0); batch vs 4 is not.
    let max = try run(node("ReduceMax", ["x"], attrs: ["keepdims": .int(0)]), opset: 13, inputs: [i64([3])],
                      values: [.ints([batch, batch + 1, 0])])
    #expect(max.values == [.ints([batch + 1])])
    let undecided = try run(node("ReduceMin", ["x"], attrs: ["keepdims": .int(0)]), opset: 13, inputs: [i64([2])],
                            values: [.ints([batch, 4])])
    #expect(undecided.values == [nil])
    // torchvision's resize-to-multiple arithmetic: ReduceMax(float [320, 240]) = 320 (keepdims=0).
    let floatMax = try run(node("ReduceMax", ["x"], attrs: ["keepdims": .int(0)]), opset: 13, inputs: [f32([2])],
                           values: [.floats([320, 240])])
    #expect(floatMax.values == [.floats([320])])
    // numpy: np.array([[1.,2.],[3.,5.]]).mean(axis=1) = [1.5, 4.0].
    let mean = try run(node("ReduceMean", ["x"], attrs: ["axes": .ints([1]), "keepdims": .int(0)]), opset: 13, inputs: [f32([2, 2])],
                       values: [.floats([1, 2, 3, 5])])
    #expect(mean.values == [.floats([1.5, 4])])
    // ReduceL2 is not folded.
    let l2 = try run(node("ReduceL2", ["x"]), opset: 13, inputs: [f32([2])], values: [.floats([3, 4])])
    #expect(l2.values == [nil])
}

// MARK: - ArgMax, ArgMin

@Test(arguments: [
    // onnx: ArgMax-13(float[2,3,4], axis=−1, keepdims=0) → int64[2,3]; 24 comparisons.
    ("ArgMax", 13, [Dim(2), 3, 4], ["axis": Attribute.Value.int(-1), "keepdims": .int(0)], [Dim(2), 3], 24),
    // onnx: ArgMin-11(axis=1) → int64[2,1,4].
    ("ArgMin", 11, [Dim(2), 3, 4], ["axis": .int(1)], [Dim(2), 1, 4], 24),
    // Default axis 0; select_last_index (12+) keeps the shape.
    ("ArgMax", 12, [Dim(5), 6], ["select_last_index": .int(1)], [Dim(1), 6], 30),
] as [(String, Int, [Dim], [String: Attribute.Value], [Dim], Int)])
func reductionArg(op: String, opset: Int, shape: [Dim], attrs: [String: Attribute.Value], expected: [Dim], flops: Int) throws {
    let result = try run(node(op, ["x"], attrs: attrs), opset: opset, inputs: [f32(shape)])
    #expect(result.types == [i64(expected)])
    #expect(result.cost?.flops == .value(flops))
}

// MARK: - TopK

@Test func reductionTopK() throws {
    // onnx: TopK-1(float[3,10], k=4) → float[3,4], int64[3,4]; 30 comparisons.
    let v1 = try run(node("TopK", ["x"], outputs: 2, attrs: ["k": .int(4)]), opset: 1, inputs: [f32([3, 10])])
    #expect(v1.types == [f32([3, 4]), i64([3, 4])])
    #expect(v1.cost?.flops == 30)
    // onnx: TopK-10(float[3,10], K=[5], axis=1) → [3,5].
    let v10 = try run(node("TopK", ["x", "k"], outputs: 2, attrs: ["axis": .int(1)]), opset: 10, inputs: [f32([3, 10]), i64([1])],
                      values: [nil, .ints([5])])
    #expect(v10.types == [f32([3, 5]), i64([3, 5])])
    // A symbolic K (min(seq, 100) folded upstream) flows into the dim.
    let symbolic = try run(node("TopK", ["x", "k"], outputs: 2), opset: 11, inputs: [f32([batch, seq]), i64([1])],
                           values: [nil, .ints([seq])])
    #expect(symbolic.types == [f32([batch, seq]), i64([batch, seq])])
    // Unknown K: the opaque symbol named after the first output (onnx: all dims unknown).
    let unknown = try run(node("TopK", ["x", "k"], outputs: 2), opset: 11, inputs: [f32([batch, 100]), i64([1])])
    #expect(unknown.types == [f32([batch, .opaque("out0_k")]), i64([batch, .opaque("out0_k")])])
    #expect(unknown.cost?.flops == batch * 100)
}

@Test(arguments: [
    // onnx: "Axis has less than the requested k elements".
    ("TopK", 11, [f32([3, 4]), i64([1])], [nil, .ints([5])], [:], "incompatibleDims"),
    ("TopK", 1, [f32([3, 4])], [nil], [:], "missingAttribute"),
    ("TopK", 1, [f32([3, 4])], [nil], ["k": .int(-1)], "invalidAttribute"),
    ("TopK", 11, [f32([3, 4]), i64([1])], [nil, .ints([-2])], [:], "invalidInput"),
    ("TopK", 11, [f32([3, 4]), i64([1])], [nil, .ints([1])], ["axis": .int(2)], "invalidAttribute"),
    ("ReduceSum", 11, [f32([3, 4])], [nil], ["axes": .ints([2])], "invalidAttribute"),
    ("ReduceSum", 13, [f32([3, 4]), i64([2])], [nil, .ints([1, -1])], [:], "invalidAttribute"),
    ("ReduceMean", 18, [f32([3, 4])], [nil], ["keepdims": .int(2)], "invalidAttribute"),
    ("ArgMax", 13, [f32([3, 4])], [nil], ["axis": .int(-3)], "invalidAttribute"),
    ("CumSum", 14, [f32([3, 4]), i64([])], [nil, .ints([2])], [:], "invalidAttribute"),
    ("CumSum", 14, [f32([3, 4]), i64([])], [nil, .ints([0])], ["reverse": .int(5)], "invalidAttribute"),
] as [(String, Int, [ValueType], [TensorValue?], [String: Attribute.Value], String)])
func reductionErrors(op: String, opset: Int, inputs: [ValueType], values: [TensorValue?], attrs: [String: Attribute.Value], kind: String) {
    let names = inputs.indices.map { "x\($0)" }
    #expect(opsErrorKind { _ = try run(node(op, names, outputs: op == "TopK" ? 2 : 1, attrs: attrs), opset: opset,
                                       inputs: inputs, values: values) } == kind)
}

// MARK: - CumSum

@Test func reductionCumSum() throws {
    // onnx: CumSum-14(float[3,4], axis=1) → float[3,4]; 12 adds.
    let result = try run(node("CumSum", ["x", "axis"], attrs: ["exclusive": .int(1)]), opset: 14, inputs: [f32([3, 4]), i64([])],
                         values: [nil, .ints([1])])
    #expect(result.types == [f32([3, 4])])
    #expect(result.cost?.flops == 12)
    // The axis may be unknown: the shape does not depend on it.
    let symbolic = try run(node("CumSum", ["x", "axis"]), opset: 11, inputs: [f32([batch, seq]), i64([])])
    #expect(symbolic.types == [f32([batch, seq])])
    #expect(symbolic.cost?.flops == batch * seq)
}

@Test func reductionRegistersEveryOp() {
    let types = Set(ReductionFamily.entries.map(\.schema.type))
    #expect(types == ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "TopK", "CumSum"])
    // Axes and K are metadata inputs, not parameters.
    #expect(OpRegistry.builtin.entry(domain: "", type: "ReduceSum", opset: 18)?.schema.metadataInputs == [1])
    #expect(TopKOp.schema.metadataInputs == [1])
}
