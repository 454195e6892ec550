import ONNXGraph
import ShapeInference
import CostKernels

// com.microsoft matrix-multiply and convolution fusions, and the quantized-weight MatMuls of LLM
// exports (MatMulNBits, MatMulBnb4). MACs: `M·N·K` per batch (Conv: output elements × Cin/group ×
// kernel elements); FLOPs = 2·MACs + the fused elementwise work stated per op.

/// The FusedMatMul geometry: `transBatch` moves the first axis before the last (perm
/// `[1, ..., r-2, 0, r-1]`), then `trans` swaps the last two, then numpy matmul.
private func contribFusedMatMul(_ a: [Dim], _ b: [Dim], transA: Bool, transB: Bool, transBatchA: Bool, transBatchB: Bool)
    throws(ShapeError) -> MatMulGeometry {
    func permute(_ s: [Dim], trans: Bool, transBatch: Bool) throws(ShapeError) -> [Dim] {
        var s = s
        if transBatch {
            guard s.count >= 3 else { throw .invalidAttribute(name: "transBatch", reason: "needs rank ≥ 3, got \(s.count)") }
            s = Array(s[1..<(s.count - 1)]) + [s[0], s[s.count - 1]]
        }
        if trans, s.count >= 2 { s.swapAt(s.count - 1, s.count - 2) }
        return s
    }
    return try MatMulGeometry(a: try permute(a, trans: transA, transBatch: transBatchA),
                              b: try permute(b, trans: transB, transBatch: transBatchB))
}

/// Gemm geometry: A `[M,K]` (`[K,M]` with transA), B `[K,N]` (`[N,K]` with transB) → `[M,N]`.
private func contribGemm(_ a: [Dim], _ b: [Dim], transA: Bool, transB: Bool) throws(ShapeError) -> (m: Dim, k: Dim, n: Dim) {
    guard a.count == 2, b.count == 2 else { throw .rankMismatch("Gemm operands must be 2-D, got ranks \(a.count) and \(b.count)") }
    let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
    let (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1])
    try ContribShape.requireEqual(k, kb, "Gemm inner dimensions")
    return (m, k.isKnown ? k : kb, n)
}

// MARK: - FusedMatMul / TransposeMatMul

/// MatMul with folded transposes and an `alpha` scale (onnxruntime's Transpose+MatMul fusion).
/// Spec: ContribOperators.md#com.microsoft.FusedMatMul (TransposeMatMul is its older name) · opset 1.
struct FusedMatMulOp: Operator {
    static let schema = OpSchema(type: "FusedMatMul", domain: "com.microsoft", inputs: 2...2, outputs: 1...1, traits: .gemm)
    let transA: Bool, transB: Bool, transBatchA: Bool, transBatchB: Bool
    let scaled: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
        transBatchA = try node.int("transBatchA", default: 0) != 0
        transBatchB = try node.int("transBatchB", default: 0) != 0
        scaled = try node.float("alpha", default: 1) != 1
    }

    func geometry(_ a: [Dim], _ b: [Dim]) throws(ShapeError) -> MatMulGeometry {
        try contribFusedMatMul(a, b, transA: transA && a.count > 1, transB: transB && b.count > 1,
                               transBatchA: transBatchA, transBatchB: transBatchB)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        guard let sa = a.shape, let sb = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        return [.tensor(TensorType(dtype: a.dtype, shape: try geometry(sa, sb).output))]
    }

    static let formula = "`batch·M·N·K` MACs; + 1 FLOP per output element when `alpha` ≠ 1."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let sa = try ctx.inputShape(0), sb = try ctx.inputShape(1)
        let g: MatMulGeometry
        do { g = try geometry(sa, sb) } catch { throw .shape(error) }
        return .macs(g.macs, extraFLOPs: scaled ? g.output.product * .value(Conventions.arithmetic) : 0)
    }
}

/// TransposeMatMul: the deprecated name of FusedMatMul (no batch transposes); same rule.
struct TransposeMatMulOp: Operator {
    static let schema = OpSchema(type: "TransposeMatMul", domain: "com.microsoft", inputs: 2...2, outputs: 1...1)
    let base: FusedMatMulOp

    init(node: Node, opset: Int) throws(ShapeError) { base = try FusedMatMulOp(node: node, opset: opset) }
    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try base.inferShapes(&ctx) }
    static let formula = "`batch·M·N·K` MACs; + 1 FLOP per output element when `alpha` ≠ 1."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { try base.cost(ctx) }
}

