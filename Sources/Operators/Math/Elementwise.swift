import ONNXGraph
import ShapeInference
import CostKernels

// Elementwise arithmetic and math: Add, Sub, Mul, Div, Pow, Mod, BitShift, Bitwise*, Sum, Mean, Max,
// Min, and the unary math table (Exp, Log, Sqrt, Sin, ..., IsNaN, IsInf). Shared helpers live in
// `ElementwiseSupport.swift`.

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
}

/// A tag type naming one row of the binary table.
protocol BinaryMathKind: Sendable {
    static var row: BinaryMathRow { get }
}

/// Binary elementwise arithmetic with numpy broadcasting (opset ≥ 7) or the legacy
/// `broadcast`/`axis` rule (opset < 7, output shaped like A). Output dtype is A's.
/// Spec: https://onnx.ai/onnx/operators/onnx__Add.html (and Sub, Mul, Div, Pow, BitwiseAnd/Or/Xor).
/// Opsets: Add/Sub/Mul/Div 1–14, Pow 1–15, BitwiseAnd/Or/Xor 18.
/// Cost: Add/Sub/Mul/Div/Bitwise* 1 FLOP (`Conventions.arithmetic`) per output element; Pow 1 FLOP
/// and 1 transcendental per output element.
/// Values: Add/Sub/Mul/Div of small integer tensors are folded (Div truncates toward zero; a
/// symbolic quotient is kept only when exact, or as a floor of a non-negative numerator).
struct BinaryMathOp<Kind: BinaryMathKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.row.type, since: Kind.row.since, inputs: 2...2, outputs: 1...1) }

    let legacy: ElementwiseSupport.LegacyBroadcast?

    init(node: Node, opset: Int) throws(ShapeError) {
        if let before = Kind.row.legacyBroadcastBefore {
            legacy = try ElementwiseSupport.legacyBroadcast(node, opset: opset, before: before)
        } else {
            legacy = nil
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        if Kind.row.sameTypeInputs { try ElementwiseSupport.requireSameType(ctx, [0, 1]) }
        guard let sa = a.shape, let sb = b.shape else { return [.tensor(TensorType(dtype: a.dtype, shape: nil))] }
        let shapes = try ElementwiseSupport.binaryShapes(sa, sb, legacy: legacy)
        if legacy == nil { ctx.warnings += Broadcast.assumptions([sa, sb]) }
        ctx.outputValues[0] = Self.fold(ctx, dtype: a.dtype, shapes: shapes.inputs, output: shapes.output)
        return [.tensor(TensorType(dtype: a.dtype, shape: shapes.output))]
    }

    private static func fold(_ ctx: ShapeContext, dtype: DataType, shapes: [[Dim]], output: [Dim]) -> TensorValue? {
        let fold = Kind.row.fold
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
        .elementwise(try ctx.outputElements(), flopsPerElement: Kind.row.flopsPerElement,
                     transcendentalsPerElement: Kind.row.transcendentalsPerElement)
    }
}

/// The rows of the binary arithmetic table.
enum BinaryMathKinds {
    enum Add: BinaryMathKind {
        static let row = BinaryMathRow(type: "Add", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .add)
    }
    enum Sub: BinaryMathKind {
        static let row = BinaryMathRow(type: "Sub", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .sub)
    }
    enum Mul: BinaryMathKind {
        static let row = BinaryMathRow(type: "Mul", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .mul)
    }
    enum Div: BinaryMathKind {
        static let row = BinaryMathRow(type: "Div", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .div)
    }
    enum Pow: BinaryMathKind {
        static let row = BinaryMathRow(type: "Pow", since: 1, legacyBroadcastBefore: 7, sameTypeInputs: false,
                                       flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1, fold: .none)
    }
    enum BitwiseAnd: BinaryMathKind {
        static let row = BinaryMathRow(type: "BitwiseAnd", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none)
    }
    enum BitwiseOr: BinaryMathKind {
        static let row = BinaryMathRow(type: "BitwiseOr", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none)
    }
    enum BitwiseXor: BinaryMathKind {
        static let row = BinaryMathRow(type: "BitwiseXor", since: 18, legacyBroadcastBefore: nil, sameTypeInputs: true,
                                       flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, fold: .none)
    }
}

