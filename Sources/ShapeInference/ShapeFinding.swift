import ONNXGraph

/// What shape propagation reports besides a rule's `ShapeError`: problems of the graph around a
/// node, of the options, of the opset imports, and the rules' own warnings. All message text is in
/// `description`.
public enum ShapeFinding: DiagnosticReason, Equatable {
    /// `--input NAME=…` names no graph input.
    case noSuchInput(String)
    /// An opset import below 1.
    case invalidOpset(domain: String, version: Int)
    /// An opset import newer than any rule: the newest rules are used.
    case newerOpset(domain: String, version: Int, latest: Int)
    /// A node input that nothing defines.
    case undefinedInput(String)
    /// A node output that an earlier node already produced.
    case producedTwice(String)
    /// A rule's output dim outgrew `Polynomial.Budget` and became an `expr_…` symbol.
    case opaqueDim
    /// A model-local function that was not expanded (recursion, depth, the inlining budget).
    case functionNotExpanded(String)
    /// A node on a cycle of the graph.
    case cycle
    /// A declared element type that differs from the inferred one.
    case declaredType(tensor: String, declared: DataType, inferred: DataType)
    /// A declared shape that differs from the inferred one.
    case declaredShape(tensor: String, declared: TensorType, inferred: TensorType)
    /// A rule's own warning (an assumption it made, a lenient reading).
    case rule(String)

    public var description: String {
        switch self {
        case .noSuchInput(let name): "--input \(name): the graph has no input of that name"
        case .invalidOpset(let domain, let version): "opset import \(domain) version \(version) is not a valid opset version (≥ 1)"
        case .newerOpset(let domain, let version, let latest):
            "opset import \(domain) version \(version) is newer than any this analyzer knows (\(latest)); rules of version \(latest) are used"
        case .undefinedInput(let name): "input '\(name)' is not produced by any node, input or initializer"
        case .producedTwice(let name): "output '\(name)' is produced twice"
        case .opaqueDim:
            "a dim outgrew the symbolic budget (\(Polynomial.Budget.maxTerms) terms, degree \(Polynomial.Budget.maxDegree), \(Polynomial.Budget.maxSymbols) symbols, names of \(Polynomial.Budget.maxNameLength) characters) and is named by an expr_… symbol"
        case .functionNotExpanded(let reason): reason
        case .cycle: "the graph has a cycle through this node"
        case .declaredType(let tensor, let declared, let inferred): "tensor '\(tensor)': declared \(declared.name), inferred \(inferred.name)"
        case .declaredShape(let tensor, let declared, let inferred): "tensor '\(tensor)': declared shape \(declared), inferred \(inferred)"
        case .rule(let text): text
        }
    }
}

extension ShapeError: DiagnosticReason {}
