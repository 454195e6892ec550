import ONNXGraph
import ShapeInference
import CostKernels

// Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum QuantizationFamily {
    public static let operators: [any Operator.Type] = []
}
