import ONNXGraph
import ShapeInference

/// The compute of one node, as its cost rule states it. Bytes and params are not here: the cost
/// pass derives them the same way for every op (inputs read, outputs written, constants consumed),
/// so a rule states only what is specific to the op.
public struct OpCost: Sendable, Equatable {
    /// Multiply-accumulates (Conv, Gemm, MatMul, Einsum, attention, RNN, and their quantized forms).
    public var macs: SymbolicInt
    /// Floating-point (or integer) operations: 2·MACs + bias adds + per-element work.
    public var flops: SymbolicInt
    /// Transcendental evaluations (exp, log, tanh, erf, sqrt, sin...), also counted once in `flops`.
    public var transcendentals: SymbolicInt
    /// The precision the compute runs at (`int8` for quantized MACs); `nil` = the first input's type.
    public var computeType: DataType?
    /// Bytes this op reads, when it is not "all inputs" (Shape and Size read only metadata).
    public var bytesReadOverride: SymbolicInt?

    public init(macs: SymbolicInt = 0, flops: SymbolicInt = 0, transcendentals: SymbolicInt = 0,
                computeType: DataType? = nil, bytesReadOverride: SymbolicInt? = nil) {
        self.macs = macs
        self.flops = flops
        self.transcendentals = transcendentals
        self.computeType = computeType
        self.bytesReadOverride = bytesReadOverride
    }

    /// No compute: data movement and shape ops (their bytes are still counted by the pass).
    public static let zero = OpCost()

    /// A MAC-based op: `flops = 2·macs + extraFLOPs`.
    public static func macs(_ macs: SymbolicInt, extraFLOPs: SymbolicInt = 0, computeType: DataType? = nil) -> OpCost {
        OpCost(macs: macs, flops: macs * .value(Conventions.flopsPerMAC) + extraFLOPs, computeType: computeType)
    }

    /// Per-element work: `elements × flopsPerElement` FLOPs, `elements × transcendentalsPerElement` transcendentals.
    public static func elementwise(_ elements: SymbolicInt, flopsPerElement: Int, transcendentalsPerElement: Int = 0) -> OpCost {
        OpCost(flops: elements * .value(flopsPerElement), transcendentals: elements * .value(transcendentalsPerElement))
    }
}

/// Why a node's cost could not be computed.
public enum CostError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An input or output shape the rule needs is unknown.
    case unknownShape(String)
    /// Counts overflowed 64 bits.
    case overflow(String)
    case unsupported(String)
    /// The geometry the cost needs is invalid (the shape rule's own error, kept typed).
    case shape(ShapeError)
    /// The node's shapes could not be inferred, so no rule can price it.
    case shapesNotInferred

    public var description: String {
        switch self {
        case .shape(let error): "geometry: \(error)"
        case .unknownShape(let what): "shape of \(what) is unknown"
        case .overflow(let what): "count overflows 64 bits: \(what)"
        case .unsupported(let what): "no cost rule: \(what)"
        case .shapesNotInferred: "shapes could not be inferred"
        }
    }
}

/// What a cost rule sees: the node and its inferred input and output types.
///
/// Holds the shape pass's own type arrays (shared, not copied): the cost pass builds one context
/// per node, and mapping them to `[TensorType?]` arrays allocated and freed two arrays per node.
public struct CostContext: Sendable {
    public let node: Node
    public let opset: Int
    /// The inferred types, as the shape pass recorded them (`nil` for an omitted input).
    public let inputTypes: [ValueType?]
    public let outputTypes: [ValueType]
    public let inputValues: [TensorValue?]

    public init(node: Node, opset: Int, inputs: [TensorType?], outputs: [TensorType?], inputValues: [TensorValue?] = []) {
        // A `nil` input stays `nil`; a `nil` output is a value of unknown type (no tensor either way).
        self.init(node: node, opset: opset, inputTypes: inputs.map { $0.map(ValueType.tensor) },
                  outputTypes: outputs.map { $0.map(ValueType.tensor) ?? .unknown }, inputValues: inputValues)
    }

