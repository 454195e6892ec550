import ONNXGraph
import ShapeInference
import CostKernels

// Control flow: If, Loop, Scan.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ControlFlowFamily {
    public static let operators: [any Operator.Type] = []
}