// MARK: - FusedGemm

/// Gemm followed by an activation (`activation` attribute: Relu, LeakyRelu, Tanh, Sigmoid, ...).
/// Spec: ContribOperators.md#com.microsoft.FusedGemm · opset 1. Output `[M,N]`.
struct FusedGemmOp: Operator {
    static let schema = OpSchema(type: "FusedGemm", domain: "com.microsoft", inputs: 2...3, outputs: 1...1)
    let transA: Bool, transB: Bool
    let alphaScaled: Bool, betaScaled: Bool
    let activation: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
        alphaScaled = try node.float("alpha", default: 1) != 1
        betaScaled = try node.float("beta", default: 1) != 1
        activation = try ContribActivation.cost(try node.string("activation", default: ""))
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        let g = try contribGemm(try ctx.shape(0), try ctx.shape(1), transA: transA, transB: transB)
        return [.tensor(TensorType(dtype: a.dtype, shape: [g.m, g.n]))]
    }

    static let formula = "`M·N·K` MACs; per output element + 1 (alpha ≠ 1) + 1 (C add) + 1 (beta ≠ 1, with C) + the activation's FLOPs (`ContribActivation`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: (m: Dim, k: Dim, n: Dim)
        let sa = try ctx.inputShape(0), sb = try ctx.inputShape(1)
        do { g = try contribGemm(sa, sb, transA: transA, transB: transB) } catch { throw .shape(error) }
        let out = g.m * g.n
        let perOutput = (alphaScaled ? 1 : 0) + (ctx.hasInput(2) ? 1 + (betaScaled ? 1 : 0) : 0) + activation.flops
        var cost = OpCost.macs(g.m * g.n * g.k, extraFLOPs: out * .value(perOutput))
        cost.transcendentals = out * .value(activation.transcendentals)
        return cost
    }
}

// MARK: - GemmFastGelu

/// `FastGelu(X·W + bias)`: X `[..., K]`, W `[K, N]` → `[..., N]`.
/// Spec: ContribOperators.md#com.microsoft.GemmFastGelu · opset 1.
struct GemmFastGeluOp: Operator {
    static let schema = OpSchema(type: "GemmFastGelu", domain: "com.microsoft", inputs: 2...3, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let sa = x.shape, let sb = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        return [.tensor(TensorType(dtype: x.dtype, shape: try MatMulGeometry(a: sa, b: sb).output))]
    }

    static let formula = "`M·N·K` MACs + per output element `Conventions.geluTanh` = \(Conventions.geluTanh) (+1 bias add), 1 tanh."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let sa = try ctx.inputShape(0), sb = try ctx.inputShape(1)
        let g: MatMulGeometry
        do { g = try MatMulGeometry(a: sa, b: sb) } catch { throw .shape(error) }
        let out = g.output.product
        var cost = OpCost.macs(g.macs,
                               extraFLOPs: out * .value(Conventions.geluTanh + (ctx.hasInput(2) ? Conventions.arithmetic : 0)))
        cost.transcendentals = out
        return cost
    }
}

// MARK: - FusedConv / NhwcConv

/// Conv output shape (NCHW, or NHWC with `channelsLast`) and MACs = output elements × weight
/// elements per output channel (`Cin/group × kernel`).
struct ContribConv {
    let geometry: ConvPool.Attributes
    let group: Int
    let channelsLast: Bool

    init(node: Node, channelsLast: Bool) throws(ShapeError) {
        geometry = try ConvPool.Attributes(node: node)
        group = try node.int("group", default: 1)
        guard group > 0 else { throw .invalidAttribute(name: "group", reason: "must be positive, got \(group)") }
        self.channelsLast = channelsLast
    }

    func outputShape(x: [Dim], w: [Dim]) throws(ShapeError) -> [Dim] {
        guard x.count >= 3, w.count == x.count else {
            throw .rankMismatch("conv input rank \(x.count) and weight rank \(w.count) must match and be ≥ 3")
        }
        let spatial = channelsLast ? Array(x[1..<(x.count - 1)]) : Array(x.dropFirst(2))
        let channels = channelsLast ? x[x.count - 1] : x[1]
        try ContribShape.requireEqual(channels, w[1] * .value(group), "input channels vs weight channels × group")
        let kernel: [Int?] = geometry.kernelShape ?? w.dropFirst(2).map(\.intValue)
        let out = try ConvPool.outputSpatial(input: spatial, kernel: kernel, attributes: geometry)
        return channelsLast ? [x[0]] + out + [w[0]] : [x[0], w[0]] + out
    }

