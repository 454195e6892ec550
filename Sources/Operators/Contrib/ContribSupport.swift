import ONNXGraph
import ShapeInference
import CostKernels

// Helpers shared by the com.microsoft contrib families and the default-domain Attention family.
// Everything here is internal and prefixed `Contrib` so it cannot clash with other families' helpers.

extension Conventions {
    /// Dequantizing one quantized element: subtract the zero point, multiply by the scale.
    static let contribDequantize = 2
    /// Quantizing one element: multiply by 1/scale, add the zero point (rounding and saturation are free).
    static let contribRequantize = 2
    /// Rotary embedding per rotated element: `x·cos + rotate(x)·sin` = 2 multiplies + 1 add.
    static let contribRotary = 3
    /// Dynamic quantization of an activation element: min and max scans (2), then quantize (2).
    static let contribDynamicQuantize = 4
    /// Softcap `c·tanh(s/c)`: divide, tanh, multiply (the tanh is also counted as a transcendental).
    static let contribSoftcap = 3
    /// QuickGelu `x·sigmoid(α·x)`: the sigmoid plus the α multiply and the final multiply.
    static let contribQuickGelu = Conventions.sigmoid + 2
}

/// Shape helpers for the contrib rules.
enum ContribShape {
    /// One type per node output: extra computed types are dropped, missing ones become `.unknown`.
    static func fit(_ types: [ValueType], to node: Node) -> [ValueType] {
        var result = Array(types.prefix(node.outputs.count))
        while result.count < node.outputs.count { result.append(.unknown) }
        return result
    }

    /// `dim / divisor` for a head split; throws when a known dim is not divisible.
    static func divide(_ dim: Dim, by divisor: Int, what: String) throws(ShapeError) -> Dim {
        guard divisor > 0 else { throw .invalidAttribute(name: what, reason: "must be positive, got \(divisor)") }
        if let value = dim.intValue, value % divisor != 0 {
            throw .incompatibleDims("\(what): \(value) is not divisible by \(divisor)")
        }
        return dim.floorDivided(by: .value(divisor))
    }

    /// `a / b` for two dims; throws when both are known and do not divide.
    static func divide(_ a: Dim, by b: Dim, what: String) throws(ShapeError) -> Dim {
        if let x = a.intValue, let y = b.intValue {
            guard y > 0, x % y == 0 else { throw .incompatibleDims("\(what): \(x) is not divisible by \(y)") }
        }
        return a.floorDivided(by: b)
    }

    /// Throws when two dims are known and differ.
    static func requireEqual(_ a: Dim, _ b: Dim, _ what: String) throws(ShapeError) {
        if let x = a.intValue, let y = b.intValue, x != y {
            throw .incompatibleDims("\(what): \(x) vs \(y)")
        }
    }

    /// Throws unless `shape` has one of `ranks`.
    static func requireRank(_ shape: [Dim], _ ranks: Set<Int>, input: Int) throws(ShapeError) {
        guard ranks.contains(shape.count) else {
            throw .rankMismatch("input \(input) has rank \(shape.count), expected \(ranks.sorted().map(String.init).joined(separator: " or "))")
        }
    }

    /// The larger of two dims when decidable; `b` (the caller's preferred value) otherwise.
    static func maxPreferring(_ a: Dim, _ b: Dim) -> Dim {
        if let x = a.intValue, let y = b.intValue { return .value(Swift.max(x, y)) }
        return b
    }

    /// numpy `matmul` shapes: returns the output shape and (batch elements, M, K, N).
    static func matmul(_ a: [Dim], _ b: [Dim]) throws(ShapeError) -> (shape: [Dim], batch: Dim, m: Dim, k: Dim, n: Dim) {
        guard !a.isEmpty, !b.isEmpty else { throw .rankMismatch("matmul operands must have rank ≥ 1") }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        let m = a2[a2.count - 2], k = a2[a2.count - 1]
        let kb = b2[b2.count - 2], n = b2[b2.count - 1]
        try requireEqual(k, kb, "matmul inner dimensions")
        let batch = try Broadcast.shape([Array(a2.dropLast(2)), Array(b2.dropLast(2))])
        var shape = batch
        if a.count > 1 { shape.append(m) }
        if b.count > 1 { shape.append(n) }
        return (shape, batch.product, m, k.isKnown ? k : kb, n)
    }
}

// MARK: - Attention cost

/// The scaled-dot-product core shared by every attention op.
///
/// MACs: `QKᵀ = B·Nq·Sq·T·dk` plus `AV = B·Nq·Sq·T·dv` (per query head, also under grouped K/V).
/// FLOPs: 2·MACs, plus per score element (`B·Nq·Sq·T`) 1 for the scaling, `Conventions.softmax`, and 1
/// per additive mask term (mask input, attention-bias input, causal mask); softcap adds
/// `Conventions.contribSoftcap`. Transcendentals: 1 exp per score element (+1 tanh with softcap).
struct ContribAttentionCore {
    var batch: Dim
    var queryHeads: Dim
    var querySequence: Dim
    var totalSequence: Dim
    var qkHeadSize: Dim
    var vHeadSize: Dim
    var maskTerms: Int
    var softcap: Bool = false

