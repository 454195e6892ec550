import ONNXGraph
import ShapeInference
import CostKernels

// Shape and layout: Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity, Expand, Tile, Concat, Split, Slice, Pad, Dropout.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ShapeOpsFamily {
    public static let operators: [any Operator.Type] = []
}
