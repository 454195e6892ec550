import ONNXGraph
import ShapeInference
import CostKernels

// Constants and generators: Constant, ConstantOfShape, Range, EyeLike, Cast, CastLike,
// RandomNormal(Like), RandomUniform(Like), Multinomial, Bernoulli, Hann/Hamming/BlackmanWindow,
// MelWeightMatrix.
//
// Generators cost 0 FLOPs: they produce data rather than compute on the model's activations
// (their output bytes are still counted by the pass). Window functions are the exception: each
// cosine term is counted (see `Conventions.windowCosineTermFLOPs`).

extension Conventions {
    /// A window function's cosine term a·cos(2πkn/N): the cosine (1, also a transcendental), the
    /// argument's multiply (1) and the weighted accumulate (1).
    static let windowCosineTermFLOPs = 3
}

// MARK: - Constant

/// A constant from whichever `value*` attribute is set (tensor, sparse tensor, float(s), int(s),
/// string(s)); its values are propagated when the tensor is small.
/// Spec: https://onnx.ai/onnx/operators/onnx__Constant.html · opsets 1–25 (`sparse_value` from 11,
/// `value_float(s)`/`value_int(s)`/`value_string(s)` from 12).
struct ConstantOp: DataMovementOperator {
    static let schema = OpSchema(type: "Constant", inputs: 0...0, outputs: 1...1, traits: .metadataOnly)

    let type: TensorType
    let value: TensorValue?

    /// The attributes that may hold a Constant's value (exactly one must be present).
    static let valueAttributes = ["value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"]

