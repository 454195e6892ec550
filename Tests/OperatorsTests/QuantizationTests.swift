import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Expected types and shapes were checked with `onnx.shape_inference.infer_shapes` (onnx 1.23, strict
// mode) on single-node models. Cost: 2 FLOPs (scale, shift) per element, at the float type.

private let batch = Dim.symbol("batch")

struct QuantizeCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType?]
    var attrs: [String: Attribute.Value] = [:]
    var expected: ValueType
    var flops: Dim
    var computeType: DataType?
    var testDescription: String { "\(op)-\(opset) \(inputs.map { $0?.description ?? "-" }) \(attrs.keys.sorted())" }
}

@Test(arguments: [
    // onnx: QuantizeLinear-10(float[1,3,8,8], scale float[]) → uint8[1,3,8,8]; 192 elements × 2.
    QuantizeCase(op: "QuantizeLinear", opset: 10, inputs: [opsTensor(.float, [1, 3, 8, 8]), opsTensor(.float, [])],
                 expected: opsTensor(.uint8, [1, 3, 8, 8]), flops: 384),
    // onnx: QuantizeLinear-13 per-axis with an int8 zero point → int8.
    QuantizeCase(op: "QuantizeLinear", opset: 13,
                 inputs: [opsTensor(.float, [batch, 3, 8, 8]), opsTensor(.float, [3]), opsTensor(.int8, [3])],
                 attrs: ["axis": .int(1)], expected: opsTensor(.int8, [batch, 3, 8, 8]), flops: batch * 384),
    // onnx: QuantizeLinear-21 output_dtype=INT4 without zero point → int4.
    QuantizeCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4, 6]), opsTensor(.float, [])],
                 attrs: ["output_dtype": .int(Int(DataType.int4.rawValue))], expected: opsTensor(.int4, [4, 6]), flops: 48),
    // onnx: blocked QuantizeLinear-21 (axis 1, block 3, scale [4,2]) → int8[4,6].
    QuantizeCase(op: "QuantizeLinear", opset: 21,
                 inputs: [opsTensor(.float, [4, 6]), opsTensor(.float, [4, 2]), opsTensor(.int8, [4, 2])],
                 attrs: ["axis": .int(1), "block_size": .int(3)], expected: opsTensor(.int8, [4, 6]), flops: 48),
    // Float8 zero point (opset 19).
    QuantizeCase(op: "QuantizeLinear", opset: 19,
                 inputs: [opsTensor(.float16, [8]), opsTensor(.float16, []), opsTensor(.float8e4m3fn, [])],
                 expected: opsTensor(.float8e4m3fn, [8]), flops: 16),
    // onnx: DequantizeLinear-10(uint8[2,3]) → float[2,3]; computed in float, not uint8.
    QuantizeCase(op: "DequantizeLinear", opset: 10, inputs: [opsTensor(.uint8, [2, 3]), opsTensor(.float, []), opsTensor(.uint8, [])],
                 expected: opsTensor(.float, [2, 3]), flops: 12, computeType: .float),
    // onnx: DequantizeLinear-19 with a float16 scale → float16.
    QuantizeCase(op: "DequantizeLinear", opset: 19, inputs: [opsTensor(.int8, [2, 3]), opsTensor(.float16, [])],
                 expected: opsTensor(.float16, [2, 3]), flops: 12, computeType: .float16),
    // onnx: blocked DequantizeLinear-21 (int4[4,6], scale [4,2], block 3) → float[4,6].
    QuantizeCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.int4, [4, 6]), opsTensor(.float, [4, 2])],
                 attrs: ["axis": .int(1), "block_size": .int(3)], expected: opsTensor(.float, [4, 6]), flops: 48, computeType: .float),
    // onnx: DequantizeLinear-23 output_dtype=BFLOAT16 → bfloat16.
    QuantizeCase(op: "DequantizeLinear", opset: 23, inputs: [opsTensor(.int8, [2, 3]), opsTensor(.float, [])],
                 attrs: ["output_dtype": .int(Int(DataType.bfloat16.rawValue))], expected: opsTensor(.bfloat16, [2, 3]), flops: 12,
                 computeType: .bfloat16),
    // onnx: DequantizeLinear-13 of an int32 bias, per-axis on axis 0 → float[64].
    QuantizeCase(op: "DequantizeLinear", opset: 13, inputs: [opsTensor(.int32, [64]), opsTensor(.float, [64])],
                 attrs: ["axis": .int(0)], expected: opsTensor(.float, [64]), flops: 128, computeType: .float),
])
func quantizationLinear(_ c: QuantizeCase) throws {
    let names = c.inputs.indices.map { c.inputs[$0] == nil ? "" : "x\($0)" }
    let result = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs)
    #expect(result.types == [c.expected])
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.macs == 0)
    #expect(result.cost?.computeType == c.computeType)
}

