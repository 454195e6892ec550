import ONNXGraph

/// Everything a shape rule may look at for one node, and where it puts propagated values.
public struct ShapeContext {
    /// The node, read in place from its graph's node list (`nodes[nodeIndex]`): copying it into
    /// every context retained each of its fields.
    public var node: Node { nodes[nodeIndex] }
    private let nodes: [Node]
    private let nodeIndex: Int
    /// The opset version imported for the node's domain.
    public let opset: Int
    /// Types of the inputs, `nil` for an omitted optional input (`""`).
    public let inputTypes: [ValueType?]
    /// Known values of small inputs: constants, and values propagated from Shape/Gather/... chains.
    public let inputValues: [TensorValue?]
    /// Values of this node's outputs, when the rule can compute them (filled by the rule).
    public var outputValues: [TensorValue?]
    /// Non-fatal remarks the rule makes (printed as warnings naming the node).
    public var warnings: [String] = []
    /// Infers a subgraph (If branch, Loop/Scan body) given the types, and optionally the known
    /// values, of its formal inputs; returns the types of its outputs. Outer-scope values are
    /// visible to the body.
    public let inferSubgraphWithValues: (Graph, [ValueType], [TensorValue?]) -> [ValueType]

    public init(node: Node, opset: Int, inputTypes: [ValueType?], inputValues: [TensorValue?],
                inferSubgraph: @escaping (Graph, [ValueType], [TensorValue?]) -> [ValueType] = { g, _, _ in g.outputs.map { _ in .unknown } }) {
        self.nodes = [node]
        self.nodeIndex = 0
        self.opset = opset
        self.inputTypes = inputTypes
        self.inputValues = inputValues
        self.outputValues = Self.noValues(node.outputs.count)
        self.inferSubgraphWithValues = inferSubgraph
    }

    /// The context of node `index` of `nodes`, whose `outputValues` has `outputSlots` entries (at
    /// least one per node output).
    init(nodes: [Node], index: Int, opset: Int, inputTypes: [ValueType?], inputValues: [TensorValue?], outputSlots: Int,
         inferSubgraph: @escaping (Graph, [ValueType], [TensorValue?]) -> [ValueType] = { g, _, _ in g.outputs.map { _ in .unknown } }) {
        self.nodes = nodes
        self.nodeIndex = index
        self.opset = opset
        self.inputTypes = inputTypes
        self.inputValues = inputValues
        self.outputValues = Self.noValues(Swift.max(outputSlots, nodes[index].outputs.count))
        self.inferSubgraphWithValues = inferSubgraph
    }

    /// `count` nils: for a small count, one array made once and shared (it is copied when first
    /// written, so a rule that sets a value gets its own). Most nodes' input and output values.
    static func noValues(_ count: Int) -> [TensorValue?] {
        count < sharedNoValues.count ? sharedNoValues[count] : makeNoValues(count)
    }

    private static let sharedNoValues: [[TensorValue?]] = (0..<16).map(makeNoValues)

