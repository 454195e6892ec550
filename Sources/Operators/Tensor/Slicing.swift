import ONNXGraph
import ShapeInference
import CostKernels

// Shape and layout, continued (the `ShapeOpsFamily` list is in `ShapeOps.swift`):
// Expand, Tile, Concat, Split, Slice, Pad.

// MARK: - Expand

/// Broadcasts the input to the shape given by the second input's values (bidirectional: the
/// output is the numpy broadcast of the two, so a 1 in the shape keeps the input dim).
/// Spec: https://onnx.ai/onnx/operators/onnx__Expand.html · opsets 8–13.
struct ExpandOp: DataMovementOperator {
    static let schema = OpSchema(type: "Expand", since: 8, inputs: 2...2, outputs: 1...1, metadataInputs: [1], traits: .gemmOperandLayout)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        guard let inShape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        // Unknown shape values still fix the rank when the shape input's length is known: broadcast
        // against unknown dims (a known input dim > 1 survives).
        guard let target = ctx.intValues(1) ?? ValueKit.unknownDims(fromShapeInput: ctx, 1) else {
            return [ValueKit.tensor(input.dtype, nil)]
        }
        let output = try Broadcast.shape([inShape, target])
        if let value = ValueKit.value(ctx, 0), let dims = ValueKit.known(inShape), let outDims = ValueKit.known(output) {
            let strides = ValueKit.strides(dims)
            let offset = outDims.count - dims.count
            let sources = ValueKit.sourceIndices(outputShape: outDims) { index in
                var s = 0
                for axis in dims.indices where dims[axis] != 1 { s += index[axis + offset] * strides[axis] }
                return s
            }
            ctx.outputValues[0] = sources.flatMap { ValueKit.pick(value, $0) }
        }
        return [ValueKit.tensor(input.dtype, output)]
    }
}

// MARK: - Tile

/// Repeats the input `repeats[i]` times along each axis (values may be symbolic).
/// Spec: https://onnx.ai/onnx/operators/onnx__Tile.html · opsets 1–13 (opset 1: scalar `tiles` and
/// `axis` inputs; from 6: a `repeats` vector).
struct TileOp: DataMovementOperator {
    static let schema = OpSchema(type: "Tile", inputs: 2...3, outputs: 1...1, metadataInputs: [1, 2])

    let opset: Int

    init(node: Node, opset: Int) throws(ShapeError) { self.opset = opset }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        var repeats: [Dim]
        if opset < 6, ctx.hasInput(2) {
            // Tile-1: tiles (scalar) along axis (scalar).
            guard let tiles = ctx.intValues(1)?.first, let axis = ctx.knownInts(2)?.first else {
                return [ValueKit.tensor(input.dtype, ctx.knownInts(2) == nil ? shape.map { _ in .unknown } : shape)]
            }
            let a = try Axes.normalize(axis, rank: shape.count)
            repeats = shape.map { _ in 1 }
            repeats[a] = tiles
        } else if let values = ctx.intValues(1) {
            repeats = values
        } else {
            _ = try ctx.tensor(1)
            return [ValueKit.tensor(input.dtype, shape.map { _ in .unknown })]
        }
        guard repeats.count == shape.count else {
            throw .invalidInput(index: 1, reason: "\(repeats.count) repeats for a rank-\(shape.count) input")
        }
        for r in repeats { if let v = r.intValue, v < 0 { throw .invalidInput(index: 1, reason: "negative repeat \(v)") } }
        let output = zip(shape, repeats).map { $0 * $1 }
        if let value = ValueKit.value(ctx, 0), let dims = ValueKit.known(shape), let outDims = ValueKit.known(output) {
            let strides = ValueKit.strides(dims)
            let sources = ValueKit.sourceIndices(outputShape: outDims) { index in
                var s = 0
                for axis in dims.indices { s += (index[axis] % dims[axis]) * strides[axis] }
                return s
            }
            ctx.outputValues[0] = sources.flatMap { ValueKit.pick(value, $0) }
        }
        return [ValueKit.tensor(input.dtype, output)]
    }
}

