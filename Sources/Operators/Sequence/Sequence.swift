import ONNXGraph
import ShapeInference
import CostKernels

// Sequences and optionals: SequenceConstruct, SequenceEmpty, SequenceAt, SequenceInsert, SequenceErase, SequenceLength, SplitToSequence, ConcatFromSequence, Optional, OptionalHasElement, OptionalGetElement.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum SequenceFamily {
    public static let operators: [any Operator.Type] = []
}
