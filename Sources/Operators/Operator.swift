public import ONNXGraph
public import ShapeInference
public import CostKernels

/// A parsed operator node: its shape rule and its cost rule, side by side in one value.
/// `OperatorEntry.make` returns one; table rows (`LogicalRow`, `UnaryMathRow`...) build a
/// non-generic struct that stores its row.
public protocol OperatorRule: ShapeRule, CostRule {}

/// An operator implemented by one struct (Conv, Reshape...): its schema and cost formula are static,
/// and `init` parses the node. It registers as `OperatorEntry(ConvOp.self)`.
///
/// Member order in conforming types: `schema`, `formula`, stored attributes, `init`, `inferShapes`, `cost`.
public protocol Operator: OperatorRule {
    static var schema: OpSchema { get }
    /// The cost formula in words, as docs/cost-model.md prints it (`OpRegistry.costModelTable()`).
    static var formula: String { get }
    /// Parses, defaults and validates the attributes once. `opset` is the node's domain version.
    init(node: Node, opset: Int) throws(ShapeError)
}

/// One registration: what the op declares (schema, cost formula) and how to parse a node of it.
/// A value, so a table of near-identical ops is a list of rows, not a type per op.
public struct OperatorEntry: Sendable {
    public let schema: OpSchema
    /// Makes the formula text only when asked (docs), so building the registry allocates no strings.
    private let describe: @Sendable () -> String
    let make: @Sendable (Node, Int) throws(ShapeError) -> any OperatorRule

    public init(schema: OpSchema, formula: @escaping @autoclosure @Sendable () -> String,
                make: @escaping @Sendable (Node, Int) throws(ShapeError) -> any OperatorRule) {
        self.schema = schema
        self.describe = formula
        self.make = make
    }

    /// The cost formula in words (the generated table of docs/cost-model.md).
    public var formula: String { describe() }

    /// The entry of a one-struct operator.
    public init<Op: Operator>(_ op: Op.Type) {
        self.init(schema: Op.schema, formula: Op.formula) { node, opset throws(ShapeError) in try Op(node: node, opset: opset) }
    }

    /// Parses `node` (of this entry's op) at `opset`.
    public func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule {
        try make(node, opset)
    }
}

/// A row of an operator table: it states its own schema and cost formula and builds its operator.
/// Each table (`LogicalRow`, `ReduceRow`...) conforms once; its rows are one-line values.
protocol OperatorRow: Sendable {
    var schema: OpSchema { get }
    var formula: String { get }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule
}

extension OperatorRow {
    var entry: OperatorEntry {
        OperatorEntry(schema: schema, formula: formula) { node, opset throws(ShapeError) in try instantiate(node: node, opset: opset) }
    }
}

extension Array where Element: OperatorRow {
    /// The entries of a table's rows.
    var entries: [OperatorEntry] { map(\.entry) }
}

extension OperatorEntry {
    /// The entries of one-struct operators, in order.
    static func of(_ operators: [any Operator.Type]) -> [OperatorEntry] {
        operators.map { OperatorEntry($0) }
    }
}

/// An operator that only moves, reshapes or generates data: no arithmetic is counted (the cost pass
/// still counts the bytes it reads and writes). It states `schema`, `init` and `inferShapes` only.
protocol DataMovementOperator: Operator {}

extension DataMovementOperator {
    static var formula: String { "0 FLOPs (data movement; the cost pass counts the bytes read and written)." }
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}