    public init(node: Node, opset: Int, inputTypes: [ValueType?], outputTypes: [ValueType], inputValues: [TensorValue?] = []) {
        self.node = node
        self.opset = opset
        self.inputTypes = inputTypes
        self.outputTypes = outputTypes
        self.inputValues = inputValues
    }

    /// The tensor type of each input (`nil` when omitted or not a tensor).
    public var inputs: [TensorType?] { inputTypes.map { $0?.tensor } }
    /// The tensor type of each output (`nil` when not a tensor).
    public var outputs: [TensorType?] { outputTypes.map(\.tensor) }

    /// The tensor type of input `index` (`nil` when missing, omitted or not a tensor).
    public func input(_ index: Int) -> TensorType? { index < inputTypes.count ? inputTypes[index]?.tensor : nil }
    /// The tensor type of output `index` (`nil` when missing or not a tensor).
    public func output(_ index: Int) -> TensorType? { index < outputTypes.count ? outputTypes[index].tensor : nil }

    public func hasInput(_ index: Int) -> Bool { input(index) != nil }

    /// Shape of input `index`; throws when missing or of unknown rank.
    public func inputShape(_ index: Int) throws(CostError) -> [Dim] {
        guard let shape = input(index)?.shape else { throw .unknownShape("input \(index)") }
        return shape
    }

    /// Shape of output `index`; throws when unknown.
    public func outputShape(_ index: Int = 0) throws(CostError) -> [Dim] {
        guard let shape = output(index)?.shape else { throw .unknownShape("output \(index)") }
        return shape
    }

    /// Element count of output `index`.
    public func outputElements(_ index: Int = 0) throws(CostError) -> SymbolicInt { try outputShape(index).product }

    /// Element count of input `index`.
    public func inputElements(_ index: Int) throws(CostError) -> SymbolicInt { try inputShape(index).product }

    public func inputType(_ index: Int) -> DataType? { input(index)?.dtype }
}

/// Computes an operator's cost from its inferred types.
public protocol CostRule: Sendable {
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost
}

/// Finds a node's cost rule. The `Operators` target provides it (its registry made the node's shape
/// rule), so this target never imports it.
public protocol CostRuleResolver: Sendable {
    /// The cost rule of the node whose shape rule is `rule`; `nil` when the op has none.
    func costRule(for rule: any ShapeRule) -> (any CostRule)?
    /// How the subgraphs of the node whose shape rule is `rule` count (If, Loop, Scan); `nil` when
    /// the op holds none (the pass then counts each subgraph once).
    func subgraphCostRule(for rule: any ShapeRule) -> (any SubgraphCostRule)?
    /// The cost the node's cost rule states, `nil` when the op has none: what `costRule(for:)`'s
    /// rule computes, without copying that rule out into an existential box of its own per node.
    func cost(by rule: any ShapeRule, _ context: CostContext) throws(CostError) -> OpCost?
}

extension CostRuleResolver {
    public func cost(by rule: any ShapeRule, _ context: CostContext) throws(CostError) -> OpCost? {
        guard let costRule = costRule(for: rule) else { return nil }
        return try costRule.cost(context)
    }
}

/// How a control-flow op's subgraphs count toward its cost.
public enum SubgraphCostPolicy: Sendable, Equatable {
    /// Every inferred subgraph runs this many times (Loop: trip count; Scan: sequence length).
    case repeated(SymbolicInt)
    /// One of the branches runs (If with an unknown condition): the costlier one is counted.
    case costlierBranch
}

/// Implemented by ops that hold subgraphs (If, Loop, Scan); the cost pass adds the subgraphs' cost.
public protocol SubgraphCostRule: Sendable {
    func subgraphPolicy(_ ctx: CostContext) -> SubgraphCostPolicy
}
