import ONNXGraph

/// What the user fixes before propagation.
public struct ShapeInferenceOptions: Sendable {
    /// `--dim SYMBOL=N`: binds a symbol everywhere it appears in graph inputs.
    public var dimBindings: [String: Int]
    /// `--input NAME=1x3x224x224`: replaces a graph input's declared shape.
    public var inputShapes: [String: [Dim]]
    /// At most this many nodes are inferred inside expanded model-local functions over a whole run.
    /// Functions that call each other can describe exponentially many nodes in a few bytes (each
    /// calls the next twice, 40 deep): past the budget, further calls fail with a diagnostic
    /// instead of the analysis never finishing.
    public var maxInlinedNodes: Int

    public init(dimBindings: [String: Int] = [:], inputShapes: [String: [Dim]] = [:], maxInlinedNodes: Int = 500_000) {
        self.dimBindings = dimBindings
        self.inputShapes = inputShapes
        self.maxInlinedNodes = maxInlinedNodes
    }
}