    func macs(output: [Dim], w: [Dim]) -> Dim { output.product * Array(w.dropFirst()).product }
}

/// Conv + optional residual `Z` + activation (onnxruntime's Conv+Activation fusion).
/// Spec: ContribOperators.md#com.microsoft.FusedConv · opset 1.
struct FusedConvOp: Operator {
    static let schema = OpSchema(type: "FusedConv", domain: "com.microsoft", inputs: 2...4, outputs: 1...1)
    let conv: ContribConv
    let activation: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        conv = try ContribConv(node: node, channelsLast: false)
        activation = try ContribActivation.cost(try node.string("activation", default: ""))
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: x.dtype, shape: try conv.outputShape(x: try ctx.shape(0), w: try ctx.shape(1))))]
    }

    static let formula = "`N·Cout·spatial·(Cin/group)·kernel` MACs; per output element + 1 (bias) + 1 (Z add) + the activation's FLOPs (`ContribActivation`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputShape(), w = try ctx.inputShape(1)
        let perOutput = (ctx.hasInput(2) ? 1 : 0) + (ctx.hasInput(3) ? 1 : 0) + activation.flops
        var cost = OpCost.macs(conv.macs(output: out, w: w), extraFLOPs: out.product * .value(perOutput))
        cost.transcendentals = out.product * .value(activation.transcendentals)
        return cost
    }
}

/// Convolution on NHWC activations (weights stay `[M, C/group, kH, kW]`).
/// Spec: ContribOperators.md#com.microsoft.NhwcConv · opset 1. X `[N,H,W,C]` → `[N,H',W',M]`.
struct NhwcConvOp: Operator {
    static let schema = OpSchema(type: "NhwcConv", domain: "com.microsoft", inputs: 2...3, outputs: 1...1)
    let conv: ContribConv

    init(node: Node, opset: Int) throws(ShapeError) { conv = try ContribConv(node: node, channelsLast: true) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: x.dtype, shape: try conv.outputShape(x: try ctx.shape(0), w: try ctx.shape(1))))]
    }

    static let formula = "`N·M·H'·W'·(C/group)·kH·kW` MACs + 1 per output element with bias."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputShape(), w = try ctx.inputShape(1)
        return .macs(conv.macs(output: out, w: w), extraFLOPs: ctx.hasInput(2) ? out.product : 0)
    }
}

// MARK: - MatMulNBits

/// MatMul with block-quantized 2–8-bit weights (onnxruntime-genai int4 LLM exports).
/// Spec: ContribOperators.md#com.microsoft.MatMulNBits · opset 1.
/// A `[..., K]` (float), B packed uint8 `[N, ceil(K/block_size), block_size·bits/8]` → Y `[..., N]`.
struct MatMulNBitsOp: Operator {
    static let schema = OpSchema(type: "MatMulNBits", domain: "com.microsoft", inputs: 3...6, outputs: 1...1,
                                 metadataInputs: [4], traits: .gemm)
    let k: Int, n: Int, bits: Int, blockSize: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        k = try contribPositiveInt(node, "K")
        n = try contribPositiveInt(node, "N")
        bits = try node.int("bits", default: 4)
        blockSize = try contribPositiveInt(node, "block_size")
        guard (2...8).contains(bits) else { throw .invalidAttribute(name: "bits", reason: "must be in 2...8, got \(bits)") }
        guard blockSize >= 16, blockSize & (blockSize - 1) == 0 else {
            throw .invalidAttribute(name: "block_size", reason: "must be a power of 2 ≥ 16, got \(blockSize)")
        }
    }

    /// The weight precision the MACs run at.
    var weightType: DataType { bits <= 2 ? .int2 : bits <= 4 ? .int4 : .int8 }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        guard let shape = a.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        guard let last = shape.last else { throw .rankMismatch("A must have rank ≥ 1") }
        try ContribShape.requireEqual(last, .value(k), "A's last dim vs K")
        if let b = try ctx.tensor(1).shape, let rows = b.first, b.count >= 2 {
            try ContribShape.requireEqual(rows, .value(n), "B's first dim vs N")
        }
        return [.tensor(TensorType(dtype: a.dtype, shape: shape.dropLast() + [.value(n)]))]
    }

    static let formula = "MACs = `M·N·K` (M = product of A's leading dims) with computeType at the weight precision (bits 2 → `.int2`, 3–4 → `.int4`, 5–8 → `.int8`; activations stay float, so this is the weight precision, not an integer GEMM). FLOPs = 2·MACs + dequantization `2·N·K` per call (subtract the zero point, explicit or the spec's default 2^(bits−1), and multiply by the block scale) + `M·N` bias adds when bias is given."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let m = Array(try ctx.inputShape(0).dropLast()).product
        let weights = Dim.value(n) * .value(k)
        let extra = weights * .value(Conventions.contribDequantize) + (ctx.hasInput(5) ? m * .value(n) : 0)
        return .macs(m * weights, extraFLOPs: extra, computeType: weightType)
    }
}

