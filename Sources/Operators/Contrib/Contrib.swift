import ONNXGraph
import ShapeInference
import CostKernels

// com.microsoft contrib ops found in onnxruntime-optimized transformer models: miscellaneous ops of
// this file, plus the families of ContribAttention.swift, ContribNorm.swift, ContribElementwise.swift,
// ContribMatMul.swift and ContribQuantized.swift, each family registered in `OpRegistry+Builtin.swift`.

// MARK: - Trilu (com.microsoft)

/// Upper/lower triangle of the last two dims (contrib form of ONNX Trilu). Y has X's shape.
struct ContribTriluOp: Operator {
    static let schema = OpSchema(type: "Trilu", domain: "com.microsoft", inputs: 1...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape, shape.count < 2 { throw .rankMismatch("Trilu needs rank ≥ 2, got \(shape.count)") }
        return [.tensor(x)]
    }

    static let formula = "0 (a masked copy; bytes are counted by the pass)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Inverse

/// Inverse of each `[n, n]` matrix of a batch. Spec: ContribOperators.md#com.microsoft.Inverse.
struct InverseOp: Operator {
    static let schema = OpSchema(type: "Inverse", domain: "com.microsoft", inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let shape = x.shape {
            guard shape.count >= 2 else { throw .rankMismatch("Inverse needs rank ≥ 2, got \(shape.count)") }
            try ContribShape.requireEqual(shape[shape.count - 1], shape[shape.count - 2], "Inverse needs square matrices")
        }
        return [.tensor(x)]
    }

    static let formula = "`batch·n³` MACs (Gauss–Jordan elimination), FLOPs = 2·MACs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        guard let n = shape.last else { throw .unknownShape("input 0 is a scalar") }
        return .macs(Array(shape.dropLast(2)).product * n * n * n)
    }
}

// MARK: - Range (com.microsoft)

/// `start, start+delta, ...` up to `limit` (contrib form of ONNX Range). Length
/// `max(ceil((limit − start)/delta), 0)`; values are propagated when the inputs are known integers.
struct ContribRangeOp: Operator {
    static let schema = OpSchema(type: "Range", domain: "com.microsoft", inputs: 2...3, outputs: 1...1, metadataInputs: [0, 1, 2])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        let fallback = Dim.opaque("\(ctx.node.outputs.first ?? ctx.node.name)_len")
        if let start = ctx.knownInts(0)?.first, let limit = ctx.knownInts(1)?.first {
            let delta = ctx.hasInput(2) ? ctx.knownInts(2)?.first : 1
            guard let delta else { return [.tensor(TensorType(dtype: dtype, shape: [fallback]))] }
            guard delta != 0 else { throw .invalidInput(index: 2, reason: "delta must not be 0") }
            // limit − start and the quotient in checked arithmetic (Int64 edges in the constants)
            guard let n = (Dim.value(limit) - .value(start)).ceilDivided(by: .value(delta)).intValue else {
                throw .overflow("Range length (\(limit) − \(start)) / \(delta)")
            }
            let count = max(n, 0)
            if count <= TensorData.valueElementLimit {
                ctx.outputValues[0] = .ints((0..<count).map { Dim.value(start + $0 * delta) })
            }
            return [.tensor(TensorType(dtype: dtype, shape: [.value(count)]))]
        }
        if let start = ctx.doubles(0)?.first, let limit = ctx.doubles(1)?.first,
           let delta = ctx.hasInput(2) ? ctx.doubles(2)?.first : 1.0, delta != 0 {
            let count = try SizeCheck.int(max(((limit - start) / delta).rounded(.up), 0), "Range length")
            return [.tensor(TensorType(dtype: dtype, shape: [.value(count)]))]
        }
        // Range(start, limit, 1) with a symbolic limit (a sequence length): limit − start.
        if let start = ctx.intValues(0)?.first, let limit = ctx.intValues(1)?.first,
           !ctx.hasInput(2) || ctx.knownInts(2)?.first == 1 {
            return [.tensor(TensorType(dtype: dtype, shape: [limit - start]))]
        }
        return [.tensor(TensorType(dtype: dtype, shape: [fallback]))]
    }

    static let formula = "0 (a generator; bytes are counted by the pass)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Rfft / Irfft

