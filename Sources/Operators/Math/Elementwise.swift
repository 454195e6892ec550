import ONNXGraph
import ShapeInference
import CostKernels

// Elementwise arithmetic and math: Add, Sub, Mul, Div, Pow, Mod, BitShift, Bitwise*, Sum, Mean, Max,
// Min, and the unary math table (Exp, Log, Sqrt, Sin, ..., IsNaN, IsInf). Shared helpers live in
// `Support/ElementwiseSupport.swift`.

// MARK: - Add, Sub, Mul, Div, Pow, BitwiseAnd, BitwiseOr, BitwiseXor

/// Which values a binary row computes for small integer (shape) tensors.
enum BinaryMathFold: Sendable {
    case none, add, sub, mul, div
}

/// One row of the binary arithmetic table.
struct BinaryMathRow: Sendable {
    var type: String
    var since: Int
    /// The opset before which the `broadcast`/`axis` attributes apply (`nil`: numpy broadcasting only).
    var legacyBroadcastBefore: Int?
    /// Whether A and B must share their element type (Pow's exponent may differ since opset 12).
    var sameTypeInputs: Bool
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    var fold: BinaryMathFold
    var traits: OpTraits = .epilogue
}

extension BinaryMathRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: since, inputs: 2...2, outputs: 1...1, traits: traits) }
    var formula: String { ElementwiseSupport.perElement(flopsPerElement, transcendentals: transcendentalsPerElement, of: "output element") }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try BinaryMathOp(row: self, node: node, opset: opset) }
}

/// Binary elementwise arithmetic with numpy broadcasting (opset ≥ 7) or the legacy
/// `broadcast`/`axis` rule (opset < 7, output shaped like A). Output dtype is A's.
/// Spec: https://onnx.ai/onnx/operators/onnx__Add.html (and Sub, Mul, Div, Pow, BitwiseAnd/Or/Xor).
/// Opsets: Add/Sub/Mul/Div 1–14, Pow 1–15, BitwiseAnd/Or/Xor 18.
/// Cost: Add/Sub/Mul/Div/Bitwise* 1 FLOP (`Conventions.arithmetic`) per output element; Pow 1 FLOP
/// and 1 transcendental per output element.
/// Values: Add/Sub/Mul/Div of small integer tensors are folded (Div truncates toward zero; a
/// symbolic quotient is kept only when exact, or as a floor of a non-negative numerator).
struct BinaryMathOp: OperatorRule {
    let row: BinaryMathRow
    let legacy: ElementwiseSupport.LegacyBroadcast?

    init(row: BinaryMathRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
        legacy = try ElementwiseSupport.legacyBroadcast(node, opset: opset, before: row.legacyBroadcastBefore)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        if row.sameTypeInputs { try ElementwiseSupport.requireSameType(ctx, [0, 1]) }
        guard let shapes = try ElementwiseSupport.binaryShapes(&ctx, legacy: legacy) else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        // Set only when folded: the context's values start as shared nils, copied on the first write.
        if let value = fold(ctx, dtype: a.dtype, shapes: shapes.inputs, output: shapes.output) { ctx.outputValues[0] = value }
        return [.tensor(TensorType(dtype: a.dtype, shape: shapes.output))]
    }

    private func fold(_ ctx: ShapeContext, dtype: DataType, shapes: [[Dim]], output: [Dim]) -> TensorValue? {
        let fold = row.fold
        if fold == .none { return nil }
        if dtype.isInteger {
            return ElementwiseSupport.foldInts(ctx, shapes: shapes, output: output) { v in
                switch fold {
                case .add: v[0] + v[1]
                case .sub: v[0] - v[1]
                case .mul: v[0] * v[1]
                case .div: ElementwiseSupport.truncatingDivide(v[0], v[1])
                case .none: nil
                }
            }
        }
        if dtype.isFloatingPoint {
            return ElementwiseSupport.foldDoubles(ctx, shapes: shapes, output: output) { v in
                switch fold {
                case .add: v[0] + v[1]
                case .sub: v[0] - v[1]
                case .mul: v[0] * v[1]
                case .div: v[0] / v[1]
                case .none: nil
                }
            }
        }
        return nil
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: row.flopsPerElement,
                     transcendentalsPerElement: row.transcendentalsPerElement)
    }
}

