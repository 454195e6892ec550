@testable import CostKernels
import ONNXGraph
import Operators
import ShapeInference
import Testing

/// The flat tables the activation sweep and the fusion plan index instead of arrays of arrays and
/// name-keyed dictionaries, and the `SymbolicInt` shortcuts the large-graph passes lean on: each must
/// answer exactly what the structure it replaced answered.
@Suite struct CompactTablesTests {
    /// A node's record reads its names and outputs from the shape pass's array, and keeps MACs,
    /// transcendentals and params in a box only while one of them is not zero.
    @Test func nodeCostKeepsRareCountsInABoxOnlyWhenNonZero() {
        let nodes = [Node(name: "neg", opType: "Neg", inputs: ["A"], outputs: ["N"]),
                     Node(name: "mm", opType: "MatMul", inputs: ["N", "B"], outputs: ["Y"])]
        let float = { (dims: [Int]) in ValueType.tensor(TensorType(dtype: .float, shape: dims.map { .value($0) })) }
        let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 21)],
                          graph: Graph(name: "g", nodes: nodes, inputs: [ValueInfo(name: "A", type: float([2, 1])), ValueInfo(name: "B", type: float([1, 3]))],
                                       outputs: [ValueInfo(name: "Y", type: .unknown)]))
        let shapes = ShapePropagation(model: model, resolver: OpRegistry.builtin).run()
        var cost = NodeCost(graphNodes: shapes.main.nodes, position: 1, macs: 0, flops: 12, transcendentals: 0, params: 0,
                            bytesRead: 20, bytesWritten: 24, computeType: .float, status: .costed)
        #expect(cost.rareCounts == nil)
        #expect(cost.ref == NodeRef(graphPath: "", index: 1, name: "mm", opType: "MatMul", domain: ""))
        #expect(cost.outputShapes == [[2, 3]])
        // 2·3 outputs of a K = 1 product: 6 MACs; the box appears, and holds the other two as zero.
        cost.macs = 6
        #expect(cost.rareCounts != nil && cost.macs == 6 && cost.transcendentals == 0 && cost.params == 0)
        cost.params = 3
        #expect(cost.macs == 6 && cost.params == 3)
        cost.macs = 0
        cost.params = 0
        #expect(cost.rareCounts == nil && cost.flops == 12 && cost.bytesRead == 20 && cost.bytesWritten == 24)
    }

    @Test func listTableKeepsEachListInAppendOrder() {
        var table = ListTable(keys: 4)
        // Interleaved appends to different keys, as the fusion plan makes them.
        table.append(7, to: 2)
        table.append(3, to: 0)
        table.append(9, to: 2)
        table.append(1, to: 2)
        #expect(table.list(2) == [7, 9, 1])
        #expect(table.list(0) == [3])
        #expect(table.list(1) == [])
        #expect(table.last(2) == 1)
        #expect(table.last(1) == nil)
        #expect(table.isEmpty(3) && !table.isEmpty(0))
        #expect(table.hasOne(0) && !table.hasOne(2) && !table.hasOne(1))
        #expect(table.contains(2) { $0 == 9 } && !table.contains(2) { $0 == 3 })
        var seen: [Int] = []
        table.forEach(2) { seen.append($0) }
        #expect(seen == [7, 9, 1])
    }

    @Test func freeListDropsWhatIsAddedForAPassedStep() {
        var list = FreeList(steps: 3)
        list.add(10, at: 1)
        list.add(11, at: 0)
        list.add(12, at: 1)
        var dying: [Int] = [99]
        list.take(0, into: &dying)
        #expect(dying == [11])
        list.add(13, at: 0)  // step 0 has passed: never freed
        list.take(1, into: &dying)
        #expect(dying == [10, 12])
        list.take(2, into: &dying)
        #expect(dying.isEmpty)
    }

    @Test func graphTensorIDsNameEveryTensorOnce() {
        let nodes = [
            Node(name: "relu", opType: "Relu", inputs: ["X"], outputs: ["a"]),
            Node(name: "clip", opType: "Clip", inputs: ["a", "", "hi"], outputs: ["b"]),
            Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["Y"]),
        ]
        let tensor = ValueInfo(name: "X", type: .tensor(TensorType(dtype: .float, shape: [.value(4)])))
        let hi = TensorData(name: "hi", dtype: .float, dims: [], location: .inline(byteCount: 4), value: nil)
        let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 21)],
                          graph: Graph(name: "g", nodes: nodes, inputs: [tensor], outputs: [ValueInfo(name: "Y", type: .unknown)],
                                       initializers: [hi]))
        let shapes = ShapePropagation(model: model, resolver: OpRegistry.builtin).run()
        let ids = GraphTensorIDs(shapes.main, extraNames: ["X", "extra"])
        let id = { (name: String) in ids.names.existingID(name) }
        #expect(Array(ids.inputs(0)) == [id("X")])
        #expect(Array(ids.inputs(1)) == [id("a"), -1, id("hi")])
        #expect(Array(ids.outputs(2)) == [id("Y")])
        #expect(ids.graphOutputIDs == [id("Y")].compactMap { $0 })
        #expect(id("extra") != nil)
        // X, a, hi, b, Y, extra: each name one id, dense from 0.
        #expect(ids.names.count == 6)
        #expect(Set((0..<6).map { ids.names.name($0) }) == ["X", "a", "hi", "b", "Y", "extra"])
    }

    @Test func symbolicShortcutsAnswerAsTheGeneralPath() {
        let batch = SymbolicInt.symbol("batch")
        let p = batch * 1024
        // 1 · p and p · 1 are p.
        #expect(SymbolicInt.value(1) * p == p)
        #expect(p * SymbolicInt.value(1) == p)
        // p += q of one symbol's multiples: the sum `+` gives, zero included.
        var sum = p
        sum += batch * 3
        #expect(sum == p + batch * 3)
        #expect(sum.description == "1027*batch")
        var zero = p
        zero += -p
        #expect(zero == p + -p)
        #expect(zero == 0)
        var mixed = p
        mixed += SymbolicInt.symbol("sequence")
        #expect(mixed == p + .symbol("sequence"))
        // Equal candidates dominate each other; unknown ones never do.
        #expect(PeakCandidate.isDominated(p, by: p))
        #expect(!PeakCandidate.isDominated(.unknown, by: .unknown))
        #expect(!PeakCandidate.isDominated(p + 1, by: p))
    }

    /// Constants by name as dense entries: a name keeps its first entry, a later tensor of the same
    /// name replaces the stored one, and a constant with no initializer has an entry but no tensor.
    @Test func constantTableNumbersNamesOnceAndTracksCountedParameters() {
        var table = ConstantTable()
        let weight = TensorData(name: "W", dtype: .float, dims: [2, 3], location: .inline(byteCount: 24), value: nil)
        table.set(weight)
        #expect(table.entry("W") == 0)
        #expect(table.entry("c") == 1)  // a Constant output: an entry, no stored tensor
        #expect(table.count == 2 && table.tensor(1) == nil)
        #expect(table.hasTensor("W") && !table.hasTensor("c") && !table.hasTensor("absent"))
        // A subgraph's initializer of the same name replaces the stored type, under the same entry.
        table.set(TensorData(name: "W", dtype: .float16, dims: [6], location: .inline(byteCount: 12), value: nil))
        #expect(table.entry("W") == 0 && table.count == 2 && table.tensor(0)?.dtype == .float16)
        #expect(!table.isCounted(0) && !table.isCounted(1))
        table.markCounted(1)
        #expect(!table.isCounted(0) && table.isCounted(1))
    }
}
