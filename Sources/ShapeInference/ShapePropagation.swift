import ONNXGraph

/// What the user fixes before propagation.
public struct ShapeInferenceOptions: Sendable {
    /// `--dim SYMBOL=N`: binds a symbol everywhere it appears in graph inputs.
    public var dimBindings: [String: Int]
    /// `--input NAME=1x3x224x224`: replaces a graph input's declared shape.
    public var inputShapes: [String: [Dim]]
    /// At most this many nodes are inferred inside expanded model-local functions over a whole run.
    /// Functions that call each other can describe exponentially many nodes in a few bytes (each
    /// calls the next twice, 40 deep): past the budget, further calls fail with a diagnostic
    /// instead of the analysis never finishing.
    public var maxInlinedNodes: Int

    public init(dimBindings: [String: Int] = [:], inputShapes: [String: [Dim]] = [:], maxInlinedNodes: Int = 500_000) {
        self.dimBindings = dimBindings
        self.inputShapes = inputShapes
        self.maxInlinedNodes = maxInlinedNodes
    }
}

/// How one node fared.
public enum NodeStatus: Sendable, Equatable {
    case inferred
    /// No rule exists for this op: outputs are unknown, and the op is listed as unsupported.
    case unsupported
    /// The rule rejected the node (invalid attributes, incompatible shapes).
    case failed(ShapeError)
    /// An input's type was unknown, so this node could not be inferred (not its fault).
    case upstreamUnknown
}

/// The inference of one node.
public struct NodeInference: Sendable {
    public var ref: NodeRef
    public var node: Node
    public var opset: Int
    public var inputTypes: [ValueType?]
    public var inputValues: [TensorValue?]
    public var outputTypes: [ValueType]
    public var status: NodeStatus
    /// The operator instance (also its cost rule); `nil` when unsupported or failed to parse.
    public var rule: (any ShapeRule)?
    public var schema: OpSchema?
    /// If branches, Loop/Scan bodies, the expanded body of a model-local function.
    public var subgraphs: [SubgraphInference]
}

/// An inferred subgraph and the attribute that holds it.
public struct SubgraphInference: Sendable {
    public var attribute: String
    public var graph: GraphInference
}

/// The inference of one graph: its nodes in the order they were inferred (topological).
public struct GraphInference: Sendable {
    public var path: String
    public var nodes: [NodeInference]
    /// Types of every value this graph defines (inputs, initializers, node outputs).
    public var valueTypes: [String: ValueType]
    /// Names of constant values this graph defines: initializers, Constant outputs, ConstantOfShape
    /// outputs with a constant shape.
    public var constants: Set<String>
    public var inputNames: [String]
    public var outputNames: [String]
}

/// A dim that stayed unknown, and the node where it was lost.
public struct UnresolvedDim: Sendable, Hashable {
    public var tensor: String
    /// `nil` when the whole rank is unknown.
    public var dimIndex: Int?
    public var lostAt: NodeRef?
}

/// The result of shape propagation over a model.
public struct ShapeInferenceResult: Sendable {
    public var main: GraphInference
    /// Graph inputs as bound by the options, and outputs as inferred.
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var diagnostics: [Diagnostic]
    public var unresolved: [UnresolvedDim]
    /// `domain.Op` (or `Op` in the default domain) → number of nodes with no rule.
    public var unsupportedOps: [String: Int]
}

/// Propagates types and small values through a model, node by node in topological order.
public struct ShapePropagation {
    let resolver: any ShapeRuleResolver
    let model: Model
    let options: ShapeInferenceOptions

    public init(model: Model, resolver: any ShapeRuleResolver, options: ShapeInferenceOptions = .init()) {
        self.model = model
        self.resolver = resolver
        self.options = options
    }

