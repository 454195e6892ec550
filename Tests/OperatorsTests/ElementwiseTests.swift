import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes were checked with `onnx.shape_inference.infer_shapes` (onnx 1.23, strict mode) on
// single-node models; expected values with `onnx.reference.ReferenceEvaluator` or numpy, as noted.

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("seq")

private func f32(_ dims: [Dim]) -> ValueType { .tensor(TensorType(dtype: .float, shape: dims)) }
private func i64(_ dims: [Dim]) -> ValueType { .tensor(TensorType(dtype: .int64, shape: dims)) }

// MARK: - Binary shapes and costs

struct BinaryCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var a: ValueType
    var b: ValueType
    var attrs: [String: Attribute.Value] = [:]
    var expected: ValueType
    var flops: Dim
    var transcendentals: Dim = 0
    var testDescription: String { "\(op)-\(opset) \(a) \(b)" }
}

@Test(arguments: [
    // [2,3,1] + [4] → [2,3,4]; 24 elements × 1 FLOP.
    BinaryCase(op: "Add", opset: 14, a: f32([2, 3, 1]), b: f32([4]), expected: f32([2, 3, 4]), flops: 24),
    // [batch,3,1] − [4] → [batch,3,4]; 12·batch FLOPs.
    BinaryCase(op: "Sub", opset: 14, a: f32([batch, 3, 1]), b: f32([4]), expected: f32([batch, 3, 4]), flops: batch * 12),
    // Two different symbols broadcast to the opaque max(batch, seq) (onnx: a fresh unk__ dim).
    BinaryCase(op: "Mul", opset: 13, a: f32([batch, 3]), b: f32([seq, 3]), expected: f32([.opaque("max(batch, seq)"), 3]),
               flops: .opaque("max(batch, seq)") * 3),
    // BERT's embeddings: [batch,seq,768] + position rows sliced to min(512, seq) → seq (equal, or both 1).
    BinaryCase(op: "Add", opset: 14, a: f32([batch, seq, 768]), b: f32([1, Dim.minimum(512, seq), 768]),
               expected: f32([batch, seq, 768]), flops: batch * seq * 768),
    // An input already carrying max(min(512, seq), seq) (an upstream Expand) is seq: min(512, seq) ≤ seq.
    BinaryCase(op: "Add", opset: 14, a: f32([batch, .opaque("max(min(512, seq), seq)"), 768]), b: f32([batch, seq, 768]),
               expected: f32([batch, seq, 768]), flops: batch * seq * 768),
    // Nested: max(max(min(512, seq), seq), seq) is seq too.
    BinaryCase(op: "Mul", opset: 14, a: f32([.opaque("max(max(min(512, seq), seq), seq)")]), b: f32([Dim.minimum(512, seq)]),
               expected: f32([seq]), flops: seq),
    // min(batch, seq) ≤ seq, and a valid model broadcasts them, so the result is seq (core Dim.broadcast).
    BinaryCase(op: "Add", opset: 14, a: f32([seq]), b: f32([Dim.minimum(batch, seq)]),
               expected: f32([seq]), flops: seq),
    // Opset 6 legacy broadcast, B [3,4] at axis 1 of A [2,3,4,5] → A's shape; 120 FLOPs.
    BinaryCase(op: "Div", opset: 6, a: f32([2, 3, 4, 5]), b: f32([3, 4]), attrs: ["broadcast": .int(1), "axis": .int(1)],
               expected: f32([2, 3, 4, 5]), flops: 120),
    // Opset 6 legacy suffix broadcast, B [5].
    BinaryCase(op: "Add", opset: 6, a: f32([2, 3, 4, 5]), b: f32([5]), attrs: ["broadcast": .int(1)],
               expected: f32([2, 3, 4, 5]), flops: 120),
    // Opset 1 legacy, B a 1-element [1,1] tensor; A's symbolic batch stays.
    BinaryCase(op: "Mul", opset: 1, a: f32([batch, 4]), b: f32([1, 1]), attrs: ["broadcast": .int(1)],
               expected: f32([batch, 4]), flops: batch * 4),
    // Legacy broadcast=0, equal shapes; the known dim of B resolves A's symbol.
    BinaryCase(op: "Sub", opset: 6, a: f32([batch, 4]), b: f32([2, 4]), expected: f32([2, 4]), flops: 8),
    // Pow's exponent may have another type (opset 12+): [2,3]^int64 scalar → [2,3]; 6 FLOPs + 6 transcendentals.
    BinaryCase(op: "Pow", opset: 15, a: f32([2, 3]), b: i64([]), expected: f32([2, 3]), flops: 6, transcendentals: 6),
    // Bitwise: 1 FLOP per element.
    BinaryCase(op: "BitwiseAnd", opset: 18, a: .tensor(TensorType(dtype: .int32, shape: [4, 1])),
               b: .tensor(TensorType(dtype: .int32, shape: [3])), expected: .tensor(TensorType(dtype: .int32, shape: [4, 3])), flops: 12),
    BinaryCase(op: "BitShift", opset: 11, a: .tensor(TensorType(dtype: .uint8, shape: [5])), b: .tensor(TensorType(dtype: .uint8, shape: [])),
               attrs: ["direction": .string("LEFT")], expected: .tensor(TensorType(dtype: .uint8, shape: [5])), flops: 5),
    // Mod on floats with fmod=1: [2,3] % [3] → [2,3]; 6 FLOPs.
    BinaryCase(op: "Mod", opset: 13, a: f32([2, 3]), b: f32([3]), attrs: ["fmod": .int(1)], expected: f32([2, 3]), flops: 6),
])
func elementwiseBinary(_ c: BinaryCase) throws {
    let result = try run(node(c.op, ["a", "b"], attrs: c.attrs), opset: c.opset, inputs: [c.a, c.b])
    #expect(result.types == [c.expected])
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
    #expect(result.cost?.macs == 0)
}

