import ONNXGraph
import ShapeInference
import CostKernels

// Comparison and logic: Equal, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor, Not, Where.
// (IsNaN and IsInf are rows of the unary math table in Math/Elementwise.swift.)

// MARK: - Equal, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor

/// What a binary logical row computes on two values.
enum LogicalPredicate: Sendable {
    case equal, less, lessOrEqual, greater, greaterOrEqual, and, or, xor

    /// The result for an ordering (−1, 0, 1) of A against B, for comparisons.
    func holds(order: Int) -> Bool {
        switch self {
        case .equal: order == 0
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        case .and, .or, .xor: false
        }
    }

    var isComparison: Bool {
        switch self {
        case .and, .or, .xor: false
        default: true
        }
    }

    /// Integer (or bool) operands: `nil` when a symbolic comparison cannot be decided.
    func apply(_ a: Dim, _ b: Dim) -> Dim? {
        if isComparison {
            guard let result = ElementwiseSupport.decide(a, b, holds(order:)) else { return nil }
            return result ? 1 : 0
        }
        guard let x = a.intValue, let y = b.intValue else { return nil }
        let p = x != 0, q = y != 0
        switch self {
        case .and: return p && q ? 1 : 0
        case .or: return p || q ? 1 : 0
        default: return p != q ? 1 : 0
        }
    }

    /// Floating operands (comparisons only).
    func apply(_ a: Double, _ b: Double) -> Double? {
        guard isComparison else { return nil }
        if a.isNaN || b.isNaN { return 0 }
        let order = a < b ? -1 : (a > b ? 1 : 0)
        return holds(order: order) ? 1 : 0
    }
}

/// One row of the binary logical table.
struct LogicalRow: Sendable {
    var type: String
    var since: Int
    var legacyBroadcastBefore: Int?
    var predicate: LogicalPredicate
}

extension LogicalRow: OperatorRow {
    var schema: OpSchema { OpSchema(type: type, since: since, inputs: 2...2, outputs: 1...1, traits: .epilogue) }
    var formula: String { ElementwiseSupport.perElement(Conventions.arithmetic, transcendentals: 0, of: "output element") }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try LogicalBinaryOp(row: self, node: node, opset: opset) }
}

/// Elementwise comparison (Equal, Less, LessOrEqual, Greater, GreaterOrEqual) or logic (And, Or,
/// Xor) with numpy broadcasting (legacy `broadcast`/`axis` before opset 7); the output is `bool`.
/// Spec: https://onnx.ai/onnx/operators/onnx__Equal.html (and the others) · Equal/Less/Greater
/// 1–19, LessOrEqual/GreaterOrEqual 12–16, And/Or/Xor 1–7.
/// Cost: 1 FLOP (`Conventions.arithmetic`) per output element.
/// Values: folded for small integer tensors when every element is decidable (symbolic dims are
/// compared through their difference; `batch == 3` is undecidable, so no values then).
struct LogicalBinaryOp: OperatorRule {
    let row: LogicalRow
    let legacy: ElementwiseSupport.LegacyBroadcast?

