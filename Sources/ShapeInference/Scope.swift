import ONNXGraph

/// Values visible at a point of the graph; subgraphs see their parents' values.
final class Scope {
    let parent: Scope?
    /// This graph's tensor names as ids; `types` is indexed by them (`nil`: named, not defined here).
    var names = TensorNameTable()
    var types: [ValueType?] = []
    /// Known values of small tensors, by id of this graph: indexed like `types` once a value is set
    /// (an array lookup, not a hash per input), and empty in a graph that has none.
    private(set) var values: [TensorValue?] = []
    var constants: Set<String> = []
    /// For values with unknown dims: the node where the first unknown appeared.
    var unknownOrigin: [String: NodeRef] = [:]

    init(parent: Scope?) { self.parent = parent }

    /// Room for about `count` more names without rehashing.
    func reserve(_ count: Int) {
        if names.count == 0 { names = TensorNameTable(capacity: count) }
        types.reserveCapacity(types.count + count)
    }

    /// The id of `name` in this graph (a new one when first seen).
    func id(_ name: String) -> Int {
        let id = names.intern(name)
        if id == types.count { types.append(nil) }
        return id
    }

    /// The ids of every input and output name of `nodes` (file order; -1 for `""`), new names
    /// numbered as `id(_:)` does. The table and types are taken out of the scope for the loop: where
    /// exclusivity is checked at run time (debug builds; release builds before 6062915), every use of
    /// a class's stored property is checked, which cost about as much as interning the name.
    func numberNames(of nodes: [Node]) -> NodeTensorIDs {
        var names = self.names
        var types = self.types
        // Left empty while the loop runs, so the copies above are the only references (no copy on write).
        self.names = TensorNameTable()
        self.types = []
        defer {
            self.names = names
            self.types = types
        }
        func id(_ name: String) -> Int32 {
            if name.isEmpty { return -1 }
            let id = names.intern(name)
            if id == types.count { types.append(nil) }
            return Int32(truncatingIfNeeded: id)
        }
        var ids = NodeTensorIDs()
        ids.inputStart.reserveCapacity(nodes.count + 1)
        ids.outputStart.reserveCapacity(nodes.count + 1)
        for index in nodes.indices {
            for name in nodes[index].inputs { ids.inputIDs.append(id(name)) }
            for name in nodes[index].outputs { ids.outputIDs.append(id(name)) }
            ids.inputStart.append(Int32(truncatingIfNeeded: ids.inputIDs.count))
            ids.outputStart.append(Int32(truncatingIfNeeded: ids.outputIDs.count))
        }
        return ids
    }

    /// Sets the known value of id `id` of this graph.
    func setValue(_ value: TensorValue, id: Int) {
        if id >= values.count {
            // Room at once for every name the graph reserved (`reserve`); later growth is geometric.
            if values.isEmpty { values.reserveCapacity(Swift.max(types.capacity, id + 1)) }
            while values.count <= id { values.append(nil) }
        }
        values[id] = value
    }

    /// Defines `name` (by id) as `type`; `true` when it was already defined in this graph.
    @discardableResult
    func define(_ id: Int, _ type: ValueType) -> Bool {
        let old = types[id]
        types[id] = type
        return old != nil
    }

    /// The type of id `id` of this graph, or of its name in the enclosing graphs.
    func type(id: Int) -> ValueType? { types[id] ?? parent?.type(names.names[id]) }

    /// The type of `name` when this graph (not its parents) defines it.
    func localType(_ name: String) -> ValueType? { names.id(of: name).flatMap { types[$0] } }

    // Empty tables are skipped without hashing the name (most graphs carry no values and lose no dims).
    func type(_ name: String) -> ValueType? { localType(name) ?? parent?.type(name) }
    func value(_ name: String) -> TensorValue? { localValue(name) ?? parent?.value(name) }
    /// The value of id `id` of this graph, or of its name in the enclosing graphs.
    func value(id: Int) -> TensorValue? { (id < values.count ? values[id] : nil) ?? parent?.value(names.names[id]) }
    /// The value of `name` when this graph (not its parents) holds one.
    func localValue(_ name: String) -> TensorValue? {
        guard !values.isEmpty, let id = names.id(of: name), id < values.count else { return nil }
        return values[id]
    }
    func isConstant(_ name: String) -> Bool { constants.contains(name) || (localType(name) == nil && parent?.isConstant(name) == true) }
    func origin(_ name: String) -> NodeRef? { (unknownOrigin.isEmpty ? nil : unknownOrigin[name]) ?? parent?.origin(name) }
    func isDefined(_ name: String) -> Bool { localType(name) != nil || parent?.isDefined(name) == true }
}

/// Collects the subgraphs a control-flow rule infers through its context.
final class SubgraphBox {
    var graphs: [SubgraphInference] = []
    /// A subgraph was not inferred because graphs nest too deep.
    var tooDeep = false
}
