import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes come from the ONNX spec by hand, or from onnx 1.23's ReferenceEvaluator run on
// concrete numbers in a scratch script (noted "ref" per row); symbolic rows follow the same arithmetic
// with the symbol in place of the number.

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("sequence")
private let int64Max = Int.max

private func ints(_ v: [Dim]) -> TensorValue { .ints(v) }

// MARK: - Shape, Size

@Test(arguments: [
    // opset 13: the whole shape.
    (13, [String: Attribute.Value](), [Dim](), [batch, seq, 768]),
    // opset 15 start=1 → dims[1...].
    (15, ["start": .int(1)], [], [seq, 768]),
    // start=-1 → last dim only.
    (15, ["start": .int(-1)], [], [768]),
    // end=-1 → all but the last.
    (15, ["end": .int(-1)], [], [batch, seq]),
    // start past end → empty.
    (15, ["start": .int(2), "end": .int(1)], [], []),
] as [(Int, [String: Attribute.Value], [Dim], [Dim])])
func shapeOp(opset: Int, attrs: [String: Attribute.Value], _: [Dim], expected: [Dim]) throws {
    let r = try run(node("Shape", ["x"], attrs: attrs), opset: opset, inputs: [t(.float, batch, seq, 768)])
    #expect(r.types == [t(.int64, .value(expected.count))])
    #expect(r.values == [ints(expected)])
    // Shape reads only metadata.
    #expect(r.cost == OpCost(bytesReadOverride: 0))
}

@Test func sizeOp() throws {
    // numel of [batch, 3, 4] = 12·batch.
    let r = try run(node("Size", ["x"]), inputs: [t(.float, batch, 3, 4)])
    #expect(r.types == [t(.int64)])
    #expect(r.values == [ints([batch * 12])])
    #expect(r.cost?.bytesReadOverride == 0)
}

// MARK: - Reshape

@Test(arguments: [
    // -1 = (batch·sequence·768)/(batch·sequence·12) = 64.
    ([batch, seq, 768], [batch, seq, 12, -1], 0, [batch, seq, 12, 64]),
    // ref: [2,3,768] with [0,0,12,-1] → (2,3,12,64).
    ([2, 3, 768], [0, 0, 12, -1], 0, [2, 3, 12, 64]),
    // 0 copies symbolic dims; -1 = batch·12·sequence·64 / (batch·64) = 12·sequence.
    ([batch, 12, seq, 64], [0, -1, 64], 0, [batch, seq * 12, 64]),
    // allowzero=1: 0 is a real 0.
    ([0, 4], [4, 0], 1, [4, 0]),
    // Merge heads back: [batch, sequence, 12, 64] → [batch, sequence, 768] with [0, 0, -1].
    ([batch, seq, 12, 64], [0, 0, -1], 0, [batch, seq, 768]),
] as [([Dim], [Dim], Int, [Dim])])
func reshape(input: [Dim], target: [Dim], allowZero: Int, expected: [Dim]) throws {
    let r = try run(node("Reshape", ["x", "s"], attrs: ["allowzero": .int(allowZero)]),
                    inputs: [.tensor(.init(dtype: .float, shape: input)), t(.int64, .value(target.count))],
                    values: [nil, ints(target)])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected))])
    #expect(r.cost == .zero)
}

@Test func reshapeOpsetBranchesAndValues() throws {
    // Reshape-1: `shape` attribute. [2,3] → [3,-1] = [3,2].
    let r1 = try run(node("Reshape", ["x"], attrs: ["shape": .ints([3, -1])]), opset: 1, inputs: [t(.float, 2, 3)])
    #expect(r1.types == [t(.float, 3, 2)])
    // Values pass through: a [1] int64 reshaped to a scalar.
    let r2 = try run(node("Reshape", ["x", "s"]), inputs: [t(.int64, 1), t(.int64, 0)], values: [ints([batch]), ints([])])
    #expect(r2.types == [t(.int64)])
    #expect(r2.values == [ints([batch])])
    // Unknown target values of length 3: rank 3, dims unknown.
    let r3 = try run(node("Reshape", ["x", "s"]), inputs: [t(.float, 2, 3), t(.int64, 3)])
    #expect(r3.types == [t(.float, .unknown, .unknown, .unknown)])
}

