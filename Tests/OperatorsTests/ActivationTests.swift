import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected shapes were checked with `onnx.shape_inference.infer_shapes` (onnx 1.23, strict mode);
// every activation keeps its input's shape and type. Costs follow Conventions.swift.

private let batch = Dim.symbol("batch")
private let seq = Dim.symbol("seq")

private func f32(_ dims: [Dim]) -> ValueType { opsTensor(.float, dims) }

// MARK: - Unary activations

struct ActivationCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var attrs: [String: Attribute.Value] = [:]
    var flopsPerElement: Int
    var transcendentalsPerElement: Int
    var testDescription: String { "\(op)-\(opset) \(attrs.keys.sorted())" }
}

@Test(arguments: [
    ActivationCase(op: "Relu", opset: 14, flopsPerElement: 1, transcendentalsPerElement: 0),
    ActivationCase(op: "Relu", opset: 6, flopsPerElement: 1, transcendentalsPerElement: 0),
    ActivationCase(op: "LeakyRelu", opset: 16, attrs: ["alpha": .float(0.1)], flopsPerElement: 1, transcendentalsPerElement: 0),
    ActivationCase(op: "ThresholdedRelu", opset: 10, flopsPerElement: 1, transcendentalsPerElement: 0),
    ActivationCase(op: "Shrink", opset: 9, attrs: ["lambd": .float(0.5)], flopsPerElement: 1, transcendentalsPerElement: 0),
    // Sigmoid: neg, exp, add, div = 4 FLOPs, 1 transcendental (exp).
    ActivationCase(op: "Sigmoid", opset: 13, flopsPerElement: 4, transcendentalsPerElement: 1),
    ActivationCase(op: "HardSigmoid", opset: 6, flopsPerElement: 4, transcendentalsPerElement: 0),
    // HardSwish = x·HardSigmoid(x): 4 + 1.
    ActivationCase(op: "HardSwish", opset: 14, flopsPerElement: 5, transcendentalsPerElement: 0),
    ActivationCase(op: "Tanh", opset: 13, flopsPerElement: 1, transcendentalsPerElement: 1),
    // Softplus = log(1+exp(x)): 3 FLOPs, 2 transcendentals.
    ActivationCase(op: "Softplus", opset: 1, flopsPerElement: 3, transcendentalsPerElement: 2),
    // Softsign = x/(1+|x|): 3 FLOPs.
    ActivationCase(op: "Softsign", opset: 22, flopsPerElement: 3, transcendentalsPerElement: 0),
    ActivationCase(op: "Elu", opset: 6, attrs: ["alpha": .float(1)], flopsPerElement: 4, transcendentalsPerElement: 1),
    ActivationCase(op: "Selu", opset: 6, flopsPerElement: 4, transcendentalsPerElement: 1),
    ActivationCase(op: "Celu", opset: 12, flopsPerElement: 4, transcendentalsPerElement: 1),
    // Mish = x·tanh(softplus(x)): 5 FLOPs; exp, log, tanh = 3 transcendentals.
    ActivationCase(op: "Mish", opset: 18, flopsPerElement: 5, transcendentalsPerElement: 3),
    // Swish = x·sigmoid(αx): 5 (Silu), +1 mul when α ≠ 1.
    ActivationCase(op: "Swish", opset: 24, flopsPerElement: 5, transcendentalsPerElement: 1),
    ActivationCase(op: "Swish", opset: 24, attrs: ["alpha": .float(1.702)], flopsPerElement: 6, transcendentalsPerElement: 1),
    // Gelu (erf): div, erf, add, mul, mul = 5; tanh form 9; 1 transcendental either way.
    ActivationCase(op: "Gelu", opset: 20, flopsPerElement: 5, transcendentalsPerElement: 1),
    ActivationCase(op: "Gelu", opset: 20, attrs: ["approximate": .string("tanh")], flopsPerElement: 9, transcendentalsPerElement: 1),
    ActivationCase(op: "Clip", opset: 6, attrs: ["min": .float(0), "max": .float(6)], flopsPerElement: 1, transcendentalsPerElement: 0),
])
func activationUnary(_ c: ActivationCase) throws {
    // [batch, seq, 768]: 768·batch·seq elements.
    let shape: [Dim] = [batch, seq, 768]
    let result = try run(node(c.op, ["x"], attrs: c.attrs), opset: c.opset, inputs: [f32(shape)])
    #expect(result.types == [f32(shape)])
    let elements = batch * seq * 768
    #expect(result.cost?.flops == elements * .value(c.flopsPerElement))
    #expect(result.cost?.transcendentals == elements * .value(c.transcendentalsPerElement))
    #expect(result.cost?.macs == 0)
}

