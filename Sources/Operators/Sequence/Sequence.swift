import ONNXGraph
import ShapeInference
import CostKernels

// Sequences and optionals: SequenceConstruct, SequenceEmpty, SequenceAt, SequenceInsert,
// SequenceErase, SequenceLength, SplitToSequence, ConcatFromSequence, SequenceMap, Optional,
// OptionalHasElement, OptionalGetElement.
//
// A sequence's type is `.sequence(element)`; elements of different shapes are merged (equal dims
// kept, differing dims `.unknown`, different ranks an unknown rank). Every op here costs 0 FLOPs
// (container bookkeeping and data movement; bytes are counted by the pass).
//
// Sequence length convention: a sequence carries no tensor values, so the propagated value of a
// sequence-typed output, when known, is `.ints([length])` (possibly symbolic). SequenceConstruct,
// SequenceEmpty, SequenceInsert, SequenceErase and SplitToSequence set it; SequenceLength and
// ConcatFromSequence (`new_axis`) read it.

extension ValueKit {
    /// The value type of input `index` (tensor, sequence, optional...); throws when missing or unknown.
    static func anyType(_ ctx: ShapeContext, _ index: Int) throws(ShapeError) -> ValueType {
        guard index < ctx.inputTypes.count, let type = ctx.inputTypes[index] else { throw .missingInput(index) }
        if case .unknown = type { throw .unknownInput(index) }
        return type
    }

    /// The known length of sequence input `index` (see the length convention above).
    static func sequenceLength(_ ctx: ShapeContext, _ index: Int) -> Dim? {
        guard let values = value(ctx, index)?.ints, values.count == 1 else { return nil }
        return values[0]
    }

    /// The element type of sequence input `index`.
    static func sequenceElement(_ ctx: ShapeContext, _ index: Int) throws(ShapeError) -> ValueType {
        let type = try anyType(ctx, index)
        guard case .sequence(let element) = type else {
            throw .invalidInput(index: index, reason: "expected a sequence, got \(type)")
        }
        return element
    }
}

// MARK: - SequenceConstruct

/// A sequence of the input tensors; element shapes merged.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceConstruct.html · opset 11.
struct SequenceConstructOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceConstruct", since: 11, inputs: 1...Int.max, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        var element = ValueType.tensor(try ctx.tensor(0))
        for index in 1..<Swift.max(ctx.inputCount, 1) {
            let next = try ctx.tensor(index)
            guard next.dtype == element.tensor?.dtype else {
                throw .invalidInput(index: index, reason: "element type \(next.dtype) differs from \(element)")
            }
            element = ValueKit.mergeElement(element, .tensor(next))
        }
        ctx.outputValues[0] = .ints([.value(ctx.inputCount)])
        return [.sequence(element)]
    }
}

// MARK: - SequenceEmpty

/// An empty sequence of `dtype` tensors (default float), element shape unknown.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceEmpty.html · opset 11.
struct SequenceEmptyOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceEmpty", since: 11, inputs: 0...0, outputs: 1...1)

    let dtype: DataType

    init(node: Node, opset: Int) throws(ShapeError) { dtype = try ValueKit.dataType(node, "dtype") ?? .float }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        ctx.outputValues[0] = .ints([0])
        return [.sequence(ValueKit.tensor(dtype, nil))]
    }
}

// MARK: - SequenceAt

/// The element at `position`: the sequence's (merged) element type.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceAt.html · opset 11.
struct SequenceAtOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceAt", since: 11, inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [try ValueKit.sequenceElement(ctx, 0)]
    }
}

// MARK: - SequenceInsert

/// The sequence with a tensor inserted; element shapes merged.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceInsert.html · opset 11.
struct SequenceInsertOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceInsert", since: 11, inputs: 2...3, outputs: 1...1, metadataInputs: [2])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let element = try ValueKit.sequenceElement(ctx, 0)
        let tensor = try ctx.tensor(1)
        if let dtype = element.tensor?.dtype, dtype != tensor.dtype {
            throw .invalidInput(index: 1, reason: "tensor type \(tensor.dtype) differs from the sequence's \(dtype)")
        }
        if let length = ValueKit.sequenceLength(ctx, 0) { ctx.outputValues[0] = .ints([length + 1]) }
        // An element without a shape (SequenceEmpty's) carries no information: the tensor's shape
        // is taken as is, as ONNX's union of type information does.
        if case .tensor(let e) = element, e.shape == nil { return [.sequence(.tensor(tensor))] }
        return [.sequence(ValueKit.mergeElement(element, .tensor(tensor)))]
    }
}

