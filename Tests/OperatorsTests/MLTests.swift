import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// ai.onnx.ml operators. Output shapes were checked by running single-node models on onnxruntime
// 1.31 (LinearClassifier Z [5,2] for a binary model with one coefficient row, SVMClassifier Z
// [N, classes], ArrayFeatureExtractor on 1-D X → [1, k], OneHotEncoder [5,2] → [5,2,3],
// FeatureVectorizer [5, Σ inputdimensions]); counts are the hand formulas in the comments.

/// An ai.onnx.ml node.
func ml(_ op: String, _ inputs: [String], outputs: Int = 1, attrs: [String: Attribute.Value] = [:]) -> Node {
    node(op, inputs, outputs: outputs, domain: "ai.onnx.ml", attrs: attrs)
}

private let n = Dim.symbol("N")

struct MLCase: Sendable, CustomTestStringConvertible {
    var label: String
    var node: Node
    var inputs: [ValueType?]
    var outputs: [ValueType]
    var macs: Dim
    var flops: Dim
    var transcendentals: Dim = 0
    var opset = 3
    var testDescription: String { label }
}

/// A depth-2 tree (0: branch → 1 branch, 2 leaf; 1 → 3, 4 leaves) plus a single-leaf tree 1:
/// 2 trees, max depth 2.
private let legacyTrees: [String: Attribute.Value] = [
    "nodes_treeids": .ints([0, 0, 0, 0, 0, 1]), "nodes_nodeids": .ints([0, 1, 2, 3, 4, 0]),
    "nodes_modes": .strings(["BRANCH_LEQ", "BRANCH_LEQ", "LEAF", "LEAF", "LEAF", "LEAF"]),
    "nodes_truenodeids": .ints([1, 3, 0, 0, 0, 0]), "nodes_falsenodeids": .ints([2, 4, 0, 0, 0, 0]),
    "nodes_featureids": .ints([0, 1, 0, 0, 0, 0]), "nodes_values": .floats([0.5, 0.2, 0, 0, 0, 0]),
]

