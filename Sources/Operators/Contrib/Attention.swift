import ONNXGraph
import ShapeInference
import CostKernels

// Attention in the default domain (opset 23 Attention, RotaryEmbedding).

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum AttentionFamily {
    public static let operators: [any Operator.Type] = []
}