@Test(arguments: [
    // 6 elements do not split into rows of 4.
    ([Dim(2), 3], [Dim(4), -1]),
    // two -1.
    ([2, 3], [-1, -1]),
    // explicit sizes of the wrong total.
    ([2, 3], [5]),
    // invalid negative.
    ([2, 3], [-2, 3]),
] as [([Dim], [Dim])])
func reshapeErrors(input: [Dim], target: [Dim]) {
    #expect(throws: ShapeError.self) {
        try run(node("Reshape", ["x", "s"]), inputs: [.tensor(.init(dtype: .float, shape: input)), t(.int64, .value(target.count))],
                values: [nil, ints(target)])
    }
}

// MARK: - Flatten

@Test(arguments: [
    (13, 1, [batch, 3, 4], [batch, 12]),
    // axis 0 → [1, numel].
    (13, 0, [batch, 3, 4], [1, batch * 12]),
    // negative axis (opset ≥ 11): [batch·3, 4].
    (13, -1, [batch, 3, 4], [batch * 3, 4]),
    // axis = rank → [numel, 1].
    (9, 3, [2, 3, 4], [24, 1]),
] as [(Int, Int, [Dim], [Dim])])
func flatten(opset: Int, axis: Int, input: [Dim], expected: [Dim]) throws {
    let r = try run(node("Flatten", ["x"], attrs: ["axis": .int(axis)]), opset: opset, inputs: [.tensor(.init(dtype: .float, shape: input))])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected))])
}

@Test func flattenErrors() {
    // Negative axis before opset 11.
    #expect(throws: ShapeError.self) { try run(node("Flatten", ["x"], attrs: ["axis": .int(-1)]), opset: 9, inputs: [t(.float, 2, 3)]) }
    #expect(throws: ShapeError.self) { try run(node("Flatten", ["x"], attrs: ["axis": .int(4)]), inputs: [t(.float, 2, 3)]) }
}

// MARK: - Squeeze, Unsqueeze

@Test func squeeze() throws {
    // Opset 11: axes attribute.
    let a = try run(node("Squeeze", ["x"], attrs: ["axes": .ints([0])]), opset: 11, inputs: [t(.float, 1, 3, 1)])
    #expect(a.types == [t(.float, 3, 1)])
    // Opset 13: axes input, negative.
    let b = try run(node("Squeeze", ["x", "a"]), opset: 13, inputs: [t(.float, 1, 3, 1), t(.int64, 1)], values: [nil, ints([-1])])
    #expect(b.types == [t(.float, 1, 3)])
    // No axes: every known 1.
    let c = try run(node("Squeeze", ["x"]), opset: 13, inputs: [t(.float, 1, 3, 1)])
    #expect(c.types == [t(.float, 3)])
    // No axes with a symbolic dim: cannot know which are 1 → rank unknown.
    let d = try run(node("Squeeze", ["x"]), opset: 13, inputs: [t(.float, 1, batch)])
    #expect(d.types == [.tensor(.init(dtype: .float, shape: nil))])
    // Values pass: [batch] (shape [1]) → scalar batch.
    let e = try run(node("Squeeze", ["x", "a"]), opset: 13, inputs: [t(.int64, 1), t(.int64, 1)], values: [ints([batch]), ints([0])])
    #expect(e.types == [t(.int64)])
    #expect(e.values == [ints([batch])])
    // Squeezing a dim of size 3 is an error.
    #expect(throws: ShapeError.self) { try run(node("Squeeze", ["x", "a"]), inputs: [t(.float, 1, 3), t(.int64, 1)], values: [nil, ints([1])]) }
}