// MARK: - Concat

/// Joins tensors along `axis`; the other dims must agree (a known dim wins over a symbol).
/// Spec: https://onnx.ai/onnx/operators/onnx__Concat.html · opsets 1–13 (`axis` default 1 in opset 1,
/// required from 4; negative from 11).
struct ConcatOp: DataMovementOperator {
    static let schema = OpSchema(type: "Concat", inputs: 1...Int.max, outputs: 1...1)

    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset < 4 {
            axis = try node.int("axis", default: 1)
        } else {
            guard let a = try node.optionalInt("axis") else { throw .missingAttribute("axis") }
            axis = a
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        var inputs: [TensorType] = []
        for index in 0..<ctx.inputCount { inputs.append(try ctx.tensor(index)) }
        guard let first = inputs.first else { throw .missingInput(0) }
        guard let rank = inputs.lazy.compactMap(\.rank).first else { return [ValueKit.tensor(first.dtype, nil)] }
        guard rank > 0 else { throw .rankMismatch("Concat needs inputs of rank ≥ 1") }
        let a = try Axes.normalize(axis, rank: rank)
        var output: [Dim] = Array(repeating: .unknown, count: rank)
        var total: Dim = 0
        for (index, input) in inputs.enumerated() {
            guard let shape = input.shape else { total = .unknown; continue }
            guard shape.count == rank else {
                throw .rankMismatch("input \(index) has rank \(shape.count), input 0 rank \(rank)")
            }
            for d in 0..<rank where d != a {
                output[d] = index == 0 ? shape[d] : try ValueKit.unify(output[d], shape[d], what: "Concat axis \(d)")
            }
            total = total + shape[a]
        }
        output[a] = total
        // Values: for each outer index, the chunks of each input in order.
        var values: [TensorValue] = []
        var shapes: [[Int]] = []
        for index in inputs.indices {
            guard let v = ValueKit.value(ctx, index), let s = ValueKit.known(inputs[index].shape) else { return [ValueKit.tensor(first.dtype, output)] }
            values.append(v)
            shapes.append(s)
        }
        if let joined = ValueKit.concat(values), let outDims = ValueKit.known(output), ValueKit.smallCount(outDims) != nil {
            let outer = outDims[..<a].reduce(1, *)
            var sources: [Int] = []
            var bases: [Int] = []
            var base = 0
            for s in shapes { bases.append(base); base += s.reduce(1, *) }
            for o in 0..<outer {
                for (k, s) in shapes.enumerated() {
                    let chunk = s[a...].reduce(1, *)
                    for i in 0..<chunk { sources.append(bases[k] + o * chunk + i) }
                }
            }
            ctx.outputValues[0] = ValueKit.pick(joined, sources)
        }
        return [ValueKit.tensor(first.dtype, output)]
    }
}

// MARK: - Split

/// Splits along `axis` into the given sizes, or into equal parts (from opset 18 with `num_outputs`,
/// the last part may be smaller: ceil(d/n) each, as the reference implementation does).
/// Spec: https://onnx.ai/onnx/operators/onnx__Split.html · opsets 1–18 (`split` attribute 2–12, input
/// in 1 and from 13; `num_outputs` from 18).
struct SplitOp: DataMovementOperator {
    static let schema = OpSchema(type: "Split", inputs: 1...2, outputs: 1...Int.max, metadataInputs: [1])

