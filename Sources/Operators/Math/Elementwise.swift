import ONNXGraph
import ShapeInference
import CostKernels

// Elementwise arithmetic and math: Add, Sub, Mul, Div, Pow, Mod, Sum, Mean, Max, Min, unary math (Exp, Log, Sqrt, Sin, ...), bitwise.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ElementwiseFamily {
    public static let operators: [any Operator.Type] = []
}