let mlCases: [MLCase] = [
    // LinearClassifier, 3 classes, F=3: MACs = N·C·F = 5·3·3 = 45; FLOPs = 90 + 15 intercepts.
    MLCase(label: "LinearClassifier 3 classes",
           node: ml("LinearClassifier", ["x"], outputs: 2, attrs: ["coefficients": .floats(Array(repeating: 1, count: 9)),
                                                                    "intercepts": .floats([0, 0, 0]), "classlabels_strings": .strings(["a", "b", "c"])]),
           inputs: [t(.float, 5, 3)], outputs: [t(.string, 5), t(.float, 5, 3)], macs: 45, flops: 105),
    // Binary with one coefficient row and LOGISTIC: Z [5,2] (onnxruntime); MACs 5·1·3 = 15;
    // FLOPs = 30 + 5 intercepts + 10 scores·4 (sigmoid) = 75; 10 exps.
    MLCase(label: "LinearClassifier binary logistic",
           node: ml("LinearClassifier", ["x"], outputs: 2, attrs: ["coefficients": .floats([1, 2, 3]), "intercepts": .floats([0]),
                                                                    "classlabels_ints": .ints([0, 1]), "post_transform": .string("LOGISTIC")]),
           inputs: [t(.float, 5, 3)], outputs: [t(.int64, 5), t(.float, 5, 2)], macs: 15, flops: 75, transcendentals: 10),
    // LinearRegressor, 2 targets, F=4, symbolic N: MACs 8N, FLOPs 16N.
    MLCase(label: "LinearRegressor", node: ml("LinearRegressor", ["x"], attrs: ["coefficients": .floats(Array(repeating: 1, count: 8)), "targets": .int(2)]),
           inputs: [t(.float, n, 4)], outputs: [t(.float, n, 2)], macs: n * 8, flops: n * 16),
    // SVMClassifier RBF: 4 support vectors of F=3, N=5: 20 evaluations; MACs = 20·3 + 20 (dual) = 80;
    // FLOPs = 160 + 20·(3 subtracts + 1 scale + 1 exp) = 260; 20 exps.
    MLCase(label: "SVMClassifier RBF",
           node: ml("SVMClassifier", ["x"], outputs: 2, attrs: ["classlabels_ints": .ints([0, 1, 2]), "support_vectors": .floats(Array(repeating: 1, count: 12)),
                                                                 "vectors_per_class": .ints([1, 2, 1]), "coefficients": .floats(Array(repeating: 1, count: 8)),
                                                                 "rho": .floats([0, 0, 0]), "kernel_type": .string("RBF"), "kernel_params": .floats([0.1, 0, 3])]),
           inputs: [t(.float, 5, 3)], outputs: [t(.int64, 5), t(.float, 5, 3)], macs: 80, flops: 260, transcendentals: 20),
    // SVMRegressor LINEAR, 4 supports, F=3, N=5: MACs 5·4·3 + 20 = 80; FLOPs 160. Y [5,1].
    MLCase(label: "SVMRegressor",
           node: ml("SVMRegressor", ["x"], attrs: ["support_vectors": .floats(Array(repeating: 1, count: 12)), "n_supports": .int(4),
                                                   "coefficients": .floats([1, 1, 1, 1]), "rho": .floats([0])]),
           inputs: [t(.float, 5, 3)], outputs: [t(.float, 5, 1)], macs: 80, flops: 160),
    // TreeEnsembleRegressor: 2 trees, max depth 2, N=10: FLOPs = 10·2·(2 comparisons + 1 accumulate) = 60.
    MLCase(label: "TreeEnsembleRegressor",
           node: ml("TreeEnsembleRegressor", ["x"], attrs: legacyTrees.merging(["n_targets": .int(1), "target_ids": .ints([0]),
                                                                                 "target_nodeids": .ints([2]), "target_treeids": .ints([0]),
                                                                                 "target_weights": .floats([1])]) { $1 }),
           inputs: [t(.float, 10, 4)], outputs: [t(.float, 10, 1)], macs: 0, flops: 60),
    // TreeEnsembleClassifier, 3 classes, SOFTMAX: N·2·3 + N·3·5 (softmax) = 21N FLOPs, 3N exps.
    MLCase(label: "TreeEnsembleClassifier softmax",
           node: ml("TreeEnsembleClassifier", ["x"], outputs: 2, attrs: legacyTrees.merging(["classlabels_int64s": .ints([7, 8, 9]),
                                                                                             "class_ids": .ints([0]), "class_nodeids": .ints([2]),
                                                                                             "class_treeids": .ints([0]), "class_weights": .floats([1]),
                                                                                             "post_transform": .string("SOFTMAX")]) { $1 }),
           inputs: [t(.float, n, 4)], outputs: [t(.int64, n), t(.float, n, 3)], macs: 0, flops: n * 21, transcendentals: n * 3),
    // TreeEnsemble (ml opset 5): root 0 → (1 interior, leaf 0); node 1 → (leaf 1, leaf 2): 1 tree,
    // depth 2; N=8: 8·1·(2 + 1) = 24.
    MLCase(label: "TreeEnsemble",
           node: ml("TreeEnsemble", ["x"], attrs: ["tree_roots": .ints([0]), "nodes_truenodeids": .ints([1, 1]), "nodes_falsenodeids": .ints([0, 2]),
                                                  "nodes_trueleafs": .ints([0, 1]), "nodes_falseleafs": .ints([1, 1]), "nodes_featureids": .ints([0, 1]),
                                                  "n_targets": .int(1), "leaf_targetids": .ints([0, 0, 0])]),
           inputs: [t(.double, 8, 2)], outputs: [t(.double, 8, 1)], macs: 0, flops: 24, opset: 5),
    // Normalizer L2 [5,7]: 35·3 + 5 sqrt = 110 FLOPs, 5 transcendentals; output float.
    MLCase(label: "Normalizer L2", node: ml("Normalizer", ["x"], attrs: ["norm": .string("L2")]),
           inputs: [t(.int64, 5, 7)], outputs: [t(.float, 5, 7)], macs: 0, flops: 110, transcendentals: 5),
    // Scaler: 2 per element.
    MLCase(label: "Scaler", node: ml("Scaler", ["x"], attrs: ["scale": .floats([2]), "offset": .floats([1])]),
           inputs: [t(.double, n, 3)], outputs: [t(.float, n, 3)], macs: 0, flops: n * 6),
    // Binarizer: 1 per element, X's type.
    MLCase(label: "Binarizer", node: ml("Binarizer", ["x"]), inputs: [t(.float, 5, 2)], outputs: [t(.float, 5, 2)], macs: 0, flops: 10),
    // ArrayFeatureExtractor, 1-D X: [1, k] (onnxruntime); N-D: last dim replaced.
    MLCase(label: "ArrayFeatureExtractor 1-D", node: ml("ArrayFeatureExtractor", ["x", "i"]), inputs: [t(.float, 7), t(.int64, 2)],
           outputs: [t(.float, 1, 2)], macs: 0, flops: 0),
    MLCase(label: "ArrayFeatureExtractor 3-D", node: ml("ArrayFeatureExtractor", ["x", "i"]), inputs: [t(.float, 4, 5, 7), t(.int64, 1, 2)],
           outputs: [t(.float, 4, 5, 2)], macs: 0, flops: 0),
    // OneHotEncoder [5,2] with 3 categories → [5,2,3] float.
    MLCase(label: "OneHotEncoder", node: ml("OneHotEncoder", ["x"], attrs: ["cats_int64s": .ints([1, 2, 3])]),
           inputs: [t(.int64, 5, 2)], outputs: [t(.float, 5, 2, 3)], macs: 0, flops: 0),
    // FeatureVectorizer [N,2] ‖ [N,3] with inputdimensions [2,4] → [N, 6].
    MLCase(label: "FeatureVectorizer", node: ml("FeatureVectorizer", ["a", "b"], attrs: ["inputdimensions": .ints([2, 4])]),
           inputs: [t(.int64, n, 2), t(.float, n, 3)], outputs: [t(.float, n, 6)], macs: 0, flops: 0),
    // LabelEncoder (ml opset 2) string → float by values_floats; CategoryMapper string → int64.
    MLCase(label: "LabelEncoder v2", node: ml("LabelEncoder", ["x"], attrs: ["keys_strings": .strings(["a"]), "values_floats": .floats([1])]),
           inputs: [t(.string, 5, 2)], outputs: [t(.float, 5, 2)], macs: 0, flops: 0),
    MLCase(label: "CategoryMapper", node: ml("CategoryMapper", ["x"], attrs: ["cats_int64s": .ints([1]), "cats_strings": .strings(["a"])]),
           inputs: [t(.string, 5, 2)], outputs: [t(.int64, 5, 2)], macs: 0, flops: 0),
    // ZipMap: a sequence of maps int64 → float.
    MLCase(label: "ZipMap", node: ml("ZipMap", ["x"], attrs: ["classlabels_int64s": .ints([1, 2])]),
           inputs: [t(.float, n, 2)], outputs: [.sequence(.map(key: .int64, value: t(.float)))], macs: 0, flops: 0),
    // DictVectorizer map(string → float) over a 3-word vocabulary → [1, 3].
    MLCase(label: "DictVectorizer", node: ml("DictVectorizer", ["x"], attrs: ["string_vocabulary": .strings(["a", "b", "c"])]),
           inputs: [.map(key: .string, value: t(.float))], outputs: [t(.float, 1, 3)], macs: 0, flops: 0),
]

