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
    var traits: OpTraits = .epilogue
}

extension ActivationRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: since, inputs: 1...1, outputs: 1...1, traits: traits) }
    var formula: String {
        ElementwiseSupport.perElement(flopsPerElement, transcendentals: transcendentalsPerElement)
            + (type == "Swish" ? " +\(Conventions.arithmetic) FLOP per element when alpha ≠ 1." : "")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try ActivationOp(row: self, node: node, opset: opset) }
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
struct ActivationOp: OperatorRule {
    let row: ActivationRow
    /// Extra FLOPs per element that depend on attributes (Swish's alpha).
    let extraFLOPs: Int

    init(row: ActivationRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
        for name in row.floatAttributes { _ = try node.float(name, default: 0) }
        let alpha = row.type == "Swish" ? try node.float("alpha", default: 1) : 1
        extraFLOPs = alpha != 1 ? Conventions.arithmetic : 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(try ctx.tensor(0))]
    }

    var outputIsInputType: Bool { true }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: row.flopsPerElement + extraFLOPs,
                     transcendentalsPerElement: row.transcendentalsPerElement)
    }
}

/// The rows of the unary activation table (all but Swish fuse as an epilogue).
extension ActivationRow {
    private static func simple(_ type: String, _ since: Int, _ attributes: [String] = []) -> ActivationRow {
        ActivationRow(type: type, since: since, flopsPerElement: Conventions.simpleActivation, transcendentalsPerElement: 0,
                      floatAttributes: attributes)
    }

    static let table: [ActivationRow] = [
        simple("Relu", 1), simple("LeakyRelu", 1, ["alpha"]), simple("ThresholdedRelu", 10, ["alpha"]), simple("Shrink", 9, ["bias", "lambd"]),
        ActivationRow(type: "Sigmoid", since: 1, flopsPerElement: Conventions.sigmoid, transcendentalsPerElement: 1),
        ActivationRow(type: "HardSigmoid", since: 1, flopsPerElement: Conventions.hardSigmoid, transcendentalsPerElement: 0, floatAttributes: ["alpha", "beta"]),
        ActivationRow(type: "HardSwish", since: 14, flopsPerElement: Conventions.hardSigmoid + Conventions.arithmetic, transcendentalsPerElement: 0),
        ActivationRow(type: "Tanh", since: 1, flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1),
        ActivationRow(type: "Softplus", since: 1, flopsPerElement: Conventions.softplus, transcendentalsPerElement: 2),
        ActivationRow(type: "Softsign", since: 1, flopsPerElement: Conventions.softsign, transcendentalsPerElement: 0),
        ActivationRow(type: "Elu", since: 1, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1, floatAttributes: ["alpha"]),
        ActivationRow(type: "Selu", since: 1, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1, floatAttributes: ["alpha", "gamma"]),
        ActivationRow(type: "Celu", since: 12, flopsPerElement: Conventions.elu, transcendentalsPerElement: 1, floatAttributes: ["alpha"]),
        ActivationRow(type: "Mish", since: 18, flopsPerElement: Conventions.mish, transcendentalsPerElement: 3),
        ActivationRow(type: "Swish", since: 24, flopsPerElement: Conventions.silu, transcendentalsPerElement: 1, floatAttributes: ["alpha"], traits: []),
    ]
}

// MARK: - Gelu

/// Gaussian error linear unit, `approximate` = "none" (erf form) or "tanh".
/// Spec: https://onnx.ai/onnx/operators/onnx__Gelu.html · opset 20.
struct GeluOp: Operator {
    static let schema = OpSchema(type: "Gelu", since: 20, inputs: 1...1, outputs: 1...1, traits: .epilogue)

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

    var outputIsInputType: Bool { true }

    static let formula = "Cost per element: \"none\" `Conventions.gelu` (5) + 1 transcendental (erf); \"tanh\" `Conventions.geluTanh` (9) + 1 transcendental (tanh)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: tanhApproximation ? Conventions.geluTanh : Conventions.gelu,
                     transcendentalsPerElement: 1)
    }
}

// MARK: - PRelu

/// Leaky ReLU with a learned slope: `slope` is unidirectionally broadcast to X (opset ≥ 7);
/// the output has X's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__PRelu.html · opsets 1–16.
struct PReluOp: Operator {
    static let schema = OpSchema(type: "PRelu", since: 1, inputs: 2...2, outputs: 1...1, traits: .epilogue)

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

