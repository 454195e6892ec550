import ONNXGraph

/// The tensor names of one graph, each given a dense id (0, 1, 2...) in the order first seen. The
/// shape pass hashes each name once per use here; its scope and the cost pass then index arrays.
///
/// An open-addressing table of ids, probed linearly, with a hash of each name kept beside it: a
/// lookup hashes the name's bytes eight at a time and compares names only where the hashes agree
/// (about a third of what `Dictionary<String, Int32>`'s SipHash and buckets cost per name, and
/// names are looked up once per use: 17,000 times in a 7,000-node decoder). The hash is seeded per
/// process, so a file cannot be built to make its names collide.
public struct TensorNameTable: Sendable {
    /// The name of each id.
    public private(set) var names: [String] = []
    /// The hash of each id's name (`names[id]`'s, by `hash(_:)`).
    private var hashes: [UInt64] = []
    /// Ids by slot (`hash & (slots.count - 1)`, then the next slots in turn); -1 marks a free slot.
    /// Kept at most half full, a power of two long (or empty).
    private var slots: [Int32] = []

    public init(capacity: Int = 0) {
        names.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        if capacity > 0 { slots = Array(repeating: -1, count: Self.slotCount(for: capacity)) }
    }

    public var count: Int { names.count }

    /// The id of `name`, given a new one when it is first seen.
    public mutating func intern(_ name: String) -> Int {
        if 2 * (names.count + 1) > slots.count { grow() }
        let hash = Self.hash(name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            if hashes[id] == hash, names[id] == name { return id }
            slot = (slot + 1) & mask
        }
        let id = names.count
        slots[slot] = Int32(truncatingIfNeeded: id)
        names.append(name)
        hashes.append(hash)
        return id
    }

    /// The id of `name` when it has one.
    public func id(of name: String) -> Int? {
        if names.isEmpty { return nil }
        let hash = Self.hash(name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { return nil }
            if hashes[id] == hash, names[id] == name { return id }
            slot = (slot + 1) & mask
        }
    }

    /// Doubles the slots (at least 16) and places every id again by its kept hash.
    private mutating func grow() {
        let count = Self.slotCount(for: Swift.max(names.count + 1, slots.count))
        var grown = [Int32](repeating: -1, count: count)
        let mask = count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while grown[slot] >= 0 { slot = (slot + 1) & mask }
            grown[slot] = Int32(truncatingIfNeeded: id)
        }
        slots = grown
    }

    /// The smallest power of two (at least 16) that holds `names` names at most half full.
    static func slotCount(for names: Int) -> Int {
        var count = 16
        while count < 2 * names { count *= 2 }
        return count
    }

    /// Chosen once per process: see the type's comment.
    private static let seed = UInt64.random(in: .min ... .max)

    /// `NameHash` of the name's UTF-8 bytes, with this process's seed.
    static func hash(_ name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { NameHash.hash(UnsafeRawBufferPointer($0), seed: seed) }
    }
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
