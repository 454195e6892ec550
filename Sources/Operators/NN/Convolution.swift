import ONNXGraph
import ShapeInference
import CostKernels

// Convolutions: Conv, ConvTranspose, ConvInteger, QLinearConv, DeformConv.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ConvolutionFamily {
    public static let operators: [any Operator.Type] = []
}
