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

// MARK: - Packed projections and head counts

/// Reads the packed Q/K/V widths of ops that hold a merged projection weight `[H_in, q + k + v]`.
struct ContribPackedQKV {
    var q: Dim, k: Dim, v: Dim
    var total: Dim { q + k + v }

    init(sizes: [Int]?, weights: [Dim]?, bias: [Dim]?) throws(ShapeError) {
        if let sizes {
            q = .value(sizes[0]); k = .value(sizes[1]); v = .value(sizes[2])
            if let width = weights?.last { try ContribShape.requireEqual(width, .value(sizes.reduce(0, +)), "weights width vs qkv_hidden_sizes") }
            return
        }
        var width: Dim = weights?.last ?? .unknown
        if width.isUnknown, let b = bias?.first { width = b }
        let each = try ContribShape.divide(width, by: 3, what: "qkv width")
        q = each; k = each; v = each
    }

    static func parse(_ node: Node, numHeads: Int) throws(ShapeError) -> [Int]? {
        guard let sizes = try node.ints("qkv_hidden_sizes") else { return nil }
        guard sizes.count == 3, sizes.allSatisfy({ $0 > 0 }), sizes[0] == sizes[1] else {
            throw .invalidAttribute(name: "qkv_hidden_sizes", reason: "expected 3 positive sizes with q == k, got \(sizes)")
        }
        guard sizes[0] % numHeads == 0, sizes[2] % numHeads == 0 else {
            throw .invalidAttribute(name: "qkv_hidden_sizes", reason: "sizes must be divisible by num_heads \(numHeads)")
        }
        return sizes
    }
}

/// Parses a required positive `num_heads`-style attribute (a count or size: at most 2^31, so that
/// the rules' small products such as `3·num_heads` or `num_heads + 2·kv_num_heads` cannot overflow).
func contribPositiveInt(_ node: Node, _ name: String) throws(ShapeError) -> Int {
    guard let value = try node.optionalInt(name) else { throw .missingAttribute(name) }
    guard value > 0, value <= 1 << 31 else { throw .invalidAttribute(name: name, reason: "must be in 1...2^31, got \(value)") }
    return value
}
