/// The counting conventions, one named constant each, so no kernel holds a bare number.
/// `docs/cost-model.md` states the same conventions per op; keep the two in step.
public enum Conventions {
    /// One multiply-accumulate is a multiply and an add: 2 FLOPs (seed 001: "一次乘加计算计为2FLOPs").
    public static let flopsPerMAC = 2

    // MARK: Elementwise, per output element

    /// Add, Sub, Mul, Div, Mod, Min, Max, Sum, Mean (per pairwise step), comparisons, Where, bias adds.
    public static let arithmetic = 1
    /// Relu, LeakyRelu, PRelu, Clip, Abs, Neg, Sign, Floor, Ceil, Round, ThresholdedRelu, Shrink.
    public static let simpleActivation = 1
    /// A transcendental (exp, log, tanh, erf, sqrt, sin, cos, pow...) counts one FLOP, and one transcendental.
    public static let transcendental = 1
    /// Sigmoid = 1/(1+exp(-x)): neg, exp, add, div.
    public static let sigmoid = 4
    /// HardSigmoid / HardSwish = clamp(αx+β) (·x): mul, add, min, max (+ mul).
    public static let hardSigmoid = 4
    /// Gelu (erf form) = 0.5·x·(1+erf(x/√2)): div, erf, add, mul, mul.
    public static let gelu = 5
    /// Gelu (tanh approximation) = 0.5·x·(1+tanh(√(2/π)(x+0.044715x³))): 8 arithmetic + tanh.
    public static let geluTanh = 9
    /// Silu/Swish = x·sigmoid(x).
    public static let silu = 5
    /// Softplus = log(1+exp(x)): exp, add, log.
    public static let softplus = 3
    /// Elu/Selu/Celu: exp, sub, mul (+ scale).
    public static let elu = 4
    /// Mish = x·tanh(softplus(x)).
    public static let mish = 5

    // MARK: Normalization and softmax, per element

    /// BatchNormalization at inference: (x−mean)·(γ/√(var+ε))+β folded to 4 per element (seed 001: "BN层FLOPs=4∗输入元素个数").
    public static let batchNorm = 4
    /// LayerNormalization / InstanceNormalization / GroupNormalization: mean (1), sub (1), square (1),
    /// variance sum (1), normalize (1), scale (1), bias (1); one rsqrt per normalized group.
    public static let layerNorm = 7
    /// RMSNormalization / SimplifiedLayerNormalization: square (1), sum (1), normalize (1), scale (1);
    /// one rsqrt per row.
    public static let rmsNorm = 4
    /// Softmax / LogSoftmax: max (1), sub (1), exp (1), sum (1), div (1).
    public static let softmax = 5

    // MARK: Pooling and reduction

    /// A reduction step (sum, max, min, product) per input element.
    public static let reduceStep = 1
    /// Resize, linear: 3 FLOPs (sub, mul, add) per 1-D interpolation; 2^k−1 of them per output element
    /// for k interpolated axes.
    public static let lerp = 3
    /// Resize, cubic: 4 taps per axis, a multiply-add each.
    public static let cubicTapFLOPs = 2
    public static let cubicTaps = 4
}