/// The rows of the binary arithmetic table.
extension BinaryMathRow {
    static let table: [BinaryMathRow] = [
        .init(type: "Add", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .add),
        .init(type: "Sub", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .sub),
        .init(type: "Mul", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .mul),
        .init(type: "Div", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .div),
        .init(type: "Pow", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: false, flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1, fold: .none),
        .init(type: "BitwiseAnd", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none, traits: []),
        .init(type: "BitwiseOr", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none, traits: []),
        .init(type: "BitwiseXor", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none, traits: []),
    ]
}

// MARK: - Mod

/// Elementwise remainder with numpy broadcasting; `fmod=0` (default) takes the divisor's sign,
/// `fmod=1` the dividend's (C fmod; runtimes before opset 28 require it for floats).
/// Spec: https://onnx.ai/onnx/operators/onnx__Mod.html · opsets 10–28.
/// Values: folded for small integer tensors.
struct ModOp: Operator {
    static let schema = OpSchema(type: "Mod", since: 10, inputs: 2...2, outputs: 1...1, traits: .epilogue)

    let fmod: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let value = try node.int("fmod", default: 0)
        guard value == 0 || value == 1 else { throw .invalidAttribute(name: "fmod", reason: "must be 0 or 1, got \(value)") }
        fmod = value == 1
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        try ElementwiseSupport.requireSameType(ctx, [0, 1])
        guard let sa = a.shape, let sb = b.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        let shape = try ElementwiseSupport.broadcast([sa, sb])
        if a.dtype.isInteger {
            let fmod = fmod
            ctx.outputValues[0] = ElementwiseSupport.foldInts(ctx, shapes: [sa, sb], output: shape) { v in
                ElementwiseSupport.remainder(v[0], v[1], fmod: fmod)
            }
        }
        return [.tensor(TensorType(dtype: a.dtype, shape: shape))]
    }

    static let formula = "1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - BitShift

/// Elementwise bit shift of unsigned integers, `direction` LEFT or RIGHT (required), numpy broadcasting.
/// Spec: https://onnx.ai/onnx/operators/onnx__BitShift.html · opsets 11–28.
struct BitShiftOp: Operator {
    static let schema = OpSchema(type: "BitShift", since: 11, inputs: 2...2, outputs: 1...1)

    let direction: String

    init(node: Node, opset: Int) throws(ShapeError) {
        guard node.attribute("direction") != nil else { throw .missingAttribute("direction") }
        direction = try node.string("direction", default: "")
        guard direction == "LEFT" || direction == "RIGHT" else {
            throw .invalidAttribute(name: "direction", reason: "must be LEFT or RIGHT, got '\(direction)'")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        try ElementwiseSupport.requireSameType(ctx, [0, 1])
        guard let sa = a.shape, let sb = b.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        return [.tensor(TensorType(dtype: a.dtype, shape: try ElementwiseSupport.broadcast([sa, sb])))]
    }

    static let formula = "1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - Sum, Mean, Max, Min

/// Which values a variadic row computes for small integer tensors.
enum VariadicFold: Sendable {
    case none, sum, max, min
}

/// One row of the variadic table.
struct VariadicRow: Sendable {
    var type: String
    /// Extra FLOPs per output element after the n−1 pairwise steps (Mean's division).
    var finishFLOPs: Int
    var fold: VariadicFold
}

extension VariadicRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: 1, inputs: 1...Int(Int32.max), outputs: 1...1, traits: .epilogue) }
    var formula: String {
        "(n−1) FLOPs per output element for n inputs" + (finishFLOPs > 0 ? ", + \(finishFLOPs) per output element (the division by n)." : ".")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { VariadicOp(row: self) }
}

