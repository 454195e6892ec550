import ONNXGraph
import ShapeInference
import CostKernels

// Indexing: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND, OneHot, Compress, NonZero, Unique, Trilu, ReverseSequence, NonMaxSuppression.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum IndexingFamily {
    public static let operators: [any Operator.Type] = []
}
