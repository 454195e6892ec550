import ONNXGraph

/// The tensor names of one graph, each given a dense id (0, 1, 2...) in the order first seen. The
/// shape pass hashes each name once per use here; its scope and the cost pass then index arrays.
public struct TensorNameTable: Sendable {
    private var table: [String: Int32] = [:]
    /// The name of each id.
    public private(set) var names: [String] = []

    public init(capacity: Int = 0) {
        table.reserveCapacity(capacity)
        names.reserveCapacity(capacity)
    }

    public var count: Int { names.count }

    /// The id of `name`, given a new one when it is first seen.
    public mutating func intern(_ name: String) -> Int {
        // One lookup: the defaulting subscript's accessor inserts `next` when the name is new.
        let next = Int32(truncatingIfNeeded: names.count)
        let id = Self.read(&table[name, default: next])
        if id == next { names.append(name) }
        return Int(id)
    }

    /// The id of `name` when it has one.
    public func id(of name: String) -> Int? {
        table.isEmpty ? nil : table[name].map(Int.init)
    }

    private static func read(_ value: inout Int32) -> Int32 { value }
}

/// The ids of every node's input and output names, in flat lists (one entry per name; -1 for an
/// omitted `""` name): node `i`'s inputs are `inputIDs[inputStart[i]..<inputStart[i + 1]]`.
public struct NodeTensorIDs: Sendable {
    public internal(set) var inputIDs: [Int32] = []
    public internal(set) var inputStart: [Int32] = [0]
    public internal(set) var outputIDs: [Int32] = []
    public internal(set) var outputStart: [Int32] = [0]

    public init() {}

    /// The number of nodes listed.
    public var count: Int { inputStart.count - 1 }

    public func inputs(_ index: Int) -> ArraySlice<Int32> { inputIDs[Int(inputStart[index])..<Int(inputStart[index + 1])] }
    public func outputs(_ index: Int) -> ArraySlice<Int32> { outputIDs[Int(outputStart[index])..<Int(outputStart[index + 1])] }

    /// The same lists with node `order[i]` of these as node `i`.
    func reordered(_ order: [Int]) -> NodeTensorIDs {
        var result = NodeTensorIDs()
        result.inputIDs.reserveCapacity(inputIDs.count)
        result.outputIDs.reserveCapacity(outputIDs.count)
        result.inputStart.reserveCapacity(order.count + 1)
        result.outputStart.reserveCapacity(order.count + 1)
        for index in order {
            result.inputIDs.append(contentsOf: inputs(index))
            result.outputIDs.append(contentsOf: outputs(index))
            result.inputStart.append(Int32(truncatingIfNeeded: result.inputIDs.count))
            result.outputStart.append(Int32(truncatingIfNeeded: result.outputIDs.count))
        }
        return result
    }
}

/// Types of the values a graph defines, looked up by name (`GraphInference.valueTypes`).
public struct ValueTypes: Sendable {
    let names: TensorNameTable
    let types: [ValueType?]

    /// The type of `name` when this graph defines it.
    public subscript(name: String) -> ValueType? {
        guard let id = names.id(of: name), id < types.count else { return nil }
        return types[id]
    }
}
