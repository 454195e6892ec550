import ONNXGraph

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
            engine.diagnostics.append(Diagnostic(.error, ShapeFinding.noSuchInput(name)))
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
                findings.append(Diagnostic(.error, ShapeFinding.invalidOpset(domain: domain, version: entry.version)))
            } else if let latest = latestKnownOpsets[entry.domain], entry.version > latest {
                findings.append(Diagnostic(.warning, ShapeFinding.newerOpset(domain: domain, version: entry.version, latest: latest)))
            }
        }
        return findings
    }
}
