import ONNXGraph
import ShapeInference
import CostKernels

// Pooling: MaxPool, AveragePool, LpPool, GlobalMaxPool, GlobalAveragePool, GlobalLpPool, MaxRoiPool, RoiAlign, MaxUnpool.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum PoolingFamily {
    public static let operators: [any Operator.Type] = []
}