/// Variadic elementwise Sum/Mean/Max/Min of one or more inputs; numpy broadcasting (opset ≥ 8;
/// before, inputs have equal shapes, which broadcasting accepts too).
/// Spec: https://onnx.ai/onnx/operators/onnx__Sum.html (Mean, Max, Min) · opsets 1–13.
/// Cost: (n−1) FLOPs (`Conventions.arithmetic`) per output element for n inputs, +1 per output
/// element for Mean's division.
/// Values: Sum/Max/Min of small integer tensors are folded (Max/Min only where decidable).
struct VariadicOp: OperatorRule {
    let row: VariadicRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard ctx.inputCount >= 1 else { throw .arity(what: "inputs", expected: 1...Int(Int32.max), got: 0) }
        let indices = Array(0..<ctx.inputCount)
        try ElementwiseSupport.requireSameType(ctx, indices)
        let dtype = try ctx.dtype(0)
        var shapes: [[Dim]] = []
        for index in indices {
            guard let shape = try ctx.tensor(index).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
            shapes.append(shape)
        }
        let output = try ElementwiseSupport.broadcast(shapes)
        ctx.warnings += Broadcast.assumptions(shapes)
        if dtype.isInteger, row.fold != .none {
            let fold = row.fold
            ctx.outputValues[0] = ElementwiseSupport.foldInts(ctx, shapes: shapes, output: output) { v in
                var result = v[0]
                for x in v.dropFirst() {
                    switch fold {
                    case .sum: result = result + x
                    case .max, .min:
                        // Take x when it is decidably the new extreme (ties pick either).
                        guard let takeX = ElementwiseSupport.decide(x, result, { fold == .max ? $0 >= 0 : $0 <= 0 })
                            ?? ElementwiseSupport.decide(x, result, { fold == .max ? $0 > 0 : $0 < 0 }) else { return nil }
                        if takeX { result = x }
                    case .none: return nil
                    }
                }
                return result
            }
        }
        return [.tensor(TensorType(dtype: dtype, shape: output))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = ctx.node.inputs.filter { !$0.isEmpty }.count
        let perElement = Swift.max(n - 1, 0) * Conventions.arithmetic + row.finishFLOPs
        return .elementwise(try ctx.outputElements(), flopsPerElement: perElement)
    }
}

/// The rows of the variadic table.
extension VariadicRow {
    static let table: [VariadicRow] = [
        .init(type: "Sum", finishFLOPs: 0, fold: .sum),
        .init(type: "Mean", finishFLOPs: Conventions.arithmetic, fold: .none),
        .init(type: "Max", finishFLOPs: 0, fold: .max),
        .init(type: "Min", finishFLOPs: 0, fold: .min),
    ]
}

// MARK: - Unary math (Abs, Neg, Sign, Floor, Ceil, Round, Reciprocal, Sqrt, Exp, Log, trig, Erf, IsNaN, IsInf, BitwiseNot)

/// Which values a unary row computes for small tensors.
enum UnaryMathFold: Sendable {
    case none, neg, abs, sign, floor, ceil, round, reciprocal, sqrt

    /// Integer operands (symbolic sizes allowed); `nil` when not decidable or not defined.
    func apply(_ x: Dim) -> Dim? {
        switch self {
        case .neg: return -x
        case .abs:
            if let v = x.intValue { return v == Int.min ? nil : .value(Swift.abs(v)) }
            return ElementwiseSupport.isNonNegative(x) ? x : nil
        case .sign:
            let signs = ElementwiseSupport.possibleSigns(x)
            return signs.count == 1 ? signs.first.map(Dim.value) : nil
        default: return nil
        }
    }

    /// Floating operands.
    func apply(_ x: Double) -> Double? {
        switch self {
        case .neg: -x
        case .abs: Swift.abs(x)
        case .sign: x > 0 ? 1 : (x < 0 ? -1 : 0)
        case .floor: x.rounded(.down)
        case .ceil: x.rounded(.up)
        // ONNX Round: half to even.
        case .round: x.rounded(.toNearestOrEven)
        case .reciprocal: 1 / x
        case .sqrt: x.squareRoot()
        case .none: nil
        }
    }
}

/// One row of the unary math table.
struct UnaryMathRow: Sendable {
    var type: String
    var since: Int
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    /// `true` when the output is `bool` (IsNaN, IsInf), else the input's type.
    var boolOutput: Bool = false
    var fold: UnaryMathFold = .none
    var traits: OpTraits = []
}

extension UnaryMathRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: since, inputs: 1...1, outputs: 1...1, traits: traits) }
    var formula: String { ElementwiseSupport.perElement(flopsPerElement, transcendentals: transcendentalsPerElement) }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try UnaryMathOp(row: self, node: node, opset: opset) }
}

