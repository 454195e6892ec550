import ONNXGraph

extension Engine {
    // MARK: Order

    /// Nodes in an order where every producer comes before its consumers, keeping the file's order
    /// where it already is one. Iterative, so a 100,000-node chain does not exhaust the stack.
    /// Nodes on a cycle are reported and appended last (their inputs then look undefined).
    func topologicalOrder(_ graph: Graph, path: String, scope: Scope) -> [Int] {
        let count = graph.nodes.count
        var producer: [String: Int] = [:]
        producer.reserveCapacity(count * 2)
        // Backwards, so the first producer of a name is the one left (one hash per output name).
        for index in stride(from: count - 1, through: 0, by: -1) {
            for output in graph.nodes[index].outputs where !output.isEmpty { producer[output] = index }
        }
        func dependencies(_ index: Int) -> [Int] {
            let node = graph.nodes[index]
            var names = node.inputs
            if !node.attributes.isEmpty {
                for (_, subgraph) in node.subgraphs { names.append(contentsOf: subgraph.outerScopeReferences) }
            }
            var result: [Int] = []
            for name in names where !name.isEmpty {
                if let p = producer[name], p != index { result.append(p) }
            }
            return result
        }
        // Fast path: already sorted (checked without building each node's dependency list).
        var sorted = true
        outer: for index in 0..<count {
            let node = graph.nodes[index]
            for name in node.inputs where !name.isEmpty {
                if let p = producer[name], p > index { sorted = false; break outer }
            }
            if !node.attributes.isEmpty {
                for (_, subgraph) in node.subgraphs {
                    for name in subgraph.outerScopeReferences where !name.isEmpty {
                        if let p = producer[name], p > index { sorted = false; break outer }
                    }
                }
            }
        }
        if sorted { return Array(0..<count) }

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
