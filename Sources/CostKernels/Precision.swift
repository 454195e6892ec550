import ONNXGraph

/// A target precision for `--dtype`: weights and float activations are re-costed at its width.
public enum Precision: String, CaseIterable, Sendable, Codable {
    case fp32, tf32, fp16, bf16, fp8, int8, int4

    /// The element type float tensors take at this precision (TF32 is stored as float32).
    public var storageType: DataType {
        switch self {
        case .fp32, .tf32: .float
        case .fp16: .float16
        case .bf16: .bfloat16
        case .fp8: .float8e4m3fn
        case .int8: .int8
        case .int4: .int4
        }
    }

    /// The compute precision a tensor of `dtype` runs at on an accelerator, for peak lookup.
    public static func of(_ dtype: DataType) -> Precision? {
        switch dtype {
        case .float, .double: .fp32
        case .float16: .fp16
        case .bfloat16: .bf16
        case .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: .fp8
        case .int8, .uint8: .int8
        case .int4, .uint4, .float4e2m1: .int4
        default: nil
        }
    }
}