@Test func quantizationDynamic() throws {
    // onnx: DynamicQuantizeLinear(float[batch,16]) → uint8[batch,16], float[], uint8[].
    let result = try run(node("DynamicQuantizeLinear", ["x"], outputs: 3), opset: 11, inputs: [opsTensor(.float, [batch, 16])])
    #expect(result.types == [opsTensor(.uint8, [batch, 16]), opsTensor(.float, []), opsTensor(.uint8, [])])
    // min + max + scale + shift = 4 FLOPs per element: 64·batch.
    #expect(result.cost?.flops == batch * 64)
}

struct QuantizeErrorCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType]
    var attrs: [String: Attribute.Value] = [:]
    var kind: String
    var testDescription: String { "\(op)-\(opset) → \(kind)" }
}

@Test(arguments: [
    // output_dtype must be a quantized type.
    QuantizeErrorCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4]), opsTensor(.float, [])],
                      attrs: ["output_dtype": .int(Int(DataType.float.rawValue))], kind: "invalidAttribute"),
    QuantizeErrorCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4]), opsTensor(.float, [])],
                      attrs: ["output_dtype": .int(999)], kind: "invalidAttribute"),
    QuantizeErrorCase(op: "DequantizeLinear", opset: 23, inputs: [opsTensor(.int8, [4]), opsTensor(.float, [])],
                      attrs: ["output_dtype": .int(Int(DataType.int8.rawValue))], kind: "invalidAttribute"),
    QuantizeErrorCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.int8, [4, 6]), opsTensor(.float, [4, 2])],
                      attrs: ["block_size": .int(-1)], kind: "invalidAttribute"),
    // A float8e8m0 scale needs output_dtype (it is not an output type).
    QuantizeErrorCase(op: "DequantizeLinear", opset: 24, inputs: [opsTensor(.float4e2m1, [4, 32]), opsTensor(.float8e8m0, [4, 1])],
                      attrs: ["axis": .int(1), "block_size": .int(32)], kind: "missingAttribute"),
])
func quantizationErrors(_ c: QuantizeErrorCase) {
    let names = c.inputs.indices.map { "x\($0)" }
    #expect(opsErrorKind { _ = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs) } == c.kind)
}

struct QuantizeLenientCase: Sendable, CustomTestStringConvertible {
    var op: String
    var opset: Int
    var inputs: [ValueType]
    var attrs: [String: Attribute.Value] = [:]
    var expected: ValueType
    /// A word the warning must contain; `nil` when the node is within the spec.
    var warning: String?
    var testDescription: String { "\(op)-\(opset) \(inputs) → \(expected)" }
}