    public func run() -> ShapeInferenceResult {
        // Expansion is also bounded in proportion to the file: a few bytes of functions that call each
        // other twice per level must not cost more than a model of that many nodes would.
        let declared = model.graph.nodes.count + model.functions.reduce(0) { $0 + $1.nodes.count }
        let proportional = Swift.max(Self.inlinedNodesFloor, declared.multipliedReportingOverflow(by: Self.inlinedNodesPerDeclaredNode).partialValue)
        let engine = Engine(model: model, resolver: resolver, maxInlinedNodes: Swift.min(options.maxInlinedNodes, proportional))
        let scope = Scope(parent: nil)
        var inputs: [ValueInfo] = []
        let constantNames = Set(model.graph.initializers.map(\.name))
        for input in model.graph.inputs where !constantNames.contains(input.name) {
            var type = input.type
            if case .tensor(var tensor) = type {
                if let shape = options.inputShapes[input.name] {
                    tensor.shape = shape
                } else if let shape = tensor.shape {
                    tensor.shape = shape.map { $0.substituting(options.dimBindings) }
                }
                type = .tensor(tensor)
            }
            inputs.append(ValueInfo(name: input.name, type: type, docString: input.docString))
        }
        for name in options.inputShapes.keys where !inputs.contains(where: { $0.name == name }) {
            engine.diagnostics.append(Diagnostic(.error, "--input \(name): the graph has no input of that name"))
        }
        engine.diagnostics += Self.opsetFindings(model.opsetImports)
        let main = engine.inferGraph(model.graph, path: "", scope: scope, formalInputs: inputs.map(\.type),
                                     formalNames: inputs.map(\.name), opsets: engine.modelOpsets)
        var outputs: [ValueInfo] = []
        for output in model.graph.outputs {
            outputs.append(ValueInfo(name: output.name, type: scope.type(output.name) ?? .unknown, docString: output.docString))
        }
        engine.crossCheck(declared: model.graph.valueInfo + model.graph.outputs, scope: scope)
        return ShapeInferenceResult(main: main, inputs: inputs, outputs: outputs, diagnostics: Diagnostic.collapsed(engine.diagnostics),
                                    unresolved: engine.unresolved(in: main, scope: scope), unsupportedOps: engine.unsupported)
    }
}

extension ShapePropagation {
    /// Inlined function nodes allowed per node the file declares (graph and function bodies), and
    /// the floor of that budget: `min(maxInlinedNodes, max(floor, 64 × declared))`.
    public static let inlinedNodesPerDeclaredNode = 64
    public static let inlinedNodesFloor = 20_000

    /// The newest opset of each domain the op rules know (ONNX 1.23's onnx/defs; rules of opset 28
    /// ops are the newest); a model importing a newer one is analyzed with these rules and told so.
    public static let latestKnownOpsets: [String: Int] = [
        "": 28, "ai.onnx": 28, "ai.onnx.ml": 5, "ai.onnx.preview.training": 1, "com.microsoft": 1,
    ]

    /// Opset imports outside what the registry knows: below 1 is an error, past the newest a warning.
    static func opsetFindings(_ imports: [OpsetImport]) -> [Diagnostic] {
        var findings: [Diagnostic] = []
        for entry in imports {
            let domain = entry.domain.isEmpty ? "ai.onnx" : entry.domain
            if entry.version < 1 {
                findings.append(Diagnostic(.error, "opset import \(domain) version \(entry.version) is not a valid opset version (≥ 1)"))
            } else if let latest = latestKnownOpsets[entry.domain], entry.version > latest {
                findings.append(Diagnostic(.warning, "opset import \(domain) version \(entry.version) is newer than any this analyzer knows (\(latest)); rules of version \(latest) are used"))
            }
        }
        return findings
    }
}

/// Values visible at a point of the graph; subgraphs see their parents' values.
final class Scope {
    let parent: Scope?
    var types: [String: ValueType] = [:]
    var values: [String: TensorValue] = [:]
    var constants: Set<String> = []
    /// For values with unknown dims: the node where the first unknown appeared.
    var unknownOrigin: [String: NodeRef] = [:]

    init(parent: Scope?) { self.parent = parent }

    func type(_ name: String) -> ValueType? { types[name] ?? parent?.type(name) }
    func value(_ name: String) -> TensorValue? { values[name] ?? parent?.value(name) }
    func isConstant(_ name: String) -> Bool { constants.contains(name) || (types[name] == nil && parent?.isConstant(name) == true) }
    func origin(_ name: String) -> NodeRef? { unknownOrigin[name] ?? parent?.origin(name) }
    func isDefined(_ name: String) -> Bool { types[name] != nil || parent?.isDefined(name) == true }
}

