import ONNXGraph

extension Engine {
    // MARK: Reporting

    /// Declared types are a cross-check only: a conflict is a warning naming the tensor.
    func crossCheck(declared: [ValueInfo], scope: Scope) {
        for info in declared {
            guard case .tensor(let declaredTensor) = info.type, let inferred = scope.localType(info.name)?.tensor else { continue }
            if declaredTensor.dtype != .undefined && inferred.dtype != .undefined && declaredTensor.dtype != inferred.dtype {
                diagnostics.append(Diagnostic(.warning, ShapeFinding.declaredType(tensor: info.name, declared: declaredTensor.dtype, inferred: inferred.dtype)))
                continue
            }
            guard let declaredShape = declaredTensor.shape, let inferredShape = inferred.shape else { continue }
            var conflict = declaredShape.count != inferredShape.count
            if !conflict {
                for (d, i) in zip(declaredShape, inferredShape) {
                    if let a = d.intValue, let b = i.intValue, a != b { conflict = true }
                }
            }
            if conflict {
                diagnostics.append(Diagnostic(.warning, ShapeFinding.declaredShape(tensor: info.name, declared: declaredTensor, inferred: inferred)))
            }
        }
    }

    /// Every dim still unknown in the main graph's values, with the node that lost it.
    func unresolved(in graph: GraphInference, scope: Scope) -> [UnresolvedDim] {
        // `record` keeps an origin for every output with an unknown dim (or rank, or type): none kept,
        // none to list, and the outputs need not be read again.
        if scope.unknownOrigin.isEmpty { return [] }
        var result: [UnresolvedDim] = []
        // By index, reading two fields: binding each whole record copies (retains) every field of it.
        for position in graph.nodes.indices {
            let outputs = graph.nodes[position].node.outputs, outputTypes = graph.nodes[position].outputTypes
            for (index, name) in outputs.enumerated() where !name.isEmpty && index < outputTypes.count {
                guard case .tensor(let tensor) = outputTypes[index] else {
                    if outputTypes[index] == .unknown { result.append(UnresolvedDim(tensor: name, dimIndex: nil, lostAt: scope.origin(name))) }
                    continue
                }
                guard let shape = tensor.shape else {
                    result.append(UnresolvedDim(tensor: name, dimIndex: nil, lostAt: scope.origin(name)))
                    continue
                }
                for (dimIndex, dim) in shape.enumerated() where dim.isUnknown {
                    result.append(UnresolvedDim(tensor: name, dimIndex: dimIndex, lostAt: scope.origin(name)))
                }
            }
        }
        return result
    }
}