    let opset: Int
    let axis: Int
    let attributeSplit: [Int]?
    let numOutputs: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        axis = try node.int("axis", default: 0)
        attributeSplit = opset < 13 ? try node.ints("split") : nil
        numOutputs = opset >= 18 ? try node.optionalInt("num_outputs") : nil
        if let numOutputs {
            guard numOutputs >= 1 else { throw .invalidAttribute(name: "num_outputs", reason: "must be ≥ 1") }
            guard numOutputs == node.outputs.count else {
                throw .invalidAttribute(name: "num_outputs", reason: "\(numOutputs) but the node has \(node.outputs.count) outputs")
            }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let n = ctx.node.outputs.count
        guard let shape = input.shape else { return Array(repeating: ValueKit.tensor(input.dtype, nil), count: n) }
        let a = try Axes.normalize(axis, rank: shape.count)
        let d = shape[a]
        var sizes: [Dim]
        if let attributeSplit {
            sizes = attributeSplit.map(Dim.value)
        } else if ctx.hasInput(1) {
            sizes = ctx.intValues(1) ?? Array(repeating: .unknown, count: n)
        } else if numOutputs != nil {
            let chunk = d.ceilDivided(by: .value(n))
            if let dk = d.intValue, let ck = chunk.intValue {
                sizes = (0..<n).map { .value(Swift.min(Swift.max(dk - $0 * ck, 0), ck)) }
            } else {
                sizes = Array(repeating: chunk, count: n - 1) + [d - chunk * .value(n - 1)]
            }
        } else {
            if let dk = d.intValue, dk % n != 0 {
                throw .incompatibleDims("axis \(a) of size \(dk) does not split into \(n) equal parts")
            }
            sizes = Array(repeating: d.floorDivided(by: .value(n)), count: n)
        }
        guard sizes.count == n else {
            throw .invalidInput(index: 1, reason: "\(sizes.count) split sizes for \(n) outputs")
        }
        for s in sizes { if let v = s.intValue, v < 0 { throw .invalidInput(index: 1, reason: "negative split size \(v)") } }
        if let dk = d.intValue, let total = sizes.reduce(Dim(0), +).intValue, total != dk {
            throw .incompatibleDims("split sizes sum to \(total), axis \(a) has \(dk)")
        }
        var outputs: [ValueType] = []
        var offset = 0
        let value = ValueKit.value(ctx, 0)
        let dims = ValueKit.known(shape)
        for size in sizes {
            var outShape = shape
            outShape[a] = size
            outputs.append(ValueKit.tensor(input.dtype, outShape))
            if let value, let dims, let k = size.intValue {
                let strides = ValueKit.strides(dims)
                var outDims = dims
                outDims[a] = k
                let start = offset
                let sources = ValueKit.sourceIndices(outputShape: outDims) { index in
                    var s = 0
                    for axis in dims.indices { s += (axis == a ? index[axis] + start : index[axis]) * strides[axis] }
                    return s
                }
                if outputs.count - 1 < ctx.outputValues.count {
                    ctx.outputValues[outputs.count - 1] = sources.flatMap { ValueKit.pick(value, $0) }
                }
                offset += k
            }
        }
        return outputs
    }
}

// MARK: - Slice

/// numpy-style slicing: per axis start, end and step; negative indices count from the end, ends at
/// or past `INT_MAX` (2^31−1, as exporters write) mean "to the end", values are clamped.
/// Symbolic dims: start/end are normalized against the dim and clamped when decidable (the
/// difference is a constant); otherwise a known end on a symbolic dim gives `min(end, d)` (an opaque
/// symbol, as onnxruntime's symbolic inference does). Size = ceil((end − start)/step).
/// Spec: https://onnx.ai/onnx/operators/onnx__Slice.html · opsets 1–13 (attributes before 10, inputs
/// from 10, `steps` from 10).
struct SliceOp: DataMovementOperator {
    static let schema = OpSchema(type: "Slice", inputs: 1...5, outputs: 1...1, metadataInputs: [1, 2, 3, 4])

    /// Ends (and starts) with at least this magnitude mean "past the end" (onnxruntime's `int_max`).
    static let endSentinel = Int(Int32.max)

