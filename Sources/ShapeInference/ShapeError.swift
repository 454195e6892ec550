import ONNXGraph

/// Why one node's shape rule could not produce its outputs. Passes never stop on these: they wrap
/// them in a `Diagnostic` that names the node and go on.
public enum ShapeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Wrong number of inputs or outputs.
    case arity(what: String, expected: ClosedRange<Int>, got: Int)
    case missingAttribute(String)
    case invalidAttribute(name: String, reason: String)
    /// A required input is omitted (`""`).
    case missingInput(Int)
    /// An input's type or shape is not known (an upstream op without a rule): not this op's fault.
    case unknownInput(Int)
    /// An input of the wrong kind (a sequence where a tensor is required, a wrong dtype).
    case invalidInput(index: Int, reason: String)
    case rankMismatch(String)
    case incompatibleDims(String)
    /// A value this rule needs (Reshape's shape, TopK's k) is not a known constant.
    case needsConstant(input: Int)
    case unsupportedOpset(required: String, actual: Int)
    /// A size does not fit in 64 bits.
    case overflow(String)
    /// A dim or size that must be ≥ 0 is negative (an Expand to -5, Resize `sizes` of -1): a finding,
    /// never a negative cost.
    case negativeDim(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .arity(let what, let expected, let got):
            expected.lowerBound == expected.upperBound
                ? "expects \(expected.lowerBound) \(what), got \(got)"
                : "expects \(expected.lowerBound)...\(expected.upperBound) \(what), got \(got)"
        case .missingAttribute(let name): "missing required attribute '\(name)'"
        case .invalidAttribute(let name, let reason): "attribute '\(name)': \(reason)"
        case .missingInput(let index): "required input \(index) is missing"
        case .unknownInput(let index): "type of input \(index) is unknown"
        case .invalidInput(let index, let reason): "input \(index): \(reason)"
        case .rankMismatch(let text): "rank mismatch: \(text)"
        case .incompatibleDims(let text): "incompatible dims: \(text)"
        case .needsConstant(let input): "input \(input) must be a constant for its output shape to be known"
        case .unsupportedOpset(let required, let actual): "opset \(actual) is not supported (\(required))"
        case .overflow(let text): "size overflow: \(text)"
        case .negativeDim(let text): "negative size: \(text)"
        case .unsupported(let text): "unsupported: \(text)"
        }
    }

    /// Errors that only mean "an input was unknown": not reported as this node's fault.
    public var isUpstream: Bool { if case .unknownInput = self { true } else { false } }
}
