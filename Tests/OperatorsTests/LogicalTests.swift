import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes were checked with `onnx.shape_inference.infer_shapes` (onnx 1.23, strict mode) on
// single-node models; folded values follow numpy's comparison semantics.

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("seq")

private func f32(_ dims: [Dim]) -> ValueType { opsTensor(.float, dims) }
private func i64(_ dims: [Dim]) -> ValueType { opsTensor(.int64, dims) }
private func bool(_ dims: [Dim]) -> ValueType { opsTensor(.bool, dims) }

// MARK: - Shapes and costs

struct LogicalCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType]
    var attrs: [String: Attribute.Value] = [:]
    var expected: ValueType
    var flops: Dim
    var testDescription: String { "\(op)-\(opset) \(inputs)" }
}

@Test(arguments: [
    // onnx: Equal(float[3,1], float[4]) → bool[3,4]; 12 FLOPs.
    LogicalCase(op: "Equal", opset: 11, inputs: [f32([3, 1]), f32([4])], expected: bool([3, 4]), flops: 12),
    LogicalCase(op: "Less", opset: 9, inputs: [f32([3, 1]), f32([4])], expected: bool([3, 4]), flops: 12),
    LogicalCase(op: "LessOrEqual", opset: 16, inputs: [i64([batch, 1]), i64([seq])], expected: bool([batch, seq]), flops: batch * seq),
    LogicalCase(op: "Greater", opset: 13, inputs: [f32([2]), f32([])], expected: bool([2]), flops: 2),
    LogicalCase(op: "GreaterOrEqual", opset: 12, inputs: [f32([2, 2]), f32([2, 2])], expected: bool([2, 2]), flops: 4),
    // onnx: And(bool[3,1], bool[4]) → bool[3,4].
    LogicalCase(op: "And", opset: 7, inputs: [bool([3, 1]), bool([4])], expected: bool([3, 4]), flops: 12),
    LogicalCase(op: "Or", opset: 7, inputs: [bool([5]), bool([5])], expected: bool([5]), flops: 5),
    LogicalCase(op: "Xor", opset: 7, inputs: [bool([]), bool([])], expected: bool([]), flops: 1),
    // Opset 1 legacy broadcast: And(bool[3,4], bool[4], broadcast=1) → bool[3,4].
    LogicalCase(op: "And", opset: 1, inputs: [bool([3, 4]), bool([4])], attrs: ["broadcast": .int(1)], expected: bool([3, 4]), flops: 12),
    LogicalCase(op: "Greater", opset: 1, inputs: [f32([2, 3, 4]), f32([3])], attrs: ["broadcast": .int(1), "axis": .int(1)],
                expected: bool([2, 3, 4]), flops: 24),
    LogicalCase(op: "Not", opset: 1, inputs: [bool([batch, 3])], expected: bool([batch, 3]), flops: batch * 3),
    // onnx: Where(bool[batch,1,1,seq], float[1,12,seq,seq], float[]) → float[batch,12,seq,seq] (a causal mask).
    LogicalCase(op: "Where", opset: 16, inputs: [bool([batch, 1, 1, seq]), f32([1, 12, seq, seq]), f32([])],
                expected: f32([batch, 12, seq, seq]), flops: batch * seq * seq * 12),
    LogicalCase(op: "Where", opset: 9, inputs: [bool([2, 1]), i64([3]), i64([1])], expected: i64([2, 3]), flops: 6),
])
func logicalShapes(_ c: LogicalCase) throws {
    let names = c.inputs.indices.map { "x\($0)" }
    let result = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs)
    #expect(result.types == [c.expected])
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == 0)
}

struct LogicalErrorCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType]
    var kind: String
    var testDescription: String { "\(op)-\(opset) → \(kind)" }
}

@Test(arguments: [
    LogicalErrorCase(op: "Equal", opset: 13, inputs: [i64([3]), i64([4])], kind: "incompatibleDims"),
    LogicalErrorCase(op: "Equal", opset: 13, inputs: [i64([3]), f32([3])], kind: "invalidInput"),
    // And/Or/Xor/Not take bool only (type constraint T = tensor(bool)).
    LogicalErrorCase(op: "And", opset: 7, inputs: [i64([3]), i64([3])], kind: "invalidInput"),
    LogicalErrorCase(op: "Not", opset: 1, inputs: [f32([3])], kind: "invalidInput"),
    LogicalErrorCase(op: "Where", opset: 16, inputs: [f32([3]), f32([3]), f32([3])], kind: "invalidInput"),
    LogicalErrorCase(op: "Where", opset: 16, inputs: [bool([3]), f32([3]), i64([3])], kind: "invalidInput"),
    LogicalErrorCase(op: "Where", opset: 16, inputs: [bool([2]), f32([3]), f32([3])], kind: "incompatibleDims"),
])
func logicalErrors(_ c: LogicalErrorCase) {
    let names = c.inputs.indices.map { "x\($0)" }
    #expect(opsErrorKind { _ = try run(node(c.op, names), opset: c.opset, inputs: c.inputs) } == c.kind)
}

