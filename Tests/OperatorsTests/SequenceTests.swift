import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected types follow the ONNX spec of each op; element shapes of a sequence merge per dim
// (equal kept, differing `.unknown`).

private let batch = Dim.symbol("batch")

@Test func sequenceConstructMergesShapes() throws {
    // [batch, 3] and [batch, 5] → element [batch, ?].
    let a = try run(node("SequenceConstruct", ["a", "b"]), inputs: [t(.float, batch, 3), t(.float, batch, 5)])
    #expect(a.types == [.sequence(t(.float, batch, .unknown))])
    #expect(a.cost == .zero)
    // Different ranks → unknown rank.
    let b = try run(node("SequenceConstruct", ["a", "b"]), inputs: [t(.float, 3), t(.float, 3, 1)])
    #expect(b.types == [.sequence(.tensor(.init(dtype: .float, shape: nil)))])
    // Different element types are an error.
    #expect(throws: ShapeError.self) { try run(node("SequenceConstruct", ["a", "b"]), inputs: [t(.float, 3), t(.int64, 3)]) }
}

@Test func sequenceAccessors() throws {
    let seq = ValueType.sequence(t(.float, batch, 4))
    #expect(try run(node("SequenceAt", ["s", "i"]), inputs: [seq, t(.int64)]).types == [t(.float, batch, 4)])
    #expect(try run(node("SequenceErase", ["s"]), inputs: [seq]).types == [seq])
    #expect(try run(node("SequenceLength", ["s"]), inputs: [seq]).types == [t(.int64)])
    // Insert a [batch, 6]: element becomes [batch, ?].
    #expect(try run(node("SequenceInsert", ["s", "x"]), inputs: [seq, t(.float, batch, 6)]).types == [.sequence(t(.float, batch, .unknown))])
    // SequenceEmpty: dtype attribute (default float), unknown element shape.
    #expect(try run(node("SequenceEmpty", [], attrs: ["dtype": .int(7)]), inputs: []).types == [.sequence(.tensor(.init(dtype: .int64, shape: nil)))])
    // A tensor where a sequence is expected is an error.
    #expect(throws: ShapeError.self) { try run(node("SequenceAt", ["s", "i"]), inputs: [t(.float, 2), t(.int64)]) }
}

@Test func splitToSequence() throws {
    // No split: size-1 slices; keepdims=0 drops the axis.
    let a = try run(node("SplitToSequence", ["x"], attrs: ["axis": .int(1), "keepdims": .int(0)]), inputs: [t(.float, batch, 7, 4)])
    #expect(a.types == [.sequence(t(.float, batch, 4))])
    // Scalar split 3 on 7 rows: chunks 3, 3, 1 → element dim unknown.
    let b = try run(node("SplitToSequence", ["x", "s"]), inputs: [t(.float, 7, 4), t(.int64)], values: [nil, .ints([3])])
    #expect(b.types == [.sequence(t(.float, .unknown, 4))])
    // Scalar split 2 on 8 rows: every chunk is 2.
    let c = try run(node("SplitToSequence", ["x", "s"]), inputs: [t(.float, 8, 4), t(.int64)], values: [nil, .ints([2])])
    #expect(c.types == [.sequence(t(.float, 2, 4))])
    // Equal sizes list [4, 4] → 4.
    let d = try run(node("SplitToSequence", ["x", "s"]), inputs: [t(.float, 8, 4), t(.int64, 2)], values: [nil, .ints([4, 4])])
    #expect(d.types == [.sequence(t(.float, 4, 4))])
}

@Test func concatFromSequence() throws {
    let seq = ValueType.sequence(t(.float, batch, 4))
    // Concat along 1: the sequence length is unknown, so that dim is too.
    #expect(try run(node("ConcatFromSequence", ["s"], attrs: ["axis": .int(1)]), inputs: [seq]).types == [t(.float, batch, .unknown)])
    // Stack (new_axis=1) at axis 0: [?, batch, 4].
    #expect(try run(node("ConcatFromSequence", ["s"], attrs: ["axis": .int(0), "new_axis": .int(1)]), inputs: [seq]).types
        == [t(.float, .unknown, batch, 4)])
    // new axis may be rank (append).
    #expect(try run(node("ConcatFromSequence", ["s"], attrs: ["axis": .int(-1), "new_axis": .int(1)]), inputs: [seq]).types
        == [t(.float, batch, 4, .unknown)])
    #expect(throws: ShapeError.self) { try run(node("ConcatFromSequence", ["s"]), inputs: [seq]) }
}

