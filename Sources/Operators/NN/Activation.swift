import ONNXGraph
import ShapeInference
import CostKernels

// Activations: Relu, LeakyRelu, PRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softplus, Softsign,
// Elu, Selu, Celu, ThresholdedRelu, Shrink, Mish, Swish, Gelu, Clip, Softmax, LogSoftmax, Hardmax.

extension Conventions {
    /// Softsign = x / (1 + |x|): abs, add, div.
    static let softsign = 3
}

// MARK: - Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Softplus, Softsign, Elu, Selu, Celu, ThresholdedRelu, Shrink, Mish, Swish

/// One row of the unary activation table.
struct ActivationRow: Sendable {
    var type: String
    var since: Int
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    /// FLOAT attributes the op accepts (checked for their kind).
    var floatAttributes: [String] = []
}

/// A tag type naming one row of the unary activation table.
protocol ActivationKind: Sendable {
    static var row: ActivationRow { get }
}

/// Unary activation: the output has the input's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__Relu.html (and each op of the table) · each from its
/// first opset to the newest.
/// Cost per element: Relu, LeakyRelu, ThresholdedRelu, Shrink 1 FLOP (`Conventions.simpleActivation`);
/// Sigmoid `Conventions.sigmoid` (4) + 1 transcendental; HardSigmoid `Conventions.hardSigmoid` (4);
/// HardSwish `hardSigmoid` + 1 mul (5); Tanh 1 FLOP + 1 transcendental; Softplus `Conventions.softplus`
/// (3) + 2 transcendentals (exp, log); Softsign `Conventions.softsign` (3); Elu/Selu/Celu
/// `Conventions.elu` (4) + 1 transcendental; Mish `Conventions.mish` (5) + 3 transcendentals (exp,
/// log, tanh); Swish `Conventions.silu` (5, +1 mul when alpha ≠ 1) + 1 transcendental.
struct ActivationOp<Kind: ActivationKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.row.type, since: Kind.row.since, inputs: 1...1, outputs: 1...1) }

    /// Extra FLOPs per element that depend on attributes (Swish's alpha).
    let extraFLOPs: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        for name in Kind.row.floatAttributes { _ = try node.float(name, default: 0) }
        let alpha = Kind.row.type == "Swish" ? try node.float("alpha", default: 1) : 1
        extraFLOPs = alpha != 1 ? Conventions.arithmetic : 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(try ctx.tensor(0))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Kind.row.flopsPerElement + extraFLOPs,
                     transcendentalsPerElement: Kind.row.transcendentalsPerElement)
    }
}

/// The rows of the unary activation table.
enum ActivationKinds {
    private static func simple(_ type: String, _ since: Int, _ attributes: [String] = []) -> ActivationRow {
        ActivationRow(type: type, since: since, flopsPerElement: Conventions.simpleActivation, transcendentalsPerElement: 0,
                      floatAttributes: attributes)
    }

    enum Relu: ActivationKind { static let row = simple("Relu", 1) }
    enum LeakyRelu: ActivationKind { static let row = simple("LeakyRelu", 1, ["alpha"]) }
    enum ThresholdedRelu: ActivationKind { static let row = simple("ThresholdedRelu", 10, ["alpha"]) }
    enum Shrink: ActivationKind { static let row = simple("Shrink", 9, ["bias", "lambd"]) }
    enum Sigmoid: ActivationKind {
        static let row = ActivationRow(type: "Sigmoid", since: 1, flopsPerElement: Conventions.sigmoid, transcendentalsPerElement: 1)
    }
    enum HardSigmoid: ActivationKind {
        static let row = ActivationRow(type: "HardSigmoid", since: 1, flopsPerElement: Conventions.hardSigmoid,
                                       transcendentalsPerElement: 0, floatAttributes: ["alpha", "beta"])
    }
    enum HardSwish: ActivationKind {
        static let row = ActivationRow(type: "HardSwish", since: 14, flopsPerElement: Conventions.hardSigmoid + Conventions.arithmetic,
                                       transcendentalsPerElement: 0)
    }
    enum Tanh: ActivationKind {
        static let row = ActivationRow(type: "Tanh", since: 1, flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1)
    }
    enum Softplus: ActivationKind {
        static let row = ActivationRow(type: "Softplus", since: 1, flopsPerElement: Conventions.softplus, transcendentalsPerElement: 2)
    }
    enum Softsign: ActivationKind {
        static let row = ActivationRow(type: "Softsign", since: 1, flopsPerElement: Conventions.softsign, transcendentalsPerElement: 0)
    }
    enum Elu: ActivationKind {
        static let row = ActivationRow(type: "Elu", since: 1, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1,
                                       floatAttributes: ["alpha"])
    }
    enum Selu: ActivationKind {
        static let row = ActivationRow(type: "Selu", since: 1, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1,
                                       floatAttributes: ["alpha", "gamma"])
    }
    enum Celu: ActivationKind {
        static let row = ActivationRow(type: "Celu", since: 12, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1,
                                       floatAttributes: ["alpha"])
    }
    enum Mish: ActivationKind {
        static let row = ActivationRow(type: "Mish", since: 18, flopsPerElement: Conventions.mish, transcendentalsPerElement: 3)
    }
    enum Swish: ActivationKind {
        static let row = ActivationRow(type: "Swish", since: 24, flopsPerElement: Conventions.silu, transcendentalsPerElement: 1,
                                       floatAttributes: ["alpha"])
    }
}