    init(row: LogicalRow, node: Node, opset: Int) throws(ShapeError) {
        self.row = row
        legacy = try ElementwiseSupport.legacyBroadcast(node, opset: opset, before: row.legacyBroadcastBefore)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        try ElementwiseSupport.requireSameType(ctx, [0, 1])
        if !row.predicate.isComparison, a.dtype != .bool, a.dtype != .undefined {
            throw .invalidInput(index: 0, reason: "\(row.type) expects bool inputs, got \(a.dtype)")
        }
        guard let shapes = try ElementwiseSupport.binaryShapes(&ctx, legacy: legacy) else { return [.tensor(TensorType(dtype: .bool, shape: nil))] }
        let predicate = row.predicate
        if a.dtype.isInteger || a.dtype == .bool {
            ctx.outputValues[0] = ElementwiseSupport.foldInts(ctx, shapes: shapes.inputs, output: shapes.output) { v in
                predicate.apply(v[0], v[1])
            }
        } else if a.dtype.isFloatingPoint, predicate.isComparison,
                  let folded = ElementwiseSupport.foldDoubles(ctx, shapes: shapes.inputs, output: shapes.output, { v in
                      predicate.apply(v[0], v[1])
                  }), let bits = folded.knownInts {
            ctx.outputValues[0] = .ints(bits.map(Dim.value))
        }
        return [.tensor(TensorType(dtype: .bool, shape: shapes.output))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

/// The rows of the binary logical table.
extension LogicalRow {
    static let table: [LogicalRow] = [
        LogicalRow(type: "Equal", since: 1, legacyBroadcastBefore: 7, predicate: .equal),
        LogicalRow(type: "Less", since: 1, legacyBroadcastBefore: 7, predicate: .less),
        LogicalRow(type: "LessOrEqual", since: 12, legacyBroadcastBefore: nil, predicate: .lessOrEqual),
        LogicalRow(type: "Greater", since: 1, legacyBroadcastBefore: 7, predicate: .greater),
        LogicalRow(type: "GreaterOrEqual", since: 12, legacyBroadcastBefore: nil, predicate: .greaterOrEqual),
        LogicalRow(type: "And", since: 1, legacyBroadcastBefore: 7, predicate: .and),
        LogicalRow(type: "Or", since: 1, legacyBroadcastBefore: 7, predicate: .or),
        LogicalRow(type: "Xor", since: 1, legacyBroadcastBefore: 7, predicate: .xor),
    ]
}

// MARK: - Not

/// Elementwise logical negation of a bool tensor.
/// Spec: https://onnx.ai/onnx/operators/onnx__Not.html · opset 1.
/// Values: folded when the input values are known.
struct NotOp: Operator {
    static let schema = OpSchema(type: "Not", since: 1, inputs: 1...1, outputs: 1...1, traits: .epilogue)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        if x.dtype != .bool, x.dtype != .undefined {
            throw .invalidInput(index: 0, reason: "Not expects a bool input, got \(x.dtype)")
        }
        if let values = ctx.knownInts(0) { ctx.outputValues[0] = .ints(values.map { $0 == 0 ? 1 : 0 }) }
        return [.tensor(TensorType(dtype: .bool, shape: x.shape))]
    }

    static let formula = "1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - Where

/// Elementwise select `condition ? X : Y`, numpy broadcasting of all three; output type is X's.
/// Spec: https://onnx.ai/onnx/operators/onnx__Where.html · opsets 9–16.
/// Values: folded when the condition is known and X, Y values are known (symbolic dims pass
/// through); an undecided condition gives no values.
struct WhereOp: Operator {
    static let schema = OpSchema(type: "Where", since: 9, inputs: 3...3, outputs: 1...1, traits: .epilogue)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let condition = try ctx.tensor(0), x = try ctx.tensor(1), y = try ctx.tensor(2)
        if condition.dtype != .bool, condition.dtype != .undefined {
            throw .invalidInput(index: 0, reason: "condition must be bool, got \(condition.dtype)")
        }
        try ElementwiseSupport.requireSameType(ctx, [1, 2])
        guard let sc = condition.shape, let sx = x.shape, let sy = y.shape else {
            return [.tensor(TensorType(dtype: x.dtype, shape: nil))]
        }
        let output = try ElementwiseSupport.broadcast([sc, sx, sy])
        let shapes = [sc, sx, sy]
        ctx.warnings += Broadcast.assumptions(shapes)
        if x.dtype.isInteger || x.dtype == .bool {
            ctx.outputValues[0] = ElementwiseSupport.foldInts(ctx, shapes: shapes, output: output) { v in
                guard let flag = v[0].intValue else { return nil }
                return flag != 0 ? v[1] : v[2]
            }
        } else if x.dtype.isFloatingPoint {
            ctx.outputValues[0] = ElementwiseSupport.foldDoubles(ctx, shapes: shapes, output: output) { v in
                v[0] != 0 ? v[1] : v[2]
            }
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: output))]
    }

    static let formula = "1 FLOP (`Conventions.arithmetic` = \(Conventions.arithmetic)) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.arithmetic)
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum LogicalFamily {
    public static let entries: [OperatorEntry] = LogicalRow.table.entries + [OperatorEntry(NotOp.self), OperatorEntry(WhereOp.self)]
}