// MARK: - SequenceErase

/// The sequence without one element: same type.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceErase.html · opset 11.
struct SequenceEraseOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceErase", since: 11, inputs: 1...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let element = try ValueKit.sequenceElement(ctx, 0)
        if let length = ValueKit.sequenceLength(ctx, 0), length != 0 { ctx.outputValues[0] = .ints([length - 1]) }
        return [.sequence(element)]
    }
}

// MARK: - SequenceLength

/// The number of elements, an int64 scalar.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceLength.html · opset 11.
struct SequenceLengthOp: DataMovementOperator {
    static let schema = OpSchema(type: "SequenceLength", since: 11, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ValueKit.sequenceElement(ctx, 0)
        if let length = ValueKit.sequenceLength(ctx, 0) { ctx.outputValues[0] = .ints([length]) }
        return [ValueKit.tensor(.int64, [])]
    }
}

// MARK: - SplitToSequence

/// Splits along `axis` into a sequence: by a scalar chunk size (the last chunk may be smaller, so
/// its dim is `.unknown` unless the size divides the axis), by a list of sizes (merged), or into
/// size-1 slices (dropped with `keepdims = 0`).
/// Spec: https://onnx.ai/onnx/operators/onnx__SplitToSequence.html · opsets 11–24.
struct SplitToSequenceOp: DataMovementOperator {
    static let schema = OpSchema(type: "SplitToSequence", since: 11, inputs: 1...2, outputs: 1...1, metadataInputs: [1])

    let axis: Int
    let keepDims: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: 0)
        keepDims = try node.int("keepdims", default: 1) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard var shape = input.shape else { return [.sequence(ValueKit.tensor(input.dtype, nil))] }
        let a = try Axes.normalize(axis, rank: shape.count)
        guard ctx.hasInput(1) else {
            ctx.outputValues[0] = .ints([shape[a]])
            if keepDims { shape[a] = 1 } else { shape.remove(at: a) }
            return [.sequence(ValueKit.tensor(input.dtype, shape))]
        }
        let split = try ctx.tensor(1)
        guard let sizes = ctx.intValues(1) else {
            shape[a] = .unknown
            return [.sequence(ValueKit.tensor(input.dtype, shape))]
        }
        if split.rank == 0 || (split.rank == nil && sizes.count == 1) {
            guard let chunk = sizes.first else { throw .invalidInput(index: 1, reason: "empty split") }
            if let c = chunk.intValue, c < 1 { throw .invalidInput(index: 1, reason: "split size \(c) must be ≥ 1") }
            let divides = shape[a].floorDivided(by: chunk) * chunk == shape[a]
            let count = shape[a].ceilDivided(by: chunk)
            if !count.isUnknown { ctx.outputValues[0] = .ints([count]) }
            shape[a] = divides ? chunk : .unknown
            return [.sequence(ValueKit.tensor(input.dtype, shape))]
        }
        ctx.outputValues[0] = .ints([.value(sizes.count)])
        var merged: Dim? = nil
        for size in sizes { merged = merged == nil ? size : (merged == size ? size : .unknown) }
        shape[a] = merged ?? .unknown
        return [.sequence(ValueKit.tensor(input.dtype, shape))]
    }
}

// MARK: - ConcatFromSequence

/// Concatenates a sequence's tensors along `axis` (length × the merged element dim) or stacks them
/// on a new axis of the sequence's length (`new_axis = 1`); `.unknown` when the length is not known.
/// Spec: https://onnx.ai/onnx/operators/onnx__ConcatFromSequence.html · opset 11.
struct ConcatFromSequenceOp: DataMovementOperator {
    static let schema = OpSchema(type: "ConcatFromSequence", since: 11, inputs: 1...1, outputs: 1...1)

