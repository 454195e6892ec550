import ONNXGraph

extension Engine {
    // MARK: Reporting

    /// Declared types are a cross-check only: a conflict is a warning naming the tensor.
    func crossCheck(declared: [ValueInfo], scope: Scope) {
        for info in declared {
            guard case .tensor(let declaredTensor) = info.type, let inferred = scope.types[info.name]?.tensor else { continue }
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
        var result: [UnresolvedDim] = []
        for node in graph.nodes {
            for (index, name) in node.node.outputs.enumerated() where !name.isEmpty && index < node.outputTypes.count {
                guard case .tensor(let tensor) = node.outputTypes[index] else {
                    if node.outputTypes[index] == .unknown { result.append(UnresolvedDim(tensor: name, dimIndex: nil, lostAt: scope.origin(name))) }
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