/// The mutable state of one propagation run.
final class Engine {
    let model: Model
    let resolver: any ShapeRuleResolver
    var diagnostics: [Diagnostic] = []
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
        self.maxInlinedNodes = maxInlinedNodes
        var functions: [String: Function] = [:]
        for function in model.functions { functions[function.domain + "::" + function.name] = function }
        self.functions = functions
        var opsets: [String: Int] = [:]
        for opset in model.opsetImports { opsets[opset.domain] = opset.version }
        modelOpsets = opsets
    }

    func opset(for domain: String, in opsets: [String: Int]) -> Int {
        if let version = opsets[domain] { return version }
        if domain.isEmpty { return 1 }
        if domain == "ai.onnx.ml" { return 1 }
        return 1
    }

    // MARK: Graphs

    func inferGraph(_ graph: Graph, path: String, scope: Scope, formalInputs: [ValueType], formalNames: [String],
                    opsets: [String: Int]) -> GraphInference {
        graphDepth += 1
        defer { graphDepth -= 1 }
        if functionDepth > 0 { inlinedNodes += graph.nodes.count }
        var constants = Set<String>()
        for (name, type) in zip(formalNames, formalInputs) where !name.isEmpty {
            scope.types[name] = type
        }
        for tensor in graph.initializers {
            scope.types[tensor.name] = .tensor(tensor.tensorType)
            if let value = tensor.value { scope.values[tensor.name] = value }
            scope.constants.insert(tensor.name)
            constants.insert(tensor.name)
        }
        for sparse in graph.sparseInitializers {
            let name = sparse.values.name
            scope.types[name] = .tensor(TensorType(dtype: sparse.values.dtype, shape: sparse.dims.map(Dim.value)))
            scope.constants.insert(name)
            constants.insert(name)
        }
        let order = topologicalOrder(graph, path: path, scope: scope)
        var nodes: [NodeInference] = []
        nodes.reserveCapacity(graph.nodes.count)
        for index in order {
            let node = graph.nodes[index]
            let ref = NodeRef(graphPath: path, index: index, name: node.name, opType: node.opType, domain: node.domain)
            let inference = inferNode(node, ref: ref, scope: scope, opsets: opsets)
            if inference.status == .inferred || inference.status == .upstreamUnknown || inference.rule == nil {
                if isConstantProducer(node, scope: scope) {
                    for output in node.outputs where !output.isEmpty {
                        scope.constants.insert(output)
                        constants.insert(output)
                    }
                }
            }
            nodes.append(inference)
        }
        var valueTypes: [String: ValueType] = scope.types
        if scope.parent != nil { valueTypes = scope.types }
        return GraphInference(path: path, nodes: nodes, valueTypes: valueTypes, constants: constants,
                              inputNames: formalNames, outputNames: graph.outputs.map(\.name))
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

    func inferNode(_ node: Node, ref: NodeRef, scope: Scope, opsets: [String: Int]) -> NodeInference {
        let opset = opset(for: node.domain, in: opsets)
        var inputTypes: [ValueType?] = []
        var inputValues: [TensorValue?] = []
        inputTypes.reserveCapacity(node.inputs.count)
        inputValues.reserveCapacity(node.inputs.count)
        for name in node.inputs {
            if name.isEmpty {
                inputTypes.append(nil)
                inputValues.append(nil)
                continue
            }
            if let type = scope.type(name) {
                inputTypes.append(type)
            } else {
                diagnostics.append(Diagnostic(.error, node: ref, "input '\(name)' is not produced by any node, input or initializer"))
                inputTypes.append(.unknown)
            }
            inputValues.append(scope.value(name))
        }
        var inference = NodeInference(ref: ref, node: node, opset: opset, inputTypes: inputTypes, inputValues: inputValues,
                                      outputTypes: node.outputs.map { _ in .unknown }, status: .inferred, rule: nil,
                                      schema: nil, subgraphs: [])

        if let function = functions[node.domain + "::" + node.opType], resolver.schema(for: node, opset: opset) == nil {
            expandFunction(function, call: node, inference: &inference, scope: scope)
            record(inference, scope: scope)
            return inference
        }

        let rule: (any ShapeRule)?
        do {
            rule = try resolver.shapeRule(for: node, opset: opset)
        } catch {
            inference.status = .failed(error)
            diagnostics.append(Diagnostic(.error, node: ref, error.description))
            record(inference, scope: scope)
            return inference
        }
        guard let rule else {
            inference.status = .unsupported
            let key = node.domain.isEmpty ? node.opType : "\(node.domain).\(node.opType)"
            unsupported[key, default: 0] += 1
            record(inference, scope: scope)
            return inference
        }
        inference.rule = rule
        inference.schema = resolver.schema(for: node, opset: opset)
        if let schema = inference.schema {
            let given = node.inputs.count
            let trailingEmpty = node.inputs.reversed().prefix { $0.isEmpty }.count
            if given - trailingEmpty > schema.inputs.upperBound || given < schema.inputs.lowerBound {
                let error = ShapeError.arity(what: "inputs", expected: schema.inputs, got: given)
                inference.status = .failed(error)
                diagnostics.append(Diagnostic(.error, node: ref, error.description))
                record(inference, scope: scope)
                return inference
            }
            // Rules may set `outputValues[0..<lowerBound]` and read their required outputs: a node
            // that declares fewer outputs than the op requires (a damaged file) fails here, typed.
            if node.outputs.count < schema.outputs.lowerBound {
                let error = ShapeError.arity(what: "outputs", expected: schema.outputs, got: node.outputs.count)
                inference.status = .failed(error)
                diagnostics.append(Diagnostic(.error, node: ref, error.description))
                record(inference, scope: scope)
                return inference
            }
        }

        let subgraphBox = SubgraphBox()
        let path = ref.graphPath.isEmpty ? (node.name.isEmpty ? "#\(ref.index)" : node.name)
            : ref.graphPath + "/" + (node.name.isEmpty ? "#\(ref.index)" : node.name)
        var ctx = ShapeContext(node: node, opset: opset, inputTypes: inputTypes, inputValues: inputValues) {
            [unowned self] graph, formalTypes, formalValues in
            let attribute = node.subgraphs.first { $0.graph == graph }?.attribute ?? "body"
            guard self.graphDepth < Self.maxGraphDepth else {
                subgraphBox.tooDeep = true
                return graph.outputs.map { _ in .unknown }
            }
            let child = Scope(parent: scope)
            for (formal, value) in zip(graph.inputs, formalValues) where !formal.name.isEmpty {
                if let value { child.values[formal.name] = value }
            }
            let result = self.inferGraph(graph, path: path + "/" + attribute, scope: child,
                                         formalInputs: zip(graph.inputs, self.padded(formalTypes, to: graph.inputs.count)).map { declared, given in
                                             given == .unknown ? declared.type : given
                                         },
                                         formalNames: graph.inputs.map(\.name), opsets: opsets)
            subgraphBox.graphs.append(SubgraphInference(attribute: attribute, graph: result))
            return graph.outputs.map { child.type($0.name) ?? .unknown }
        }
        // Room for every output the op may have, even those the node omits: a rule that sets the
        // value of an optional output must not index past the end (extra values are dropped below).
        if let schema = inference.schema, schema.outputs.upperBound <= 64, ctx.outputValues.count < schema.outputs.upperBound {
            ctx.outputValues += Array(repeating: nil, count: schema.outputs.upperBound - ctx.outputValues.count)
        }
        do throws(ShapeError) {
            var outputs = try rule.inferShapes(&ctx)
            // A negative known dim (Expand to -5, Resize `sizes` of -1) is this node's finding, never a
            // negative size flowing on into costs.
            try SizeCheck.validate(outputs: outputs)
            if Self.introducesOpaqueExpression(outputs, inputs: inputTypes) {
                diagnostics.append(Diagnostic(.warning, node: ref, "a dim outgrew the symbolic budget (\(Polynomial.Budget.maxTerms) terms, degree \(Polynomial.Budget.maxDegree), \(Polynomial.Budget.maxSymbols) symbols, names of \(Polynomial.Budget.maxNameLength) characters) and is named by an expr_… symbol"))
            }
            if outputs.count < node.outputs.count {
                outputs += Array(repeating: .unknown, count: node.outputs.count - outputs.count)
            }
            inference.outputTypes = Array(outputs.prefix(node.outputs.count))
            for (index, output) in node.outputs.enumerated() where !output.isEmpty {
                if index < ctx.outputValues.count, let value = ctx.outputValues[index] { scope.values[output] = value }
            }
            for warning in ctx.warnings { diagnostics.append(Diagnostic(.warning, node: ref, warning)) }
        } catch {
            if error.isUpstream {
                inference.status = .upstreamUnknown
            } else {
                inference.status = .failed(error)
                diagnostics.append(Diagnostic(.error, node: ref, error.description))
            }
        }
        inference.subgraphs = subgraphBox.graphs
        if subgraphBox.tooDeep {
            let error = ShapeError.unsupported("subgraphs nested deeper than \(Self.maxGraphDepth) levels are not inferred")
            inference.status = .failed(error)
            diagnostics.append(Diagnostic(.error, node: ref, error.description))
        }
        record(inference, scope: scope)
        return inference
    }

    func padded(_ types: [ValueType], to count: Int) -> [ValueType] {
        types.count >= count ? Array(types.prefix(count)) : types + Array(repeating: .unknown, count: count - types.count)
    }

    /// Stores a node's output types and tracks where unknown dims first appeared.
    func record(_ inference: NodeInference, scope: Scope) {
        let node = inference.node
        var inheritedOrigin: NodeRef?
        for name in node.inputs where !name.isEmpty {
            if let origin = scope.origin(name) { inheritedOrigin = origin; break }
        }
        for (index, name) in node.outputs.enumerated() where !name.isEmpty {
            if scope.types[name] != nil {
                diagnostics.append(Diagnostic(.error, node: inference.ref, "output '\(name)' is produced twice"))
            }
            let type = inference.outputTypes[index]
            scope.types[name] = type
            if Self.hasUnknown(type) {
                scope.unknownOrigin[name] = inheritedOrigin ?? inference.ref
            }
        }
    }

    /// Whether an output dim holds an `expr_…` symbol (past `Polynomial.Budget`) that no input has.
    static func introducesOpaqueExpression(_ outputs: [ValueType], inputs: [ValueType?]) -> Bool {
        func has(_ type: ValueType?) -> Bool { type?.tensor?.shape?.contains { $0.hasOpaqueExpression } ?? false }
        return outputs.contains(where: has) && !inputs.contains(where: has)
    }

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
            diagnostics.append(Diagnostic(.error, node: inference.ref, refusal))
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
        for (index, name) in function.inputs.enumerated() where index < call.inputs.count {
            if let value = scope.value(call.inputs[index]) { child.values[name] = value }
        }
        let result = inferGraph(graph, path: path + "/" + function.name, scope: child, formalInputs: given,
                                formalNames: function.inputs, opsets: opsets)
        inference.subgraphs = [SubgraphInference(attribute: function.name, graph: result)]
        inference.outputTypes = call.outputs.indices.map { index in
            index < function.outputs.count ? (child.type(function.outputs[index]) ?? .unknown) : .unknown
        }
        for (index, name) in call.outputs.enumerated() where index < function.outputs.count && !name.isEmpty {
            if let value = child.values[function.outputs[index]] { scope.values[name] = value }
        }
    }

    // MARK: Order

    /// Nodes in an order where every producer comes before its consumers, keeping the file's order
    /// where it already is one. Iterative, so a 100,000-node chain does not exhaust the stack.
    /// Nodes on a cycle are reported and appended last (their inputs then look undefined).
    func topologicalOrder(_ graph: Graph, path: String, scope: Scope) -> [Int] {
        let count = graph.nodes.count
        var producer: [String: Int] = [:]
        producer.reserveCapacity(count * 2)
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producer[output] == nil { producer[output] = index }
            }
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
        // Fast path: already sorted.
        var sorted = true
        outer: for index in 0..<count {
            for dep in dependencies(index) where dep > index { sorted = false; break outer }
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
                let node = graph.nodes[index]
                diagnostics.append(Diagnostic(.error, node: NodeRef(graphPath: path, index: index, name: node.name, opType: node.opType, domain: node.domain),
                                              "the graph has a cycle through this node"))
            }
        }
        return order
    }

    // MARK: Reporting

    /// Declared types are a cross-check only: a conflict is a warning naming the tensor.
    func crossCheck(declared: [ValueInfo], scope: Scope) {
        for info in declared {
            guard case .tensor(let declaredTensor) = info.type, let inferred = scope.types[info.name]?.tensor else { continue }
            if declaredTensor.dtype != .undefined && inferred.dtype != .undefined && declaredTensor.dtype != inferred.dtype {
                diagnostics.append(Diagnostic(.warning, "tensor '\(info.name)': declared \(declaredTensor.dtype.name), inferred \(inferred.dtype.name)"))
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
                diagnostics.append(Diagnostic(.warning, "tensor '\(info.name)': declared shape \(declaredTensor), inferred \(inferred)"))
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

/// Collects the subgraphs a control-flow rule infers through its context.
final class SubgraphBox {
    var graphs: [SubgraphInference] = []
    /// A subgraph was not inferred because graphs nest too deep.
    var tooDeep = false
}