typealias ReluOp = ActivationOp<ActivationKinds.Relu>
typealias LeakyReluOp = ActivationOp<ActivationKinds.LeakyRelu>
typealias ThresholdedReluOp = ActivationOp<ActivationKinds.ThresholdedRelu>
typealias ShrinkOp = ActivationOp<ActivationKinds.Shrink>
typealias SigmoidOp = ActivationOp<ActivationKinds.Sigmoid>
typealias HardSigmoidOp = ActivationOp<ActivationKinds.HardSigmoid>
typealias HardSwishOp = ActivationOp<ActivationKinds.HardSwish>
typealias TanhOp = ActivationOp<ActivationKinds.Tanh>
typealias SoftplusOp = ActivationOp<ActivationKinds.Softplus>
typealias SoftsignOp = ActivationOp<ActivationKinds.Softsign>
typealias EluOp = ActivationOp<ActivationKinds.Elu>
typealias SeluOp = ActivationOp<ActivationKinds.Selu>
typealias CeluOp = ActivationOp<ActivationKinds.Celu>
typealias MishOp = ActivationOp<ActivationKinds.Mish>
typealias SwishOp = ActivationOp<ActivationKinds.Swish>

// MARK: - Gelu

/// Gaussian error linear unit, `approximate` = "none" (erf form) or "tanh".
/// Spec: https://onnx.ai/onnx/operators/onnx__Gelu.html · opset 20.
/// Cost per element: "none" `Conventions.gelu` (5) + 1 transcendental (erf); "tanh"
/// `Conventions.geluTanh` (9) + 1 transcendental (tanh).
struct GeluOp: Operator {
    static let schema = OpSchema(type: "Gelu", since: 20, inputs: 1...1, outputs: 1...1)

    let tanhApproximation: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let approximate = try node.string("approximate", default: "none")
        guard approximate == "none" || approximate == "tanh" else {
            throw .invalidAttribute(name: "approximate", reason: "must be 'none' or 'tanh', got '\(approximate)'")
        }
        tanhApproximation = approximate == "tanh"
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(try ctx.tensor(0))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: tanhApproximation ? Conventions.geluTanh : Conventions.gelu,
                     transcendentalsPerElement: 1)
    }
}

// MARK: - PRelu

/// Leaky ReLU with a learned slope: `slope` is unidirectionally broadcast to X (opset ≥ 7);
/// the output has X's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__PRelu.html · opsets 1–16.
/// Cost: 1 FLOP (`Conventions.simpleActivation`) per element.
struct PReluOp: Operator {
    static let schema = OpSchema(type: "PRelu", since: 1, inputs: 2...2, outputs: 1...1)

    let checksBroadcast: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        checksBroadcast = opset >= 7
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0), slope = try ctx.tensor(1)
        if checksBroadcast, let sx = x.shape, let ss = slope.shape {
            let describe = "slope [\(ss.map(\.description).joined(separator: ","))] to X [\(sx.map(\.description).joined(separator: ","))]"
            guard ss.count <= sx.count else { throw .rankMismatch("cannot broadcast \(describe)") }
            for (index, dim) in ss.enumerated() {
                let target = sx[sx.count - ss.count + index]
                if let s = dim.intValue, let t = target.intValue, s != 1, s != t {
                    throw .incompatibleDims("cannot broadcast \(describe)")
                }
            }
        }
        return [.tensor(x)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.simpleActivation)
    }
}

// MARK: - Clip

