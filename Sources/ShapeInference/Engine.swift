import ONNXGraph

/// The mutable state of one propagation run.
final class Engine {
    let model: Model
    let resolver: any ShapeRuleResolver
    var diagnostics: [Diagnostic] = []
    /// Rule makers (with their schemas) by op, shared by every node of the op (`ruleMaker(for:opset:)`),
    /// and the last one looked up.
    var makers: [SchemaKey: ShapeRuleMaker] = [:]
    var lastMaker: (key: SchemaKey, maker: ShapeRuleMaker)?
    /// Rules shared among nodes (`instance(for:opset:)`), when the resolver allows it, by op type.
    var rules: [String: RuleBucket] = [:]
    /// The last rule looked up.
    var lastRule: SharedRule?
    let sharesRules: Bool
    var unsupported: [String: Int] = [:]
    let functions: [String: Function]
    let modelOpsets: [String: Int]
    /// Functions being expanded, innermost last: a call to one of them is recursion (ONNX forbids it).
    var expanding: [String] = []
    var functionDepth: Int { expanding.count }
    /// Nodes inferred inside function bodies so far, against `maxInlinedNodes`.
    var inlinedNodes = 0
    let maxInlinedNodes: Int
    /// Graphs being inferred, the main graph included: subgraphs (If/Loop/Scan bodies, function
    /// bodies) nest through recursion, so their depth is bounded to keep the stack safe.
    var graphDepth = 0
    /// Deeper than this, a subgraph or function body is not inferred (its node fails, typed). The
    /// decoder already refuses messages nested deeper than 256 levels (about 85 nested If); function
    /// calls can nest graphs further, as each body may hold If nodes that call functions again.
    static let maxGraphDepth = 128
    static let maxFunctionDepth = 32

    init(model: Model, resolver: any ShapeRuleResolver, maxInlinedNodes: Int = 500_000) {
        self.model = model
        self.resolver = resolver
        self.sharesRules = resolver.sharesRules
        self.maxInlinedNodes = maxInlinedNodes
        var functions: [String: Function] = [:]
        for function in model.functions { functions[function.domain + "::" + function.name] = function }
        self.functions = functions
        var opsets: [String: Int] = [:]
        for opset in model.opsetImports { opsets[opset.domain] = opset.version }
        modelOpsets = opsets
    }

    /// The version of `domain` the graph imports; 1 when it imports none (every domain's first opset).
    func opset(for domain: String, in opsets: [String: Int]) -> Int {
        opsets[domain] ?? 1
    }

    // MARK: Graphs

    /// Infers `graph` in `scope`; `formalValues` (when not empty) are the known values of its formal
    /// inputs, aligned with `formalNames`.
    func inferGraph(_ graph: Graph, path: String, scope: Scope, formalInputs: [ValueType], formalNames: [String],
                    formalValues: [TensorValue?] = [], opsets: [String: Int]) -> GraphInference {
        graphDepth += 1
        defer { graphDepth -= 1 }
        if functionDepth > 0 { inlinedNodes += graph.nodes.count }
        // Room for every value the graph defines, so the table is not rehashed as it grows (inputs
        // are mostly other nodes' outputs: counting them too would double the table).
        scope.reserve(formalNames.count + graph.initializers.count + graph.nodes.reduce(0) { $0 + $1.outputs.count })
        for (name, type) in zip(formalNames, formalInputs) where !name.isEmpty {
            scope.define(scope.id(name), type)
        }
        for (name, value) in zip(formalNames, formalValues) where !name.isEmpty {
            if let value { scope.setValue(value, id: scope.id(name)) }
        }
        for tensor in graph.initializers {
            let id = scope.id(tensor.name)
            scope.define(id, .tensor(tensor.tensorType))
            if let value = tensor.value { scope.setValue(value, id: id) }
            scope.constants.insert(tensor.name)
        }
        for sparse in graph.sparseInitializers {
            let name = sparse.values.name
            scope.define(scope.id(name), .tensor(TensorType(dtype: sparse.values.dtype, shape: sparse.dims.map(Dim.value))))
            scope.constants.insert(name)
        }
        // Every name the nodes use numbered once, in file order; ordering and inference use the ids.
        let fileIDs = scope.numberNames(of: graph.nodes)
        var constantProducers = 0
        for index in graph.nodes.indices {
            let opType = graph.nodes[index].opType
            if opType == "Constant" || opType == "ConstantOfShape" { constantProducers += graph.nodes[index].outputs.count }
        }
        // Room for every constant name, so the set is not rehashed as it grows.
        scope.constants.reserveCapacity(scope.constants.count + constantProducers)
        let sortedOrder = topologicalOrder(graph, ids: fileIDs, path: path, scope: scope)
        let order = sortedOrder ?? Array(graph.nodes.indices)
        // Aligned with `nodes` (the order of inference).
        let tensorIDs = sortedOrder.map(fileIDs.reordered) ?? fileIDs
        let shared = InferredNodes(nodes: graph.nodes, path: path)
        var nodes: [NodeInference] = []
        nodes.reserveCapacity(graph.nodes.count)
        let defaultOpset = opset(for: "", in: opsets)
        for (position, index) in order.enumerated() {
            let node = graph.nodes[index]
            let inference = inferNode(node, index: index, graph: shared, scope: scope, opsets: opsets, defaultOpset: defaultOpset,
                                      inputIDs: tensorIDs.inputs(position), outputIDs: tensorIDs.outputs(position))
            if inference.status == .inferred || inference.status == .upstreamUnknown || inference.rule == nil {
                if isConstantProducer(node, scope: scope) {
                    for output in node.outputs where !output.isEmpty {
                        scope.constants.insert(output)
                    }
                }
            }
            nodes.append(inference)
        }
        return GraphInference(path: path, nodes: nodes, tensorNames: scope.names, nodeTensorIDs: tensorIDs, types: scope.types,
                              constants: scope.constants, inputNames: formalNames, outputNames: graph.outputs.map(\.name))
    }