@Test func elementwiseUnknownRank() throws {
    // Unknown rank in → unknown rank out, dtype kept (the cost then cannot be computed).
    let result = try opsInferOnly(node("Add", ["a", "b"]), opset: 14, inputs: [opsTensor(.float, nil), f32([3])])
    #expect(result.types == [opsTensor(.float, nil)])
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType]
    var attrs: [String: Attribute.Value] = [:]
    var kind: String
    var testDescription: String { "\(op)-\(opset) → \(kind)" }
}

@Test(arguments: [
    // onnx: "Incompatible dimensions".
    ErrorCase(op: "Add", opset: 14, inputs: [f32([2, 3]), f32([4, 3])], kind: "incompatibleDims"),
    // Legacy: B [3,4] placed at axis 2 of [2,3,4,5] meets dims 4,5.
    ErrorCase(op: "Add", opset: 6, inputs: [f32([2, 3, 4, 5]), f32([3, 4])], attrs: ["broadcast": .int(1), "axis": .int(2)],
              kind: "incompatibleDims"),
    ErrorCase(op: "Add", opset: 6, inputs: [f32([2, 3]), f32([3])], attrs: ["broadcast": .int(2)], kind: "invalidAttribute"),
    // Legacy broadcast needs rank(B) ≤ rank(A).
    ErrorCase(op: "Mul", opset: 6, inputs: [f32([3]), f32([2, 3])], attrs: ["broadcast": .int(1)], kind: "rankMismatch"),
    ErrorCase(op: "Add", opset: 14, inputs: [f32([2]), i64([2])], kind: "invalidInput"),
    ErrorCase(op: "BitShift", opset: 11, inputs: [i64([2]), i64([2])], attrs: ["direction": .string("UP")], kind: "invalidAttribute"),
    ErrorCase(op: "BitShift", opset: 11, inputs: [i64([2]), i64([2])], kind: "missingAttribute"),
    ErrorCase(op: "Mod", opset: 13, inputs: [i64([2]), i64([2])], attrs: ["fmod": .int(3)], kind: "invalidAttribute"),
    ErrorCase(op: "Sum", opset: 13, inputs: [f32([2, 3]), f32([4, 3])], kind: "incompatibleDims"),
    ErrorCase(op: "IsInf", opset: 20, inputs: [f32([2])], attrs: ["detect_negative": .int(2)], kind: "invalidAttribute"),
    ErrorCase(op: "Add", opset: 14, inputs: [f32([2]), .unknown], kind: "unknownInput"),
])
func elementwiseErrors(_ c: ErrorCase) {
    let names = c.inputs.indices.map { "x\($0)" }
    #expect(opsErrorKind { _ = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs) } == c.kind)
}