@Test func unsqueeze() throws {
    // Opset 11 attribute: [batch] → [1, batch].
    let a = try run(node("Unsqueeze", ["x"], attrs: ["axes": .ints([0])]), opset: 11, inputs: [t(.float, batch)])
    #expect(a.types == [t(.float, 1, batch)])
    // Opset 13 input axes [0, 3] on [2, 3] → output rank 4: [1, 2, 3, 1].
    let b = try run(node("Unsqueeze", ["x", "a"]), opset: 13, inputs: [t(.float, 2, 3), t(.int64, 2)], values: [nil, ints([0, 3])])
    #expect(b.types == [t(.float, 1, 2, 3, 1)])
    // Negative axis -1 on [2, 3] → [2, 3, 1].
    let c = try run(node("Unsqueeze", ["x", "a"]), opset: 13, inputs: [t(.float, 2, 3), t(.int64, 1)], values: [nil, ints([-1])])
    #expect(c.types == [t(.float, 2, 3, 1)])
    // Missing axes attribute before 13, duplicate axes.
    #expect(throws: ShapeError.self) { try run(node("Unsqueeze", ["x"]), opset: 11, inputs: [t(.float, 2)]) }
    #expect(throws: ShapeError.self) {
        try run(node("Unsqueeze", ["x", "a"]), inputs: [t(.float, 2), t(.int64, 2)], values: [nil, ints([0, 0])])
    }
}

// MARK: - Transpose, Identity, Dropout

@Test func transpose() throws {
    // Default perm reverses.
    let a = try run(node("Transpose", ["x"]), inputs: [t(.float, batch, 3, 4)])
    #expect(a.types == [t(.float, 4, 3, batch)])
    // [batch, seq, 12, 64] perm [0, 2, 1, 3] → [batch, 12, seq, 64].
    let b = try run(node("Transpose", ["x"], attrs: ["perm": .ints([0, 2, 1, 3])]), inputs: [t(.float, batch, seq, 12, 64)])
    #expect(b.types == [t(.float, batch, 12, seq, 64)])
    // Values (ref): arange(6).reshape(2,3).T = [[0,3],[1,4],[2,5]].
    let c = try run(node("Transpose", ["x"], attrs: ["perm": .ints([1, 0])]), inputs: [t(.int64, 2, 3)], values: [ints([0, 1, 2, 3, 4, 5])])
    #expect(c.values == [ints([0, 3, 1, 4, 2, 5])])
    #expect(throws: ShapeError.self) { try run(node("Transpose", ["x"], attrs: ["perm": .ints([0, 0])]), inputs: [t(.float, 2, 3)]) }
    // Out of range, negative, and of another length than the rank: none is a permutation.
    #expect(TransposeOp.isPermutation([2, 0, 1], rank: 3))
    #expect(TransposeOp.isPermutation([], rank: 0))
    #expect(!TransposeOp.isPermutation([0, 2], rank: 2))
    #expect(!TransposeOp.isPermutation([-1, 0], rank: 2))
    #expect(!TransposeOp.isPermutation([0, 1], rank: 3))
}

@Test func identityPassesAnyType() throws {
    let sequence = ValueType.sequence(t(.float, 2, 3))
    let r = try run(node("Identity", ["x"]), inputs: [sequence])
    #expect(r.types == [sequence])
    let v = try run(node("Identity", ["x"]), inputs: [t(.int64, 2)], values: [ints([batch, 4])])
    #expect(v.values == [ints([batch, 4])])
}

@Test func dropout() throws {
    // Opset 12: mask is bool.
    let a = try run(node("Dropout", ["x"], outputs: 2), opset: 12, inputs: [t(.float16, batch, 8)])
    #expect(a.types == [t(.float16, batch, 8), t(.bool, batch, 8)])
    // Opset 7: mask has the input's type.
    let b = try run(node("Dropout", ["x"], outputs: 2), opset: 7, inputs: [t(.float, 2)])
    #expect(b.types == [t(.float, 2), t(.float, 2)])
    #expect(throws: ShapeError.self) { try run(node("Dropout", ["x"], attrs: ["ratio": .float(1.5)]), opset: 7, inputs: [t(.float, 2)]) }
}

// MARK: - Expand, Tile

@Test(arguments: [
    // [3,1] to [2,1,6] → [2,3,6].
    ([Dim(3), 1], [Dim(2), 1, 6], [Dim(2), 3, 6]),
    // Attention mask: [1,1,sequence] to [batch,1,1,sequence].
    ([1, 1, seq], [batch, 1, 1, seq], [batch, 1, 1, seq]),
    // A 1 in the shape keeps the input's dim (bidirectional).
    ([batch, 4], [1, 1], [batch, 4]),
] as [([Dim], [Dim], [Dim])])
func expand(input: [Dim], shape: [Dim], expected: [Dim]) throws {
    let r = try run(node("Expand", ["x", "s"]), inputs: [.tensor(.init(dtype: .float, shape: input)), t(.int64, .value(shape.count))],
                    values: [nil, ints(shape)])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected))])
}

