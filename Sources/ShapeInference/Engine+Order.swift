import ONNXGraph

extension Engine {
    // MARK: Order

    /// Nodes in an order where every producer comes before its consumers, keeping the file's order
    /// where it already is one; `nil` when the file's order is one (the common case). Works on the
    /// tensor ids `ids` gives each node (in file order), so no name is hashed again. Iterative, so a
    /// 100,000-node chain does not exhaust the stack. Nodes on a cycle are reported and appended last
    /// (their inputs then look undefined).
    func topologicalOrder(_ graph: Graph, ids: NodeTensorIDs, path: String, scope: Scope) -> [Int]? {
        let count = graph.nodes.count
        // The producing node of each id of this graph, -1 for none.
        var producer = [Int32](repeating: -1, count: scope.names.count)
        // Backwards, so the first producer of a name is the one left.
        for index in stride(from: count - 1, through: 0, by: -1) {
            for id in ids.outputs(index) where id >= 0 { producer[Int(id)] = Int32(truncatingIfNeeded: index) }
        }
        // Names a subgraph reads from this graph: only those this graph numbered can have a producer here.
        // The node's subgraphs in `Node.subgraphs` order, read from its attributes in place (that
        // property is called on a copy of the node).
        func outerProducers(_ index: Int, _ visit: (Int) -> Void) {
            func visitReferences(_ subgraph: Graph) {
                for name in subgraph.outerScopeReferences where !name.isEmpty {
                    if let id = scope.names.id(of: name), producer[id] >= 0 { visit(Int(producer[id])) }
                }
            }
            for attribute in graph.nodes[index].attributes {
                switch attribute.value {
                case .graph(let subgraph): visitReferences(subgraph)
                case .graphs(let subgraphs): subgraphs.forEach(visitReferences)
                default: continue
                }
            }
        }
        func dependencies(_ index: Int) -> [Int] {
            var result: [Int] = []
            for id in ids.inputs(index) where id >= 0 {
                let p = Int(producer[Int(id)])
                if p >= 0, p != index { result.append(p) }
            }
            if !graph.nodes[index].attributes.isEmpty {
                outerProducers(index) { p in if p != index { result.append(p) } }
            }
            return result
        }
        // Fast path: already sorted (checked without building each node's dependency list).
        var sorted = true
        outer: for index in 0..<count {
            for id in ids.inputs(index) where id >= 0 {
                if Int(producer[Int(id)]) > index { sorted = false; break outer }
            }
            if !graph.nodes[index].attributes.isEmpty {
                outerProducers(index) { p in if p > index { sorted = false } }
                if !sorted { break outer }
            }
        }
        if sorted { return nil }

        enum Mark { case unvisited, visiting, done }
        var marks = Array(repeating: Mark.unvisited, count: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        var cyclic: [Int] = []
        for root in 0..<count where marks[root] == .unvisited {
            var stack: [(node: Int, deps: [Int], next: Int)] = [(root, dependencies(root), 0)]
            marks[root] = .visiting
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next < stack[top].deps.count {
                    let dep = stack[top].deps[stack[top].next]
                    stack[top].next += 1
                    switch marks[dep] {
                    case .unvisited:
                        marks[dep] = .visiting
                        stack.append((dep, dependencies(dep), 0))
                    case .visiting:
                        cyclic.append(dep)
                    case .done:
                        break
                    }
                } else {
                    marks[stack[top].node] = .done
                    order.append(stack[top].node)
                    stack.removeLast()
                }
            }
        }
        if !cyclic.isEmpty {
            for index in Set(cyclic).sorted() {
                diagnostics.append(Diagnostic(.error, node: NodeRef(graph.nodes[index], index: index, graphPath: path), ShapeFinding.cycle))
            }
        }
        return order
    }
}