// MARK: - Value propagation

struct ValueCase: Sendable, CustomTestStringConvertible {
    var op: String
    var attrs: [String: Attribute.Value] = [:]
    var a: (ValueType, TensorValue)
    var b: (ValueType, TensorValue)
    var expected: TensorValue?
    var testDescription: String { "\(op) \(a.1) \(b.1)" }
}

@Test(arguments: [
    // Shape values [batch, seq] × 12 → [12·batch, 12·seq] (a reshape target of an exported attention).
    ValueCase(op: "Mul", a: (i64([2]), .ints([batch, seq])), b: (i64([]), .ints([12])), expected: .ints([batch * 12, seq * 12])),
    // numpy/ReferenceEvaluator: [[1],[2]] + [10,20,30] = [[11,21,31],[12,22,32]].
    ValueCase(op: "Add", a: (i64([2, 1]), .ints([1, 2])), b: (i64([3]), .ints([10, 20, 30])),
              expected: .ints([11, 21, 31, 12, 22, 32])),
    ValueCase(op: "Sub", a: (i64([2]), .ints([seq, 7])), b: (i64([1]), .ints([1])), expected: .ints([seq - 1, 6])),
    // ReferenceEvaluator Div int64: [7,−7,9] / [2,2,−4] = [3,−3,−2] (truncation toward zero).
    ValueCase(op: "Div", a: (i64([3]), .ints([7, -7, 9])), b: (i64([3]), .ints([2, 2, -4])), expected: .ints([3, -3, -2])),
    // Exact symbolic quotient: (768·batch)/12 = 64·batch; batch/2 is the floor of a non-negative size.
    ValueCase(op: "Div", a: (i64([2]), .ints([batch * 768, batch])), b: (i64([]), .ints([12])),
              expected: .ints([batch * 64, .opaque("floor((batch)/(12))")])),
    // −batch / 2 cannot be decided (trunc ≠ floor for negatives).
    ValueCase(op: "Div", a: (i64([1]), .ints([-batch])), b: (i64([1]), .ints([2])), expected: .ints([.unknown])),
    // Division by zero is not a value.
    ValueCase(op: "Div", a: (i64([1]), .ints([4])), b: (i64([1]), .ints([0])), expected: .ints([.unknown])),
    // ReferenceEvaluator Mod int64: [7,−7,7,−7] mod [3,3,−3,−3] = [1,2,−2,−1] (fmod=0), [1,−1,1,−1] (fmod=1).
    ValueCase(op: "Mod", a: (i64([4]), .ints([7, -7, 7, -7])), b: (i64([4]), .ints([3, 3, -3, -3])), expected: .ints([1, 2, -2, -1])),
    ValueCase(op: "Mod", attrs: ["fmod": .int(1)], a: (i64([4]), .ints([7, -7, 7, -7])), b: (i64([4]), .ints([3, 3, -3, -3])),
              expected: .ints([1, -1, 1, -1])),
    // (4·batch) mod 2 = 0 exactly; batch mod 2 is unknown.
    ValueCase(op: "Mod", a: (i64([2]), .ints([batch * 4, batch])), b: (i64([]), .ints([2])), expected: .ints([0, .unknown])),
    // Float scalars fold too (Resize scale arithmetic): 10 − 2.5 = 7.5.
    ValueCase(op: "Sub", a: (f32([1]), .floats([10])), b: (f32([1]), .floats([2.5])), expected: .floats([7.5])),
    // Pow has no value folding.
    ValueCase(op: "Pow", a: (i64([1]), .ints([2])), b: (i64([1]), .ints([3])), expected: nil),
])
func elementwiseValues(_ c: ValueCase) throws {
    let result = try run(node(c.op, ["a", "b"], attrs: c.attrs), opset: 14, inputs: [c.a.0, c.b.0], values: [c.a.1, c.b.1])
    #expect(result.values == [c.expected])
}