extension Conventions {
    /// A complex radix-2 FFT of n points costs 5·n·log2(n) FLOPs (Cooley–Tukey count); a real-input
    /// FFT (or its inverse) half of that: 5/2·n·log2(n), with log2 rounded up.
    static let contribComplexFFTPerPointLog = 5
}

/// `5/2·n·⌈log2 n⌉` FLOPs per transformed signal of n points (`.unknown` for a symbolic n).
private func contribRealFFTFLOPs(signals: Dim, points: Dim) -> Dim {
    guard let n = points.intValue, n > 0 else { return .unknown }
    let log = n > 1 ? Int.bitWidth - (n - 1).leadingZeroBitCount : 0
    return signals * (Dim.value(Conventions.contribComplexFFTPerPointLog) * .value(n) * .value(log)).floorDivided(by: 2)
}

/// Real-input FFT over the last `signal_ndim` dims: the last signal dim n becomes n/2+1 and a trailing
/// dim of 2 (real, imaginary) is appended. Spec: ContribOperators.md#com.microsoft.Rfft.
struct RfftOp: Operator {
    static let schema = OpSchema(type: "Rfft", domain: "com.microsoft", inputs: 1...1, outputs: 1...1)
    let signalDims: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        signalDims = try node.int("signal_ndim", default: 1)
        guard signalDims >= 1 else { throw .invalidAttribute(name: "signal_ndim", reason: "must be ≥ 1") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard var shape = x.shape else { return [.tensor(x)] }
        guard shape.count >= signalDims, let n = shape.last else { throw .rankMismatch("rank \(shape.count) < signal_ndim \(signalDims)") }
        shape[shape.count - 1] = n.floorDivided(by: 2) + 1
        return [.tensor(TensorType(dtype: x.dtype, shape: shape + [2]))]
    }

    static let formula = "`5/2·n·⌈log2 n⌉` FLOPs per signal of the last dim (signals = elements / n)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        guard let n = shape.last else { throw .unknownShape("input 0 is a scalar") }
        return OpCost(flops: contribRealFFTFLOPs(signals: Array(shape.dropLast()).product, points: n))
    }
}

/// Inverse of Rfft: `[..., n/2+1, 2]` → `[..., n]` with n = 2·(m − 1).
/// Spec: ContribOperators.md#com.microsoft.Irfft.
struct IrfftOp: Operator {
    static let schema = OpSchema(type: "Irfft", domain: "com.microsoft", inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) { _ = try contribPositiveInt(node, "signal_ndim") }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard var shape = x.shape else { return [.tensor(x)] }
        guard shape.count >= 2 else { throw .rankMismatch("Irfft needs rank ≥ 2") }
        try ContribShape.requireEqual(shape[shape.count - 1], 2, "Irfft last dim (real, imaginary)")
        shape.removeLast()
        shape[shape.count - 1] = (shape[shape.count - 1] - 1) * 2
        return [.tensor(TensorType(dtype: x.dtype, shape: shape))]
    }

    static let formula = "`5/2·n·⌈log2 n⌉` FLOPs per signal."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputShape()
        guard let n = out.last else { throw .unknownShape("output 0 is a scalar") }
        return OpCost(flops: contribRealFFTFLOPs(signals: Array(out.dropLast()).product, points: n))
    }
}

// MARK: - GatherND (com.microsoft)

/// GatherND without batch dims (contrib form): output `indices.shape[:-1] + data.shape[k:]`,
/// k = indices' last dim (must be known).
struct ContribGatherNDOp: DataMovementOperator {
    static let schema = OpSchema(type: "GatherND", domain: "com.microsoft", inputs: 2...2, outputs: 1...1, metadataInputs: [1], traits: .gathersRows)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0)
        guard let shape = data.shape, let indices = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: data.dtype, shape: nil))] }
        guard let last = indices.last else { throw .rankMismatch("indices must have rank ≥ 1") }
        guard let k = last.intValue else { return [.tensor(TensorType(dtype: data.dtype, shape: nil))] }
        guard k >= 1, k <= shape.count else { throw .incompatibleDims("indices last dim \(k) exceeds data rank \(shape.count)") }
        return [.tensor(TensorType(dtype: data.dtype, shape: indices.dropLast() + shape.dropFirst(k)))]
    }
}