    var scores: Dim { batch * queryHeads * querySequence * totalSequence }

    /// The op's cost: this core plus `projectionMACs` (input projections the op includes), `extraFLOPs`
    /// (bias adds, rotary) and `extraTranscendentals`.
    func cost(projectionMACs: Dim = 0, extraFLOPs: Dim = 0, extraTranscendentals: Dim = 0,
              computeType: DataType? = nil) -> OpCost {
        let coreMACs = scores * (qkHeadSize + vHeadSize)
        let perScore = 1 + Conventions.softmax + maskTerms + (softcap ? Conventions.contribSoftcap : 0)
        let macs = projectionMACs + coreMACs
        let flops = macs * .value(Conventions.flopsPerMAC) + scores * .value(perScore) + extraFLOPs
        let transcendentals = scores * .value(softcap ? 2 : 1) + extraTranscendentals
        return OpCost(macs: macs, flops: flops, transcendentals: transcendentals, computeType: computeType)
    }
}

// MARK: - Fused activations

/// The activations that FusedConv / FusedGemm accept (onnxruntime's MLAS activation kinds), per element.
enum ContribActivation {
    /// (FLOPs, transcendentals) per output element for an `activation` attribute value.
    static func cost(_ name: String) throws(ShapeError) -> (flops: Int, transcendentals: Int) {
        switch name {
        case "", "Identity": (0, 0)
        case "Relu", "LeakyRelu", "Clip": (Conventions.simpleActivation, 0)
        case "Tanh": (Conventions.transcendental, 1)
        case "Sigmoid": (Conventions.sigmoid, 1)
        case "HardSigmoid": (Conventions.hardSigmoid, 0)
        case "Elu": (Conventions.elu, 1)
        case "Silu", "Swish": (Conventions.silu, 1)
        case "Gelu": (Conventions.gelu, 1)
        default: throw .invalidAttribute(name: "activation", reason: "unknown fused activation '\(name)'")
        }
    }
}

// MARK: - Convolution / pooling geometry

/// Conv and pool output geometry (ONNX `convPoolShapeInference`), for the contrib conv and pool ops.
struct ContribConvGeometry {
    var kernel: [Int]?
    var strides: [Int]?
    var dilations: [Int]?
    var pads: [Int]?
    var autoPad: String
    var ceilMode: Bool

    init(node: Node, ceilMode: Bool = false) throws(ShapeError) {
        kernel = try node.ints("kernel_shape")
        strides = try node.ints("strides")
        dilations = try node.ints("dilations")
        pads = try node.ints("pads")
        autoPad = try node.string("auto_pad", default: "NOTSET")
        self.ceilMode = ceilMode
        guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
            throw .invalidAttribute(name: "auto_pad", reason: "unknown value '\(autoPad)'")
        }
        if let strides, strides.contains(where: { $0 <= 0 }) { throw .invalidAttribute(name: "strides", reason: "must be positive") }
        if let dilations, dilations.contains(where: { $0 <= 0 }) { throw .invalidAttribute(name: "dilations", reason: "must be positive") }
        if let kernel, kernel.contains(where: { $0 <= 0 }) { throw .invalidAttribute(name: "kernel_shape", reason: "must be positive") }
        if let pads, pads.contains(where: { $0 < 0 }) { throw .invalidAttribute(name: "pads", reason: "must be non-negative") }
    }

    /// The kernel's spatial dims: the attribute, else the weight's trailing dims.
    func kernelDims(weight: [Dim]?, spatialRank: Int) -> [Dim] {
        if let kernel { return kernel.map(Dim.value) }
        guard let weight, weight.count == spatialRank + 2 else { return Array(repeating: .unknown, count: spatialRank) }
        return Array(weight.dropFirst(2))
    }

    /// Output spatial dims for `input` spatial dims.
    func outputSpatial(_ input: [Dim], kernel kernelDims: [Dim]) throws(ShapeError) -> [Dim] {
        let rank = input.count
        guard kernelDims.count == rank else { throw .rankMismatch("kernel has \(kernelDims.count) dims, input has \(rank) spatial dims") }
        if let strides, strides.count != rank { throw .invalidAttribute(name: "strides", reason: "expected \(rank) values") }
        if let dilations, dilations.count != rank { throw .invalidAttribute(name: "dilations", reason: "expected \(rank) values") }
        if let pads, pads.count != 2 * rank { throw .invalidAttribute(name: "pads", reason: "expected \(2 * rank) values") }
        var result: [Dim] = []
        for axis in 0..<rank {
            let stride = Dim.value(strides?[axis] ?? 1)
            let dilation = Dim.value(dilations?[axis] ?? 1)
            let effectiveKernel = (kernelDims[axis] - 1) * dilation + 1
            let size = input[axis]
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                result.append(size.ceilDivided(by: stride))
            case "VALID":
                result.append((size - effectiveKernel).floorDivided(by: stride) + 1)
            default:
                let padTotal = Dim.value((pads?[axis] ?? 0) + (pads?[axis + rank] ?? 0))
                let span = size + padTotal - effectiveKernel
                result.append((ceilMode ? span.ceilDivided(by: stride) : span.floorDivided(by: stride)) + 1)
            }
        }
        return result
    }
}
