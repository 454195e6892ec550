import ONNXGraph
import ShapeInference
import CostKernels

// Remaining default-domain ops: string ops, DFT, STFT, MelWeightMatrix, ImageDecoder, TfIdfVectorizer, Det, ...

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum MiscFamily {
    public static let operators: [any Operator.Type] = []
}