/// Spec violations that do not change y's shape (always x's) are warnings naming the node, never a
/// lost dim: onnxruntime runs these models (its own `quantize_static(per_channel=False)` writes the
/// first one for every int32 bias).
@Test(arguments: [
    // onnxruntime 1.32 per-tensor QDQ bias: int32[64], scale float[1], zero point int32[] → float[64].
    QuantizeLenientCase(op: "DequantizeLinear", opset: 13, inputs: [opsTensor(.int32, [64]), opsTensor(.float, [1]), opsTensor(.int32, [])],
                        expected: opsTensor(.float, [64]), warning: "rank"),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.int32, [64]), opsTensor(.float, [1]), opsTensor(.int32, [])],
                        attrs: ["axis": .int(0)], expected: opsTensor(.float, [64]), warning: "rank"),
    // The newest zero-point types at opset 21+, per tensor with a [1] scale and a scalar zero point.
    QuantizeLenientCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.int4, [4, 6]), opsTensor(.float, [1]), opsTensor(.int4, [])],
                        expected: opsTensor(.float, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.uint4, [4, 6]), opsTensor(.float, []), opsTensor(.uint4, [])],
                        expected: opsTensor(.float, [4, 6])),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 25, inputs: [opsTensor(.int2, [4, 6]), opsTensor(.float, [1]), opsTensor(.int2, [1])],
                        expected: opsTensor(.float, [4, 6])),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 25, inputs: [opsTensor(.uint2, [4, 6]), opsTensor(.float16, [1]), opsTensor(.uint2, [])],
                        expected: opsTensor(.float16, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 23, inputs: [opsTensor(.float4e2m1, [4, 6]), opsTensor(.float, [1]), opsTensor(.float4e2m1, [])],
                        expected: opsTensor(.float, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.float8e4m3fn, [4, 6]), opsTensor(.float, [1]), opsTensor(.float8e4m3fn, [])],
                        expected: opsTensor(.float, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4, 6]), opsTensor(.float, [1]), opsTensor(.int4, [])],
                        expected: opsTensor(.int4, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "QuantizeLinear", opset: 25, inputs: [opsTensor(.float, [4, 6]), opsTensor(.float, [1]), opsTensor(.uint2, [])],
                        expected: opsTensor(.uint2, [4, 6]), warning: "rank"),
    QuantizeLenientCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4, 6]), opsTensor(.float, [1]), opsTensor(.float8e5m2, [])],
                        expected: opsTensor(.float8e5m2, [4, 6]), warning: "rank"),
    // onnx strict mode: "output_dtype INT8 does not match y_zero_point type UINT8"; y is output_dtype.
    QuantizeLenientCase(op: "QuantizeLinear", opset: 21, inputs: [opsTensor(.float, [4]), opsTensor(.float, []), opsTensor(.uint8, [])],
                        attrs: ["output_dtype": .int(Int(DataType.int8.rawValue))], expected: opsTensor(.int8, [4]), warning: "output_dtype"),
    // Per-axis scale of the wrong length (4 values for an axis of 3).
    QuantizeLenientCase(op: "QuantizeLinear", opset: 13, inputs: [opsTensor(.float, [1, 3, 8, 8]), opsTensor(.float, [4])],
                        expected: opsTensor(.uint8, [1, 3, 8, 8]), warning: "per-axis"),
    // Blocked scale: ceil(6/3) = 2 blocks expected on axis 1, got 3.
    QuantizeLenientCase(op: "DequantizeLinear", opset: 21, inputs: [opsTensor(.int8, [4, 6]), opsTensor(.float, [4, 3])],
                        attrs: ["axis": .int(1), "block_size": .int(3)], expected: opsTensor(.float, [4, 6]), warning: "ceil"),
    // Zero point and x of different types.
    QuantizeLenientCase(op: "DequantizeLinear", opset: 13, inputs: [opsTensor(.int8, [4]), opsTensor(.float, []), opsTensor(.uint8, [])],
                        expected: opsTensor(.float, [4]), warning: "type"),
    // Zero point shaped unlike the scale.
    QuantizeLenientCase(op: "QuantizeLinear", opset: 13, inputs: [opsTensor(.float, [2, 3]), opsTensor(.float, [3]), opsTensor(.uint8, [])],
                        attrs: ["axis": .int(1)], expected: opsTensor(.uint8, [2, 3]), warning: "zero point shape"),
])
func quantizationLenient(_ c: QuantizeLenientCase) throws {
    let names = c.inputs.indices.map { "x\($0)" }
    let result = try run(node(c.op, names, attrs: c.attrs), opset: c.opset, inputs: c.inputs)
    #expect(result.types == [c.expected])
    if let word = c.warning {
        #expect(result.warnings.contains { $0.contains(word) }, "\(result.warnings)")
    } else {
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }
}

@Test func quantizationRegistersEveryOp() {
    let types = Set(QuantizationFamily.entries.map(\.schema.type))
    #expect(types == ["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"])
}
