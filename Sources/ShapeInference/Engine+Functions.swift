import ONNXGraph

extension Engine {
    // MARK: Functions

    /// Inlines a model-local function: its body runs in a child scope whose formal inputs are the
    /// call's inputs, attribute references are replaced by the call's attributes (or defaults).
    func expandFunction(_ function: Function, call: Node, inference: inout NodeInference, scope: Scope) {
        let key = function.domain + "::" + function.name
        let refusal: String?
        if expanding.contains(key) {
            refusal = "function '\(function.name)' is recursive (it calls itself through \(expanding.count) expansion(s)); ONNX forbids recursion"
        } else if functionDepth >= Self.maxFunctionDepth || graphDepth >= Self.maxGraphDepth {
            refusal = "function '\(function.name)' is nested deeper than \(Self.maxFunctionDepth) calls or \(Self.maxGraphDepth) graphs"
        } else if inlinedNodes >= maxInlinedNodes {
            refusal = "function '\(function.name)' is not expanded: the model's functions already expanded to \(inlinedNodes) nodes (limit \(maxInlinedNodes))"
        } else {
            refusal = nil
        }
        if let refusal {
            inference.status = .failed(.unsupported(refusal))
            diagnostics.append(Diagnostic(.error, node: inference.ref, ShapeFinding.functionNotExpanded(refusal)))
            return
        }
        expanding.append(key)
        defer { expanding.removeLast() }
        var callAttributes: [String: Attribute] = [:]
        for attribute in function.attributeDefaults { callAttributes[attribute.name] = attribute }
        for attribute in call.attributes { callAttributes[attribute.name] = attribute }
        let body = function.nodes.map { node -> Node in
            var copy = node
            copy.attributes = node.attributes.compactMap { attribute in
                guard let reference = attribute.referencedAttribute else { return attribute }
                guard var bound = callAttributes[reference] else { return nil }
                bound.name = attribute.name
                return bound
            }
            return copy
        }
        let graph = Graph(name: function.name, nodes: body,
                          inputs: function.inputs.map { ValueInfo(name: $0, type: .unknown) },
                          outputs: function.outputs.map { ValueInfo(name: $0, type: .unknown) })
        var opsets = modelOpsets
        for opset in function.opsetImports { opsets[opset.domain] = opset.version }
        let child = Scope(parent: scope)
        let path = (inference.ref.graphPath.isEmpty ? "" : inference.ref.graphPath + "/") + (call.name.isEmpty ? "#\(inference.ref.index)" : call.name)
        let given = padded(inference.inputTypes.map { $0 ?? .unknown }, to: function.inputs.count)
        let values = function.inputs.indices.map { index in index < call.inputs.count ? scope.value(call.inputs[index]) : nil }
        let result = inferGraph(graph, path: path + "/" + function.name, scope: child, formalInputs: given,
                                formalNames: function.inputs, formalValues: values, opsets: opsets)
        inference.subgraphs = [SubgraphInference(attribute: function.name, graph: result)]
        inference.outputTypes = call.outputs.indices.map { index in
            index < function.outputs.count ? (child.type(function.outputs[index]) ?? .unknown) : .unknown
        }
        for (index, name) in call.outputs.enumerated() where index < function.outputs.count && !name.isEmpty {
            if let value = child.localValue(function.outputs[index]) { scope.setValue(value, id: scope.id(name)) }
        }
    }
}