    let attributeStarts: [Int]?
    let attributeEnds: [Int]?
    let attributeAxes: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset < 10 {
            guard let starts = try node.ints("starts") else { throw .missingAttribute("starts") }
            guard let ends = try node.ints("ends") else { throw .missingAttribute("ends") }
            guard starts.count == ends.count else {
                throw .invalidAttribute(name: "ends", reason: "\(ends.count) ends for \(starts.count) starts")
            }
            attributeStarts = starts
            attributeEnds = ends
            attributeAxes = try node.ints("axes")
        } else {
            attributeStarts = nil
            attributeEnds = nil
            attributeAxes = nil
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let rank = shape.count
        let starts: [Dim]?, ends: [Dim]?
        var axes: [Int]?
        var steps: [Int]?
        if let attributeStarts, let attributeEnds {
            starts = attributeStarts.map(Dim.value)
            ends = attributeEnds.map(Dim.value)
            axes = attributeAxes ?? Array(0..<attributeStarts.count)
            steps = Array(repeating: 1, count: attributeStarts.count)
        } else {
            starts = ctx.intValues(1)
            ends = ctx.intValues(2)
            let count = starts?.count ?? ends?.count ?? ValueKit.unknownDims(fromShapeInput: ctx, 1)?.count
            axes = ctx.hasInput(3) ? ctx.knownInts(3) : count.map { Array(0..<$0) }
            steps = ctx.hasInput(4) ? ctx.knownInts(4) : count.map { Array(repeating: 1, count: $0) }
        }
        guard let axesList = axes else { return [ValueKit.tensor(input.dtype, shape.map { _ in .unknown })] }
        let normalized = try Axes.normalize(axesList, rank: rank)
        var output = shape
        guard let starts, let ends, let steps else {
            for axis in normalized { output[axis] = .unknown }
            return [ValueKit.tensor(input.dtype, output)]
        }
        guard starts.count == normalized.count, ends.count == normalized.count, steps.count == normalized.count else {
            throw .invalidInput(index: 1, reason: "starts, ends, axes and steps have different lengths")
        }
        var ranges: [(axis: Int, start: Int, count: Int, step: Int)] = []
        var allKnown = true
        for (i, axis) in normalized.enumerated() {
            let step = steps[i]
            guard step != 0 else { throw .invalidInput(index: 4, reason: "step 0") }
            if let d = shape[axis].intValue, let s = starts[i].intValue, let e = ends[i].intValue {
                let r = Self.knownRange(dim: d, start: s, end: e, step: step)
                output[axis] = .value(r.count)
                ranges.append((axis, r.start, r.count, step))
            } else {
                output[axis] = Self.symbolicSize(dim: shape[axis], start: starts[i], end: ends[i], step: step)
                allKnown = false
            }
        }
        if allKnown, let value = ValueKit.value(ctx, 0), let dims = ValueKit.known(shape), let outDims = ValueKit.known(output) {
            let strides = ValueKit.strides(dims)
            var start = Array(repeating: 0, count: rank)
            var step = Array(repeating: 1, count: rank)
            for r in ranges { start[r.axis] = r.start; step[r.axis] = r.step }
            let sources = ValueKit.sourceIndices(outputShape: outDims) { index in
                var s = 0
                for axis in 0..<rank { s += (start[axis] + index[axis] * step[axis]) * strides[axis] }
                return s
            }
            ctx.outputValues[0] = sources.flatMap { ValueKit.pick(value, $0) }
        }
        return [ValueKit.tensor(input.dtype, output)]
    }

    /// numpy's slice semantics for a known dim: the clamped first index and the element count.
    static func knownRange(dim d: Int, start s: Int, end e: Int, step t: Int) -> (start: Int, count: Int) {
        func normalize(_ x: Int, lower: Int, upper: Int) -> Int {
            let v = x < 0 ? (x < -d ? lower : x + d) : x
            return Swift.min(Swift.max(v, lower), upper)
        }
        if t > 0 {
            let start = normalize(s, lower: 0, upper: d), end = normalize(e, lower: 0, upper: d)
            return (start, end > start ? (end - start - 1) / t + 1 : 0)
        }
        let start = normalize(s, lower: -1, upper: d - 1), end = normalize(e, lower: -1, upper: d - 1)
        let magnitude = t == Int.min ? Int.max : -t
        return (start, start > end ? (start - end - 1) / magnitude + 1 : 0)
    }

