import ONNXGraph
import ShapeInference
import CostKernels

// Normalization: BatchNormalization, InstanceNormalization, LayerNormalization, GroupNormalization, RMSNormalization, LRN, LpNormalization, MeanVarianceNormalization.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum NormalizationFamily {
    public static let operators: [any Operator.Type] = []
}
