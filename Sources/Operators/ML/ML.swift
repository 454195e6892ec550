import ONNXGraph
import ShapeInference
import CostKernels

// ai.onnx.ml operators exported by scikit-learn converters.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum MLFamily {
    public static let operators: [any Operator.Type] = []
}
