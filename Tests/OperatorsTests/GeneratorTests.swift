import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected values: ONNX spec formulas by hand, or onnx 1.23's ReferenceEvaluator on concrete
// numbers in a scratch script ("ref").

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("sequence")

private func tensorAttr(_ dtype: DataType, _ dims: [Int], _ value: TensorValue?) -> Attribute.Value {
    .tensor(TensorData(name: "v", dtype: dtype, dims: dims, location: .inline(byteCount: 8), value: value))
}

// MARK: - Constant

@Test(arguments: [
    ("value", tensorAttr(.int64, [2], .ints([3, 4])), t(.int64, 2), TensorValue?.some(.ints([3, 4]))),
    ("value_float", .float(1.5), t(.float), .floats([1.5])),
    ("value_floats", .floats([1, 2, 3]), t(.float, 3), .floats([1, 2, 3])),
    ("value_int", .int(7), t(.int64), .ints([7])),
    ("value_ints", .ints([-1, 12, 64]), t(.int64, 3), .ints([-1, 12, 64])),
    ("value_string", .string("a"), t(.string), .strings(["a"])),
    ("value_strings", .strings(["a", "b"]), t(.string, 2), .strings(["a", "b"])),
] as [(String, Attribute.Value, ValueType, TensorValue?)])
func constant(name: String, value: Attribute.Value, expected: ValueType, values: TensorValue?) throws {
    let r = try run(node("Constant", [], attrs: [name: value]), inputs: [])
    #expect(r.types == [expected])
    #expect(r.values == [values])
    #expect(r.cost == .zero)
}

@Test func constantSparseAndErrors() throws {
    let values = TensorData(name: "v", dtype: .float, dims: [3], location: .inline(byteCount: 12), value: nil)
    let indices = TensorData(name: "i", dtype: .int64, dims: [3], location: .inline(byteCount: 24), value: nil)
    let sparse = SparseTensorData(values: values, indices: indices, dims: [10, 10])
    let r = try run(node("Constant", [], attrs: ["sparse_value": .sparseTensor(sparse)]), inputs: [])
    #expect(r.types == [t(.float, 10, 10)])
    #expect(throws: ShapeError.self) { try run(node("Constant", []), inputs: []) }
    #expect(throws: ShapeError.self) { try run(node("Constant", [], attrs: ["value_int": .int(1), "value_float": .float(1)]), inputs: []) }
    #expect(throws: ShapeError.self) { try run(node("Constant", [], attrs: ["value_int": .float(1)]), inputs: []) }
}

// MARK: - ConstantOfShape

@Test func constantOfShape() throws {
    // Symbolic shape values: [batch, sequence] filled with float 0 (no `value` attribute).
    let a = try run(node("ConstantOfShape", ["s"]), inputs: [t(.int64, 2)], values: [.ints([batch, seq])])
    #expect(a.types == [t(.float, batch, seq)])
    #expect(a.values == [nil])
    // int64 ones of shape [3]: values propagate.
    let b = try run(node("ConstantOfShape", ["s"], attrs: ["value": tensorAttr(.int64, [1], .ints([1]))]), inputs: [t(.int64, 1)], values: [.ints([3])])
    #expect(b.types == [t(.int64, 3)])
    #expect(b.values == [.ints([1, 1, 1])])
    // Unknown values of a [4] shape input: rank 4.
    let c = try run(node("ConstantOfShape", ["s"]), inputs: [t(.int64, 4)])
    #expect(c.types == [t(.float, .unknown, .unknown, .unknown, .unknown)])
    #expect(throws: ShapeError.self) { try run(node("ConstantOfShape", ["s"]), inputs: [t(.int64, 1)], values: [.ints([-2])]) }
}

// MARK: - Range

@Test func range() throws {
    // ref: Range(10, 4, -2) = [10, 8, 6].
    let a = try run(node("Range", ["s", "l", "d"]), inputs: [t(.int64), t(.int64), t(.int64)], values: [.ints([10]), .ints([4]), .ints([-2])])
    #expect(a.types == [t(.int64, 3)])
    #expect(a.values == [.ints([10, 8, 6])])
    // ref: Range(0.5, 2.0, 0.4) has ceil(1.5/0.4) = 4 elements.
    let b = try run(node("Range", ["s", "l", "d"]), inputs: [t(.float), t(.float), t(.float)], values: [.floats([0.5]), .floats([2.0]), .floats([0.4])])
    #expect(b.types == [t(.float, 4)])
    // Empty when the limit is behind: max(ceil((0 − 5)/1), 0) = 0.
    let c = try run(node("Range", ["s", "l", "d"]), inputs: [t(.int64), t(.int64), t(.int64)], values: [.ints([5]), .ints([0]), .ints([1])])
    #expect(c.types == [t(.int64, 0)])
    // Position ids: Range(0, sequence, 1) → [sequence]; Range(past, past + sequence, 1) → [sequence].
    let d = try run(node("Range", ["s", "l", "d"]), inputs: [t(.int64), t(.int64), t(.int64)], values: [.ints([0]), .ints([seq]), .ints([1])])
    #expect(d.types == [t(.int64, seq)])
    let past = Dim.symbol("past")
    let e = try run(node("Range", ["s", "l", "d"]), inputs: [t(.int64), t(.int64), t(.int64)], values: [.ints([past]), .ints([past + seq]), .ints([1])])
    #expect(e.types == [t(.int64, seq)])
    // Unknown inputs: unknown length; delta 0 is an error.
    let f = try run(node("Range", ["s", "l", "d"]), inputs: [t(.int32), t(.int32), t(.int32)])
    #expect(f.types == [t(.int32, .unknown)])
    #expect(throws: ShapeError.self) {
        try run(node("Range", ["s", "l", "d"]), inputs: [t(.int64), t(.int64), t(.int64)], values: [.ints([0]), .ints([4]), .ints([0])])
    }
}

