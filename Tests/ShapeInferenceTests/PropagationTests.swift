import Foundation
import ONNXGraph
import ONNXLoader
import Operators
import ShapeInference
import Testing

/// The pass itself: order, scoping, diagnostics, bindings, and linear time.
@Suite struct PropagationTests {
    static func tensor(_ name: String, _ dims: [Dim], _ dtype: DataType = .float) -> ValueInfo {
        ValueInfo(name: name, type: .tensor(TensorType(dtype: dtype, shape: dims)))
    }

    static func model(_ nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [TensorData] = []) -> Model {
        Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)],
              graph: Graph(name: "g", nodes: nodes, inputs: inputs, outputs: outputs.map { ValueInfo(name: $0, type: .unknown) },
                           initializers: initializers))
    }

    /// A chain of `count` Relu nodes on a [batch, 8] input.
    static func chain(_ count: Int, reversed: Bool = false) -> Model {
        var nodes = (0..<count).map { i in Node(name: "r\(i)", opType: "Relu", inputs: [i == 0 ? "x" : "t\(i - 1)"], outputs: ["t\(i)"]) }
        if reversed { nodes.reverse() }
        return model(nodes, inputs: [tensor("x", [.symbol("batch"), 8])], outputs: ["t\(count - 1)"])
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func hundredThousandNodeChainInLinearTime() {
        var result: ShapeInferenceResult?
        let small = Self.seconds { _ = ShapePropagation(model: Self.chain(25_000), resolver: OpRegistry.builtin).run() }
        let large = Self.seconds { result = ShapePropagation(model: Self.chain(100_000), resolver: OpRegistry.builtin).run() }
        #expect(result?.outputs.first?.type == .tensor(TensorType(dtype: .float, shape: [.symbol("batch"), 8])))
        #expect(result?.unresolved.isEmpty == true)
        // Linear: 4× the nodes takes about 4× the time; quadratic would take 16×. Generous for noise.
        #expect(large < max(small, 0.01) * 9, "25k nodes: \(small) s, 100k nodes: \(large) s")
    }

    @Test func unsortedGraphIsOrderedWithoutRecursion() {
        let result = ShapePropagation(model: Self.chain(100_000, reversed: true), resolver: OpRegistry.builtin).run()
        #expect(result.outputs.first?.type.tensor?.shape == [.symbol("batch"), 8])
        #expect(result.diagnostics.isEmpty)
    }

    @Test func cycleIsReportedNotFatal() {
        let nodes = [Node(name: "a", opType: "Relu", inputs: ["y"], outputs: ["x2"]),
                     Node(name: "b", opType: "Relu", inputs: ["x2"], outputs: ["y"])]
        let result = ShapePropagation(model: Self.model(nodes, inputs: [], outputs: ["y"]), resolver: OpRegistry.builtin).run()
        #expect(result.diagnostics.contains { $0.message.contains("cycle") })
    }

    @Test func danglingInputAndDuplicateOutputAreErrors() {
        let nodes = [Node(name: "a", opType: "Relu", inputs: ["nowhere"], outputs: ["y"]),
                     Node(name: "b", opType: "Relu", inputs: ["x"], outputs: ["y"])]
        let result = ShapePropagation(model: Self.model(nodes, inputs: [Self.tensor("x", [2])], outputs: ["y"]),
                                      resolver: OpRegistry.builtin).run()
        #expect(result.diagnostics.contains { $0.message.contains("'nowhere' is not produced") })
        #expect(result.diagnostics.contains { $0.message.contains("produced twice") })
    }

    @Test func unsupportedOpIsListedAndItsOutputsUnknown() {
        let nodes = [Node(name: "m", opType: "MysteryOp", domain: "com.example", inputs: ["x"], outputs: ["y"]),
                     Node(name: "r", opType: "Relu", inputs: ["y"], outputs: ["z"])]
        let result = ShapePropagation(model: Self.model(nodes, inputs: [Self.tensor("x", [2])], outputs: ["z"]),
                                      resolver: OpRegistry.builtin).run()
        #expect(result.unsupportedOps == ["com.example.MysteryOp": 1])
        #expect(result.outputs.first?.type == .unknown)
        // Both y and z are unresolved, and both were lost at the unsupported node.
        #expect(result.unresolved.map(\.tensor) == ["y", "z"])
        #expect(Set(result.unresolved.compactMap { $0.lostAt?.name }) == ["m"])
    }

    /// A Relu passes its tensor input's type on as its rule would: a shape of unknown rank stays
    /// unknown, a negative size is the node's error, and a sequence goes to the rule, which refuses it.
    @Test func unaryActivationPassesTensorTypesAsItsRuleDoes() {
        let relu = [Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])]
        func run(_ input: ValueType) -> ShapeInferenceResult {
            ShapePropagation(model: Self.model(relu, inputs: [ValueInfo(name: "x", type: input)], outputs: ["y"]),
                             resolver: OpRegistry.builtin).run()
        }
        let unranked = ValueType.tensor(TensorType(dtype: .int64, shape: nil))
        #expect(run(unranked).outputs.first?.type == unranked)
        let negative = run(.tensor(TensorType(dtype: .float, shape: [2, -3])))
        #expect(negative.outputs.first?.type == .unknown)
        #expect(negative.diagnostics.contains { $0.severity == .error && $0.message.contains("-3") })
        let sequence = run(.sequence(.tensor(TensorType(dtype: .float, shape: [2]))))
        #expect(sequence.outputs.first?.type == .unknown)
        #expect(sequence.diagnostics.contains { $0.severity == .error && $0.message.contains("expected a tensor") })
    }

    @Test func bindingsAndInputOverrides() {
        let nodes = [Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])]
        let model = Self.model(nodes, inputs: [Self.tensor("x", [.symbol("batch"), .symbol("sequence")])], outputs: ["y"])
        let bound = ShapePropagation(model: model, resolver: OpRegistry.builtin,
                                     options: ShapeInferenceOptions(dimBindings: ["batch": 8])).run()
        #expect(bound.outputs.first?.type.tensor?.shape == [8, .symbol("sequence")])
        let fixed = ShapePropagation(model: model, resolver: OpRegistry.builtin,
                                     options: ShapeInferenceOptions(inputShapes: ["x": [1, 2048]])).run()
        #expect(fixed.outputs.first?.type.tensor?.shape == [1, 2048])
    }

    @Test func declaredConflictIsAWarningAndInferredWins() {
        var model = Self.model([Node(name: "r", opType: "Relu", inputs: ["x"], outputs: ["y"])],
                               inputs: [Self.tensor("x", [2, 3])], outputs: ["y"])
        model.graph.outputs = [Self.tensor("y", [2, 4])]
        let result = ShapePropagation(model: model, resolver: OpRegistry.builtin).run()
        #expect(result.outputs.first?.type.tensor?.shape == [2, 3])
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("'y'") })
    }

    @Test func localFunctionIsExpandedWithAttributeReference() throws {
        let loaded = try ModelLoader.load(path: Self.unitFixture("local_function.onnx"))
        let result = ShapePropagation(model: loaded.model, resolver: OpRegistry.builtin).run()
        #expect(result.unsupportedOps.isEmpty)
        #expect(result.outputs.first?.type.tensor?.shape == [3])
    }

    @Test func loopScanAndIfFixtures() throws {
        let loop = ShapePropagation(model: try ModelLoader.load(path: Self.unitFixture("loop.onnx")).model, resolver: OpRegistry.builtin).run()
        // From expected_unit.json's onnxruntime run: acc_final [2], scanned [5, 2] (trip count 5, no condition).
        #expect(loop.outputs.map { $0.type.tensor?.shape } == [[2], [5, 2]])
        let scan = ShapePropagation(model: try ModelLoader.load(path: Self.unitFixture("scan.onnx")).model, resolver: OpRegistry.builtin).run()
        #expect(scan.outputs.map { $0.type.tensor?.shape } == [[2], [4, 2]])
        let branch = ShapePropagation(model: try ModelLoader.load(path: Self.unitFixture("subgraph_if.onnx")).model, resolver: OpRegistry.builtin).run()
        #expect(branch.outputs.first?.type.tensor?.shape == [2, 4])
    }

    static func unitFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ONNXLoaderTests/Fixtures/\(name)").path
    }
}