@Test func expandValuesAndErrors() throws {
    // ref: Expand([[1],[2]], [2,3]) = [[1,1,1],[2,2,2]].
    let r = try run(node("Expand", ["x", "s"]), inputs: [t(.int64, 2, 1), t(.int64, 2)], values: [ints([1, 2]), ints([2, 3])])
    #expect(r.values == [ints([1, 1, 1, 2, 2, 2])])
    // Unknown shape values of length 3: rank 3; the known input dim 4 survives.
    let u = try run(node("Expand", ["x", "s"]), inputs: [t(.float, 4), t(.int64, 3)])
    #expect(u.types == [t(.float, .unknown, .unknown, 4)])
    #expect(throws: ShapeError.self) {
        try run(node("Expand", ["x", "s"]), inputs: [t(.float, 3), t(.int64, 1)], values: [nil, ints([4])])
    }
}

@Test func tile() throws {
    // [batch, 2] × [2, 3] → [2·batch, 6].
    let a = try run(node("Tile", ["x", "r"]), inputs: [t(.float, batch, 2), t(.int64, 2)], values: [nil, ints([2, 3])])
    #expect(a.types == [t(.float, batch * 2, 6)])
    // ref: Tile([[1,2],[3,4]], [2,3]).
    let b = try run(node("Tile", ["x", "r"]), inputs: [t(.int64, 2, 2), t(.int64, 2)], values: [ints([1, 2, 3, 4]), ints([2, 3])])
    #expect(b.types == [t(.int64, 4, 6)])
    #expect(b.values == [ints([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])])
    // Tile-1: tiles=3 along axis=1: [2, 5] → [2, 15].
    let c = try run(node("Tile", ["x", "t", "a"]), opset: 1, inputs: [t(.float, 2, 5), t(.int64), t(.int64)], values: [nil, ints([3]), ints([1])])
    #expect(c.types == [t(.float, 2, 15)])
    #expect(throws: ShapeError.self) { try run(node("Tile", ["x", "r"]), inputs: [t(.float, 2, 2), t(.int64, 1)], values: [nil, ints([2])]) }
}

// MARK: - Concat

@Test func concat() throws {
    // Along axis 1: [batch, 3] ++ [batch, 5] → [batch, 8]; a known dim wins over a symbol on axis 0.
    let a = try run(node("Concat", ["a", "b"], attrs: ["axis": .int(1)]), inputs: [t(.float, batch, 3), t(.float, 2, 5)])
    #expect(a.types == [t(.float, 2, 8)])
    // KV cache: [batch, 12, past, 64] ++ [batch, 12, seq, 64] along -2 → past + seq.
    let past = Dim.symbol("past")
    let b = try run(node("Concat", ["a", "b"], attrs: ["axis": .int(-2)]), inputs: [t(.float, batch, 12, past, 64), t(.float, batch, 12, seq, 64)])
    #expect(b.types == [t(.float, batch, 12, past + seq, 64)])
    // ref: Concat([[0,1],[2,3]], [[0],[1]], axis=1) = [[0,1,0],[2,3,1]].
    let c = try run(node("Concat", ["a", "b"], attrs: ["axis": .int(1)]), inputs: [t(.int64, 2, 2), t(.int64, 2, 1)],
                    values: [ints([0, 1, 2, 3]), ints([0, 1])])
    #expect(c.values == [ints([0, 1, 0, 2, 3, 1])])
    // Errors: rank mismatch, conflicting known dims, missing axis (opset ≥ 4).
    #expect(throws: ShapeError.self) { try run(node("Concat", ["a", "b"], attrs: ["axis": .int(0)]), inputs: [t(.float, 2), t(.float, 2, 2)]) }
    #expect(throws: ShapeError.self) { try run(node("Concat", ["a", "b"], attrs: ["axis": .int(0)]), inputs: [t(.float, 2, 3), t(.float, 2, 4)]) }
    #expect(throws: ShapeError.self) { try run(node("Concat", ["a", "b"]), inputs: [t(.float, 2), t(.float, 2)]) }
    // Concat-1 defaults to axis 1.
    let d = try run(node("Concat", ["a", "b"]), opset: 1, inputs: [t(.float, 2, 3), t(.float, 2, 4)])
    #expect(d.types == [t(.float, 2, 7)])
}

