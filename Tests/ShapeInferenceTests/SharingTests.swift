import ONNXGraph
import Operators
@testable import ShapeInference
import Testing

/// Tensor ids and shared operator instances: what the shape pass hands the cost pass, and what it
/// makes once for many nodes.
@Suite struct SharingTests {
    @Test func tensorNameTableGivesEachNameOneDenseID() {
        var table = TensorNameTable(capacity: 4)
        #expect(table.intern("x") == 0)
        #expect(table.intern("y") == 1)
        #expect(table.intern("x") == 0)
        #expect(table.id(of: "y") == 1)
        #expect(table.id(of: "z") == nil)
        #expect(table.names == ["x", "y"])
        #expect(TensorNameTable().id(of: "x") == nil)
    }

    /// Values set out of order and past the ids first reserved read back by id and by name; ids
    /// without one (before, between, after) have none, and a subgraph's scope sees its parent's.
    @Test func scopeKeepsValuesByID() {
        let scope = Scope(parent: nil)
        let a = scope.id("a"), b = scope.id("b"), c = scope.id("c")
        #expect(scope.value(id: b) == nil)
        scope.setValue(.ints([2]), id: b)
        #expect(scope.value(id: a) == nil)
        #expect(scope.value(id: b) == .ints([2]))
        #expect(scope.value(id: c) == nil)
        scope.setValue(.ints([3, 4]), id: c)
        #expect(scope.localValue("c") == .ints([3, 4]))
        #expect(scope.localValue("a") == nil)
        #expect(scope.localValue("z") == nil)
        let child = Scope(parent: scope)
        #expect(child.value(id: child.id("b")) == .ints([2]))
        #expect(child.localValue("b") == nil)
    }