// MARK: - Value propagation

struct LogicalValueCase: Sendable, CustomTestStringConvertible {
    var op: String
    var a: (ValueType, TensorValue)
    var b: (ValueType, TensorValue)
    var expected: TensorValue?
    var testDescription: String { "\(op) \(a.1) \(b.1)" }
}

@Test(arguments: [
    // Exporters test a shape against −1/0 before Where: Equal([batch, 12, 64], −1) = [0, 0, 0]
    // (batch ≥ 0 so batch ≠ −1 is decided).
    LogicalValueCase(op: "Equal", a: (i64([3]), .ints([batch, 12, 64])), b: (i64([]), .ints([-1])), expected: .ints([0, 0, 0])),
    LogicalValueCase(op: "Equal", a: (i64([2]), .ints([batch, 4])), b: (i64([2]), .ints([batch, 5])), expected: .ints([1, 0])),
    // batch == 12 is undecidable: no values.
    LogicalValueCase(op: "Equal", a: (i64([2]), .ints([batch, 4])), b: (i64([2]), .ints([12, 4])), expected: nil),
    // batch == seq is undecidable.
    LogicalValueCase(op: "Equal", a: (i64([1]), .ints([batch])), b: (i64([1]), .ints([seq])), expected: nil),
    // Unknown values are never equal to anything decidably.
    LogicalValueCase(op: "Equal", a: (i64([1]), .ints([.unknown])), b: (i64([1]), .ints([.unknown])), expected: nil),
    LogicalValueCase(op: "Less", a: (i64([3]), .ints([1, 5, seq])), b: (i64([]), .ints([3])), expected: nil),
    LogicalValueCase(op: "Less", a: (i64([3]), .ints([1, 5, seq + 3])), b: (i64([]), .ints([3])), expected: .ints([1, 0, 0])),
    LogicalValueCase(op: "GreaterOrEqual", a: (i64([2]), .ints([3, 2])), b: (i64([2]), .ints([3, 3])), expected: .ints([1, 0])),
    // Float comparisons fold too: [1.5, 2.0] > 1.75 = [0, 1].
    LogicalValueCase(op: "Greater", a: (f32([2]), .floats([1.5, 2.0])), b: (f32([]), .floats([1.75])), expected: .ints([0, 1])),
    LogicalValueCase(op: "And", a: (bool([2]), .ints([1, 1])), b: (bool([2]), .ints([0, 1])), expected: .ints([0, 1])),
    LogicalValueCase(op: "Xor", a: (bool([2]), .ints([1, 1])), b: (bool([2]), .ints([0, 1])), expected: .ints([1, 0])),
])
func logicalValues(_ c: LogicalValueCase) throws {
    let result = try run(node(c.op, ["a", "b"]), opset: 16, inputs: [c.a.0, c.b.0], values: [c.a.1, c.b.1])
    #expect(result.values == [c.expected])
}

@Test func logicalWhereValues() throws {
    // The exported-transformer pattern: Where(Equal(shape, -1), ones, shape).
    // condition [0, 1, 0] picks [batch, 1, 64] from X=[1,1,1] / Y=[batch, seq, 64].
    let inputs = [bool([3]), i64([3]), i64([3])]
    let picked = try run(node("Where", ["c", "x", "y"]), opset: 16, inputs: inputs,
                         values: [.ints([0, 1, 0]), .ints([1, 1, 1]), .ints([batch, seq, 64])])
    #expect(picked.values == [.ints([batch, 1, 64])])
    // Broadcast scalar X: condition [1, 0] with X = 7, Y = [seq, 3] → [7, 3].
    let broadcast = try run(node("Where", ["c", "x", "y"]), opset: 16, inputs: [bool([2]), i64([]), i64([2])],
                            values: [.ints([1, 0]), .ints([7]), .ints([seq, 3])])
    #expect(broadcast.values == [.ints([7, 3])])
    // An undecided condition (no values) gives no output values.
    let unknown = try run(node("Where", ["c", "x", "y"]), opset: 16, inputs: inputs,
                          values: [nil, .ints([1, 1, 1]), .ints([batch, seq, 64])])
    #expect(unknown.values == [nil])
    // Floats select too.
    let floats = try run(node("Where", ["c", "x", "y"]), opset: 16, inputs: [bool([2]), f32([2]), f32([2])],
                         values: [.ints([1, 0]), .floats([0.5, 1.5]), .floats([2.5, 3.5])])
    #expect(floats.values == [.floats([0.5, 3.5])])
}

@Test func logicalNotValues() throws {
    let result = try run(node("Not", ["x"]), opset: 1, inputs: [bool([3])], values: [.ints([1, 0, 1])])
    #expect(result.values == [.ints([0, 1, 0])])
}

@Test func logicalRegistersEveryOp() {
    let types = Set(LogicalFamily.entries.map(\.schema.type))
    #expect(types == ["Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not", "Where"])
}