    static let formula = "1 FLOP (`Conventions.simpleActivation` = \(Conventions.simpleActivation)) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.simpleActivation)
    }
}

// MARK: - Clip

/// Clamps every element to [min, max]: `min`/`max` are attributes before opset 11 and optional
/// scalar inputs from opset 11. Output has the input's shape and type.
/// Spec: https://onnx.ai/onnx/operators/onnx__Clip.html · opsets 1–13.
struct ClipOp: Operator {
    static let schema = OpSchema(type: "Clip", since: 1, inputs: 1...3, outputs: 1...1, traits: .epilogue)

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

    static let formula = "1 FLOP (`Conventions.simpleActivation` = \(Conventions.simpleActivation)) per element."
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

extension SoftmaxRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: 1, inputs: 1...1, outputs: 1...1) }
    var formula: String {
        ElementwiseSupport.perElement(flopsPerElement, transcendentals: transcendentalsPerElement)
            + (logPerRow ? " + 1 log per normalized row (\(Conventions.transcendental) FLOP + 1 transcendental)." : "")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try SoftmaxFamilyOp(row: self, node: node, opset: opset) }
}

/// Softmax, LogSoftmax or Hardmax along `axis`; the output has the input's shape and type.
/// Semantics differ by opset: before 13 the input is coerced to 2-D
/// `[a_0·…·a_{axis−1}, a_axis·…·a_{n−1}]` and normalized over the second dim (`axis` default 1);
/// from 13 it is normalized along the single `axis` (default −1).
/// Spec: https://onnx.ai/onnx/operators/onnx__Softmax.html (LogSoftmax, Hardmax) · opsets 1–13.
/// Cost per element: Softmax/LogSoftmax `Conventions.softmax` (5: max, sub, exp, sum, div/sub)
/// + 1 transcendental (exp); LogSoftmax adds 1 log per normalized row (1 FLOP + 1 transcendental);
/// Hardmax 1 comparison (`Conventions.reduceStep`) per element (an argmax per row).
struct SoftmaxFamilyOp: OperatorRule {
    let row: SoftmaxRow
    let axis: Int
    /// Before opset 13: normalize over the flattened trailing dims from `axis`.
    let coercesTo2D: Bool
    /// Before opset 11 `axis == rank` was accepted (one row holding everything).
    let acceptsAxisEqualToRank: Bool

    init(row: SoftmaxRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
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
        var cost = OpCost.elementwise(elements, flopsPerElement: row.flopsPerElement,
                                      transcendentalsPerElement: row.transcendentalsPerElement)
        if row.logPerRow {
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
extension SoftmaxRow {
    static let table: [SoftmaxRow] = [
        SoftmaxRow(type: "Softmax", flopsPerElement: Conventions.softmax, transcendentalsPerElement: 1, logPerRow: false),
        SoftmaxRow(type: "LogSoftmax", flopsPerElement: Conventions.softmax, transcendentalsPerElement: 1, logPerRow: true),
        SoftmaxRow(type: "Hardmax", flopsPerElement: Conventions.reduceStep, transcendentalsPerElement: 0, logPerRow: false),
    ]
}

// MARK: - SwiGLU

/// `Y = Swish_alpha(A) · B`, A and B of identical shapes (no broadcasting).
/// Spec: https://onnx.ai/onnx/operators/onnx__SwiGLU.html · opset 28.
struct SwiGLUOp: Operator {
    static let schema = OpSchema(type: "SwiGLU", since: 28, inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) { _ = try node.float("alpha", default: 1) }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        guard let sa = a.shape, let sb = b.shape else { return [ValueKit.tensor(a.dtype, a.shape ?? b.shape)] }
        guard sa.count == sb.count else { throw .rankMismatch("A has rank \(sa.count), B rank \(sb.count)") }
        var shape: [Dim] = []
        for (x, y) in zip(sa, sb) { shape.append(try ValueKit.unify(x, y, what: "SwiGLU A and B")) }
        return [ValueKit.tensor(a.dtype, shape)]
    }

    static let formula = "per element `Conventions.silu` (5) + 1 multiply = 6 FLOPs, 1 transcendental (the exp)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.silu + Conventions.arithmetic, transcendentalsPerElement: 1)
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ActivationFamily {
    public static let entries: [OperatorEntry] = ActivationRow.table.entries
        + [OperatorEntry(PReluOp.self), OperatorEntry(GeluOp.self), OperatorEntry(ClipOp.self), OperatorEntry(SwiGLUOp.self)]
        + SoftmaxRow.table.entries
}