// MARK: - MatMulBnb4

/// MatMul with 4-bit FP4/NF4 (bitsandbytes) weights.
/// Spec: ContribOperators.md#com.microsoft.MatMulBnb4 · opset 1. transB = 1: A `[..., K]` → `[..., N]`;
/// transB = 0: A `[..., N]` → `[..., K]`.
struct MatMulBnb4Op: Operator {
    static let schema = OpSchema(type: "MatMulBnb4", domain: "com.microsoft", inputs: 3...3, outputs: 1...1)
    let k: Int, n: Int, transB: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        k = try contribPositiveInt(node, "K")
        n = try contribPositiveInt(node, "N")
        let blockSize = try contribPositiveInt(node, "block_size")
        guard blockSize >= 16, blockSize & (blockSize - 1) == 0 else {
            throw .invalidAttribute(name: "block_size", reason: "must be a power of 2 ≥ 16, got \(blockSize)")
        }
        let quantType = try node.int("quant_type", default: 1)
        guard quantType == 0 || quantType == 1 else { throw .invalidAttribute(name: "quant_type", reason: "must be 0 (FP4) or 1 (NF4)") }
        transB = try node.int("transB", default: 1) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        guard let shape = a.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        guard let last = shape.last else { throw .rankMismatch("A must have rank ≥ 1") }
        try ContribShape.requireEqual(last, .value(transB ? k : n), "A's last dim")
        return [.tensor(TensorType(dtype: a.dtype, shape: shape.dropLast() + [.value(transB ? n : k)]))]
    }

    static let formula = "`M·N·K` MACs at `.int4` (weight precision); FLOPs = 2·MACs + `N·K` dequantization multiplies (table lookup × absmax) per call."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let m = Array(try ctx.inputShape(0).dropLast()).product
        let weights = Dim.value(n) * .value(k)
        return .macs(m * weights, extraFLOPs: weights * .value(Conventions.arithmetic), computeType: .int4)
    }
}

// MARK: - MatMulIntegerToFloat / DynamicQuantizeMatMul / MatMulInteger16

/// One integer MatMul with numpy broadcasting.
struct ContribIntegerMatMulRow: OperatorRow {
    /// Where the output element type comes from.
    enum OutputType: Sendable {
        case input(Int)
        case fixed(DataType)
    }

    var type: String
    var inputs: ClosedRange<Int>
    var computeType: DataType
    var outputType: OutputType
    var rescales: Bool
    var biasInput: Int?
    var quantizesA: Bool
    /// What the op computes, in words.
    var note: String

    var schema: OpSchema {
        OpSchema(type: type, domain: "com.microsoft", inputs: inputs, outputs: 1...1, traits: Self.isInteger(type) ? .quantizedInputs : [])
    }
    /// Whether the op type names integer inputs ("Integer" in it). Byte-wise: `String.contains(_:)`
    /// of _StringProcessing costs ≈ 0.45 M instructions on first use, at every start-up.
    static func isInteger(_ type: String) -> Bool {
        let name = Array(type.utf8), word = Array("Integer".utf8)
        return name.indices.contains { name[$0...].starts(with: word) }
    }