    /// Constant nodes, and ConstantOfShape of a stored constant shape, produce constants (model
    /// parameters when they feed compute). A ConstantOfShape whose shape is only known because the
    /// inputs were bound (an attention mask sized by the sequence) is an activation, not a parameter.
    func isConstantProducer(_ node: Node, scope: Scope) -> Bool {
        guard node.domain.isEmpty else { return false }
        if node.opType == "Constant" { return true }
        if node.opType == "ConstantOfShape", let input = node.inputs.first { return scope.isConstant(input) }
        return false
    }

    // MARK: Nodes

    /// Infers `node`, which is `graph.nodes[index]`.
    func inferNode(_ node: Node, index: Int, graph: InferredNodes, scope: Scope, opsets: [String: Int], defaultOpset: Int,
                   inputIDs: ArraySlice<Int32>, outputIDs: ArraySlice<Int32>) -> NodeInference {
        // Named only in diagnostics and unknown-dim origins: built when one is written.
        func ref() -> NodeRef { NodeRef(node, index: index, graphPath: graph.path) }
        // Most nodes are in the default domain: its version is looked up once per graph, not hashed per node.
        let opset = node.domain.isEmpty ? defaultOpset : opset(for: node.domain, in: opsets)
        var inputTypes: [ValueType?] = []
        inputTypes.reserveCapacity(node.inputs.count)
        // Shared nils until an input has a value (most nodes have none): no array is made for them.
        var inputValues = ShapeContext.noValues(node.inputs.count)
        var hasInputValues = false
        for (position, (name, id)) in zip(node.inputs, inputIDs).enumerated() {
            if id < 0 {
                inputTypes.append(nil)
                continue
            }
            if let type = scope.type(id: Int(id)) {
                inputTypes.append(type)
            } else {
                diagnostics.append(Diagnostic(.error, node: ref(), ShapeFinding.undefinedInput(name)))
                inputTypes.append(.unknown)
            }
            if let value = scope.value(id: Int(id)) {
                inputValues[position] = value
                hasInputValues = true
            }
        }
        // Records the outputs (unknown when not given) and makes the node's inference. The inference
        // is built once, at the end: one kept in a variable was copied at every return.
        func finished(_ status: NodeStatus, outputTypes: [ValueType]? = nil, instance: OpInstance? = nil,
                      subgraphs: [SubgraphInference] = []) -> NodeInference {
            let outputTypes = outputTypes ?? Self.unknownTypes(node.outputs.count)
            record(outputTypes, node: node, ref: ref, outputIDs: outputIDs, scope: scope)
            return NodeInference(index: index, graph: graph, opset: opset, inputTypes: inputTypes,
                                 inputValues: hasInputValues ? inputValues : [], outputTypes: outputTypes, status: status,
                                 instance: instance, subgraphs: subgraphs)
        }

        // Most models define no functions: no key is built and hashed per node then.
        if !functions.isEmpty, let function = functions[node.domain + "::" + node.opType], resolver.schema(for: node, opset: opset) == nil {
            var call = NodeInference(index: index, graph: graph, opset: opset, inputTypes: inputTypes,
                                     inputValues: hasInputValues ? inputValues : [], outputTypes: Self.unknownTypes(node.outputs.count),
                                     status: .inferred, instance: nil, subgraphs: [])
            expandFunction(function, call: node, inference: &call, scope: scope)
            record(call.outputTypes, node: node, ref: ref, outputIDs: outputIDs, scope: scope)
            return call
        }

        let instance: OpInstance?
        do {
            instance = try self.instance(for: node, opset: opset)
        } catch {
            diagnostics.append(Diagnostic(.error, node: ref(), error))
            return finished(.failed(error))
        }
        guard let instance else {
            let key = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
            unsupported[key, default: 0] += 1
            return finished(.unsupported)
        }
        let rule = instance.rule
        if let inputArity = instance.inputArity, let outputArity = instance.outputArity {
            let given = node.inputs.count
            let trailingEmpty = node.inputs.reversed().prefix { $0.isEmpty }.count
            if given - trailingEmpty > inputArity.upperBound || given < inputArity.lowerBound {
                let error = ShapeError.arity(what: "inputs", expected: inputArity, got: given)
                diagnostics.append(Diagnostic(.error, node: ref(), error))
                return finished(.failed(error), instance: instance)
            }
            // Rules may set `outputValues[0..<lowerBound]` and read their required outputs: a node
            // that declares fewer outputs than the op requires (a damaged file) fails here, typed.
            if node.outputs.count < outputArity.lowerBound {
                let error = ShapeError.arity(what: "outputs", expected: outputArity, got: node.outputs.count)
                diagnostics.append(Diagnostic(.error, node: ref(), error))
                return finished(.failed(error), instance: instance)
            }
        }

        // A unary activation of a tensor: its output is the input's type (no context, no rule call).
        // An input that is no tensor goes to the rule, which says why.
        if instance.outputIsInputType, node.outputs.count == 1, inputTypes.count == 1, let input = inputTypes[0], case .tensor = input {
            let outputs = [input]
            do throws(ShapeError) {
                try SizeCheck.validate(outputs: outputs)
            } catch {
                diagnostics.append(Diagnostic(.error, node: ref(), error))
                return finished(.failed(error), instance: instance)
            }
            return finished(.inferred, outputTypes: outputs, instance: instance)
        }

        // Room for every output the op may have, even those the node omits: a rule that sets the
        // value of an optional output must not index past the end (extra values are dropped below).
        let maxOutputs = instance.outputArity?.upperBound ?? 0
        let outputSlots = maxOutputs <= 64 ? maxOutputs : 0
        var ctx: ShapeContext
        // Only a node holding a graph can infer a subgraph: the others get no box and no closure
        // capturing the node (made and freed per node otherwise).
        let subgraphBox: SubgraphBox?
        if node.attributes.contains(where: { Self.holdsGraph($0.value) }) {
            let box = SubgraphBox()
            subgraphBox = box
            ctx = ShapeContext(nodes: graph.nodes, index: index, opset: opset, inputTypes: inputTypes, inputValues: inputValues,
                               outputSlots: outputSlots, inferSubgraph: subgraphInferrer(node, ref: ref(), scope: scope, opsets: opsets, box: box))
        } else {
            subgraphBox = nil
            ctx = ShapeContext(nodes: graph.nodes, index: index, opset: opset, inputTypes: inputTypes, inputValues: inputValues,
                               outputSlots: outputSlots)
        }
        var status = NodeStatus.inferred
        var outputTypes: [ValueType]?
        do throws(ShapeError) {
            var outputs = try rule.inferShapes(&ctx)
            // A negative known dim (Expand to -5, Resize `sizes` of -1) is this node's finding, never a
            // negative size flowing on into costs.
            try SizeCheck.validate(outputs: outputs)
            if Self.introducesOpaqueExpression(outputs, inputs: inputTypes) {
                diagnostics.append(Diagnostic(.warning, node: ref(), ShapeFinding.opaqueDim))
            }
            if outputs.count < node.outputs.count {
                outputs += Array(repeating: .unknown, count: node.outputs.count - outputs.count)
            }
            // Most rules return one type per output: the array is kept, not copied.
            outputTypes = outputs.count == node.outputs.count ? outputs : Array(outputs.prefix(node.outputs.count))
            for (index, id) in outputIDs.enumerated() where id >= 0 {
                if index < ctx.outputValues.count, let value = ctx.outputValues[index] { scope.setValue(value, id: Int(id)) }
            }
            for warning in ctx.warnings { diagnostics.append(Diagnostic(.warning, node: ref(), ShapeFinding.rule(warning))) }
        } catch {
            if error.isUpstream {
                status = .upstreamUnknown
            } else {
                status = .failed(error)
                diagnostics.append(Diagnostic(.error, node: ref(), error))
            }
        }
        if subgraphBox?.tooDeep == true {
            let error = ShapeError.unsupported("subgraphs nested deeper than \(Self.maxGraphDepth) levels are not inferred")
            status = .failed(error)
            diagnostics.append(Diagnostic(.error, node: ref(), error))
        }
        return finished(status, outputTypes: outputTypes, instance: instance, subgraphs: subgraphBox?.graphs ?? [])
    }