// MARK: - Split

@Test func split() throws {
    // ref: opset 18 num_outputs=3 on arange(10) → [0..3], [4..7], [8, 9] (ceil(10/3) = 4, last smaller).
    let a = try run(node("Split", ["x"], outputs: 3, attrs: ["num_outputs": .int(3)]), opset: 18, inputs: [t(.int64, 10)],
                    values: [ints((0..<10).map(Dim.value))])
    #expect(a.types == [t(.int64, 4), t(.int64, 4), t(.int64, 2)])
    #expect(a.values == [ints([0, 1, 2, 3]), ints([4, 5, 6, 7]), ints([8, 9])])
    // ref: d=5, n=4 → [2, 2, 1, 0] (the reference implementation's clamping).
    let b = try run(node("Split", ["x"], outputs: 4, attrs: ["num_outputs": .int(4)]), opset: 18, inputs: [t(.float, 5)])
    #expect(b.types == [t(.float, 2), t(.float, 2), t(.float, 1), t(.float, 0)])
    // Opset 13 split input on a symbolic batch: [batch, 10] into [2, 8] along 1.
    let c = try run(node("Split", ["x", "s"], outputs: 2, attrs: ["axis": .int(1)]), opset: 13, inputs: [t(.float, batch, 10), t(.int64, 2)],
                    values: [nil, ints([2, 8])])
    #expect(c.types == [t(.float, batch, 2), t(.float, batch, 8)])
    // Opset 11 split attribute.
    let d = try run(node("Split", ["x"], outputs: 2, attrs: ["split": .ints([1, 3])]), opset: 11, inputs: [t(.float, 4, 2)])
    #expect(d.types == [t(.float, 1, 2), t(.float, 3, 2)])
    // Equal split of a symbolic dim: 2·hidden split in 2 → hidden (exact).
    let hidden = Dim.symbol("hidden")
    let e = try run(node("Split", ["x"], outputs: 2, attrs: ["axis": .int(-1)]), opset: 13, inputs: [t(.float, batch, hidden * 2)])
    #expect(e.types == [t(.float, batch, hidden), t(.float, batch, hidden)])
    // Errors: uneven equal split before 18; sizes not summing to the dim; num_outputs ≠ output count.
    #expect(throws: ShapeError.self) { try run(node("Split", ["x"], outputs: 3), opset: 13, inputs: [t(.float, 10)]) }
    #expect(throws: ShapeError.self) {
        try run(node("Split", ["x", "s"], outputs: 2), opset: 13, inputs: [t(.float, 10), t(.int64, 2)], values: [nil, ints([2, 3])])
    }
    #expect(throws: ShapeError.self) { try run(node("Split", ["x"], outputs: 2, attrs: ["num_outputs": .int(3)]), opset: 18, inputs: [t(.float, 9)]) }
}

// MARK: - Slice

@Test(arguments: [
    // ref: x[2,10,4], starts [1,-3], ends [INT64_MAX,-1], axes [1,2] → (2, 9, 2).
    ([1, -3], [int64Max, -1], [1, 2], [1, 1], [2, 9, 2]),
    // ref: reverse axis 1: start -1, end INT64_MIN, step -1 → (2, 10, 4).
    ([-1], [Int.min], [1], [-1], [2, 10, 4]),
    // ref: 0:10:3 → ceil(10/3) = 4.
    ([0], [10], [1], [3], [2, 4, 4]),
    // ref: 8:1:-2 → indices 8,6,4,2 → 4.
    ([8], [1], [1], [-2], [2, 4, 4]),
    // ref: clamped -100:100 → 10.
    ([-100], [100], [1], [1], [2, 10, 4]),
    // ref: 5:2 → empty.
    ([5], [2], [1], [1], [2, 0, 4]),
] as [([Int], [Int], [Int], [Int], [Int])])
func sliceKnown(starts: [Int], ends: [Int], axes: [Int], steps: [Int], expected: [Int]) throws {
    let n = Dim.value(starts.count)
    let r = try run(node("Slice", ["x", "s", "e", "a", "t"]), opset: 13,
                    inputs: [t(.float, 2, 10, 4), t(.int64, n), t(.int64, n), t(.int64, n), t(.int64, n)],
                    values: [nil, ints(starts.map(Dim.value)), ints(ends.map(Dim.value)), ints(axes.map(Dim.value)), ints(steps.map(Dim.value))])
    #expect(r.types == [.tensor(.init(dtype: .float, shape: expected.map(Dim.value)))])
}