/// Clamps every element to [min, max]: `min`/`max` are attributes before opset 11 and optional
/// scalar inputs from opset 11. Output has the input's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__Clip.html · opsets 1–13.
/// Cost: 1 FLOP (`Conventions.simpleActivation`) per element.
struct ClipOp: Operator {
    static let schema = OpSchema(type: "Clip", since: 1, inputs: 1...3, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset < 11 {
            let low = try node.float("min", default: -Float.greatestFiniteMagnitude)
            let high = try node.float("max", default: Float.greatestFiniteMagnitude)
            guard !(low > high) else { throw .invalidAttribute(name: "min", reason: "min \(low) is greater than max \(high)") }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        for index in [1, 2] where ctx.hasInput(index) {
            if let shape = try ctx.tensor(index).shape, !(shape.isEmpty || shape == [1]) {
                throw .invalidInput(index: index, reason: "must be a scalar, got shape [\(shape.map(\.description).joined(separator: ","))]")
            }
        }
        return [.tensor(x)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.simpleActivation)
    }
}

// MARK: - Softmax, LogSoftmax, Hardmax

/// One row of the softmax table.
struct SoftmaxRow: Sendable {
    var type: String
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    /// LogSoftmax takes one log per normalized row (1 FLOP + 1 transcendental each).
    var logPerRow: Bool
}

/// A tag type naming one row of the softmax table.
protocol SoftmaxKind: Sendable {
    static var row: SoftmaxRow { get }
}

/// Softmax, LogSoftmax or Hardmax along `axis`; the output has the input's shape and type.
/// Semantics differ by opset: before 13 the input is coerced to 2-D
/// `[a_0·…·a_{axis−1}, a_axis·…·a_{n−1}]` and normalized over the second dim (`axis` default 1);
/// from 13 it is normalized along the single `axis` (default −1).
/// Spec: https://onnx.ai/onnx/operators/onnx__Softmax.html (LogSoftmax, Hardmax) · opsets 1–13.
/// Cost per element: Softmax/LogSoftmax `Conventions.softmax` (5: max, sub, exp, sum, div/sub)
/// + 1 transcendental (exp); LogSoftmax adds 1 log per normalized row (1 FLOP + 1 transcendental);
/// Hardmax 1 comparison (`Conventions.reduceStep`) per element (an argmax per row).
struct SoftmaxFamilyOp<Kind: SoftmaxKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.row.type, since: 1, inputs: 1...1, outputs: 1...1) }

    let axis: Int
    /// Before opset 13: normalize over the flattened trailing dims from `axis`.
    let coercesTo2D: Bool
    /// Before opset 11 `axis == rank` was accepted (one row holding everything).
    let acceptsAxisEqualToRank: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        coercesTo2D = opset < 13
        acceptsAxisEqualToRank = opset < 11
        axis = try node.int("axis", default: coercesTo2D ? 1 : -1)
    }

    /// The axis in `[0, rank)` (or `rank` itself before opset 11).
    func normalizedAxis(rank: Int) throws(ShapeError) -> Int {
        if acceptsAxisEqualToRank, axis == rank { return rank }
        return try Axes.normalize(axis, rank: rank)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if let rank = x.rank { _ = try normalizedAxis(rank: rank) }
        return [.tensor(x)]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        let elements = shape.product
        var cost = OpCost.elementwise(elements, flopsPerElement: Kind.row.flopsPerElement,
                                      transcendentalsPerElement: Kind.row.transcendentalsPerElement)
        if Kind.row.logPerRow {
            guard let axis = try? normalizedAxis(rank: shape.count) else { throw .unknownShape("axis out of range") }
            let rows = coercesTo2D
                ? Array(shape[..<axis]).product
                : (Array(shape[..<axis]) + Array(shape[(axis + 1)...])).product
            cost.flops += rows * .value(Conventions.transcendental)
            cost.transcendentals += rows
        }
        return cost
    }
}

/// The rows of the softmax table.
enum SoftmaxKinds {
    enum Softmax: SoftmaxKind {
        static let row = SoftmaxRow(type: "Softmax", flopsPerElement: Conventions.softmax, transcendentalsPerElement: 1, logPerRow: false)
    }
    enum LogSoftmax: SoftmaxKind {
        static let row = SoftmaxRow(type: "LogSoftmax", flopsPerElement: Conventions.softmax, transcendentalsPerElement: 1, logPerRow: true)
    }
    enum Hardmax: SoftmaxKind {
        static let row = SoftmaxRow(type: "Hardmax", flopsPerElement: Conventions.reduceStep, transcendentalsPerElement: 0, logPerRow: false)
    }
}

typealias SoftmaxOp = SoftmaxFamilyOp<SoftmaxKinds.Softmax>
typealias LogSoftmaxOp = SoftmaxFamilyOp<SoftmaxKinds.LogSoftmax>
typealias HardmaxOp = SoftmaxFamilyOp<SoftmaxKinds.Hardmax>

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ActivationFamily {
    public static let operators: [any Operator.Type] = [
        ReluOp.self, LeakyReluOp.self, PReluOp.self, ThresholdedReluOp.self, ShrinkOp.self,
        SigmoidOp.self, HardSigmoidOp.self, HardSwishOp.self, TanhOp.self,
        SoftplusOp.self, SoftsignOp.self, EluOp.self, SeluOp.self, CeluOp.self, MishOp.self, SwishOp.self,
        GeluOp.self, ClipOp.self,
        SoftmaxOp.self, LogSoftmaxOp.self, HardmaxOp.self,
    ]
}