    /// Infers the subgraphs of `node` (its If branches, Loop/Scan bodies) for its rule, collecting them in `box`.
    func subgraphInferrer(_ node: Node, ref: NodeRef, scope: Scope, opsets: [String: Int],
                          box subgraphBox: SubgraphBox) -> (Graph, [ValueType], [TensorValue?]) -> [ValueType] {
        let path = ref.graphPath.isEmpty ? (node.name.isEmpty ? "#\(ref.index)" : node.name)
            : ref.graphPath + "/" + (node.name.isEmpty ? "#\(ref.index)" : node.name)
        return {
            [unowned self] graph, formalTypes, formalValues in
            let attribute = node.subgraphs.first { $0.graph == graph }?.attribute ?? "body"
            guard self.graphDepth < Self.maxGraphDepth else {
                subgraphBox.tooDeep = true
                return graph.outputs.map { _ in .unknown }
            }
            let child = Scope(parent: scope)
            let result = self.inferGraph(graph, path: path + "/" + attribute, scope: child,
                                         formalInputs: zip(graph.inputs, self.padded(formalTypes, to: graph.inputs.count)).map { declared, given in
                                             given == .unknown ? declared.type : given
                                         },
                                         formalNames: graph.inputs.map(\.name), formalValues: formalValues, opsets: opsets)
            subgraphBox.graphs.append(SubgraphInference(attribute: attribute, graph: result))
            return graph.outputs.map { child.type($0.name) ?? .unknown }
        }
    }

