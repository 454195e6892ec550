import CostKernels
import ONNXGraph
import Operators
import ShapeInference
import Testing

/// The cost pass's byte accounting, worked out by hand on small graphs: activation sum and peak,
/// bytes read and written, memory access, weights, `--dtype`, and the fusion plan's traffic.
@Suite struct CostPassValueTests {
    static func tensor(_ name: String, _ dtype: DataType, _ dims: [Int]) -> ValueInfo {
        ValueInfo(name: name, type: .tensor(TensorType(dtype: dtype, shape: dims.map { .value($0) })))
    }

    static func costs(_ nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [TensorData] = [],
                      precision: Precision? = nil) -> CostReport {
        let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 21)],
                          graph: Graph(name: "g", nodes: nodes, inputs: inputs, outputs: outputs.map { ValueInfo(name: $0, type: .unknown) },
                                       initializers: initializers))
        let shapes = ShapePropagation(model: model, resolver: OpRegistry.builtin).run()
        return CostPass(model: model, shapes: shapes, options: CostOptions(targetPrecision: precision), rules: OpRegistry.builtin).run()
    }

    /// X[1,1000] → Relu → a → Sigmoid → b; Add(a, b) → Y, fp32 (4,000 B per tensor).
    static let chain = [
        Node(name: "relu", opType: "Relu", inputs: ["X"], outputs: ["a"]),
        Node(name: "sigmoid", opType: "Sigmoid", inputs: ["a"], outputs: ["b"]),
        Node(name: "add", opType: "Add", inputs: ["a", "b"], outputs: ["Y"]),
    ]

    /// Sum: X + a + b + Y = 16,000 B. Peak: at Add, a + b + Y are live = 12,000 B (X died after Relu).
    /// Per node: Relu reads 4,000 writes 4,000; Sigmoid the same; Add reads 8,000 writes 4,000 → 28,000 B moved.
    @Test func activationSumPeakAndAccess() {
        let costs = Self.costs(Self.chain, inputs: [Self.tensor("X", .float, [1, 1000])], outputs: ["Y"])
        #expect(costs.totals.activationBytes == 16_000)
        #expect(costs.totals.peakActivationBytes == 12_000)
        #expect(costs.peakNode?.name == "add")
        #expect(costs.nodes.map(\.bytesRead) == [4_000, 4_000, 8_000])
        #expect(costs.nodes.map(\.bytesWritten) == [4_000, 4_000, 4_000])
        #expect(costs.totals.memoryAccessBytes == 28_000)
    }

    /// At `--dtype fp16` every float tensor is 2 bytes: half of each figure.
    @Test func targetPrecisionHalvesFloatBytes() {
        let costs = Self.costs(Self.chain, inputs: [Self.tensor("X", .float, [1, 1000])], outputs: ["Y"], precision: .fp16)
        #expect(costs.totals.activationBytes == 8_000)
        #expect(costs.totals.peakActivationBytes == 6_000)
        #expect(costs.totals.memoryAccessBytes == 14_000)
    }

    /// Fusion: Relu has no producing kernel (its input is the graph's) and starts group 0; Sigmoid cannot join
    /// it (a has two readers); Add joins Sigmoid's group through b (its only reader). Group 0 reads X and writes a
    /// (8,000 B); group 1 reads a once and writes Y (8,000 B). Boundary peak: a + Y = 8,000 B.
    @Test func fusionPlanTraffic() {
        let costs = Self.costs(Self.chain, inputs: [Self.tensor("X", .float, [1, 1000])], outputs: ["Y"])
        let plan = costs.fusion
        #expect(plan.groups.map(\.members) == [[0], [1, 2]])
        #expect(plan.groups.map(\.bytesMoved) == [8_000, 8_000])
        #expect(plan.peakActivationBytes == 8_000)
        #expect(plan.graphInputBytes == 4_000 && plan.graphOutputBytes == 4_000)
        #expect(plan.boundaryTensors.count == 3)  // X, a, Y
    }

    /// MatMul X[2,3] · W[3,4] fp32: 12 parameters, 48 weight bytes; the node reads 24 + 48 B and writes 32 B.
    @Test func weightsAndParameters() {
        let w = TensorData(name: "W", dtype: .float, dims: [3, 4], location: .inline(byteCount: 48), value: nil)
        let costs = Self.costs([Node(name: "mm", opType: "MatMul", inputs: ["X", "W"], outputs: ["Y"])],
                               inputs: [Self.tensor("X", .float, [2, 3])], outputs: ["Y"], initializers: [w])
        #expect(costs.totals.params == 12)
        #expect(costs.totals.weightBytes == 48)
        #expect(costs.nodes[0].bytesRead == 72 && costs.nodes[0].bytesWritten == 32)
        #expect(costs.totals.macs == 24)
        // Activations: X (24) and Y (32); the weight is not an activation.
        #expect(costs.totals.activationBytes == 56)
    }

    /// A DequantizeLinear of a weight is folded: its float output is no activation, and the MatMul
    /// reads the int8 weight (16 B), runs at int8, and the fusion plan reads the weight at 1 byte.
    @Test func dequantizedWeightIsNoActivation() {
        let w = TensorData(name: "Wq", dtype: .int8, dims: [4, 4], location: .inline(byteCount: 16), value: nil)
        let scale = TensorData(name: "s", dtype: .float, dims: [], location: .inline(byteCount: 4), value: .floats([0.5]))
        let nodes = [
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["Wq", "s"], outputs: ["W"]),
            Node(name: "mm", opType: "MatMul", inputs: ["X", "W"], outputs: ["Y"]),
        ]
        let costs = Self.costs(nodes, inputs: [Self.tensor("X", .float, [1, 4])], outputs: ["Y"], initializers: [w, scale])
        // X (16) + Y (16); W (64 B of float) never exists.
        #expect(costs.totals.activationBytes == 32)
        #expect(costs.nodes[1].bytesRead == 32)  // X (16 B) + the int8 weight (16 B)
        #expect(costs.fusion.roleOfNode == [.folded, .kernel])
        #expect(costs.fusion.groups[0].weightBytesRead == 16)
    }
}