    /// `count` nils, appended to a reserved array: `Array(repeating:count:)` looks up its storage
    /// type's metadata on every call, which cost more than the rest of it.
    private static func makeNoValues(_ count: Int) -> [TensorValue?] {
        var values: [TensorValue?] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(nil) }
        return values
    }

    /// Infers a subgraph given the types of its formal inputs.
    public func inferSubgraph(_ graph: Graph, _ formalTypes: [ValueType]) -> [ValueType] {
        inferSubgraphWithValues(graph, formalTypes, [])
    }

    // MARK: Inputs

    public var inputCount: Int { inputTypes.count }

    /// Whether input `index` is present (not past the end, not `""`).
    public func hasInput(_ index: Int) -> Bool { index < inputTypes.count && inputTypes[index] != nil }

    /// The tensor type of input `index`; throws when it is missing, unknown, or not a tensor.
    public func tensor(_ index: Int) throws(ShapeError) -> TensorType {
        guard index < inputTypes.count, let type = inputTypes[index] else { throw .missingInput(index) }
        switch type {
        case .tensor(let t): return t
        case .unknown: throw .unknownInput(index)
        default: throw .invalidInput(index: index, reason: "expected a tensor, got \(type)")
        }
    }

    /// The tensor type of an optional input, `nil` when omitted.
    public func optionalTensor(_ index: Int) throws(ShapeError) -> TensorType? {
        hasInput(index) ? try tensor(index) : nil
    }

    /// The shape of input `index`; throws when its rank is unknown.
    public func shape(_ index: Int) throws(ShapeError) -> [Dim] {
        guard let shape = try tensor(index).shape else { throw .unknownInput(index) }
        return shape
    }

    /// The element type of input `index`.
    public func dtype(_ index: Int) throws(ShapeError) -> DataType { try tensor(index).dtype }

    /// The integer values of input `index` (possibly symbolic), when known.
    public func intValues(_ index: Int) -> [Dim]? {
        index < inputValues.count ? inputValues[index]?.ints : nil
    }

    /// The integer values of input `index` when all are known numbers.
    public func knownInts(_ index: Int) -> [Int]? {
        index < inputValues.count ? inputValues[index]?.knownInts : nil
    }

    /// The floating values of input `index`, when known.
    public func doubles(_ index: Int) -> [Double]? {
        index < inputValues.count ? inputValues[index]?.doubles : nil
    }

    // MARK: Attributes

    public func attribute(_ name: String) -> Attribute.Value? { node.attribute(name)?.value }
}

// MARK: - Attribute readers shared by shape rules and operator initializers

extension Node {
    /// An INT attribute, or `defaultValue` when absent.
    public func int(_ name: String, default defaultValue: Int) throws(ShapeError) -> Int {
        guard let value = attribute(name)?.value else { return defaultValue }
        guard case .int(let v) = value else { throw .invalidAttribute(name: name, reason: "expected INT, got \(value.kindName)") }
        return v
    }

    /// An INT attribute that may be absent.
    public func optionalInt(_ name: String) throws(ShapeError) -> Int? {
        guard let value = attribute(name)?.value else { return nil }
        guard case .int(let v) = value else { throw .invalidAttribute(name: name, reason: "expected INT, got \(value.kindName)") }
        return v
    }

    public func float(_ name: String, default defaultValue: Float) throws(ShapeError) -> Float {
        guard let value = attribute(name)?.value else { return defaultValue }
        switch value {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw .invalidAttribute(name: name, reason: "expected FLOAT, got \(value.kindName)")
        }
    }

    public func string(_ name: String, default defaultValue: String) throws(ShapeError) -> String {
        guard let value = attribute(name)?.value else { return defaultValue }
        guard case .string(let v) = value else { throw .invalidAttribute(name: name, reason: "expected STRING, got \(value.kindName)") }
        return v
    }

    /// An INTS attribute, `nil` when absent.
    public func ints(_ name: String) throws(ShapeError) -> [Int]? {
        guard let value = attribute(name)?.value else { return nil }
        switch value {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: throw .invalidAttribute(name: name, reason: "expected INTS, got \(value.kindName)")
        }
    }

    public func floats(_ name: String) throws(ShapeError) -> [Float]? {
        guard let value = attribute(name)?.value else { return nil }
        switch value {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: throw .invalidAttribute(name: name, reason: "expected FLOATS, got \(value.kindName)")
        }
    }

    public func strings(_ name: String) throws(ShapeError) -> [String]? {
        guard let value = attribute(name)?.value else { return nil }
        switch value {
        case .strings(let v): return v
        case .string(let v): return [v]
        default: throw .invalidAttribute(name: name, reason: "expected STRINGS, got \(value.kindName)")
        }
    }

    public func tensorAttribute(_ name: String) throws(ShapeError) -> TensorData? {
        guard let value = attribute(name)?.value else { return nil }
        guard case .tensor(let t) = value else { throw .invalidAttribute(name: name, reason: "expected TENSOR, got \(value.kindName)") }
        return t
    }

    public func graphAttribute(_ name: String) throws(ShapeError) -> Graph? {
        guard let value = attribute(name)?.value else { return nil }
        guard case .graph(let g) = value else { throw .invalidAttribute(name: name, reason: "expected GRAPH, got \(value.kindName)") }
        return g
    }
}
