import ONNXGraph
import ShapeInference
import CostKernels

// Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.

extension Conventions {
    /// QuantizeLinear / DequantizeLinear per element: a scale (div or mul) and a shift (add or sub
    /// of the zero point); rounding and saturation are not counted. The FLOPs run at the float
    /// type, never at the quantized one.
    static let quantizeAffine = 2
}

/// Checks shared by QuantizeLinear and DequantizeLinear: zero point shaped like the scale, and the
/// scale's shape consistent with per-tensor, per-axis or blocked granularity.
enum QuantizationSupport {
    /// Reads an `output_dtype` attribute (0 = unset) and checks it against `allowed`.
    static func outputDType(_ node: Node, allowed: Set<DataType>) throws(ShapeError) -> DataType? {
        let raw = try node.int("output_dtype", default: 0)
        if raw == 0 { return nil }
        guard let value = Int32(exactly: raw), let dtype = DataType(rawValue: value), allowed.contains(dtype) else {
            throw .invalidAttribute(name: "output_dtype", reason: "\(raw) is not an allowed element type")
        }
        return dtype
    }

    /// Checks the zero point against the scale and the scale against x (per tensor, per axis or
    /// blocked). onnxruntime is more lenient than the spec: it runs a scale of shape `[1]` with a
    /// scalar zero point (what its own `quantize_static` writes for int32 biases), and a scale of
    /// shape `[1]` on any axis. None of this changes y's shape (always x's), so every violation is
    /// returned as a warning for the node, never thrown: where onnxruntime runs a model, onnxcost
    /// analyzes it. Only a bad `axis` for a per-axis or blocked scale is worth a remark too.
    static func granularityWarnings(x: [Dim]?, scale: [Dim]?, zeroPoint: [Dim]?, axis: Int,
                                    blockSize: Int) -> [String] {
        var warnings: [String] = []
        if let scale, let zeroPoint {
            let sameElements = scale.reduce(Dim.value(1), *) == zeroPoint.reduce(Dim.value(1), *)
            if scale.count != zeroPoint.count {
                if !sameElements {
                    warnings.append("zero point shape \(zeroPoint) differs from the scale's \(scale)")
                } else {
                    warnings.append("zero point rank \(zeroPoint.count) differs from the scale's \(scale.count) (onnxruntime accepts it)")
                }
            } else {
                for (s, z) in zip(scale, zeroPoint) {
                    if let a = s.intValue, let b = z.intValue, a != b {
                        warnings.append("zero point shape \(zeroPoint) differs from the scale's \(scale)")
                        break
                    }
                }
            }
        }
        guard let x, let scale else { return warnings }
        let isScalar = scale.isEmpty || (scale.count == 1 && scale[0] == 1 && blockSize == 0)
        if isScalar { return warnings }
        guard let normalized = try? Axes.normalize(axis, rank: x.count) else {
            warnings.append("axis \(axis) is out of range for x of rank \(x.count)")
            return warnings
        }
        if blockSize > 0 {
            guard scale.count == x.count else {
                warnings.append("blocked quantization needs a scale of rank \(x.count), got \(scale.count)")
                return warnings
            }
            let blocks = x[normalized].ceilDivided(by: .value(blockSize))
            if let expected = blocks.intValue, let got = scale[normalized].intValue, expected != got {
                warnings.append("scale dim \(got) at axis \(normalized) should be ceil(\(x[normalized])/\(blockSize)) = \(expected)")
            }
        } else if scale.count == 1 {
            if let expected = x[normalized].intValue, let got = scale[0].intValue, expected != got {
                warnings.append("per-axis scale has \(got) values for axis \(normalized) of size \(expected)")
            }
        } else {
            warnings.append("scale must be a scalar or 1-D without block_size, got rank \(scale.count)")
        }
        return warnings
    }
}

// MARK: - QuantizeLinear

/// `y = saturate(round(x / y_scale) + y_zero_point)`, per tensor, per axis or blocked (opset 21);
/// y has x's shape. Its type is `output_dtype` (opset 21) when set, else the zero point's type, else
/// uint8.
/// Spec: https://onnx.ai/onnx/operators/onnx__QuantizeLinear.html · opsets 10–28.
struct QuantizeLinearOp: Operator {
    static let schema = OpSchema(type: "QuantizeLinear", since: 10, inputs: 2...3, outputs: 1...1, traits: .epilogue)

    /// Every type `y` may have across opsets.
    static let quantizedTypes: Set<DataType> = [
        .int8, .uint8, .int16, .uint16, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz,
        .uint4, .int4, .float4e2m1, .uint2, .int2,
    ]

    let axis: Int
    let blockSize: Int
    let outputDType: DataType?