@Test func sequenceMapWrapsBodyOutputs() throws {
    let body = Graph(name: "body", outputs: [ValueInfo(name: "y", type: .unknown)])
    // The harness's subgraph inference returns `.unknown` per body output.
    let r = try run(node("SequenceMap", ["s"], attrs: ["body": .graph(body)]), opset: 17, inputs: [.sequence(t(.float, 3))])
    #expect(r.types == [.sequence(.unknown)])
    #expect(throws: ShapeError.self) { try run(node("SequenceMap", ["s"]), opset: 17, inputs: [.sequence(t(.float, 3))]) }
}

@Test func optionals() throws {
    let tensor = t(.float, batch, 3)
    let opt = try run(node("Optional", ["x"]), opset: 15, inputs: [tensor])
    #expect(opt.types == [.optional(tensor)])
    // Empty optional from the `type` attribute.
    let empty = try run(node("Optional", [], attrs: ["type": .typeProto(t(.int64, 2))]), opset: 15, inputs: [])
    #expect(empty.types == [.optional(t(.int64, 2))])
    #expect(throws: ShapeError.self) { try run(node("Optional", []), opset: 15, inputs: []) }
    #expect(try run(node("OptionalHasElement", ["o"]), opset: 15, inputs: [.optional(tensor)]).types == [t(.bool)])
    #expect(try run(node("OptionalGetElement", ["o"]), opset: 15, inputs: [.optional(tensor)]).types == [tensor])
    // Opset 18: a plain tensor passes through; before 18 it is an error.
    #expect(try run(node("OptionalGetElement", ["o"]), opset: 18, inputs: [tensor]).types == [tensor])
    #expect(throws: ShapeError.self) { try run(node("OptionalGetElement", ["o"]), opset: 15, inputs: [tensor]) }
}

/// Sequence lengths travel as the sequence's value `.ints([length])`: SequenceConstruct of 3 tensors,
/// then ConcatFromSequence with new_axis (ONNX backend test `simple/test_sequence_model5`: declared
/// [2, 3, 4, 3]).
@Test func sequenceLengthPropagates() throws {
    let x = t(.float, 2, 3, 4)
    let built = try run(node("SequenceConstruct", ["x", "y", "z"]), inputs: [x, x, x])
    #expect(built.values == [.ints([3])])
    let stacked = try run(node("ConcatFromSequence", ["s"], attrs: ["axis": .int(-1), "new_axis": .int(1)]), inputs: built.types, values: built.values)
    #expect(stacked.types == [t(.float, 2, 3, 4, 3)])
    // Concat along 0: 3 × 2 = 6.
    let joined = try run(node("ConcatFromSequence", ["s"], attrs: ["axis": .int(0)]), inputs: built.types, values: built.values)
    #expect(joined.types == [t(.float, 6, 3, 4)])
    let length = try run(node("SequenceLength", ["s"]), inputs: built.types, values: built.values)
    #expect(length.values == [.ints([3])])
    // Empty → insert → insert (`simple/test_sequence_model1`): the empty element adds no information,
    // then [2,3,4] merged with [1,3,4] → [?, 3, 4]; length 0 + 1 + 1 = 2.
    let empty = try run(node("SequenceEmpty", []), inputs: [])
    let one = try run(node("SequenceInsert", ["s", "x"]), inputs: [empty.types[0], x], values: empty.values)
    #expect(one.types == [.sequence(x)])
    let two = try run(node("SequenceInsert", ["s", "y"]), inputs: [one.types[0], t(.float, 1, 3, 4)], values: one.values)
    #expect(two.types == [.sequence(t(.float, .unknown, 3, 4))])
    #expect(two.values == [.ints([2])])
    // SplitToSequence without split: one element per row of axis 0 (batch of them).
    let split = try run(node("SplitToSequence", ["x"]), inputs: [t(.float, Dim.symbol("batch"), 4)])
    #expect(split.values == [.ints([Dim.symbol("batch")])])
}