@Test func activationKeepsDtype() throws {
    let half = opsTensor(.float16, [2, 3])
    #expect(try run(node("Relu", ["x"]), opset: 14, inputs: [half]).types == [half])
    let unknownRank = try opsInferOnly(node("Sigmoid", ["x"]), opset: 13, inputs: [opsTensor(.bfloat16, nil)])
    #expect(unknownRank.types == [opsTensor(.bfloat16, nil)])
}

// MARK: - PRelu and Clip with inputs

@Test(arguments: [
    // onnx: PRelu(float[1,8,4,4], slope float[8,1,1]) → float[1,8,4,4]; 128 FLOPs.
    ([Dim(1), 8, 4, 4], [Dim(8), 1, 1], 16, 128),
    ([batch, 8, 4, 4], [Dim(1)], 16, 0),
    // Opset 6: no broadcast check (legacy per-channel slope [8] on NCHW).
    ([Dim(1), 8, 4, 4], [Dim(8)], 6, 128),
])
func activationPRelu(x: [Dim], slope: [Dim], opset: Int, flops: Int) throws {
    let result = try run(node("PRelu", ["x", "slope"]), opset: opset, inputs: [f32(x), f32(slope)])
    #expect(result.types == [f32(x)])
    // 128·batch when batch is symbolic.
    #expect(result.cost?.flops == (flops == 0 ? batch * 128 : .value(flops)))
}

@Test func activationClipInputs() throws {
    // Opset 11+: min/max are optional scalar inputs; onnx: Clip(float[2,3], [], []) → float[2,3].
    let both = try run(node("Clip", ["x", "lo", "hi"]), opset: 13, inputs: [f32([2, 3]), f32([]), f32([])])
    #expect(both.types == [f32([2, 3])])
    #expect(both.cost?.flops == 6)
    let maxOnly = try run(node("Clip", ["x", "", "hi"]), opset: 13, inputs: [f32([2, 3]), nil, f32([])])
    #expect(maxOnly.types == [f32([2, 3])])
}

struct ActivationErrorCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType?]
    var attrs: [String: Attribute.Value] = [:]
    var kind: String
    var testDescription: String { "\(op)-\(opset) → \(kind)" }
}

@Test(arguments: [
    ActivationErrorCase(op: "Gelu", opset: 20, inputs: [f32([2])], attrs: ["approximate": .string("fast")], kind: "invalidAttribute"),
    ActivationErrorCase(op: "LeakyRelu", opset: 16, inputs: [f32([2])], attrs: ["alpha": .string("x")], kind: "invalidAttribute"),
    ActivationErrorCase(op: "Clip", opset: 6, inputs: [f32([2])], attrs: ["min": .float(1), "max": .float(0)], kind: "invalidAttribute"),
    ActivationErrorCase(op: "Clip", opset: 13, inputs: [f32([2]), f32([2])], kind: "invalidInput"),
    // PRelu-16: slope [3,1,1] does not broadcast to [1,8,4,4].
    ActivationErrorCase(op: "PRelu", opset: 16, inputs: [f32([1, 8, 4, 4]), f32([3, 1, 1])], kind: "incompatibleDims"),
    ActivationErrorCase(op: "PRelu", opset: 16, inputs: [f32([4]), f32([2, 4])], kind: "rankMismatch"),
    // onnx: Softmax-11 with axis 3 on rank 3 → "'axis' must be in [-3 , 2]"; Softmax-13 on a scalar fails.
    ActivationErrorCase(op: "Softmax", opset: 11, inputs: [f32([2, 3, 4])], attrs: ["axis": .int(3)], kind: "invalidAttribute"),
    ActivationErrorCase(op: "Softmax", opset: 13, inputs: [f32([])], kind: "invalidAttribute"),
    ActivationErrorCase(op: "LogSoftmax", opset: 13, inputs: [f32([2, 3])], attrs: ["axis": .int(-3)], kind: "invalidAttribute"),
])
func activationErrors(_ c: ActivationErrorCase) {
    let names = c.inputs.indices.map { c.inputs[$0] == nil ? "" : "x\($0)" }
    #expect(opsErrorKind { _ = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs) } == c.kind)
}

