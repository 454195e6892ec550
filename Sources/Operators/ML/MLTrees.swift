import ONNXGraph
import ShapeInference
import CostKernels

// ai.onnx.ml tree ensembles (scikit-learn, LightGBM, XGBoost converters).
// Cost convention: one comparison per tree per level walked, counted as the deepest tree's depth:
// FLOPs = N·trees·max_depth (an upper bound; depth = branch nodes on the longest root-to-leaf path,
// derived from the nodes_* attributes) + N·trees leaf accumulations + the post_transform
// (`MLPostTransform`) on the N×E scores. No MACs.

/// Number of trees and the largest depth (branch nodes on a root-to-leaf path) of an ensemble.
struct MLTreeShape: Sendable, Equatable {
    var trees: Int
    var maxDepth: Int

    /// From the legacy `nodes_treeids / nodes_nodeids / nodes_truenodeids / nodes_falsenodeids /
    /// nodes_modes` attributes (TreeEnsembleClassifier / TreeEnsembleRegressor).
    init(legacy node: Node) throws(ShapeError) {
        let treeIDs = try node.ints("nodes_treeids") ?? []
        let nodeIDs = try node.ints("nodes_nodeids") ?? []
        let trueIDs = try node.ints("nodes_truenodeids") ?? []
        let falseIDs = try node.ints("nodes_falsenodeids") ?? []
        let modes = try node.strings("nodes_modes") ?? []
        let count = treeIDs.count
        guard nodeIDs.count == count, trueIDs.count == count, falseIDs.count == count, modes.count == count else {
            throw .invalidAttribute(name: "nodes_*", reason: "nodes_treeids, nodes_nodeids, nodes_truenodeids, nodes_falsenodeids and nodes_modes must have equal lengths")
        }
        struct Key: Hashable { var tree: Int, node: Int }
        var index: [Key: Int] = [:]
        for i in 0..<count { index[Key(tree: treeIDs[i], node: nodeIDs[i])] = i }
        var children: [[Int]] = Array(repeating: [], count: count)
        var referenced = Set<Int>()
        for i in 0..<count where modes[i] != "LEAF" {
            for child in [trueIDs[i], falseIDs[i]] {
                if let c = index[Key(tree: treeIDs[i], node: child)], c != i {
                    children[i].append(c)
                    referenced.insert(c)
                }
            }
        }
        let isBranch = modes.map { $0 != "LEAF" }
        let roots = (0..<count).filter { !referenced.contains($0) }
        trees = Set(treeIDs).count
        maxDepth = MLTreeShape.depth(roots: roots, children: children, isBranch: isBranch)
    }

    /// From TreeEnsemble (ml opset 5): `tree_roots`, `nodes_truenodeids / nodes_falsenodeids` with
    /// `nodes_trueleafs / nodes_falseleafs` marking children that are leaves.
    init(treeEnsemble node: Node) throws(ShapeError) {
        guard let roots = try node.ints("tree_roots") else { throw .missingAttribute("tree_roots") }
        let trueIDs = try node.ints("nodes_truenodeids") ?? []
        let falseIDs = try node.ints("nodes_falsenodeids") ?? []
        let trueLeafs = try node.ints("nodes_trueleafs") ?? []
        let falseLeafs = try node.ints("nodes_falseleafs") ?? []
        let count = trueIDs.count
        guard falseIDs.count == count, trueLeafs.count == count, falseLeafs.count == count else {
            throw .invalidAttribute(name: "nodes_*", reason: "nodes_truenodeids, nodes_falsenodeids, nodes_trueleafs and nodes_falseleafs must have equal lengths")
        }
        guard roots.allSatisfy({ (0..<count).contains($0) }) || count == 0 else {
            throw .invalidAttribute(name: "tree_roots", reason: "a root index is out of range")
        }
        var children: [[Int]] = Array(repeating: [], count: count)
        for i in 0..<count {
            if trueLeafs[i] == 0, (0..<count).contains(trueIDs[i]) { children[i].append(trueIDs[i]) }
            if falseLeafs[i] == 0, (0..<count).contains(falseIDs[i]) { children[i].append(falseIDs[i]) }
        }
        trees = roots.count
        maxDepth = MLTreeShape.depth(roots: count == 0 ? [] : roots, children: children, isBranch: Array(repeating: true, count: count))
    }

    /// Longest chain of branch nodes from any root (iterative, bounded by the node count so a cyclic
    /// attribute list cannot loop).
    static func depth(roots: [Int], children: [[Int]], isBranch: [Bool]) -> Int {
        var best = 0
        for root in roots {
            var stack: [(node: Int, depth: Int)] = [(root, isBranch[root] ? 1 : 0)]
            var steps = 0
            while let (node, depth) = stack.popLast() {
                steps += 1
                if steps > children.count * 2 + 1 { break }
                best = max(best, depth)
                for child in children[node] where depth < children.count {
                    stack.append((child, depth + (isBranch[child] ? 1 : 0)))
                }
            }
        }
        return best
    }

    /// `N·trees·max_depth` comparisons + `N·trees` leaf accumulations.
    func flops(rows: Dim) -> Dim {
        rows * .value(trees) * .value(maxDepth + Conventions.arithmetic)
    }
}

