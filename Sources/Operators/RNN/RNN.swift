import ONNXGraph
import ShapeInference
import CostKernels

// Recurrent: RNN, LSTM, GRU.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum RNNFamily {
    public static let operators: [any Operator.Type] = []
}