typealias AddOp = BinaryMathOp<BinaryMathKinds.Add>
typealias SubOp = BinaryMathOp<BinaryMathKinds.Sub>
typealias MulOp = BinaryMathOp<BinaryMathKinds.Mul>
typealias DivOp = BinaryMathOp<BinaryMathKinds.Div>
typealias PowOp = BinaryMathOp<BinaryMathKinds.Pow>
typealias BitwiseAndOp = BinaryMathOp<BinaryMathKinds.BitwiseAnd>
typealias BitwiseOrOp = BinaryMathOp<BinaryMathKinds.BitwiseOr>
typealias BitwiseXorOp = BinaryMathOp<BinaryMathKinds.BitwiseXor>

// MARK: - Mod

/// Elementwise remainder with numpy broadcasting; `fmod=0` (default) takes the divisor's sign,
/// `fmod=1` the dividend's (C fmod; runtimes before opset 28 require it for floats).
/// Spec: https://onnx.ai/onnx/operators/onnx__Mod.html · opsets 10–28.
/// Cost: 1 FLOP (`Conventions.arithmetic`) per output element.
/// Values: folded for small integer tensors.
struct ModOp: Operator {
    static let schema = OpSchema(type: "Mod", since: 10, inputs: 2...2, outputs: 1...1)

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

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - BitShift

/// Elementwise bit shift of unsigned integers, `direction` LEFT or RIGHT (required), numpy broadcasting.
/// Spec: https://onnx.ai/onnx/operators/onnx__BitShift.html · opsets 11–28.
/// Cost: 1 FLOP (`Conventions.arithmetic`) per output element.
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

/// A tag type naming one row of the variadic table.
protocol VariadicKind: Sendable {
    static var row: VariadicRow { get }
}

/// Variadic elementwise Sum/Mean/Max/Min of one or more inputs; numpy broadcasting (opset ≥ 8;
/// before, inputs have equal shapes, which broadcasting accepts too).
/// Spec: https://onnx.ai/onnx/operators/onnx__Sum.html (Mean, Max, Min) · opsets 1–13.
/// Cost: (n−1) FLOPs (`Conventions.arithmetic`) per output element for n inputs, +1 per output
/// element for Mean's division.
/// Values: Sum/Max/Min of small integer tensors are folded (Max/Min only where decidable).
struct VariadicOp<Kind: VariadicKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.row.type, since: 1, inputs: 1...Int(Int32.max), outputs: 1...1) }

    init(node: Node, opset: Int) throws(ShapeError) {}

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
        if dtype.isInteger, Kind.row.fold != .none {
            let fold = Kind.row.fold
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
        let perElement = Swift.max(n - 1, 0) * Conventions.arithmetic + Kind.row.finishFLOPs
        return .elementwise(try ctx.outputElements(), flopsPerElement: perElement)
    }
}

/// The rows of the variadic table.
enum VariadicKinds {
    enum Sum: VariadicKind { static let row = VariadicRow(type: "Sum", finishFLOPs: 0, fold: .sum) }
    enum Mean: VariadicKind { static let row = VariadicRow(type: "Mean", finishFLOPs: Conventions.arithmetic, fold: .none) }
    enum Max: VariadicKind { static let row = VariadicRow(type: "Max", finishFLOPs: 0, fold: .max) }
    enum Min: VariadicKind { static let row = VariadicRow(type: "Min", finishFLOPs: 0, fold: .min) }
}

typealias SumOp = VariadicOp<VariadicKinds.Sum>
typealias MeanOp = VariadicOp<VariadicKinds.Mean>
typealias MaxOp = VariadicOp<VariadicKinds.Max>
typealias MinOp = VariadicOp<VariadicKinds.Min>

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
}

/// A tag type naming one row of the unary math table.
protocol UnaryMathKind: Sendable {
    static var row: UnaryMathRow { get }
}

