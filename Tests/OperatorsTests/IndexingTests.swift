import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes: ONNX spec formulas by hand, or onnx 1.23's ReferenceEvaluator on concrete
// numbers in a scratch script ("ref").

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("sequence")

// MARK: - Gather

@Test(arguments: [
    // Embedding lookup: data [50257, 768], ids [batch, sequence] → [batch, sequence, 768].
    ([Dim(50257), 768], [batch, seq], 0, [batch, seq, 768]),
    // Last token: data [batch, sequence, 768], scalar index on axis 1 → [batch, 768].
    ([batch, seq, 768], [], 1, [batch, 768]),
    // Negative axis: [2, 3, 4] with [5, 6] indices on axis -1 → [2, 3, 5, 6].
    ([2, 3, 4], [5, 6], -1, [2, 3, 5, 6]),
] as [([Dim], [Dim], Int, [Dim])])
func gather(data: [Dim], indices: [Dim], axis: Int, expected: [Dim]) throws {
    let r = try run(node("Gather", ["d", "i"], attrs: ["axis": .int(axis)]),
                    inputs: [.tensor(.init(dtype: .float, shape: data)), .tensor(.init(dtype: .int64, shape: indices))])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected))])
    #expect(r.cost == .zero)
}

@Test func gatherValues() throws {
    // Scalar index -1 of a Shape value [batch, sequence, 768] → 768 (negative indices from opset 11).
    let a = try run(node("Gather", ["d", "i"]), inputs: [t(.int64, 3), t(.int64)], values: [.ints([batch, seq, 768]), .ints([-1])])
    #expect(a.types == [t(.int64)])
    #expect(a.values == [.ints([768])])
    // ref: Gather(arange(12).reshape(3,4), [[2,0]], axis=1) = [[[2,0]],[[6,4]],[[10,8]]], shape (3,1,2).
    let b = try run(node("Gather", ["d", "i"], attrs: ["axis": .int(1)]), inputs: [t(.int64, 3, 4), t(.int64, 1, 2)],
                    values: [.ints((0..<12).map(Dim.value)), .ints([2, 0])])
    #expect(b.types == [t(.int64, 3, 1, 2)])
    #expect(b.values == [.ints([2, 0, 6, 4, 10, 8])])
    // Out-of-range constant index and axis are errors.
    #expect(throws: ShapeError.self) { try run(node("Gather", ["d", "i"]), inputs: [t(.int64, 3), t(.int64)], values: [.ints([1, 2, 3]), .ints([3])]) }
    #expect(throws: ShapeError.self) { try run(node("Gather", ["d", "i"], attrs: ["axis": .int(2)]), inputs: [t(.float, 3, 4), t(.int64)]) }
}

// MARK: - GatherElements, GatherND

@Test func gatherElementsAndND() throws {
    // GatherElements: output = indices' shape.
    let a = try run(node("GatherElements", ["d", "i"], attrs: ["axis": .int(1)]), inputs: [t(.float, batch, 10), t(.int64, batch, 3)])
    #expect(a.types == [t(.float, batch, 3)])
    #expect(throws: ShapeError.self) { try run(node("GatherElements", ["d", "i"]), inputs: [t(.float, 2, 10), t(.int64, 3)]) }
    // ref: GatherND data (2,3,4,5), indices (2,6,2), batch_dims=1 → (2, 6, 5).
    let b = try run(node("GatherND", ["d", "i"], attrs: ["batch_dims": .int(1)]), inputs: [t(.float, 2, 3, 4, 5), t(.int64, 2, 6, 2)])
    #expect(b.types == [t(.float, 2, 6, 5)])
    // batch_dims 0, k = 3 = data rank: scalars per index row → [batch, 7].
    let c = try run(node("GatherND", ["d", "i"]), opset: 11, inputs: [t(.float, 2, 3, 4), t(.int64, batch, 7, 3)])
    #expect(c.types == [t(.float, batch, 7)])
    #expect(throws: ShapeError.self) { try run(node("GatherND", ["d", "i"]), inputs: [t(.float, 2, 3), t(.int64, 4, 3)]) }
}

// MARK: - Scatter family

@Test(arguments: [
    // reduction none: data movement, 0 FLOPs.
    ("ScatterElements", 16, "none", 0),
    // reduction add: 1 FLOP per update element: 4·6 = 24.
    ("ScatterElements", 16, "add", 24),
    ("ScatterND", 18, "max", 24),
    // Scatter (deprecated) has no reduction.
    ("Scatter", 10, "none", 0),
] as [(String, Int, String, Int)])
func scatter(op: String, opset: Int, reduction: String, flops: Int) throws {
    let attrs: [String: Attribute.Value] = reduction == "none" ? [:] : ["reduction": .string(reduction)]
    let r = try run(node(op, ["d", "i", "u"], attrs: attrs), opset: opset, inputs: [t(.float, 8, 6), t(.int64, 4, 6), t(.float, 4, 6)])
    #expect(r.types == [t(.float, 8, 6)])
    #expect(r.cost?.flops == .value(flops))
}