    let axis: Int
    let newAxis: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let a = try node.optionalInt("axis") else { throw .missingAttribute("axis") }
        axis = a
        newAxis = try node.int("new_axis", default: 0) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let element = try ValueKit.sequenceElement(ctx, 0)
        guard case .tensor(let t) = element else {
            throw .invalidInput(index: 0, reason: "expected a sequence of tensors, got \(element)")
        }
        guard var shape = t.shape else { return [ValueKit.tensor(t.dtype, nil)] }
        let length = ValueKit.sequenceLength(ctx, 0) ?? .unknown
        if newAxis {
            let a = try Axes.normalize(axis, rank: shape.count + 1)
            shape.insert(length, at: a)
        } else {
            let a = try Axes.normalize(axis, rank: shape.count)
            shape[a] = shape[a] * length
        }
        return [ValueKit.tensor(t.dtype, shape)]
    }
}

// MARK: - SequenceMap

/// Applies the `body` graph to each element (extra inputs: sequences per element, tensors as is);
/// each output is a sequence of the body's output type.
/// Spec: https://onnx.ai/onnx/operators/onnx__SequenceMap.html · opset 17.
struct SequenceMapOp: Operator {
    static let schema = OpSchema(type: "SequenceMap", since: 17, inputs: 1...Int.max, outputs: 1...Int.max)

    let body: Graph

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let body = try node.graphAttribute("body") else { throw .missingAttribute("body") }
        self.body = body
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        var elements: [ValueType] = [try ValueKit.sequenceElement(ctx, 0)]
        for index in 1..<Swift.max(ctx.inputCount, 1) {
            let type = try ValueKit.anyType(ctx, index)
            if case .sequence(let e) = type { elements.append(e) } else { elements.append(type) }
        }
        let outputs = ctx.inferSubgraph(body, elements)
        if let length = ValueKit.sequenceLength(ctx, 0) {
            for index in ctx.outputValues.indices { ctx.outputValues[index] = .ints([length]) }
        }
        return (0..<ctx.node.outputs.count).map { $0 < outputs.count ? .sequence(outputs[$0]) : .unknown }
    }

    static let formula = "0 FLOPs for the node itself (the body's cost is not multiplied by the unknown length)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Optional

/// An optional holding the input (or, without input, an empty optional of the `type` attribute).
/// Spec: https://onnx.ai/onnx/operators/onnx__Optional.html · opsets 15–28.
struct OptionalOp: DataMovementOperator {
    static let schema = OpSchema(type: "Optional", since: 15, inputs: 0...1, outputs: 1...1)

    let type: ValueType?

    init(node: Node, opset: Int) throws(ShapeError) {
        switch node.attribute("type")?.value {
        case nil: type = nil
        case .typeProto(let t)?: type = t
        case let other?: throw .invalidAttribute(name: "type", reason: "expected TYPE_PROTO, got \(other.kindName)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if ctx.hasInput(0) { return [.optional(try ValueKit.anyType(ctx, 0))] }
        guard let type else { throw .missingAttribute("type") }
        return [.optional(type)]
    }
}

// MARK: - OptionalHasElement

/// Whether the optional holds a value: a bool scalar. From opset 18 the input may be omitted or be a
/// plain tensor/sequence. Spec: https://onnx.ai/onnx/operators/onnx__OptionalHasElement.html ·
/// opsets 15–28.
struct OptionalHasElementOp: DataMovementOperator {
    static let schema = OpSchema(type: "OptionalHasElement", since: 15, inputs: 0...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if ctx.opset < 18 { _ = try ValueKit.anyType(ctx, 0) }
        return [ValueKit.tensor(.bool, [])]
    }
}

// MARK: - OptionalGetElement

/// The value inside an optional; from opset 18 a tensor or sequence input passes through.
/// Spec: https://onnx.ai/onnx/operators/onnx__OptionalGetElement.html · opsets 15–28.
struct OptionalGetElementOp: DataMovementOperator {
    static let schema = OpSchema(type: "OptionalGetElement", since: 15, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let type = try ValueKit.anyType(ctx, 0)
        if case .optional(let element) = type { return [element] }
        guard ctx.opset >= 18 else { throw .invalidInput(index: 0, reason: "expected an optional, got \(type)") }
        ctx.outputValues[0] = ValueKit.value(ctx, 0)
        return [type]
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum SequenceFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        SequenceConstructOp.self, SequenceEmptyOp.self, SequenceAtOp.self, SequenceInsertOp.self, SequenceEraseOp.self,
        SequenceLengthOp.self, SplitToSequenceOp.self, ConcatFromSequenceOp.self, SequenceMapOp.self, OptionalOp.self,
        OptionalHasElementOp.self, OptionalGetElementOp.self,
    ])
}