@Test(arguments: [
    // end = INT64_MAX on a symbolic dim, start 0, step 1 → d.
    (0, .value(Int.max), 1, seq),
    // 1: → d − 1.
    (1, .value(Int.max), 1, seq - 1),
    // -1: → d − (d − 1) = 1.
    (-1, .value(Int.max), 1, 1),
    // reversed: start -1 (d−1), end INT64_MIN (before 0), step -1 → d.
    (-1, .value(Int.min), -1, seq),
    // end is the dim itself (from a Shape value) → d.
    (0, seq, 1, seq),
    // -3:-1 → 2 (d cancels).
    (-3, -1, 1, 2),
    // 0:512 on a symbolic dim is min(512, d): not decidable, an opaque symbol.
    (0, 512, 1, Dim.minimum(512, seq)),
] as [(Dim, Dim, Int, Dim)])
func sliceSymbolic(start: Dim, end: Dim, step: Int, expected: Dim) throws {
    let r = try run(node("Slice", ["x", "s", "e", "a", "t"]), opset: 13,
                    inputs: [t(.float, batch, seq, 768), t(.int64, 1), t(.int64, 1), t(.int64, 1), t(.int64, 1)],
                    values: [nil, ints([start]), ints([end]), ints([1]), ints([.value(step)])])
    #expect(r.types == [t(.float, batch, expected, 768)])
}

@Test func sliceBranchesAndValues() throws {
    // Opset 1 attributes: starts [1], ends [3], axes [0] on [5, 2] → [2, 2].
    let a = try run(node("Slice", ["x"], attrs: ["starts": .ints([1]), "ends": .ints([3]), "axes": .ints([0])]), opset: 1, inputs: [t(.float, 5, 2)])
    #expect(a.types == [t(.float, 2, 2)])
    // ref: values of Shape [batch, sequence, 768][0:2] → [batch, sequence].
    let b = try run(node("Slice", ["x", "s", "e"]), opset: 13, inputs: [t(.int64, 3), t(.int64, 1), t(.int64, 1)],
                    values: [ints([batch, seq, 768]), ints([0]), ints([2])])
    #expect(b.types == [t(.int64, 2)])
    #expect(b.values == [ints([batch, seq])])
    // Unknown starts: the sliced axis (axes known) becomes unknown.
    let c = try run(node("Slice", ["x", "s", "e", "a"]), opset: 13, inputs: [t(.float, 4, 5), t(.int64, 1), t(.int64, 1), t(.int64, 1)],
                    values: [nil, nil, ints([2]), ints([1])])
    #expect(c.types == [t(.float, 4, .unknown)])
    // Step 0 is an error; missing ends attribute before 10.
    #expect(throws: ShapeError.self) {
        try run(node("Slice", ["x", "s", "e", "a", "t"]), inputs: [t(.float, 4), t(.int64, 1), t(.int64, 1), t(.int64, 1), t(.int64, 1)],
                values: [nil, ints([0]), ints([2]), ints([0]), ints([0])])
    }
    #expect(throws: ShapeError.self) { try run(node("Slice", ["x"], attrs: ["starts": .ints([1])]), opset: 9, inputs: [t(.float, 4)]) }
}

// MARK: - Pad