    init(node: Node, opset: Int) throws(ShapeError) {
        axis = try node.int("axis", default: 1)
        blockSize = opset >= 21 ? try node.int("block_size", default: 0) : 0
        guard blockSize >= 0 else { throw .invalidAttribute(name: "block_size", reason: "must be >= 0, got \(blockSize)") }
        outputDType = opset >= 21 ? try QuantizationSupport.outputDType(node, allowed: Self.quantizedTypes) : nil
        let saturate = try node.int("saturate", default: 1)
        guard saturate == 0 || saturate == 1 else { throw .invalidAttribute(name: "saturate", reason: "must be 0 or 1, got \(saturate)") }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0), scale = try ctx.tensor(1)
        let zeroPoint = try ctx.optionalTensor(2)
        let dtype: DataType
        if let outputDType {
            if let zeroPoint, zeroPoint.dtype != outputDType, zeroPoint.dtype != .undefined {
                ctx.warnings.append("output_dtype \(outputDType) differs from the zero point's type \(zeroPoint.dtype); y is \(outputDType)")
            }
            dtype = outputDType
        } else {
            dtype = zeroPoint?.dtype ?? .uint8
        }
        ctx.warnings += QuantizationSupport.granularityWarnings(x: x.shape, scale: scale.shape, zeroPoint: zeroPoint?.shape,
                                                                axis: axis, blockSize: blockSize)
        return [.tensor(TensorType(dtype: dtype, shape: x.shape))]
    }

    static let formula = "`Conventions.quantizeAffine` (2: scale, shift) FLOPs per element, at x's float type."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.quantizeAffine)
    }
}

// MARK: - DequantizeLinear

/// `y = (x − x_zero_point) · x_scale`, per tensor, per axis or blocked (opset 21, `block_size`);
/// y has x's shape. Its type is `output_dtype` (opset 23) when set, else the scale's type (float
/// before opset 19).
/// Spec: https://onnx.ai/onnx/operators/onnx__DequantizeLinear.html · opsets 10–28.
struct DequantizeLinearOp: Operator {
    static let schema = OpSchema(type: "DequantizeLinear", since: 10, inputs: 2...3, outputs: 1...1, traits: [.dequantize, .quantizedInputs])

    let axis: Int
    let blockSize: Int
    let outputDType: DataType?
    let opset: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        self.opset = opset
        axis = try node.int("axis", default: 1)
        blockSize = opset >= 21 ? try node.int("block_size", default: 0) : 0
        guard blockSize >= 0 else { throw .invalidAttribute(name: "block_size", reason: "must be >= 0, got \(blockSize)") }
        outputDType = opset >= 23 ? try QuantizationSupport.outputDType(node, allowed: [.float, .float16, .bfloat16]) : nil
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0), scale = try ctx.tensor(1)
        let zeroPoint = try ctx.optionalTensor(2)
        if let zeroPoint, zeroPoint.dtype != x.dtype, zeroPoint.dtype != .undefined, x.dtype != .undefined {
            ctx.warnings.append("zero point type \(zeroPoint.dtype) differs from x's \(x.dtype)")
        }
        let dtype: DataType
        if let outputDType {
            dtype = outputDType
        } else if opset < 19 {
            dtype = .float
        } else if scale.dtype == .float8e8m0 {
            throw .missingAttribute("output_dtype")
        } else {
            dtype = scale.dtype
        }
        ctx.warnings += QuantizationSupport.granularityWarnings(x: x.shape, scale: scale.shape, zeroPoint: zeroPoint?.shape,
                                                                axis: axis, blockSize: blockSize)
        return [.tensor(TensorType(dtype: dtype, shape: x.shape))]
    }

    static let formula = "`Conventions.quantizeAffine` (2: shift, scale) FLOPs per element, at the output's float type (not the quantized input's)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        var cost = OpCost.elementwise(try ctx.outputElements(), flopsPerElement: Conventions.quantizeAffine)
        cost.computeType = ctx.output(0)?.dtype
        return cost
    }
}

// MARK: - DynamicQuantizeLinear

/// Computes a uint8 scale and zero point from x's range, then quantizes: outputs y (uint8, x's
/// shape), y_scale (float scalar) and y_zero_point (uint8 scalar).
/// Spec: https://onnx.ai/onnx/operators/onnx__DynamicQuantizeLinear.html · opset 11.
struct DynamicQuantizeLinearOp: Operator {
    static let schema = OpSchema(type: "DynamicQuantizeLinear", since: 11, inputs: 1...1, outputs: 3...3)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [
            .tensor(TensorType(dtype: .uint8, shape: x.shape)),
            .tensor(TensorType(dtype: .float, shape: [])),
            .tensor(TensorType(dtype: .uint8, shape: [])),
        ]
    }

    static let formula = "Cost per element: 2 `Conventions.reduceStep` = \(Conventions.reduceStep) (running min and max) + `Conventions.quantizeAffine` (2); the scalar scale/zero-point arithmetic is not counted."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.inputElements(0), flopsPerElement: Conventions.reduceStep + Conventions.reduceStep + Conventions.quantizeAffine)
    }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum QuantizationFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        QuantizeLinearOp.self, DequantizeLinearOp.self, DynamicQuantizeLinearOp.self,
    ])
}
