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

// Signal processing: DFT and STFT (the window generators are in Generator/Generator.swift).

extension Conventions {
    /// An N-point FFT: 5·N·log2(N) FLOPs, the classic radix-2 Cooley–Tukey count (N/2·log2 N
    /// butterflies of one complex multiply (6) and two complex adds (4)).
    static let fftFLOPsPerPointLog2 = 5
}

extension ValueKit {
    /// FLOPs of one N-point transform, 5·N·log2(N) rounded to the nearest integer; `nil` unless N is known.
    static func fftFLOPs(points: Dim) -> Int? {
        guard let n = points.intValue, n >= 1 else { return nil }
        let flops = Double(Conventions.fftFLOPsPerPointLog2) * Double(n) * log2(Double(n))
        return Checked.int(flops, rounding: .toNearestOrAwayFromZero)
    }
}

// MARK: - DFT

/// Discrete Fourier transform along `axis` of `[batch, …, signal, 1|2]` (real or complex): the axis
/// becomes `dft_length` (or floor(n/2)+1 with `onesided`), the last dim 2.
/// Spec: https://onnx.ai/onnx/operators/onnx__DFT.html · opsets 17–20 (`axis` attribute default 1 in
/// 17; an input, default −2, from 20).
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

    static let formula = "5·N·log2(N) FLOPs per transform (`Conventions.fftFLOPsPerPointLog2` = \(Conventions.fftFLOPsPerPointLog2), the classic radix-2 count), N = dft_length; transforms = input elements / (signal dim × complex dim)."
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

    static let formula = "per frame 5·N·log2(N) FLOPs (N = frame_length) plus N window multiplies (`Conventions.arithmetic` = \(Conventions.arithmetic)) when a window is given."
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

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum SignalFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([DFTOp.self, STFTOp.self])
}