/// Unary elementwise math: output has the input's shape, and its type (bool for IsNaN/IsInf).
/// Spec: https://onnx.ai/onnx/operators/onnx__Exp.html (and each op of the table) · each from its
/// first opset to the newest (opsets 1–5 `consumed_inputs` is ignored).
/// Cost per element: Abs/Neg/Sign/Floor/Ceil/Round 1 FLOP (`Conventions.simpleActivation`);
/// Reciprocal, IsNaN, IsInf, BitwiseNot 1 FLOP (`Conventions.arithmetic`); Sqrt, Exp, Log, Sin, Cos,
/// Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Erf 1 FLOP + 1 transcendental.
/// Values: Neg, Abs, Sign of small integer tensors (symbolic where decidable), and Neg, Abs, Sign,
/// Floor, Ceil, Round, Reciprocal, Sqrt of small float tensors are folded.
struct UnaryMathOp: OperatorRule {
    let row: UnaryMathRow

    init(row: UnaryMathRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
        if row.type == "IsInf" {
            for name in ["detect_negative", "detect_positive"] {
                let flag = try node.int(name, default: 1)
                guard flag == 0 || flag == 1 else { throw .invalidAttribute(name: name, reason: "must be 0 or 1, got \(flag)") }
            }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        let fold = row.fold
        if fold != .none {
            if x.dtype.isInteger, let values = ctx.intValues(0) {
                var result: [Dim] = []
                for value in values {
                    guard let folded = fold.apply(value) else { result = []; break }
                    result.append(folded)
                }
                if result.count == values.count { ctx.outputValues[0] = .ints(result) }
            } else if x.dtype.isFloatingPoint, let values = ctx.doubles(0) {
                let folded = values.compactMap { fold.apply($0) }
                if folded.count == values.count { ctx.outputValues[0] = .floats(folded) }
            }
        }
        return [.tensor(TensorType(dtype: row.boolOutput ? .bool : x.dtype, shape: x.shape))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: row.flopsPerElement,
                     transcendentalsPerElement: row.transcendentalsPerElement)
    }
}

/// The rows of the unary math table (`.epilogue`: runtimes fuse it into the kernel before it).
extension UnaryMathRow {
    private static func simple(_ type: String, _ since: Int, fold: UnaryMathFold) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.simpleActivation, transcendentalsPerElement: 0, fold: fold, traits: .epilogue)
    }
    private static func transcendental(_ type: String, _ since: Int, fold: UnaryMathFold = .none, _ traits: OpTraits = []) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1, fold: fold, traits: traits)
    }
    private static func arithmetic(_ type: String, _ since: Int, bool: Bool = false, fold: UnaryMathFold = .none, _ traits: OpTraits = []) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, boolOutput: bool,
                     fold: fold, traits: traits)
    }

    static let table: [UnaryMathRow] = [
        simple("Abs", 1, fold: .abs), simple("Neg", 1, fold: .neg), simple("Sign", 9, fold: .sign),
        simple("Floor", 1, fold: .floor), simple("Ceil", 1, fold: .ceil), simple("Round", 11, fold: .round),
        arithmetic("Reciprocal", 1, fold: .reciprocal, .epilogue),
        transcendental("Sqrt", 1, fold: .sqrt, .epilogue),
        transcendental("Exp", 1, .epilogue), transcendental("Log", 1, .epilogue),
        transcendental("Sin", 7, .epilogue), transcendental("Cos", 7, .epilogue), transcendental("Tan", 7),
        transcendental("Asin", 7), transcendental("Acos", 7), transcendental("Atan", 7),
        transcendental("Sinh", 9), transcendental("Cosh", 9), transcendental("Asinh", 9), transcendental("Acosh", 9), transcendental("Atanh", 9),
        transcendental("Erf", 9, .epilogue),
        arithmetic("IsNaN", 9, bool: true, .epilogue), arithmetic("IsInf", 10, bool: true, .epilogue),
        arithmetic("BitwiseNot", 18),
    ]
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ElementwiseFamily {
    public static let entries: [OperatorEntry] = BinaryMathRow.table.entries
        + [OperatorEntry(ModOp.self), OperatorEntry(BitShiftOp.self)]
        + VariadicRow.table.entries
        + UnaryMathRow.table.entries
}
