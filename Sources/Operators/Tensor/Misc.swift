#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ONNXGraph
import ShapeInference
import CostKernels

// Remaining default-domain ops that no other family owns: string ops (StringNormalizer,
// StringConcat, StringSplit, RegexFullMatch, TfIdfVectorizer), signal ops (DFT, STFT),
// ImageDecoder, Det, BitCast, the two training losses (NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss), and in `MiscRecent.swift` CumProd, SwiGLU, CausalConvWithState and
// LinearAttention.

extension Conventions {
    /// An N-point FFT: 5·N·log2(N) FLOPs, the classic radix-2 Cooley–Tukey count (N/2·log2 N
    /// butterflies of one complex multiply (6) and two complex adds (4)).
    static let fftFLOPsPerPointLog2 = 5
    /// LU decomposition of an n×n matrix (Det): 2n³/3 FLOPs (Golub & Van Loan, §3.2).
    static let luFLOPsNumerator = 2
    static let luFLOPsDenominator = 3
}

extension ValueKit {
    /// FLOPs of one N-point transform, 5·N·log2(N) rounded to the nearest integer; `nil` unless N is known.
    static func fftFLOPs(points: Dim) -> Int? {
        guard let n = points.intValue, n >= 1 else { return nil }
        let flops = Double(Conventions.fftFLOPsPerPointLog2) * Double(n) * log2(Double(n))
        return Checked.int(flops, rounding: .toNearestOrAwayFromZero)
    }
}

// MARK: - StringNormalizer

/// Case changes and stopword removal on a string tensor ([C] or [1, C]): same shape without
/// stopwords; with stopwords the last dim is data-dependent (opaque `<output>_len`).
/// Spec: https://onnx.ai/onnx/operators/onnx__StringNormalizer.html · opset 10. Cost: 0 FLOPs (string op).
struct StringNormalizerOp: Operator {
    static let schema = OpSchema(type: "StringNormalizer", since: 10, inputs: 1...1, outputs: 1...1)