// MARK: - EyeLike, Cast, CastLike

@Test func eyeLikeAndCast() throws {
    let a = try run(node("EyeLike", ["x"], attrs: ["dtype": .int(6)]), inputs: [t(.float, 4, 5)])
    #expect(a.types == [t(.int32, 4, 5)])
    #expect(throws: ShapeError.self) { try run(node("EyeLike", ["x"]), inputs: [t(.float, 4)]) }
    // Cast int64 → float: known values convert.
    let b = try run(node("Cast", ["x"], attrs: ["to": .int(1)]), inputs: [t(.int64, 2)], values: [.ints([3, 4])])
    #expect(b.types == [t(.float, 2)])
    #expect(b.values == [.floats([3, 4])])
    // float → int32 truncates toward zero; symbolic ints stay symbolic across integer types.
    let c = try run(node("Cast", ["x"], attrs: ["to": .int(6)]), inputs: [t(.float, 2)], values: [.floats([2.7, -2.7])])
    #expect(c.values == [.ints([2, -2])])
    let d = try run(node("Cast", ["x"], attrs: ["to": .int(6)]), inputs: [t(.int64, 1)], values: [.ints([seq])])
    #expect(d.values == [.ints([seq])])
    // Cast-1: `to` is a string.
    let e = try run(node("Cast", ["x"], attrs: ["to": .string("FLOAT16")]), opset: 1, inputs: [t(.float, 3)])
    #expect(e.types == [t(.float16, 3)])
    // CastLike takes the second input's type.
    let f = try run(node("CastLike", ["x", "like"]), inputs: [t(.float, batch), t(.bfloat16)])
    #expect(f.types == [t(.bfloat16, batch)])
    #expect(throws: ShapeError.self) { try run(node("Cast", ["x"]), inputs: [t(.float, 3)]) }
    #expect(throws: ShapeError.self) { try run(node("Cast", ["x"], attrs: ["to": .int(99)]), inputs: [t(.float, 3)]) }
}

// MARK: - Random generators

@Test func randomGenerators() throws {
    let a = try run(node("RandomNormal", [], attrs: ["shape": .ints([2, 3])]), inputs: [])
    #expect(a.types == [t(.float, 2, 3)])
    #expect(a.cost == .zero)
    let b = try run(node("RandomUniformLike", ["x"]), inputs: [t(.float16, batch, 4)])
    #expect(b.types == [t(.float16, batch, 4)])
    let c = try run(node("Bernoulli", ["x"], attrs: ["dtype": .int(9)]), opset: 15, inputs: [t(.float, batch)])
    #expect(c.types == [t(.bool, batch)])
    // Multinomial: [batch, classes] → [batch, sample_size], int32 by default.
    let d = try run(node("Multinomial", ["x"], attrs: ["sample_size": .int(5)]), inputs: [t(.float, batch, 10)])
    #expect(d.types == [t(.int32, batch, 5)])
    #expect(throws: ShapeError.self) { try run(node("RandomUniform", []), inputs: []) }
}

// MARK: - Windows, MelWeightMatrix

@Test(arguments: [
    // Hann: 1 cosine term × 3 FLOPs per element: 400·3 = 1200 FLOPs, 400 transcendentals.
    ("HannWindow", 1200, 400),
    ("HammingWindow", 1200, 400),
    // Blackman: 2 terms: 400·6 = 2400 FLOPs, 800 transcendentals.
    ("BlackmanWindow", 2400, 800),
] as [(String, Int, Int)])
func window(op: String, flops: Int, transcendentals: Int) throws {
    let r = try run(node(op, ["n"]), opset: 17, inputs: [t(.int64)], values: [.ints([400])])
    #expect(r.types == [t(.float, 400)])
    #expect(r.cost?.flops == .value(flops))
    #expect(r.cost?.transcendentals == .value(transcendentals))
}

@Test func melWeightMatrix() throws {
    // ref: num_mel_bins 8, dft_length 16 → (16/2 + 1, 8) = (9, 8).
    let r = try run(node("MelWeightMatrix", ["m", "n", "r", "lo", "hi"]), opset: 17,
                    inputs: [t(.int64), t(.int64), t(.int64), t(.float), t(.float)], values: [.ints([8]), .ints([16])])
    #expect(r.types == [t(.float, 9, 8)])
}
