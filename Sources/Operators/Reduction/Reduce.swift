import ONNXGraph
import ShapeInference
import CostKernels

// Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax, ArgMin, TopK, CumSum.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ReductionFamily {
    public static let operators: [any Operator.Type] = []
}
