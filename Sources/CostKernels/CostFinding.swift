import ONNXGraph

/// What the cost pass reports about a node besides a rule's `CostError`. All message text is in
/// `description`; every message starts `cost: ` so it reads apart from shape findings.
public enum CostFinding: DiagnosticReason, Equatable {
    /// The node's cost rule failed.
    case rule(CostError)
    /// A parameter's element count does not fit 64 bits.
    case parameterCountOverflow(String)
    /// Adding a parameter overflowed the per-type totals.
    case parameterTotalsOverflow(String)
    /// The node's MACs or FLOPs are unknown.
    case unknownCount
    /// More non-dominated live sets than `limit`: the symbolic peak may be low at some sizes.
    case peakCandidateLimit(Int)

    public var description: String {
        switch self {
        case .rule(let error): "cost: \(error)"
        case .parameterCountOverflow(let name): "cost: the element count of parameter '\(name)' overflows 64 bits"
        case .parameterTotalsOverflow(let name): "cost: parameter totals overflow 64 bits at '\(name)'"
        case .unknownCount: "cost: a count overflowed or a dim is unknown"
        case .peakCandidateLimit(let limit):
            "cost: more than \(limit) candidate steps for the symbolic peak; the reported max(...) may be low at some sizes (bind the symbols for an exact peak)"
        }
    }
}

extension CostError: DiagnosticReason {}
