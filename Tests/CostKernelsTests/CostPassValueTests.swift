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

    /// Casts change the element size: X fp16[2,8] (32 B) → Cast → c fp32 (64 B) → Relu → r (64 B) → Cast → Y fp16 (32 B).
    /// Sum: 32 + 64 + 64 + 32 = 192 B. Live: Cast₁ X + c = 96 (X dies); Relu c + r = 128 (c dies);
    /// Cast₂ r + Y = 96 → peak 128 B at Relu. Moved: 32+64, 64+64, 64+32 → 320 B.
    @Test func castChainPeakFollowsElementSize() {
        let nodes = [
            Node(name: "up", opType: "Cast", inputs: ["X"], outputs: ["c"], attributes: [Attribute(name: "to", value: .int(Int(DataType.float.rawValue)))]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "down", opType: "Cast", inputs: ["r"], outputs: ["Y"], attributes: [Attribute(name: "to", value: .int(Int(DataType.float16.rawValue)))]),
        ]
        let costs = Self.costs(nodes, inputs: [Self.tensor("X", .float16, [2, 8])], outputs: ["Y"])
        #expect(costs.nodes.map(\.bytesRead) == [32, 64, 64])
        #expect(costs.nodes.map(\.bytesWritten) == [64, 64, 32])
        #expect(costs.totals.activationBytes == 192)
        #expect(costs.totals.peakActivationBytes == 128)
        #expect(costs.peakNode?.name == "relu")
        #expect(costs.totals.memoryAccessBytes == 320)
    }

    /// Fan-out keeps the input alive: X fp32[1,100] (400 B) → Relu → a, Sigmoid → b (both read X),
    /// Concat(a, b) → Y [1,200] (800 B). Live: Relu X + a = 800; Sigmoid X + a + b = 1,200 (X dies);
    /// Concat a + b + Y = 1,600 → peak 1,600 B at Concat. Sum 400·3 + 800 = 2,000 B.
    /// Moved: 400+400, 400+400, 800+800 → 3,200 B.
    @Test func fanOutPeakAtTheJoin() {
        let nodes = [
            Node(name: "relu", opType: "Relu", inputs: ["X"], outputs: ["a"]),
            Node(name: "sigmoid", opType: "Sigmoid", inputs: ["X"], outputs: ["b"]),
            Node(name: "concat", opType: "Concat", inputs: ["a", "b"], outputs: ["Y"], attributes: [Attribute(name: "axis", value: .int(1))]),
        ]
        let costs = Self.costs(nodes, inputs: [Self.tensor("X", .float, [1, 100])], outputs: ["Y"])
        #expect(costs.nodes.map(\.bytesRead) == [400, 400, 800])
        #expect(costs.nodes.map(\.bytesWritten) == [400, 400, 800])
        #expect(costs.totals.activationBytes == 2_000)
        #expect(costs.totals.peakActivationBytes == 1_600)
        #expect(costs.peakNode?.name == "concat")
        #expect(costs.totals.memoryAccessBytes == 3_200)
    }

    /// Unbound `batch`: X fp32[batch,4] → Relu → a → Relu → Y, each tensor 16·batch B. Sum 48·batch;
    /// live 32·batch at both steps, so one polynomial peak; moved 4 × 16·batch = 64·batch. At batch = 3:
    /// 144, 96 and 192 B.
    @Test func symbolicBytesArePolynomials() {
        let x = ValueInfo(name: "X", type: .tensor(TensorType(dtype: .float, shape: [.symbol("batch"), .value(4)])))
        let nodes = [
            Node(name: "r1", opType: "Relu", inputs: ["X"], outputs: ["a"]),
            Node(name: "r2", opType: "Relu", inputs: ["a"], outputs: ["Y"]),
        ]
        let costs = Self.costs(nodes, inputs: [x], outputs: ["Y"])
        let batch = SymbolicInt.symbol("batch")
        #expect(costs.totals.activationBytes == batch * 48)
        #expect(costs.totals.peakActivationBytes == batch * 32)
        #expect(costs.totals.peakCandidates.count == 1)
        #expect(costs.totals.memoryAccessBytes == batch * 64)
        #expect(costs.totals.activationBytes.evaluated(["batch": 3]) == 144)
        #expect(costs.totals.peakActivationBytes.evaluated(["batch": 3]) == 96)
        #expect(costs.totals.memoryAccessBytes.evaluated(["batch": 3]) == 192)
    }
}