    let filters: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let action = try node.string("case_change_action", default: "NONE")
        guard ["NONE", "LOWER", "UPPER"].contains(action) else {
            throw .invalidAttribute(name: "case_change_action", reason: "unknown action '\(action)'")
        }
        filters = !(try node.strings("stopwords") ?? []).isEmpty
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard var shape = input.shape else { return [ValueKit.tensor(.string, nil)] }
        guard shape.count == 1 || shape.count == 2 else { throw .rankMismatch("StringNormalizer needs [C] or [1, C]") }
        if filters { shape[shape.count - 1] = ValueKit.opaque(ctx) }
        return [ValueKit.tensor(.string, shape)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - StringConcat

/// Elementwise string concatenation with numpy broadcasting.
/// Spec: https://onnx.ai/onnx/operators/onnx__StringConcat.html · opset 20. Cost: 0 FLOPs (string op).
struct StringConcatOp: Operator {
    static let schema = OpSchema(type: "StringConcat", since: 20, inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        guard let sa = a.shape, let sb = b.shape else { return [ValueKit.tensor(.string, nil)] }
        return [ValueKit.tensor(.string, try Broadcast.shape([sa, sb]))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - StringSplit

/// Splits each string: Y = `X.shape + [max substrings]` (data-dependent: opaque `<Y>_len`),
/// Z = substring counts with X's shape (int64).
/// Spec: https://onnx.ai/onnx/operators/onnx__StringSplit.html · opset 20. Cost: 0 FLOPs (string op).
struct StringSplitOp: Operator {
    static let schema = OpSchema(type: "StringSplit", since: 20, inputs: 1...1, outputs: 1...2)

    init(node: Node, opset: Int) throws(ShapeError) {
        _ = try node.string("delimiter", default: "")
        _ = try node.optionalInt("maxsplit")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let outputs = [
            ValueKit.tensor(.string, input.shape.map { $0 + [ValueKit.opaque(ctx)] }),
            ValueKit.tensor(.int64, input.shape),
        ]
        return Array(outputs.prefix(ctx.node.outputs.count))
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - RegexFullMatch

/// Whether each string fully matches `pattern`: bool, same shape.
/// Spec: https://onnx.ai/onnx/operators/onnx__RegexFullMatch.html · opset 20. Cost: 0 FLOPs (string op).
struct RegexFullMatchOp: Operator {
    static let schema = OpSchema(type: "RegexFullMatch", since: 20, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) { _ = try node.string("pattern", default: "") }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [ValueKit.tensor(.bool, try ctx.tensor(0).shape)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - TfIdfVectorizer

/// N-gram counts/weights: `[max(ngram_indexes)+1]` for a 1-D input, `[N, max+1]` for `[N, C]`; float.
/// Spec: https://onnx.ai/onnx/operators/onnx__TfIdfVectorizer.html · opset 9.
/// Cost: 0 FLOPs (n-gram lookups and counting).
struct TfIdfVectorizerOp: Operator {
    static let schema = OpSchema(type: "TfIdfVectorizer", since: 9, inputs: 1...1, outputs: 1...1)

    let width: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let indexes = try node.ints("ngram_indexes"), let top = indexes.max() else { throw .missingAttribute("ngram_indexes") }
        guard top >= 0, top < Int.max else { throw .invalidAttribute(name: "ngram_indexes", reason: "invalid index \(top)") }
        let mode = try node.string("mode", default: "TF")
        guard ["TF", "IDF", "TFIDF"].contains(mode) else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
        width = top + 1
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(.float, nil)] }
        switch shape.count {
        case 1: return [ValueKit.tensor(.float, [.value(width)])]
        case 2: return [ValueKit.tensor(.float, [shape[0], .value(width)])]
        default: throw .rankMismatch("TfIdfVectorizer needs [C] or [N, C], got rank \(shape.count)")
        }
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - DFT

/// Discrete Fourier transform along `axis` of `[batch, …, signal, 1|2]` (real or complex): the axis
/// becomes `dft_length` (or floor(n/2)+1 with `onesided`), the last dim 2.
/// Spec: https://onnx.ai/onnx/operators/onnx__DFT.html · opsets 17–20 (`axis` attribute default 1 in
/// 17; an input, default −2, from 20).
/// Cost: 5·N·log2(N) FLOPs per transform (`Conventions.fftFLOPsPerPointLog2`, the classic radix-2
/// count), N = dft_length; transforms = input elements / (signal dim × complex dim).
struct DFTOp: Operator {
    static let schema = OpSchema(type: "DFT", since: 17, inputs: 1...3, outputs: 1...1, metadataInputs: [1, 2])

    let opset: Int
    let attributeAxis: Int
    let onesided: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        attributeAxis = opset < 20 ? try node.int("axis", default: 1) : -2
        onesided = try node.int("onesided", default: 0) != 0
        _ = try node.int("inverse", default: 0)
    }

    /// The normalized transform axis, or `nil` when it is an unknown input value.
    func axis(_ rank: Int, _ values: [Int]?, hasInput: Bool) throws(ShapeError) -> Int? {
        var a = attributeAxis
        if opset >= 20, hasInput {
            guard let v = values?.first else { return nil }
            a = v
        }
        let n = a < 0 ? a + rank : a
        guard n >= 0, n < rank - 1 else { throw .invalidAttribute(name: "axis", reason: "axis \(a) is not a signal axis of rank \(rank)") }
        return n
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard var shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        guard shape.count >= 2 else { throw .rankMismatch("DFT needs rank ≥ 2, got \(shape.count)") }
        if let last = shape.last?.intValue, last != 1, last != 2 {
            throw .invalidInput(index: 0, reason: "last dim must be 1 (real) or 2 (complex), got \(last)")
        }
        guard let a = try axis(shape.count, ctx.knownInts(2), hasInput: ctx.hasInput(2)) else {
            return [ValueKit.tensor(input.dtype, shape.dropLast().map { _ in Dim.unknown } + [2])]
        }
        let n = ctx.hasInput(1) ? (ctx.intValues(1)?.first ?? .unknown) : shape[a]
        if let v = n.intValue, v < 1 { throw .invalidInput(index: 1, reason: "dft_length \(v) must be ≥ 1") }
        shape[a] = onesided ? n.floorDivided(by: 2) + 1 : n
        shape[shape.count - 1] = 2
        return [ValueKit.tensor(input.dtype, shape)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let input = try ctx.inputShape(0)
        let a: Int?
        do { a = try axis(input.count, ctx.inputValues.count > 2 ? ctx.inputValues[2]?.knownInts : nil, hasInput: ctx.hasInput(2)) } catch {
            throw .unsupported("invalid DFT axis")
        }
        guard let a else { throw .unknownShape("DFT axis") }
        let n: Dim = ctx.hasInput(1) ? (ctx.inputValues.count > 1 ? ctx.inputValues[1]?.ints?.first ?? .unknown : .unknown) : input[a]
        guard let perTransform = ValueKit.fftFLOPs(points: n) else { throw .unknownShape("DFT length") }
        var transforms: Dim = 1
        for (i, d) in input.enumerated() where i != a && i != input.count - 1 { transforms = transforms * d }
        return OpCost(flops: transforms * .value(perTransform))
    }
}

// MARK: - STFT

/// Short-time Fourier transform of `[batch, length, 1|2]`: `[batch, frames, bins, 2]` with
/// frames = floor((length − frame_length)/frame_step) + 1 and bins = floor(frame_length/2)+1 when
/// `onesided` (default) else frame_length; frame_length from the input or the window's length.
/// Spec: https://onnx.ai/onnx/operators/onnx__STFT.html · opset 17.
/// Cost: per frame 5·N·log2(N) FLOPs (N = frame_length) plus N window multiplies
/// (`Conventions.arithmetic`) when a window is given.
struct STFTOp: Operator {
    static let schema = OpSchema(type: "STFT", since: 17, inputs: 2...4, outputs: 1...1, metadataInputs: [1, 3])

    let onesided: Bool

    init(node: Node, opset: Int) throws(ShapeError) { onesided = try node.int("onesided", default: 1) != 0 }

    static func frameLength(window: [Dim]?, value: Dim?, hasValue: Bool) -> Dim {
        if hasValue { return value ?? .unknown }
        return window?.first ?? .unknown
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let signal = try ctx.tensor(0)
        _ = try ctx.tensor(1)
        guard let shape = signal.shape else { return [ValueKit.tensor(signal.dtype, [.unknown, .unknown, .unknown, 2])] }
        guard shape.count == 3 else { throw .rankMismatch("STFT needs [batch, length, 1|2], got rank \(shape.count)") }
        let window = try ctx.optionalTensor(2)?.shape
        let length = Self.frameLength(window: window, value: ctx.intValues(3)?.first, hasValue: ctx.hasInput(3))
        let step = ctx.intValues(1)?.first ?? .unknown
        if let s = step.intValue, s < 1 { throw .invalidInput(index: 1, reason: "frame_step \(s) must be ≥ 1") }
        let frames = (shape[1] - length).floorDivided(by: step) + 1
        let bins = onesided ? length.floorDivided(by: 2) + 1 : length
        return [ValueKit.tensor(signal.dtype, [shape[0], frames, bins, 2])]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let output = try ctx.outputShape(0)
        let window = ctx.hasInput(2) ? try ctx.inputShape(2) : nil
        let value = ctx.inputValues.count > 3 ? ctx.inputValues[3]?.ints?.first : nil
        let n = Self.frameLength(window: window, value: value, hasValue: ctx.hasInput(3))
        guard let perTransform = ValueKit.fftFLOPs(points: n) else { throw .unknownShape("STFT frame length") }
        let frames = output[0] * output[1]
        let windowing = window == nil ? Dim(0) : n * .value(Conventions.arithmetic)
        return OpCost(flops: frames * (.value(perTransform) + windowing))
    }
}

// MARK: - ImageDecoder

/// Decodes an encoded image (1-D uint8) to `[H, W, C]` uint8: H and W are data-dependent (opaque
/// `<output>_height`/`_width`), C = 1 for Grayscale, else 3.
/// Spec: https://onnx.ai/onnx/operators/onnx__ImageDecoder.html · opset 20.
/// Cost: 0 FLOPs (decoding is not counted as model arithmetic).
struct ImageDecoderOp: Operator {
    static let schema = OpSchema(type: "ImageDecoder", since: 20, inputs: 1...1, outputs: 1...1)

    let channels: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        let format = try node.string("pixel_format", default: "RGB")
        switch format {
        case "RGB", "BGR": channels = 3
        case "Grayscale": channels = 1
        default: throw .invalidAttribute(name: "pixel_format", reason: "unknown format '\(format)'")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ctx.tensor(0)
        return [ValueKit.tensor(.uint8, [ValueKit.opaque(ctx, "height"), ValueKit.opaque(ctx, "width"), .value(channels)])]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Det

/// Determinants of `[*, M, M]` matrices: output `[*]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__Det.html · opsets 11–22.
/// Cost: 2·n³/3 FLOPs per matrix (LU decomposition; `Conventions.luFLOPsNumerator/Denominator`),
/// times the batch.
struct DetOp: Operator {
    static let schema = OpSchema(type: "Det", since: 11, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        guard shape.count >= 2 else { throw .rankMismatch("Det needs rank ≥ 2, got \(shape.count)") }
        let m = shape[shape.count - 2], n = shape[shape.count - 1]
        if let a = m.intValue, let b = n.intValue, a != b { throw .incompatibleDims("Det needs square matrices, got \(a)×\(b)") }
        return [ValueKit.tensor(input.dtype, Array(shape.dropLast(2)))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        guard let n = shape.last else { throw .unknownShape("input 0") }
        let perMatrix = (n * n * n * .value(Conventions.luFLOPsNumerator)).floorDivided(by: .value(Conventions.luFLOPsDenominator))
        return OpCost(flops: try ctx.outputElements() * perMatrix)
    }
}

// MARK: - BitCast

/// Reinterprets the bits as `to` (same bit width): same shape.
/// Spec: https://onnx.ai/onnx/operators/onnx__BitCast.html · opset 26. Cost: 0 FLOPs.
struct BitCastOp: Operator {
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

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss

/// Loss ops: `[N, C, d…]` scores and `[N, d…]` targets; the loss is `[N, d…]` with
/// `reduction = none`, else a scalar. SoftmaxCrossEntropyLoss's optional second output is the
/// log-probabilities (the scores' shape).
/// Spec: https://onnx.ai/onnx/operators/onnx__NegativeLogLikelihoodLoss.html (opsets 12–22),
/// https://onnx.ai/onnx/operators/onnx__SoftmaxCrossEntropyLoss.html (opsets 12–13).
/// Cost: per target element 1 FLOP (the negated pick), +1 with `weight`, +1 (`reduceStep`) when
/// reduced; SoftmaxCrossEntropyLoss adds a log-softmax: `Conventions.softmax` FLOPs and 1
/// transcendental (exp) per score element, and 1 transcendental (log) per target element.
struct NegativeLogLikelihoodLossOp: Operator {
    static let schema = OpSchema(type: "NegativeLogLikelihoodLoss", since: 12, inputs: 2...3, outputs: 1...1)

    let reduced: Bool

    init(node: Node, opset: Int) throws(ShapeError) { reduced = try Self.parseReduction(node) }

    static func parseReduction(_ node: Node) throws(ShapeError) -> Bool {
        let reduction = try node.string("reduction", default: "mean")
        guard ["none", "sum", "mean"].contains(reduction) else {
            throw .invalidAttribute(name: "reduction", reason: "unknown reduction '\(reduction)'")
        }
        _ = try node.optionalInt("ignore_index")
        return reduction != "none"
    }

    /// The loss type for scores `input` and targets `target`.
    static func lossType(_ input: TensorType, _ target: TensorType, reduced: Bool) throws(ShapeError) -> ValueType {
        if let s = input.shape, let t = target.shape {
            guard s.count >= 2, t.count == s.count - 1 else {
                throw .rankMismatch("scores rank \(s.count) needs targets of rank \(s.count - 1), got \(t.count)")
            }
        }
        return ValueKit.tensor(input.dtype, reduced ? [] : target.shape)
    }

    /// FLOPs of the pick/weight/reduce part, per the doc comment.
    static func pickFLOPs(_ ctx: CostContext, reduced: Bool) throws(CostError) -> Dim {
        let targets = try ctx.inputElements(1)
        let perTarget = Conventions.arithmetic + (ctx.hasInput(2) ? Conventions.arithmetic : 0) + (reduced ? Conventions.reduceStep : 0)
        return targets * .value(perTarget)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [try Self.lossType(try ctx.tensor(0), try ctx.tensor(1), reduced: reduced)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        OpCost(flops: try Self.pickFLOPs(ctx, reduced: reduced))
    }
}

/// See `NegativeLogLikelihoodLossOp`.
struct SoftmaxCrossEntropyLossOp: Operator {
    static let schema = OpSchema(type: "SoftmaxCrossEntropyLoss", since: 12, inputs: 2...3, outputs: 1...2)

    let reduced: Bool

    init(node: Node, opset: Int) throws(ShapeError) { reduced = try NegativeLogLikelihoodLossOp.parseReduction(node) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let scores = try ctx.tensor(0)
        let loss = try NegativeLogLikelihoodLossOp.lossType(scores, try ctx.tensor(1), reduced: reduced)
        return ctx.node.outputs.count > 1 ? [loss, .tensor(scores)] : [loss]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let scores = try ctx.inputElements(0)
        let targets = try ctx.inputElements(1)
        let pick = try NegativeLogLikelihoodLossOp.pickFLOPs(ctx, reduced: reduced)
        return OpCost(flops: scores * .value(Conventions.softmax) + pick + targets * .value(Conventions.transcendental),
                      transcendentals: scores * .value(Conventions.transcendental) + targets * .value(Conventions.transcendental))
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum MiscFamily {
    public static let operators: [any Operator.Type] = [
        StringNormalizerOp.self, StringConcatOp.self, StringSplitOp.self, RegexFullMatchOp.self, TfIdfVectorizerOp.self,
        DFTOp.self, STFTOp.self, ImageDecoderOp.self, DetOp.self, BitCastOp.self,
        NegativeLogLikelihoodLossOp.self, SoftmaxCrossEntropyLossOp.self,
        CumProdOp.self, SwiGLUOp.self, CausalConvWithStateOp.self, LinearAttentionOp.self,  // MiscRecent.swift
    ]
}