// MARK: - ExpandDims

/// Inserts a dim of 1 at `axis` (a constant int32 scalar input); values pass through.
/// Spec: ContribOperators.md#com.microsoft.ExpandDims.
struct ExpandDimsOp: DataMovementOperator {
    static let schema = OpSchema(type: "ExpandDims", domain: "com.microsoft", inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard var shape = x.shape else { return [.tensor(x)] }
        guard let axis = ctx.knownInts(1)?.first else { throw .needsConstant(input: 1) }
        let position = try Axes.normalize(axis, rank: shape.count + 1)
        shape.insert(1, at: position)
        if let values = ctx.inputValues[0] { ctx.outputValues[0] = values }
        return [.tensor(TensorType(dtype: x.dtype, shape: shape))]
    }
}

// MARK: - CDist

/// Pairwise distances between the rows of A `[M,D]` and B `[N,D]` → `[M,N]`.
/// Spec: ContribOperators.md#com.microsoft.CDist (metrics sqeuclidean, euclidean).
struct CDistOp: Operator {
    static let schema = OpSchema(type: "CDist", domain: "com.microsoft", inputs: 2...2, outputs: 1...1)
    let euclidean: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let metric = try node.string("metric", default: "sqeuclidean")
        guard metric == "sqeuclidean" || metric == "euclidean" else {
            throw .invalidAttribute(name: "metric", reason: "onnxruntime supports sqeuclidean and euclidean, got '\(metric)'")
        }
        euclidean = metric == "euclidean"
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.shape(0), b = try ctx.shape(1)
        guard a.count == 2, b.count == 2 else { throw .rankMismatch("CDist operands must be 2-D") }
        try ContribShape.requireEqual(a[1], b[1], "CDist feature dims")
        return [.tensor(TensorType(dtype: try ctx.dtype(0), shape: [a[0], b[0]]))]
    }

    static let formula = "`M·N·D` MACs (square-accumulate of differences) + `M·N·D` subtractions; euclidean adds 1 sqrt per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let a = try ctx.inputShape(0), out = try ctx.outputShape()
        guard a.count == 2 else { throw .unknownShape("input 0 rank") }
        let pairs = out.product, macs = pairs * a[1]
        var cost = OpCost.macs(macs, extraFLOPs: macs + (euclidean ? pairs : 0))
        cost.transcendentals = euclidean ? pairs : 0
        return cost
    }
}

// MARK: - GatherBlockQuantized

/// Gather from a block-quantized table (4-bit embedding tables of LLM exports), dequantized.
/// Spec: ContribOperators.md#com.microsoft.GatherBlockQuantized · opset 1. Output: data's shape with
/// the gather axis replaced by indices' shape; uint8 data with bits < 8 unpacks the last dim by
/// 8/bits. Output type: the scales' type.
struct GatherBlockQuantizedOp: Operator {
    static let schema = OpSchema(type: "GatherBlockQuantized", domain: "com.microsoft", inputs: 3...4, outputs: 1...1,
                                 metadataInputs: [1], traits: .gathersRows)
    let gatherAxis: Int
    let bits: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        gatherAxis = try node.int("gather_axis", default: 0)
        bits = try node.int("bits", default: 4)
        guard [2, 4, 8].contains(bits) else { throw .invalidAttribute(name: "bits", reason: "must be 2, 4 or 8, got \(bits)") }
        let blockSize = try node.int("block_size", default: 128)
        guard blockSize == 0 || (blockSize >= 16 && blockSize & (blockSize - 1) == 0) else {
            throw .invalidAttribute(name: "block_size", reason: "must be 0 or a power of 2 ≥ 16, got \(blockSize)")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let data = try ctx.tensor(0), dtype = try ctx.dtype(2)
        guard var shape = data.shape, let indices = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
        let axis = try Axes.normalize(gatherAxis, rank: shape.count, name: "gather_axis")
        if data.dtype == .uint8, bits < 8, let last = shape.last { shape[shape.count - 1] = last * .value(8 / bits) }
        let out = Array(shape[..<axis]) + indices + Array(shape[(axis + 1)...])
        return [.tensor(TensorType(dtype: dtype, shape: out))]
    }

