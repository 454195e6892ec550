import ONNXGraph
import ShapeInference
import CostKernels

// Comparison and logic: Equal, Less, Greater, And, Or, Xor, Not, Where, IsNaN, IsInf.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum LogicalFamily {
    public static let operators: [any Operator.Type] = []
}
