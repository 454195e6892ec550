import ONNXGraph
import ShapeInference
import CostKernels

// Matrix products: MatMul, Gemm, MatMulInteger, QLinearMatMul, Einsum.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum MatMulFamily {
    public static let operators: [any Operator.Type] = []
}