    static let formula = "`Conventions.contribDequantize` = \(Conventions.contribDequantize) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.contribDequantize)
    }
}

// MARK: - BeamSearch / GreedySearch / Sampling / WhisperBeamSearch

/// Text-generation loops over a decoder subgraph. Output shapes use the max_length / num_beams /
/// num_return_sequences input values when known, else opaque symbols named after the node's outputs.
/// Cost: not computable (the decoder subgraph runs a data-dependent number of times): the cost rule
/// throws `CostError.unsupported`, so the pass reports it instead of counting 0.
struct ContribGenerationRow: OperatorRow {
    var type: String
    var inputs: ClosedRange<Int>
    var outputs: ClosedRange<Int>
    /// true for beam searches: sequences `[B, R, max_length]`; false: `[B, max_length]`.
    var beams: Bool

    var schema: OpSchema {
        OpSchema(type: type, domain: "com.microsoft", inputs: inputs, outputs: outputs, metadataInputs: Set(1..<inputs.upperBound))
    }
    var formula: String {
        "not computable (the decoder subgraph runs a data-dependent number of times): the cost rule throws `CostError.unsupported`, so the pass reports it instead of counting 0."
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try ContribGenerationOp(row: self, node: node) }

    static let table: [ContribGenerationRow] = [
        ContribGenerationRow(type: "BeamSearch", inputs: 4...12, outputs: 1...3, beams: true),
        ContribGenerationRow(type: "WhisperBeamSearch", inputs: 4...15, outputs: 1...5, beams: true),
        ContribGenerationRow(type: "GreedySearch", inputs: 2...7, outputs: 1...1, beams: false),
        ContribGenerationRow(type: "Sampling", inputs: 2...9, outputs: 1...2, beams: false),
    ]
}

struct ContribGenerationOp: OperatorRule {
    let row: ContribGenerationRow
    let vocabSize: Int

    init(row: ContribGenerationRow, node: Node) throws(ShapeError) {
        self.row = row
        guard try node.graphAttribute("decoder") != nil else { throw .missingAttribute("decoder") }
        vocabSize = try node.int("vocab_size", default: -1)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let ids = try ctx.shape(0)
        guard ids.count == 2 else { throw .rankMismatch("input_ids must be [batch, sequence]") }
        let name = ctx.node.outputs.first ?? ctx.node.name
        func value(_ index: Int, _ label: String) -> Dim {
            ctx.intValues(index)?.first ?? .opaque("\(name)_\(label)")
        }
        let b = ids[0], maxLength = value(1, "max_length")
        let vocab: Dim = vocabSize > 0 ? .value(vocabSize) : .opaque("\(name)_vocab_size")
        let scoreType: DataType = ctx.hasInput(5) ? try ctx.dtype(5) : .float
        if row.beams {
            let r = value(4, "num_return_sequences"), beams = value(3, "num_beams")
            return ContribShape.fit([
                .tensor(TensorType(dtype: .int32, shape: [b, r, maxLength])),
                .tensor(TensorType(dtype: scoreType, shape: [b, r])),
                .tensor(TensorType(dtype: scoreType, shape: [maxLength - ids[1], b, beams, vocab])),
            ], to: ctx.node)
        }
        return ContribShape.fit([
            .tensor(TensorType(dtype: .int32, shape: [b, maxLength])),
            .tensor(TensorType(dtype: .float, shape: [b, vocab])),
        ], to: ctx.node)
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        throw .unsupported("\(row.type) runs its decoder subgraph a data-dependent number of times")
    }
}

public enum ContribFamily {
    public static let entries: [OperatorEntry] = ContribGenerationRow.table.entries + OperatorEntry.of([
        ContribTriluOp.self,
        InverseOp.self,
        ContribRangeOp.self,
        RfftOp.self,
        IrfftOp.self,
        ContribGatherNDOp.self,
        ExpandDimsOp.self,
        CDistOp.self,
        GatherBlockQuantizedOp.self,
    ])
}