/// Unary elementwise math: output has the input's shape, and its type (bool for IsNaN/IsInf).
/// Spec: https://onnx.ai/onnx/operators/onnx__Exp.html (and each op of the table) · each from its
/// first opset to the newest (opsets 1–5 `consumed_inputs` is ignored).
/// Cost per element: Abs/Neg/Sign/Floor/Ceil/Round 1 FLOP (`Conventions.simpleActivation`);
/// Reciprocal, IsNaN, IsInf, BitwiseNot 1 FLOP (`Conventions.arithmetic`); Sqrt, Exp, Log, Sin, Cos,
/// Tan, Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Erf 1 FLOP + 1 transcendental.
/// Values: Neg, Abs, Sign of small integer tensors (symbolic where decidable), and Neg, Abs, Sign,
/// Floor, Ceil, Round, Reciprocal, Sqrt of small float tensors are folded.
struct UnaryMathOp<Kind: UnaryMathKind>: Operator {
    static var schema: OpSchema { OpSchema(type: Kind.row.type, since: Kind.row.since, inputs: 1...1, outputs: 1...1) }

    init(node: Node, opset: Int) throws(ShapeError) {
        if Kind.row.type == "IsInf" {
            for name in ["detect_negative", "detect_positive"] {
                let flag = try node.int(name, default: 1)
                guard flag == 0 || flag == 1 else { throw .invalidAttribute(name: name, reason: "must be 0 or 1, got \(flag)") }
            }
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        let fold = Kind.row.fold
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
        return [.tensor(TensorType(dtype: Kind.row.boolOutput ? .bool : x.dtype, shape: x.shape))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Kind.row.flopsPerElement,
                     transcendentalsPerElement: Kind.row.transcendentalsPerElement)
    }
}

/// The rows of the unary math table.
enum UnaryMathKinds {
    private static func simple(_ type: String, _ since: Int, fold: UnaryMathFold = .none) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.simpleActivation, transcendentalsPerElement: 0, fold: fold)
    }
    private static func transcendental(_ type: String, _ since: Int, fold: UnaryMathFold = .none) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.transcendental, transcendentalsPerElement: 1, fold: fold)
    }
    private static func arithmetic(_ type: String, _ since: Int, bool: Bool = false, fold: UnaryMathFold = .none) -> UnaryMathRow {
        UnaryMathRow(type: type, since: since, flopsPerElement: Conventions.arithmetic, transcendentalsPerElement: 0, boolOutput: bool,
                     fold: fold)
    }

    enum Abs: UnaryMathKind { static let row = simple("Abs", 1, fold: .abs) }
    enum Neg: UnaryMathKind { static let row = simple("Neg", 1, fold: .neg) }
    enum Sign: UnaryMathKind { static let row = simple("Sign", 9, fold: .sign) }
    enum Floor: UnaryMathKind { static let row = simple("Floor", 1, fold: .floor) }
    enum Ceil: UnaryMathKind { static let row = simple("Ceil", 1, fold: .ceil) }
    enum Round: UnaryMathKind { static let row = simple("Round", 11, fold: .round) }
    enum Reciprocal: UnaryMathKind { static let row = arithmetic("Reciprocal", 1, fold: .reciprocal) }
    enum Sqrt: UnaryMathKind { static let row = transcendental("Sqrt", 1, fold: .sqrt) }
    enum Exp: UnaryMathKind { static let row = transcendental("Exp", 1) }
    enum Log: UnaryMathKind { static let row = transcendental("Log", 1) }
    enum Sin: UnaryMathKind { static let row = transcendental("Sin", 7) }
    enum Cos: UnaryMathKind { static let row = transcendental("Cos", 7) }
    enum Tan: UnaryMathKind { static let row = transcendental("Tan", 7) }
    enum Asin: UnaryMathKind { static let row = transcendental("Asin", 7) }
    enum Acos: UnaryMathKind { static let row = transcendental("Acos", 7) }
    enum Atan: UnaryMathKind { static let row = transcendental("Atan", 7) }
    enum Sinh: UnaryMathKind { static let row = transcendental("Sinh", 9) }
    enum Cosh: UnaryMathKind { static let row = transcendental("Cosh", 9) }
    enum Asinh: UnaryMathKind { static let row = transcendental("Asinh", 9) }
    enum Acosh: UnaryMathKind { static let row = transcendental("Acosh", 9) }
    enum Atanh: UnaryMathKind { static let row = transcendental("Atanh", 9) }
    enum Erf: UnaryMathKind { static let row = transcendental("Erf", 9) }
    enum IsNaN: UnaryMathKind { static let row = arithmetic("IsNaN", 9, bool: true) }
    enum IsInf: UnaryMathKind { static let row = arithmetic("IsInf", 10, bool: true) }
    enum BitwiseNot: UnaryMathKind { static let row = arithmetic("BitwiseNot", 18) }
}