@Test func elementwiseValuesNeedBothInputs() throws {
    let result = try run(node("Add", ["a", "b"]), opset: 14, inputs: [i64([2]), i64([2])], values: [.ints([1, 2]), nil])
    #expect(result.values == [nil])
}

// MARK: - Variadic

struct VariadicCase: Sendable, CustomTestStringConvertible {
    var op: String
    var inputs: [ValueType]
    var expected: [Dim]
    var flops: Dim
    var testDescription: String { "\(op) ×\(inputs.count)" }
}

@Test(arguments: [
    // Sum of [2,1],[3],[1,1] → [2,3]; (3−1)·6 = 12 FLOPs.
    VariadicCase(op: "Sum", inputs: [f32([2, 1]), f32([3]), f32([1, 1])], expected: [2, 3], flops: 12),
    // Mean of two [4]: (2−1)·4 adds + 4 divisions = 8.
    VariadicCase(op: "Mean", inputs: [f32([4]), f32([4])], expected: [4], flops: 8),
    // Max of a single input: 0 FLOPs.
    VariadicCase(op: "Max", inputs: [f32([5])], expected: [5], flops: 0),
    // Min of [batch,1] and [1,seq] → [batch,seq]; batch·seq FLOPs.
    VariadicCase(op: "Min", inputs: [f32([batch, 1]), f32([1, seq])], expected: [batch, seq], flops: batch * seq),
])
func elementwiseVariadic(_ c: VariadicCase) throws {
    let names = c.inputs.indices.map { "x\($0)" }
    let result = try run(node(c.op, names), opset: 13, inputs: c.inputs)
    #expect(result.types == [f32(c.expected)])
    #expect(result.cost?.flops == c.flops)
}

@Test func elementwiseVariadicValues() throws {
    // max(batch, 1)-style guards: Max([batch, 4], [batch, 8]) = [batch, 8]; Min(.., ..) = [batch, 4].
    let inputs = [i64([2]), i64([2])]
    let values: [TensorValue?] = [.ints([batch, 4]), .ints([batch, 8])]
    #expect(try run(node("Max", ["a", "b"]), opset: 13, inputs: inputs, values: values).values == [.ints([batch, 8])])
    #expect(try run(node("Min", ["a", "b"]), opset: 13, inputs: inputs, values: values).values == [.ints([batch, 4])])
    #expect(try run(node("Sum", ["a", "b"]), opset: 13, inputs: inputs, values: values).values == [.ints([batch * 2, 12])])
    // batch vs seq is undecidable: no values at all.
    #expect(try run(node("Max", ["a", "b"]), opset: 13, inputs: inputs, values: [.ints([batch, 4]), .ints([seq, 4])]).values == [nil])
    // batch + 1 > batch is decidable.
    #expect(try run(node("Max", ["a", "b"]), opset: 13, inputs: inputs,
                    values: [.ints([batch + 1, 4]), .ints([batch, 4])]).values == [.ints([batch + 1, 4])])
}

// MARK: - Unary

struct UnaryCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var dtype: DataType = .float
    var outputType: DataType = .float
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    var testDescription: String { "\(op)-\(opset)" }
}