    static func holdsGraph(_ value: Attribute.Value) -> Bool {
        switch value {
        case .graph, .graphs: return true
        default: return false
        }
    }

    func padded(_ types: [ValueType], to count: Int) -> [ValueType] {
        types.count >= count ? Array(types.prefix(count)) : types + Array(repeating: .unknown, count: count - types.count)
    }

    /// Stores a node's output types and tracks where unknown dims first appeared.
    func record(_ outputTypes: [ValueType], node: Node, ref: () -> NodeRef, outputIDs: ArraySlice<Int32>, scope: Scope) {
        // Where an unknown output's dims were lost: the first input's origin that there is, else this
        // node. Looked up once, and only for a node with an unknown output.
        var inheritedOrigin: NodeRef?
        var lookedUp = false
        func origin() -> NodeRef {
            if !lookedUp {
                lookedUp = true
                for name in node.inputs where !name.isEmpty {
                    if let origin = scope.origin(name) { inheritedOrigin = origin; break }
                }
            }
            return inheritedOrigin ?? ref()
        }
        for (index, id) in outputIDs.enumerated() where id >= 0 {
            let type = outputTypes[index]
            // The old type says whether the name was produced before.
            if scope.define(Int(id), type) {
                diagnostics.append(Diagnostic(.error, node: ref(), ShapeFinding.producedTwice(node.outputs[index])))
            }
            if Self.hasUnknown(type) {
                scope.unknownOrigin[node.outputs[index]] = origin()
            }
        }
    }

    /// Whether an output dim holds an `expr_…` symbol (past `Polynomial.Budget`) that no input has.
    static func introducesOpaqueExpression(_ outputs: [ValueType], inputs: [ValueType?]) -> Bool {
        func has(_ type: ValueType?) -> Bool {
            guard case .tensor(let tensor)? = type, let shape = tensor.shape else { return false }
            for dim in shape { if case .polynomial(let p) = dim, p.hasOpaqueExpression { return true } }
            return false
        }
        return outputs.contains(where: has) && !inputs.contains(where: has)
    }

    /// `count` unknown types: for a small count, one array made once and shared (the outputs of a
    /// node that fails or has no rule; a node inferred gets its rule's array instead).
    static func unknownTypes(_ count: Int) -> [ValueType] {
        count < sharedUnknownTypes.count ? sharedUnknownTypes[count] : Array(repeating: .unknown, count: count)
    }

    private static let sharedUnknownTypes: [[ValueType]] = (0..<16).map { Array(repeating: .unknown, count: $0) }

    static func hasUnknown(_ type: ValueType) -> Bool {
        switch type {
        case .tensor(let t), .sparseTensor(let t):
            guard let shape = t.shape else { return true }
            return shape.contains { $0.isUnknown }
        case .sequence(let element), .optional(let element): return hasUnknown(element)
        case .map(_, let value): return hasUnknown(value)
        case .unknown: return true
        }
    }
}

/// An op at an opset: what a schema is looked up by.
struct SchemaKey: Hashable {
    var domain: String
    var opType: String
    var opset: Int
}