    var formula: String {
        note + " `batch·M·N·K` MACs at `\(computeType)`" + (rescales ? "; per output element + 1 (scale multiply)" : "")
            + (biasInput != nil ? " + 1 (bias add, when the bias input is given)" : "")
            + (quantizesA ? "; + `Conventions.contribDynamicQuantize` = \(Conventions.contribDynamicQuantize) per element of A (quantizing the float activations)" : "")
            + "."
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { ContribIntegerMatMulOp(row: self) }

    static let table: [ContribIntegerMatMulRow] = [
        .init(type: "MatMulIntegerToFloat", inputs: 4...7, computeType: .int8, outputType: .input(2), rescales: true, biasInput: 6, quantizesA: false,
              note: "(u)int8 A·B, rescaled to float by a_scale·b_scale, + bias; output: the scales' type."),
        .init(type: "DynamicQuantizeMatMul", inputs: 3...5, computeType: .int8, outputType: .input(0), rescales: true, biasInput: 4, quantizesA: true,
              note: "float A quantized on the fly, times int8 B, rescaled, + bias; output: A's type."),
        .init(type: "MatMulInteger16", inputs: 2...2, computeType: .int16, outputType: .fixed(.int32), rescales: false, biasInput: nil, quantizesA: false,
              note: "int16 A·B accumulated in int32; output int32."),
    ]
}

/// An integer MatMul of the table above.
struct ContribIntegerMatMulOp: OperatorRule {
    let row: ContribIntegerMatMulRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype: DataType
        switch row.outputType {
        case .input(let index): dtype = try ctx.dtype(index)
        case .fixed(let type): dtype = type
        }
        guard let sa = try ctx.tensor(0).shape, let sb = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
        return [.tensor(TensorType(dtype: dtype, shape: try MatMulGeometry(a: sa, b: sb).output))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let a = try ctx.inputShape(0)
        let sb = try ctx.inputShape(1)
        let g: MatMulGeometry
        do { g = try MatMulGeometry(a: a, b: sb) } catch { throw .shape(error) }
        let out = g.output.product
        let perOutput = (row.rescales ? 1 : 0) + (row.biasInput.map { ctx.hasInput($0) ? 1 : 0 } ?? 0)
        var extra = out * .value(perOutput)
        if row.quantizesA { extra += a.product * .value(Conventions.contribDynamicQuantize) }
        return .macs(g.macs, extraFLOPs: extra, computeType: row.computeType)
    }
}

// MARK: - QGemm

/// Quantized Gemm: (u)int8 A, B; optional int32 C; float output, or quantized when y_scale is given.
/// Spec: ContribOperators.md#com.microsoft.QGemm · opset 1. Output `[M,N]`.
struct QGemmOp: Operator {
    static let schema = OpSchema(type: "QGemm", domain: "com.microsoft", inputs: 6...9, outputs: 1...1, traits: .quantizedInputs)
    let transA: Bool, transB: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let g = try contribGemm(try ctx.shape(0), try ctx.shape(3), transA: transA, transB: transB)
        let dtype: DataType = ctx.hasInput(7) ? (ctx.hasInput(8) ? try ctx.dtype(8) : try ctx.dtype(0)) : .float
        return [.tensor(TensorType(dtype: dtype, shape: [g.m, g.n]))]
    }

    static let formula = "`M·N·K` MACs at `.int8`; per output element + 1 (scale multiply) + 1 (C add, when given) + `Conventions.contribRequantize` = \(Conventions.contribRequantize) (when y_scale is given)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let g: (m: Dim, k: Dim, n: Dim)
        let sa = try ctx.inputShape(0), sb = try ctx.inputShape(3)
        do { g = try contribGemm(sa, sb, transA: transA, transB: transB) } catch { throw .shape(error) }
        let perOutput = 1 + (ctx.hasInput(6) ? 1 : 0) + (ctx.hasInput(7) ? Conventions.contribRequantize : 0)
        return .macs(g.m * g.n * g.k, extraFLOPs: g.m * g.n * .value(perOutput), computeType: .int8)
    }
}

/// The MatMul and Conv fusions of the com.microsoft domain, registered in `OpRegistry+Builtin.swift`.
enum ContribMatMulFamily {
    static let entries: [OperatorEntry] = ContribIntegerMatMulRow.table.entries + OperatorEntry.of([
        FusedMatMulOp.self,
        TransposeMatMulOp.self,
        FusedGemmOp.self,
        GemmFastGeluOp.self,
        FusedConvOp.self,
        NhwcConvOp.self,
        MatMulNBitsOp.self,
        MatMulBnb4Op.self,
        QGemmOp.self,
    ])
}