@Test(arguments: [
    UnaryCase(op: "Abs", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Neg", opset: 6, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Sign", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Floor", opset: 1, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Ceil", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Round", opset: 22, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Reciprocal", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "Sqrt", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Exp", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Log", opset: 6, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Sin", opset: 7, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Cos", opset: 22, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Tan", opset: 7, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Asin", opset: 7, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Acos", opset: 7, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Atan", opset: 7, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Sinh", opset: 9, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Cosh", opset: 9, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Asinh", opset: 9, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Acosh", opset: 9, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Atanh", opset: 9, flopsPerElement: 1, transcendentalsPerElement: 1),
    UnaryCase(op: "Erf", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 1),
    // onnx: IsNaN/IsInf output BOOL of the input's shape.
    UnaryCase(op: "IsNaN", opset: 20, outputType: .bool, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "IsInf", opset: 10, outputType: .bool, flopsPerElement: 1, transcendentalsPerElement: 0),
    UnaryCase(op: "BitwiseNot", opset: 18, dtype: .int32, outputType: .int32, flopsPerElement: 1, transcendentalsPerElement: 0),
])
func elementwiseUnary(_ c: UnaryCase) throws {
    // [batch, 3, 4]: 12·batch elements.
    let input = ValueType.tensor(TensorType(dtype: c.dtype, shape: [batch, 3, 4]))
    let result = try run(node(c.op, ["x"]), opset: c.opset, inputs: [input])
    #expect(result.types == [.tensor(TensorType(dtype: c.outputType, shape: [batch, 3, 4]))])
    #expect(result.cost?.flops == batch * .value(12 * c.flopsPerElement))
    #expect(result.cost?.transcendentals == batch * .value(12 * c.transcendentalsPerElement))
}

@Test func elementwiseUnaryValues() throws {
    let neg = try run(node("Neg", ["x"]), opset: 13, inputs: [i64([2])], values: [.ints([batch, -3])])
    #expect(neg.values == [.ints([-batch, 3])])
    let abs = try run(node("Abs", ["x"]), opset: 13, inputs: [i64([2])], values: [.ints([batch, -3])])
    #expect(abs.values == [.ints([batch, 3])])
    // Exp is not folded.
    let exp = try run(node("Exp", ["x"]), opset: 13, inputs: [f32([1])], values: [.floats([0])])
    #expect(exp.values == [nil])
    // torchvision's pad-to-multiple: Ceil(float [7.5, 10.0]) = [8, 10]; numpy: np.round([0.5, 1.5, 2.5]) = [0, 2, 2]
    // (half to even, as ONNX Round).
    let ceil = try run(node("Ceil", ["x"]), opset: 13, inputs: [f32([2])], values: [.floats([7.5, 10])])
    #expect(ceil.values == [.floats([8, 10])])
    let round = try run(node("Round", ["x"]), opset: 11, inputs: [f32([3])], values: [.floats([0.5, 1.5, 2.5])])
    #expect(round.values == [.floats([0, 2, 2])])
    let floor = try run(node("Floor", ["x"]), opset: 13, inputs: [f32([2])], values: [.floats([-0.5, 2.5])])
    #expect(floor.values == [.floats([-1, 2])])
    let sqrt = try run(node("Sqrt", ["x"]), opset: 13, inputs: [f32([1])], values: [.floats([16])])
    #expect(sqrt.values == [.floats([4])])
    // Sign of a size plus one is decidably 1; of a bare size (maybe 0) it is not.
    let sign = try run(node("Sign", ["x"]), opset: 13, inputs: [i64([2])], values: [.ints([batch + 1, -3])])
    #expect(sign.values == [.ints([1, -1])])
    let unsure = try run(node("Sign", ["x"]), opset: 13, inputs: [i64([1])], values: [.ints([batch])])
    #expect(unsure.values == [nil])
}

@Test func elementwiseRegistersEveryOp() {
    let types = Set(ElementwiseFamily.entries.map(\.schema.type))
    #expect(types.count == ElementwiseFamily.entries.count)
    for op in ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot",
               "Sum", "Mean", "Max", "Min", "Abs", "Neg", "Sign", "Floor", "Ceil", "Round", "Reciprocal", "Sqrt", "Exp",
               "Log", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf",
               "IsNaN", "IsInf"] {
        #expect(types.contains(op), "\(op)")
    }
}
