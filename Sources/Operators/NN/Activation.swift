import ONNXGraph
import ShapeInference
import CostKernels

// Activations: Relu, Sigmoid, Tanh, Gelu, Softmax, LogSoftmax, Hardmax, Clip, Elu, Selu, ...

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ActivationFamily {
    public static let operators: [any Operator.Type] = []
}