@Test func scatterErrorsAndTensorScatter() throws {
    // max needs opset 18.
    #expect(throws: ShapeError.self) {
        try run(node("ScatterElements", ["d", "i", "u"], attrs: ["reduction": .string("max")]), opset: 16,
                inputs: [t(.float, 8), t(.int64, 2), t(.float, 2)])
    }
    // TensorScatter: present = past_cache's type.
    let r = try run(node("TensorScatter", ["past", "update", "idx"]), opset: 24,
                    inputs: [t(.float16, batch, 8, 4096, 64), t(.float16, batch, 8, seq, 64), t(.int64, batch)])
    #expect(r.types == [t(.float16, batch, 8, 4096, 64)])
    #expect(throws: ShapeError.self) {
        try run(node("TensorScatter", ["p", "u"], attrs: ["mode": .string("ring")]), opset: 24, inputs: [t(.float, 2, 4), t(.float, 2, 1)])
    }
}

// MARK: - OneHot, Compress, NonZero, Unique

@Test func oneHot() throws {
    // ref: indices (2,3), depth 7, axis 1 → (2, 7, 3); dtype of values.
    let a = try run(node("OneHot", ["i", "d", "v"], attrs: ["axis": .int(1)]), inputs: [t(.int64, 2, 3), t(.int64), t(.float, 2)],
                    values: [nil, .ints([7]), nil])
    #expect(a.types == [t(.float, 2, 7, 3)])
    // Default axis -1, depth given as a float constant: [batch] → [batch, 10].
    let b = try run(node("OneHot", ["i", "d", "v"]), inputs: [t(.int64, batch), t(.float), t(.int64, 2)], values: [nil, .floats([10]), nil])
    #expect(b.types == [t(.int64, batch, 10)])
    // Unknown depth: unknown dim.
    let c = try run(node("OneHot", ["i", "d", "v"]), inputs: [t(.int64, 4), t(.int64), t(.float, 2)])
    #expect(c.types == [t(.float, 4, .unknown)])
    #expect(throws: ShapeError.self) { try run(node("OneHot", ["i", "d", "v"]), inputs: [t(.int64, 4), t(.int64), t(.float, 2)], values: [nil, .ints([0]), nil]) }
}

@Test func compressAndNonZero() throws {
    // ref: Compress (3,4) with condition [T,F,T] on axis 0 → (2, 4).
    let a = try run(node("Compress", ["x", "c"], attrs: ["axis": .int(0)]), inputs: [t(.float, 3, 4), t(.bool, 3)], values: [nil, .ints([1, 0, 1])])
    #expect(a.types == [t(.float, 2, 4)])
    // Unknown condition, no axis: flattened, opaque length named after the output.
    let b = try run(node("Compress", ["x", "c"]), inputs: [t(.float, 3, 4), t(.bool, 12)])
    #expect(b.types == [t(.float, .opaque("out0_len"))])
    // NonZero: [rank, opaque].
    let c = try run(node("NonZero", ["x"]), inputs: [t(.float, batch, 4)])
    #expect(c.types == [t(.int64, 2, .opaque("out0_len"))])
    // ref: NonZero([[1,0],[0,3]]) = [[0,1],[0,1]].
    let d = try run(node("NonZero", ["x"]), inputs: [t(.int64, 2, 2)], values: [.ints([1, 0, 0, 3])])
    #expect(d.types == [t(.int64, 2, 2)])
    #expect(d.values == [.ints([0, 1, 0, 1])])
}

@Test func unique() throws {
    let u = Dim.opaque("out0_unique")
    // ref shapes with axis=1 on (3,4): Y (3,u), indices (u), inverse (4), counts (u).
    let a = try run(node("Unique", ["x"], outputs: 4, attrs: ["axis": .int(1)]), inputs: [t(.float, 3, 4)])
    #expect(a.types == [t(.float, 3, u), t(.int64, u), t(.int64, 4), t(.int64, u)])
    // No axis: flattened; inverse has numel = 12·batch entries.
    let b = try run(node("Unique", ["x"], outputs: 3), inputs: [t(.float, batch, 3, 4)])
    #expect(b.types == [t(.float, u), t(.int64, u), t(.int64, batch * 12)])
}

// MARK: - Trilu, ReverseSequence, NonMaxSuppression, CenterCropPad

@Test func passThroughAndDetection() throws {
    let a = try run(node("Trilu", ["x", "k"]), inputs: [t(.float, batch, seq, seq), t(.int64)])
    #expect(a.types == [t(.float, batch, seq, seq)])
    #expect(throws: ShapeError.self) { try run(node("Trilu", ["x"]), inputs: [t(.float, 4)]) }
    let b = try run(node("ReverseSequence", ["x", "l"], attrs: ["batch_axis": .int(0), "time_axis": .int(1)]), inputs: [t(.float, 4, 7, 3), t(.int64, 4)])
    #expect(b.types == [t(.float, 4, 7, 3)])
    #expect(throws: ShapeError.self) {
        try run(node("ReverseSequence", ["x", "l"], attrs: ["batch_axis": .int(1), "time_axis": .int(1)]), inputs: [t(.float, 4, 7), t(.int64, 4)])
    }
    // NMS: [num_selected, 3].
    let c = try run(node("NonMaxSuppression", ["boxes", "scores", "max"]), inputs: [t(.float, 1, 100, 4), t(.float, 1, 80, 100), t(.int64, 1)])
    #expect(c.types == [t(.int64, .opaque("out0_len"), 3)])
    // ref: CenterCropPad (5,7,3) to [4,9] on axes [0,1] → (4, 9, 3).
    let d = try run(node("CenterCropPad", ["x", "s"], attrs: ["axes": .ints([0, 1])]), opset: 18, inputs: [t(.float, 5, 7, 3), t(.int64, 2)],
                    values: [nil, .ints([4, 9])])
    #expect(d.types == [t(.float, 4, 9, 3)])
}