    /// The slice length along a dim when the dim, start or end is symbolic.
    static func symbolicSize(dim d: Dim, start: Dim, end: Dim, step t: Int) -> Dim {
        let lower: Dim = t > 0 ? 0 : -1
        let upper: Dim = t > 0 ? d : d - 1
        func normalize(_ x: Dim) -> Dim {
            guard case .value(let v) = x else { return x }  // symbolic values are dims: non-negative
            if v >= endSentinel { return upper }
            if v <= -endSentinel { return lower }
            return v < 0 ? d + x : x
        }
        /// Clamps `x` to [lower, upper] when the comparison is decidable (difference is a constant);
        /// a known index against a symbolic bound becomes `min(x, upper)` unless it is 0 or 1.
        func clamp(_ x: Dim, isEnd: Bool) -> Dim {
            var v = x
            if let c = (v - lower).intValue, c < 0 { v = lower }
            if let c = (v - upper).intValue {
                if c > 0 { v = upper }
            } else if isEnd, t > 0, !(v.intValue.map { $0 <= 1 } ?? false) {
                v = Dim.minimum(v, upper)
            }
            return v
        }
        let s = clamp(normalize(start), isEnd: false)
        let e = clamp(normalize(end), isEnd: true)
        let size = t > 0 ? (e - s + .value(t - 1)).floorDivided(by: .value(t)) : (e - s + .value(t + 1)).floorDivided(by: .value(t))
        if let k = size.intValue, k < 0 { return 0 }
        return size
    }
}

// MARK: - Pad

/// Pads each axis by `pads[i]` before and `pads[i + n]` after (negative pads crop).
/// Spec: https://onnx.ai/onnx/operators/onnx__Pad.html · opsets 1–25 (`paddings` attribute in 1,
/// `pads` attribute 2–10, inputs from 11, `axes` input from 18, `wrap` mode from 19).
struct PadOp: DataMovementOperator {
    static let schema = OpSchema(type: "Pad", inputs: 1...4, outputs: 1...1, metadataInputs: [1, 2, 3])

    let opset: Int
    let attributePads: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        let mode = try node.string("mode", default: "constant")
        let modes = opset >= 19 ? ["constant", "reflect", "edge", "wrap"] : ["constant", "reflect", "edge"]
        guard modes.contains(mode) else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
        if opset < 11 {
            guard let pads = try node.ints(opset < 2 ? "paddings" : "pads") else {
                throw .missingAttribute(opset < 2 ? "paddings" : "pads")
            }
            attributePads = pads
        } else {
            attributePads = nil
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        let rank = shape.count
        let axes: [Int]
        if opset >= 18, ctx.hasInput(3) {
            guard let known = ctx.knownInts(3) else { return [ValueKit.tensor(input.dtype, shape.map { _ in .unknown })] }
            axes = try Axes.normalize(known, rank: rank)
        } else {
            axes = Array(0..<rank)
        }
        var output = shape
        guard let pads = attributePads.map({ $0.map(Dim.value) }) ?? ctx.intValues(1) else {
            for axis in axes { output[axis] = .unknown }
            return [ValueKit.tensor(input.dtype, output)]
        }
        guard pads.count == 2 * axes.count else {
            throw .invalidInput(index: 1, reason: "\(pads.count) pads for \(axes.count) axes (need 2 per axis)")
        }
        for (i, axis) in axes.enumerated() {
            output[axis] = shape[axis] + pads[i] + pads[i + axes.count]
            if let v = output[axis].intValue, v < 0 { throw .incompatibleDims("axis \(axis) padded to \(v)") }
        }
        return [ValueKit.tensor(input.dtype, output)]
    }
}