    /// Names past the first 16 slots (the table grows 4 times), names that differ only in the
    /// middle or in their last byte, the empty name, and a non-ASCII one each keep their first id.
    @Test func tensorNameTableKeepsIDsAcrossGrowthAndNearNames() {
        var table = TensorNameTable()
        var names: [String] = []
        for layer in 0..<100 { names.append("/model/layers.\(layer)/self_attn/q_proj/MatMul_output_0") }
        names += ["", "a", "ab", "abcdefgh", "abcdefgi", "abcdefghi", "σ_1", "onnx::MatMul_12", "onnx::MatMul_13"]
        for (index, name) in names.enumerated() { #expect(table.intern(name) == index) }
        for (index, name) in names.enumerated() {
            #expect(table.intern(name) == index)
            #expect(table.id(of: name) == index)
        }
        #expect(table.count == 109)
        #expect(table.names == names)
        #expect(table.id(of: "/model/layers.100/self_attn/q_proj/MatMul_output_0") == nil)
        #expect(table.id(of: "abcdefgj") == nil)
        #expect(TensorNameTable.slotCount(for: 0) == 16)
        #expect(TensorNameTable.slotCount(for: 8) == 16)
        #expect(TensorNameTable.slotCount(for: 9) == 32)
    }

    /// The hash reads every byte, the last ones (past the 8-byte words) included.
    @Test func tensorNameHashTellsNamesByEveryByte() {
        let base = "/model/layers.0/mlp/Mul_output_0"
        #expect(TensorNameTable.hash(base) == TensorNameTable.hash(String(base)))
        #expect(TensorNameTable.hash(base) != TensorNameTable.hash("/model/layers.1/mlp/Mul_output_0"))
        #expect(TensorNameTable.hash(base) != TensorNameTable.hash(base + "1"))
        #expect(TensorNameTable.hash("abcdefgh") != TensorNameTable.hash("abcdefgh\u{0}"))
    }

    static func model(_ nodes: [Node], initializers: [TensorData] = []) -> Model {
        let x = ValueInfo(name: "x", type: .tensor(TensorType(dtype: .float, shape: [.value(2), .value(3)])))
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)],
                     graph: Graph(name: "g", nodes: nodes, inputs: [x], outputs: [], initializers: initializers))
    }

    /// Whether two nodes hold the very same operator instance (not merely equal ones).
    static func sameRule(_ a: NodeInference, _ b: NodeInference) -> Bool {
        guard let x = a.instance, let y = b.instance else { return false }
        return x === y
    }

    @Test func nodesAlikeShareOneRuleAndOthersDoNot() {
        let nodes = [
            Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "b", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            Node(name: "c", opType: "LeakyRelu", inputs: ["b"], outputs: ["c"], attributes: [Attribute(name: "alpha", value: .float(0.1))]),
            Node(name: "d", opType: "LeakyRelu", inputs: ["c"], outputs: ["d"], attributes: [Attribute(name: "alpha", value: .float(0.2))]),
            Node(name: "e", opType: "LeakyRelu", inputs: ["d"], outputs: ["e"], attributes: [Attribute(name: "alpha", value: .float(0.1))]),
        ]
        let main = ShapePropagation(model: Self.model(nodes), resolver: OpRegistry.builtin).run().main
        #expect(Self.sameRule(main.nodes[0], main.nodes[1]))
        #expect(Self.sameRule(main.nodes[2], main.nodes[4]))
        #expect(!Self.sameRule(main.nodes[2], main.nodes[3]))
        // Shared or not, each node keeps its own name and types.
        #expect(main.nodes[1].node.name == "b")
        #expect(main.nodes[4].ref.name == "e")
        #expect(main.valueTypes["e"] == .tensor(TensorType(dtype: .float, shape: [.value(2), .value(3)])))
        #expect(main.valueTypes["nothing"] == nil)
    }

    @Test func idsOfEveryNodeInputAndOutputMatchTheNames() {
        let nodes = [
            Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["a"]),
            Node(name: "clip", opType: "Clip", inputs: ["a", "", "hi"], outputs: ["b"]),
        ]
        let hi = TensorData(name: "hi", dtype: .float, dims: [], location: .inline(byteCount: 4), value: nil)
        let main = ShapePropagation(model: Self.model(nodes, initializers: [hi]), resolver: OpRegistry.builtin).run().main
        let ids = main.nodeTensorIDs
        let name = { (id: Int32) in id < 0 ? "" : main.tensorNames.names[Int(id)] }
        #expect(ids.count == 2)
        #expect(ids.inputs(1).map(name) == ["a", "", "hi"])
        #expect(ids.outputs(1).map(name) == ["b"])
        #expect(ids.inputs(0).map(name) == ["x"])
    }

    @Test func reorderedListsTakeEachNodesIDsAlong() {
        var ids = NodeTensorIDs()
        // Node 0 reads 5 and writes 6; node 1 reads 7 and an omitted input, writes 5.
        ids.inputIDs = [5, 7, -1]
        ids.inputStart = [0, 1, 3]
        ids.outputIDs = [6, 5]
        ids.outputStart = [0, 1, 2]
        let swapped = ids.reordered([1, 0])
        #expect(swapped.count == 2)
        #expect(Array(swapped.inputs(0)) == [7, -1])
        #expect(Array(swapped.outputs(0)) == [5])
        #expect(Array(swapped.inputs(1)) == [5])
        #expect(Array(swapped.outputs(1)) == [6])
    }

    @Test func idsFollowTheInferredOrderWhenTheFileIsNotSorted() {
        // The file lists the consumer first: it is inferred second, and its ids move with it.
        let nodes = [
            Node(name: "second", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            Node(name: "first", opType: "Relu", inputs: ["x"], outputs: ["a"]),
        ]
        let main = ShapePropagation(model: Self.model(nodes), resolver: OpRegistry.builtin).run().main
        let ids = main.nodeTensorIDs
        let name = { (id: Int32) in id < 0 ? "" : main.tensorNames.names[Int(id)] }
        #expect(main.nodes.map(\.node.name) == ["first", "second"])
        #expect(ids.inputs(0).map(name) == ["x"])
        #expect(ids.outputs(0).map(name) == ["a"])
        #expect(ids.inputs(1).map(name) == ["a"])
        #expect(ids.outputs(1).map(name) == ["b"])
        #expect(main.valueTypes["b"] == .tensor(TensorType(dtype: .float, shape: [.value(2), .value(3)])))
    }
}
