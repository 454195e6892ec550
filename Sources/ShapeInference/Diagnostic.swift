import ONNXGraph

/// Names a node in messages: `Conv 'conv_1' (#12)`, with the subgraph path when nested.
public struct NodeRef: Hashable, Sendable, CustomStringConvertible {
    /// `""` for the main graph; `If_3/then_branch` for a subgraph; `call/fn` inside an expanded function.
    public var graphPath: String
    public var index: Int
    public var name: String
    public var opType: String
    public var domain: String

    public init(graphPath: String, index: Int, name: String, opType: String, domain: String) {
        self.graphPath = graphPath
        self.index = index
        self.name = name
        self.opType = opType
        self.domain = domain
    }

    public var description: String {
        let op = domain.isEmpty ? opType : "\(domain).\(opType)"
        let path = graphPath.isEmpty ? "" : " in \(graphPath)"
        return "\(op) '\(name)' (#\(index)\(path))"
    }
}

/// One finding of a pass, attached to a node when there is one.
public struct Diagnostic: Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var severity: Severity
    public var node: NodeRef?
    public var message: String

    public init(_ severity: Severity, node: NodeRef? = nil, _ message: String) {
        self.severity = severity
        self.node = node
        self.message = message
    }

    public var description: String {
        node.map { "\($0): \(message)" } ?? message
    }
}
