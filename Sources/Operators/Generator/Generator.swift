import ONNXGraph
import ShapeInference
import CostKernels

// Constants and generators: Constant, ConstantOfShape, Range, EyeLike, Cast, CastLike, RandomNormal(Like), RandomUniform(Like), Multinomial, Bernoulli, window functions.

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum GeneratorFamily {
    public static let operators: [any Operator.Type] = []
}