@Test func pad() throws {
    // ref: opset 18, pads [1,2,0,3] on axes [0,2] of [2,3,4] → (3, 3, 9).
    let a = try run(node("Pad", ["x", "p", "", "a"]), opset: 18, inputs: [t(.float, 2, 3, 4), t(.int64, 4), nil, t(.int64, 2)],
                    values: [nil, ints([1, 2, 0, 3]), nil, ints([0, 2])])
    #expect(a.types == [t(.float, 3, 3, 9)])
    // Opset 2 pads attribute: [batch, 3] + [1,1,1,1] → [batch + 2, 5].
    let b = try run(node("Pad", ["x"], attrs: ["pads": .ints([1, 1, 1, 1]), "mode": .string("reflect")]), opset: 2, inputs: [t(.float, batch, 3)])
    #expect(b.types == [t(.float, batch + 2, 5)])
    // Opset 1 `paddings`.
    let c = try run(node("Pad", ["x"], attrs: ["paddings": .ints([0, 2, 0, 2])]), opset: 1, inputs: [t(.float, 4, 4)])
    #expect(c.types == [t(.float, 4, 8)])
    // Unknown pads: every dim unknown (rank kept).
    let d = try run(node("Pad", ["x", "p"]), opset: 13, inputs: [t(.float, 4, 4), t(.int64, 4)])
    #expect(d.types == [t(.float, .unknown, .unknown)])
    // wrap is valid from 19 only; unknown modes are errors.
    #expect(throws: ShapeError.self) { try run(node("Pad", ["x", "p"], attrs: ["mode": .string("wrap")]), opset: 18, inputs: [t(.float, 4), t(.int64, 2)]) }
    #expect(throws: ShapeError.self) { try run(node("Pad", ["x", "p"], attrs: ["mode": .string("mirror")]), inputs: [t(.float, 4), t(.int64, 2)]) }
}

// MARK: - Value propagation chain (exported transformers)

/// Shape([batch, sequence, 768]) → Gather(0) → Unsqueeze(0) → Concat with [-1, 12, 64] → Reshape:
/// [batch, -1, 12, 64] with -1 = batch·sequence·768 / (batch·12·64) = sequence.
@Test func shapeGatherConcatReshapeChain() throws {
    let x = t(.float, batch, seq, 768)
    let shape = try run(node("Shape", ["x"]), opset: 13, inputs: [x])
    #expect(shape.values == [ints([batch, seq, 768])])

    let gathered = try run(node("Gather", ["shape", "zero"], attrs: ["axis": .int(0)]), opset: 13,
                           inputs: [shape.types[0], t(.int64)], values: [shape.values[0], ints([0])])
    #expect(gathered.types == [t(.int64)])
    #expect(gathered.values == [ints([batch])])

    let unsqueezed = try run(node("Unsqueeze", ["g", "axes"]), opset: 13, inputs: [gathered.types[0], t(.int64, 1)],
                             values: [gathered.values[0], ints([0])])
    #expect(unsqueezed.types == [t(.int64, 1)])
    #expect(unsqueezed.values == [ints([batch])])

    let concat = try run(node("Concat", ["u", "c"], attrs: ["axis": .int(0)]), opset: 13, inputs: [unsqueezed.types[0], t(.int64, 3)],
                         values: [unsqueezed.values[0], ints([-1, 12, 64])])
    #expect(concat.types == [t(.int64, 4)])
    #expect(concat.values == [ints([batch, -1, 12, 64])])

    let reshaped = try run(node("Reshape", ["x", "s"]), opset: 14, inputs: [x, concat.types[0]], values: [nil, concat.values[0]])
    #expect(reshaped.types == [t(.float, batch, seq, 12, 64)])
}

/// The GPT-2 variant: both dims gathered: Concat(Unsqueeze(Gather 0), Unsqueeze(Gather 1), [12], [64]).
@Test func shapeGatherTwoDimsChain() throws {
    let x = t(.float, batch, seq, 768)
    let shape = try run(node("Shape", ["x"]), inputs: [x])
    var parts: [TensorValue?] = []
    for index in 0..<2 {
        let g = try run(node("Gather", ["s", "i"]), inputs: [shape.types[0], t(.int64)], values: [shape.values[0], ints([.value(index)])])
        let u = try run(node("Unsqueeze", ["g", "a"]), inputs: [g.types[0], t(.int64, 1)], values: [g.values[0], ints([0])])
        parts.append(u.values[0])
    }
    let concat = try run(node("Concat", ["a", "b", "c", "d"], attrs: ["axis": .int(0)]),
                         inputs: [t(.int64, 1), t(.int64, 1), t(.int64, 1), t(.int64, 1)],
                         values: parts + [ints([12]), ints([64])])
    #expect(concat.values == [ints([batch, seq, 12, 64])])
    let reshaped = try run(node("Reshape", ["x", "s"]), inputs: [x, concat.types[0]], values: [nil, concat.values[0]])
    #expect(reshaped.types == [t(.float, batch, seq, 12, 64)])
}