    init(node: Node, opset: Int) throws(ShapeError) {
        // Found without building the list of present ones (one per Constant node; a decoder holds
        // thousands): the list is made only for the error.
        guard let first = node.attributes.firstIndex(where: { Self.valueAttributes.contains($0.name) }) else { throw .missingAttribute("value") }
        let attribute = node.attributes[first]
        if node.attributes[(first + 1)...].contains(where: { Self.valueAttributes.contains($0.name) }) {
            let present = node.attributes.filter { Self.valueAttributes.contains($0.name) }
            throw .invalidAttribute(name: attribute.name, reason: "exactly one value attribute is allowed, got \(present.map(\.name))")
        }
        switch (attribute.name, attribute.value) {
        case ("value", .tensor(let t)):
            type = t.tensorType
            value = t.value
        case ("sparse_value", .sparseTensor(let s)):
            type = TensorType(dtype: s.values.dtype, shape: s.dims.map(Dim.value))
            value = nil
        case ("value_float", .float(let f)):
            type = TensorType(dtype: .float, shape: [])
            value = .floats([Double(f)])
        case ("value_floats", .floats(let f)):
            type = TensorType(dtype: .float, shape: [.value(f.count)])
            value = .floats(f.map(Double.init))
        case ("value_int", .int(let i)):
            type = TensorType(dtype: .int64, shape: [])
            value = .ints([.value(i)])
        case ("value_ints", .ints(let i)):
            type = TensorType(dtype: .int64, shape: [.value(i.count)])
            value = .ints(i.map(Dim.value))
        case ("value_string", .string(let s)):
            type = TensorType(dtype: .string, shape: [])
            value = .strings([s])
        case ("value_strings", .strings(let s)):
            type = TensorType(dtype: .string, shape: [.value(s.count)])
            value = .strings(s)
        default:
            throw .invalidAttribute(name: attribute.name, reason: "unexpected kind \(attribute.value.kindName)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if let value, value.count <= ValueKit.limit { ctx.outputValues[0] = value }
        return [.tensor(type)]
    }
}

// MARK: - ConstantOfShape

/// A tensor of the shape given by the input's values (possibly symbolic), filled with `value`
/// (default float 0); values propagated when small.
/// Spec: https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html · opsets 9–25.
struct ConstantOfShapeOp: Operator {
    static let schema = OpSchema(type: "ConstantOfShape", since: 9, inputs: 1...1, outputs: 1...1, metadataInputs: [0])

    let dtype: DataType
    let fill: TensorValue?

    init(node: Node, opset: Int) throws(ShapeError) {
        if let t = try node.tensorAttribute("value") {
            guard t.elementCount == 1 else { throw .invalidAttribute(name: "value", reason: "must hold one element") }
            dtype = t.dtype
            fill = t.value
        } else {
            dtype = .float
            fill = .floats([0])
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ctx.tensor(0)
        guard let dims = ctx.intValues(0) else {
            return [ValueKit.tensor(dtype, ValueKit.unknownDims(fromShapeInput: ctx, 0))]
        }
        for d in dims { if let v = d.intValue, v < 0 { throw .invalidInput(index: 0, reason: "negative dim \(v)") } }
        if let fill, let known = ValueKit.known(dims), let count = ValueKit.smallCount(known) {
            ctx.outputValues[0] = ValueKit.repeated(fill, count: count)
        }
        return [ValueKit.tensor(dtype, dims)]
    }

    static let formula = "0 FLOPs (data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Range

/// `start, start+delta, …` up to `limit` (exclusive): max(ceil((limit−start)/delta), 0) elements when
/// known; symbolic when `limit` is symbolic and start/delta are known ints (`limit − start` for
/// delta 1). Values propagated when known and small.
/// Spec: https://onnx.ai/onnx/operators/onnx__Range.html · opsets 11–27 (`stash_type` from 27).
struct RangeOp: Operator {
    static let schema = OpSchema(type: "Range", since: 11, inputs: 3...3, outputs: 1...1, metadataInputs: [0, 1, 2])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        for i in 0..<3 {
            if let r = try ctx.tensor(i).rank, r > 1 { throw .invalidInput(index: i, reason: "must be a scalar") }
        }
        if dtype.isInteger {
            guard let start = ctx.intValues(0)?.first, let limit = ctx.intValues(1)?.first, let delta = ctx.intValues(2)?.first else {
                return [ValueKit.tensor(dtype, [.unknown])]
            }
            if let d = delta.intValue, d == 0 { throw .invalidInput(index: 2, reason: "delta is 0") }
            if let s = start.intValue, let l = limit.intValue, let d = delta.intValue {
                let span = Dim.value(l) - .value(s)
                guard let n = span.ceilDivided(by: .value(d)).intValue else { throw .overflow("Range length") }
                let count = Swift.max(n, 0)
                if count <= ValueKit.limit { ctx.outputValues[0] = .ints((0..<count).map { .value(s + $0 * d) }) }
                return [ValueKit.tensor(dtype, [.value(count)])]
            }
            guard delta.isKnown else { return [ValueKit.tensor(dtype, [.unknown])] }
            return [ValueKit.tensor(dtype, [(limit - start).ceilDivided(by: delta)])]
        }
        guard let start = ctx.doubles(0)?.first, let limit = ctx.doubles(1)?.first, let delta = ctx.doubles(2)?.first else {
            return [ValueKit.tensor(dtype, [.unknown])]
        }
        guard delta != 0 else { throw .invalidInput(index: 2, reason: "delta is 0") }
        // max(ceil((limit − start) / delta), 0): an empty range for any negative count, however large.
        let count = try SizeCheck.int(Swift.max(((limit - start) / delta).rounded(.up), 0), "Range length")
        if count <= ValueKit.limit { ctx.outputValues[0] = .floats((0..<count).map { start + Double($0) * delta }) }
        return [ValueKit.tensor(dtype, [.value(count)])]
    }

    static let formula = "0 FLOPs (data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - EyeLike

/// A 2-D identity-like tensor of the input's shape (`dtype` attribute or the input's type).
/// Spec: https://onnx.ai/onnx/operators/onnx__EyeLike.html · opsets 9–22.
struct EyeLikeOp: Operator {
    static let schema = OpSchema(type: "EyeLike", since: 9, inputs: 1...1, outputs: 1...1)

    let dtype: DataType?

    init(node: Node, opset: Int) throws(ShapeError) {
        dtype = try ValueKit.dataType(node, "dtype")
        _ = try node.int("k", default: 0)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        if let r = input.rank, r != 2 { throw .rankMismatch("EyeLike needs a 2-D input, got rank \(r)") }
        return [ValueKit.tensor(dtype ?? input.dtype, input.shape ?? [.unknown, .unknown])]
    }

    static let formula = "0 FLOPs (data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Cast, CastLike

/// Converts elements to `to` (Cast) or to the second input's type (CastLike); values propagate
/// (ints ↔ floats, to bool 0/1, symbolic ints stay symbolic between integer types).
/// Spec: https://onnx.ai/onnx/operators/onnx__Cast.html · opsets 1–25 (`to` is a STRING in opset 1,
/// `saturate` from 19); https://onnx.ai/onnx/operators/onnx__CastLike.html · opsets 15–25.
struct CastOp: Operator {
    static let schema = OpSchema(type: "Cast", inputs: 1...1, outputs: 1...1, traits: .epilogue)

    let to: DataType

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let to = try ValueKit.dataType(node, "to") else { throw .missingAttribute("to") }
        self.to = to
        if opset >= 19 { _ = try node.int("saturate", default: 1) }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        if let value = ValueKit.value(ctx, 0) { ctx.outputValues[0] = ValueKit.cast(value, to: to) }
        return [ValueKit.tensor(to, input.shape)]
    }

    static let formula = "0 FLOPs (a conversion, counted as data movement)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// See `CastOp`.
struct CastLikeOp: Operator {
    static let schema = OpSchema(type: "CastLike", since: 15, inputs: 2...2, outputs: 1...1, metadataInputs: [1], traits: .epilogue)

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset >= 19 { _ = try node.int("saturate", default: 1) }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let to = try ctx.dtype(1)
        if let value = ValueKit.value(ctx, 0) { ctx.outputValues[0] = ValueKit.cast(value, to: to) }
        return [ValueKit.tensor(to, input.shape)]
    }

    static let formula = "0 FLOPs (a conversion, counted as data movement)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - BitCast

/// Reinterprets the bits as `to` (same bit width): same shape.
/// Spec: https://onnx.ai/onnx/operators/onnx__BitCast.html · opset 26.
struct BitCastOp: DataMovementOperator {
    static let schema = OpSchema(type: "BitCast", since: 26, inputs: 1...1, outputs: 1...1)

    let to: DataType

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let to = try ValueKit.dataType(node, "to") else { throw .missingAttribute("to") }
        guard to != .string else { throw .invalidAttribute(name: "to", reason: "string is not allowed") }
        self.to = to
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard input.dtype.bitsPerElement == to.bitsPerElement else {
            throw .invalidAttribute(name: "to", reason: "\(to) has a different bit width than \(input.dtype)")
        }
        return [ValueKit.tensor(to, input.shape)]
    }
}

// MARK: - RandomNormal, RandomUniform, RandomNormalLike, RandomUniformLike, Bernoulli

/// One random generator: its op type, and whether its shape comes from an input ("Like").
struct RandomRow: OperatorRow {
    var type: String
    var since: Int
    var isLike: Bool

    var schema: OpSchema { OpSchema(type: type, since: since, inputs: isLike ? 1...1 : 0...0, outputs: 1...1) }
    var formula: String { "0 FLOPs (random generation is data generation, not model arithmetic)." }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try RandomOp(row: self, node: node, opset: opset) }

    static let table: [RandomRow] = [
        RandomRow(type: "RandomNormal", since: 1, isLike: false), RandomRow(type: "RandomUniform", since: 1, isLike: false),
        RandomRow(type: "RandomNormalLike", since: 1, isLike: true), RandomRow(type: "RandomUniformLike", since: 1, isLike: true),
        RandomRow(type: "Bernoulli", since: 15, isLike: true),
    ]
}

/// Random tensors: the shape is the `shape` attribute (RandomNormal/RandomUniform, `dtype` default
/// float) or the input's shape (…Like and Bernoulli, `dtype` default the input's type).
/// Spec: https://onnx.ai/onnx/operators/onnx__RandomNormal.html (and RandomUniform, RandomNormalLike,
/// RandomUniformLike: opsets 1–22; Bernoulli: 15–22).
/// Cost: 0 FLOPs (random generation is data generation, not model arithmetic).
struct RandomOp: OperatorRule {
    let dtype: DataType?
    let shape: [Int]?

    init(row: RandomRow, node: Node, opset: Int) throws(ShapeError) {
        dtype = try ValueKit.dataType(node, "dtype")
        if row.isLike {
            shape = nil
        } else {
            guard let s = try node.ints("shape") else { throw .missingAttribute("shape") }
            guard s.allSatisfy({ $0 >= 0 }) else { throw .invalidAttribute(name: "shape", reason: "negative dim in \(s)") }
            shape = s
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if let shape { return [ValueKit.tensor(dtype ?? .float, shape.map(Dim.value))] }
        let input = try ctx.tensor(0)
        return [ValueKit.tensor(dtype ?? input.dtype, input.shape)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Multinomial

/// Samples `sample_size` class indices per batch row: `[batch, sample_size]`, `dtype` default int32.
/// Spec: https://onnx.ai/onnx/operators/onnx__Multinomial.html · opsets 7–22.
struct MultinomialOp: Operator {
    static let schema = OpSchema(type: "Multinomial", since: 7, inputs: 1...1, outputs: 1...1)

    let dtype: DataType
    let sampleSize: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        dtype = try ValueKit.dataType(node, "dtype") ?? .int32
        sampleSize = try node.int("sample_size", default: 1)
        guard sampleSize >= 1 else { throw .invalidAttribute(name: "sample_size", reason: "must be ≥ 1") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(dtype, [.unknown, .value(sampleSize)])] }
        guard shape.count == 2 else { throw .rankMismatch("Multinomial needs [batch, classes], got rank \(shape.count)") }
        return [ValueKit.tensor(dtype, [shape[0], .value(sampleSize)])]
    }

    static let formula = "0 FLOPs (random sampling is data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - HannWindow, HammingWindow, BlackmanWindow

/// One window function: its op type and its number of cosine terms.
struct WindowRow: OperatorRow {
    var type: String
    var cosineTerms: Int

    var schema: OpSchema { OpSchema(type: type, since: 17, inputs: 1...1, outputs: 1...1, metadataInputs: [0]) }
    var formula: String {
        "per element, \(cosineTerms) cosine term\(cosineTerms == 1 ? "" : "s") × `windowCosineTermFLOPs` (\(Conventions.windowCosineTermFLOPs)) FLOPs"
            + " and \(cosineTerms) transcendental\(cosineTerms == 1 ? "" : "s")."
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try WindowOp(row: self, node: node) }

    static let table: [WindowRow] = [
        WindowRow(type: "HannWindow", cosineTerms: 1), WindowRow(type: "HammingWindow", cosineTerms: 1), WindowRow(type: "BlackmanWindow", cosineTerms: 2),
    ]
}

/// A 1-D window of `size` (the input's value) elements, `output_datatype` default float.
/// Spec: https://onnx.ai/onnx/operators/onnx__HannWindow.html (and HammingWindow, BlackmanWindow) · opset 17.
/// Cost: per element, `windowCosineTermFLOPs` (3) FLOPs and 1 transcendental per cosine term
/// (Hann, Hamming: 1 term; Blackman: 2).
struct WindowOp: OperatorRule {
    let row: WindowRow
    let dtype: DataType

    init(row: WindowRow, node: Node) throws(ShapeError) {
        self.row = row
        dtype = try ValueKit.dataType(node, "output_datatype") ?? .float
        _ = try node.int("periodic", default: 1)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ctx.tensor(0)
        let size = ctx.intValues(0)?.first ?? .unknown
        if let v = size.intValue, v < 0 { throw .invalidInput(index: 0, reason: "negative size \(v)") }
        return [ValueKit.tensor(dtype, [size])]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: row.cosineTerms * Conventions.windowCosineTermFLOPs,
                     transcendentalsPerElement: row.cosineTerms)
    }
}

// MARK: - MelWeightMatrix

/// Mel filter bank weights `[floor(dft_length/2)+1, num_mel_bins]`, `output_datatype` default float.
/// Spec: https://onnx.ai/onnx/operators/onnx__MelWeightMatrix.html · opset 17.
struct MelWeightMatrixOp: Operator {
    static let schema = OpSchema(type: "MelWeightMatrix", since: 17, inputs: 5...5, outputs: 1...1, metadataInputs: [0, 1, 2, 3, 4])

    let dtype: DataType

    init(node: Node, opset: Int) throws(ShapeError) {
        dtype = try ValueKit.dataType(node, "output_datatype") ?? .float
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        for i in 0..<5 { _ = try ctx.tensor(i) }
        let bins = ctx.intValues(0)?.first ?? .unknown
        let dftLength = ctx.intValues(1)?.first ?? .unknown
        return [ValueKit.tensor(dtype, [dftLength.floorDivided(by: 2) + 1, bins])]
    }

    static let formula = "0 FLOPs (data generation)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum GeneratorFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        ConstantOp.self, ConstantOfShapeOp.self, RangeOp.self, EyeLikeOp.self, CastOp.self, CastLikeOp.self, BitCastOp.self,
        MultinomialOp.self,
        MelWeightMatrixOp.self,
    ]) + RandomRow.table.entries + WindowRow.table.entries
}