@Test(arguments: mlCases)
func mlOp(_ c: MLCase) throws {
    let result = try run(c.node, opset: c.opset, inputs: c.inputs)
    #expect(result.types == c.outputs)
    #expect(result.cost?.macs == c.macs)
    #expect(result.cost?.flops == c.flops)
    #expect(result.cost?.transcendentals == c.transcendentals)
}

@Test func mlTreeDepth() throws {
    let shape = try MLTreeShape(legacy: ml("TreeEnsembleRegressor", ["x"], attrs: legacyTrees))
    #expect(shape.trees == 2)
    #expect(shape.maxDepth == 2)
}

@Test(arguments: [
    // coefficients is required.
    ml("LinearClassifier", ["x"], outputs: 2, attrs: ["classlabels_ints": .ints([0, 1])]),
    // nodes_* lists must have equal lengths.
    ml("TreeEnsembleRegressor", ["x"], attrs: ["nodes_treeids": .ints([0, 0]), "nodes_nodeids": .ints([0]),
                                               "nodes_truenodeids": .ints([0]), "nodes_falsenodeids": .ints([0]), "nodes_modes": .strings(["LEAF"])]),
    // unknown kernel.
    ml("SVMRegressor", ["x"], attrs: ["kernel_type": .string("CUBIC")]),
    // unknown norm.
    ml("Normalizer", ["x"], attrs: ["norm": .string("L3")]),
])
func mlInvalidAttributesThrow(_ node: Node) {
    #expect(throws: ShapeError.self) { _ = try OpRegistry.builtin.shapeRule(for: node, opset: 3) }
}