/// Cost of the `post_transform` applied to `scores` elements (per element: SOFTMAX /
/// SOFTMAX_ZERO `Conventions.softmax` + 1 exp, LOGISTIC `Conventions.sigmoid` + 1 exp, PROBIT
/// 1 transcendental (inverse erf), NONE 0).
enum MLPostTransform {
    static func parse(_ node: Node) throws(ShapeError) -> (flops: Int, transcendentals: Int) {
        let value: String
        if case .int(let code)? = node.attribute("post_transform")?.value {  // TreeEnsemble (opset 5) encodes it as an INT
            let names = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"]
            guard names.indices.contains(code) else { throw .invalidAttribute(name: "post_transform", reason: "unknown code \(code)") }
            value = names[code]
        } else {
            value = try node.string("post_transform", default: "NONE")
        }
        switch value {
        case "NONE": return (0, 0)
        case "SOFTMAX", "SOFTMAX_ZERO": return (Conventions.softmax, 1)
        case "LOGISTIC": return (Conventions.sigmoid, 1)
        case "PROBIT": return (Conventions.transcendental, 1)
        default: throw .invalidAttribute(name: "post_transform", reason: "unknown value '\(value)'")
        }
    }

    static func cost(_ transform: (flops: Int, transcendentals: Int), scores: Dim) -> OpCost {
        OpCost(flops: scores * .value(transform.flops), transcendentals: scores * .value(transform.transcendentals))
    }
}

/// Rows of an `[N, F]` (or `[F]` = one row) input.
func mlRows(_ shape: [Dim]) -> Dim { shape.count >= 2 ? shape[0] : 1 }

// MARK: - TreeEnsembleClassifier

/// Tree ensemble classifier (ml opsets 1, 3, 5). X `[N,F]` → Y `[N]` (int64 or string labels),
/// Z `[N,E]` float, E = number of class labels.
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleClassifier.html
struct TreeEnsembleClassifierOp: Operator {
    static let schema = OpSchema(type: "TreeEnsembleClassifier", domain: "ai.onnx.ml", inputs: 1...1, outputs: 2...2)
    let shape: MLTreeShape
    let labels: (type: DataType, count: Int)
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        shape = try MLTreeShape(legacy: node)
        labels = try mlClassLabels(node, ints: "classlabels_int64s", strings: "classlabels_strings")
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let n = mlRows(try ctx.shape(0))
        return ContribShape.fit([.tensor(TensorType(dtype: labels.type, shape: [n])),
                                 .tensor(TensorType(dtype: .float, shape: [n, .value(labels.count)]))], to: ctx.node)
    }

    static let formula = "`N·trees·max_depth` comparisons + `N·trees` accumulations + post_transform on `N·E` scores."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = mlRows(try ctx.inputShape(0))
        var cost = MLPostTransform.cost(transform, scores: n * .value(labels.count))
        cost.flops += shape.flops(rows: n)
        return cost
    }
}

/// The class labels attribute: (int64 or string, count); exactly one must be given.
func mlClassLabels(_ node: Node, ints: String, strings: String) throws(ShapeError) -> (type: DataType, count: Int) {
    let i = try node.ints(ints), s = try node.strings(strings)
    switch (i, s) {
    case (let i?, nil): return (.int64, i.count)
    case (nil, let s?): return (.string, s.count)
    case (nil, nil): throw .missingAttribute("\(ints) or \(strings)")
    default: throw .invalidAttribute(name: ints, reason: "only one of \(ints) and \(strings) may be given")
    }
}

// MARK: - TreeEnsembleRegressor

/// Tree ensemble regressor (ml opsets 1, 3, 5). X `[N,F]` → Y `[N, n_targets]` float.
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleRegressor.html
struct TreeEnsembleRegressorOp: Operator {
    static let schema = OpSchema(type: "TreeEnsembleRegressor", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let shape: MLTreeShape
    let targets: Int
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        shape = try MLTreeShape(legacy: node)
        targets = try node.int("n_targets", default: 1)
        guard targets > 0 else { throw .invalidAttribute(name: "n_targets", reason: "must be positive, got \(targets)") }
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: .float, shape: [mlRows(try ctx.shape(0)), .value(targets)]))]
    }

    static let formula = "`N·trees·max_depth` comparisons + `N·trees` accumulations + post_transform on `N·n_targets`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = mlRows(try ctx.inputShape(0))
        var cost = MLPostTransform.cost(transform, scores: n * .value(targets))
        cost.flops += shape.flops(rows: n)
        return cost
    }
}

// MARK: - TreeEnsemble

/// The unified tree ensemble of ml opset 5. X `[N,F]` → Y `[N, n_targets]` (X's type).
/// Spec: https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsemble.html
struct TreeEnsembleOp: Operator {
    static let schema = OpSchema(type: "TreeEnsemble", domain: "ai.onnx.ml", since: 5, inputs: 1...1, outputs: 1...1)
    let shape: MLTreeShape
    let targets: Int
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        shape = try MLTreeShape(treeEnsemble: node)
        guard let targets = try node.optionalInt("n_targets") else { throw .missingAttribute("n_targets") }
        guard targets > 0 else { throw .invalidAttribute(name: "n_targets", reason: "must be positive, got \(targets)") }
        self.targets = targets
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: try ctx.dtype(0), shape: [mlRows(try ctx.shape(0)), .value(targets)]))]
    }

    static let formula = "`N·trees·max_depth` comparisons (trees = `tree_roots`) + `N·trees` accumulations + post_transform on `N·n_targets`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let n = mlRows(try ctx.inputShape(0))
        var cost = MLPostTransform.cost(transform, scores: n * .value(targets))
        cost.flops += shape.flops(rows: n)
        return cost
    }
}

/// The tree-ensemble ops of ai.onnx.ml, registered in `OpRegistry+Builtin.swift`.
enum MLTreeFamily {
    static let entries: [OperatorEntry] = OperatorEntry.of([
        TreeEnsembleClassifierOp.self,
        TreeEnsembleRegressorOp.self,
        TreeEnsembleOp.self,
    ])
}
