import ONNXGraph
import ShapeInference
import CostKernels

// com.microsoft contrib ops found in onnxruntime-optimized transformer models.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ContribFamily {
    public static let operators: [any Operator.Type] = []
}