typealias AbsOp = UnaryMathOp<UnaryMathKinds.Abs>
typealias NegOp = UnaryMathOp<UnaryMathKinds.Neg>
typealias SignOp = UnaryMathOp<UnaryMathKinds.Sign>
typealias FloorOp = UnaryMathOp<UnaryMathKinds.Floor>
typealias CeilOp = UnaryMathOp<UnaryMathKinds.Ceil>
typealias RoundOp = UnaryMathOp<UnaryMathKinds.Round>
typealias ReciprocalOp = UnaryMathOp<UnaryMathKinds.Reciprocal>
typealias SqrtOp = UnaryMathOp<UnaryMathKinds.Sqrt>
typealias ExpOp = UnaryMathOp<UnaryMathKinds.Exp>
typealias LogOp = UnaryMathOp<UnaryMathKinds.Log>
typealias SinOp = UnaryMathOp<UnaryMathKinds.Sin>
typealias CosOp = UnaryMathOp<UnaryMathKinds.Cos>
typealias TanOp = UnaryMathOp<UnaryMathKinds.Tan>
typealias AsinOp = UnaryMathOp<UnaryMathKinds.Asin>
typealias AcosOp = UnaryMathOp<UnaryMathKinds.Acos>
typealias AtanOp = UnaryMathOp<UnaryMathKinds.Atan>
typealias SinhOp = UnaryMathOp<UnaryMathKinds.Sinh>
typealias CoshOp = UnaryMathOp<UnaryMathKinds.Cosh>
typealias AsinhOp = UnaryMathOp<UnaryMathKinds.Asinh>
typealias AcoshOp = UnaryMathOp<UnaryMathKinds.Acosh>
typealias AtanhOp = UnaryMathOp<UnaryMathKinds.Atanh>
typealias ErfOp = UnaryMathOp<UnaryMathKinds.Erf>
typealias IsNaNOp = UnaryMathOp<UnaryMathKinds.IsNaN>
typealias IsInfOp = UnaryMathOp<UnaryMathKinds.IsInf>
typealias BitwiseNotOp = UnaryMathOp<UnaryMathKinds.BitwiseNot>

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ElementwiseFamily {
    public static let operators: [any Operator.Type] = [
        AddOp.self, SubOp.self, MulOp.self, DivOp.self, PowOp.self,
        BitwiseAndOp.self, BitwiseOrOp.self, BitwiseXorOp.self,
        ModOp.self, BitShiftOp.self,
        SumOp.self, MeanOp.self, MaxOp.self, MinOp.self,
        AbsOp.self, NegOp.self, SignOp.self, FloorOp.self, CeilOp.self, RoundOp.self, ReciprocalOp.self,
        SqrtOp.self, ExpOp.self, LogOp.self,
        SinOp.self, CosOp.self, TanOp.self, AsinOp.self, AcosOp.self, AtanOp.self,
        SinhOp.self, CoshOp.self, AsinhOp.self, AcoshOp.self, AtanhOp.self,
        ErfOp.self, IsNaNOp.self, IsInfOp.self, BitwiseNotOp.self,
    ]
}
