import ONNXGraph
import ShapeInference
import CostKernels

// Resampling: Resize, Upsample, GridSample, AffineGrid, Col2Im, DepthToSpace, SpaceToDepth.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ResizeFamily {
    public static let operators: [any Operator.Type] = []
}