// MARK: - Softmax, LogSoftmax, Hardmax

struct SoftmaxCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var shape: [Dim]
    var axis: Int?
    var flops: Dim
    var transcendentals: Dim
    var testDescription: String { "\(op)-\(opset) axis \(axis.map(String.init) ?? "default")" }
}

@Test(arguments: [
    // Softmax over [batch,12,seq,seq]: 5 FLOPs + 1 exp per element.
    SoftmaxCase(op: "Softmax", opset: 13, shape: [batch, 12, seq, seq], axis: nil,
                flops: batch * seq * seq * 60, transcendentals: batch * seq * seq * 12),
    // Opset 11 default axis 1 (2-D coercion): same per-element count, 2·3·4 = 24 elements.
    SoftmaxCase(op: "Softmax", opset: 11, shape: [2, 3, 4], axis: nil, flops: 120, transcendentals: 24),
    // Opset 1 accepted axis == rank.
    SoftmaxCase(op: "Softmax", opset: 1, shape: [2, 3, 4], axis: 3, flops: 120, transcendentals: 24),
    // LogSoftmax-13 axis −1 over [2,3,4]: 24·5 + one log per row (2·3 = 6 rows) → 126 FLOPs, 24 + 6 transcendentals.
    SoftmaxCase(op: "LogSoftmax", opset: 13, shape: [2, 3, 4], axis: nil, flops: 126, transcendentals: 30),
    // LogSoftmax-13 axis 1 over [2,3,4]: rows = 2·4 = 8 → 128 FLOPs, 32 transcendentals.
    SoftmaxCase(op: "LogSoftmax", opset: 13, shape: [2, 3, 4], axis: 1, flops: 128, transcendentals: 32),
    // LogSoftmax-11 axis 1 (coerced to [2, 12]): rows = 2 → 122 FLOPs, 26 transcendentals.
    SoftmaxCase(op: "LogSoftmax", opset: 11, shape: [2, 3, 4], axis: nil, flops: 122, transcendentals: 26),
    // LogSoftmax-1 axis 2 (coerced to [6, 4]) over a symbolic batch: rows = 3·batch.
    SoftmaxCase(op: "LogSoftmax", opset: 1, shape: [batch, 3, 4], axis: 2, flops: batch * 63, transcendentals: batch * 15),
    // Hardmax: 1 comparison per element.
    SoftmaxCase(op: "Hardmax", opset: 13, shape: [2, 3, 4], axis: nil, flops: 24, transcendentals: 0),
])
func activationSoftmax(_ c: SoftmaxCase) throws {
    let attrs: [String: Attribute.Value] = c.axis.map { ["axis": .int($0)] } ?? [:]
    let result = try run(node(c.op, ["x"], attrs: attrs), opset: c.opset, inputs: [f32(c.shape)])
    #expect(result.types == [f32(c.shape)])
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
}

@Test func activationRegistersEveryOp() {
    let types = Set(ActivationFamily.entries.map(\.schema.type))
    #expect(types.count == ActivationFamily.entries.count)
    for op in ["Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softplus", "Softsign", "Elu",
               "Selu", "Celu", "ThresholdedRelu", "Shrink", "Gelu", "Mish", "Clip", "Softmax", "LogSoftmax", "Hardmax", "Swish"] {
        #expect(types.contains(op), "\(op)")
    }
}
