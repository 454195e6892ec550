import ONNXGraph
import ShapeInference
import CostKernels

// ai.onnx.ml operators exported by scikit-learn converters (skl2onnx, onnxmltools).
// Spec: https://onnx.ai/onnx/operators/ (ai.onnx.ml domain). Tree ensembles are in MLTrees.swift.

// MARK: - LinearClassifier

/// Linear classifier. X `[N,F]` (or `[F]`) → Y `[N]` labels (int64 or string), Z `[N,E]` float scores,
/// E = max(class labels, coefficient rows) (a binary model with one row scores both classes).
struct LinearClassifierOp: Operator {
    static let schema = OpSchema(type: "LinearClassifier", domain: "ai.onnx.ml", inputs: 1...1, outputs: 2...2)
    let coefficients: Int
    let labels: (type: DataType, count: Int)
    let hasIntercepts: Bool
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let coefficients = try node.floats("coefficients") else { throw .missingAttribute("coefficients") }
        self.coefficients = coefficients.count
        labels = try mlClassLabels(node, ints: "classlabels_ints", strings: "classlabels_strings")
        hasIntercepts = try node.floats("intercepts").map { !$0.isEmpty } ?? false
        transform = try MLPostTransform.parse(node)
    }

    private func rows(features: Dim) throws(ShapeError) -> Int? {
        guard let f = features.intValue else { return nil }
        guard f > 0, coefficients % f == 0 else {
            throw .incompatibleDims("\(coefficients) coefficients are not a multiple of \(f) features")
        }
        return coefficients / f
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.shape(0)
        guard let f = x.last else { throw .rankMismatch("X must have rank ≥ 1") }
        let c = try rows(features: f)
        let e: Dim = c.map { .value(max($0, labels.count)) } ?? .value(labels.count)
        let n = mlRows(x)
        return [.tensor(TensorType(dtype: labels.type, shape: [n])), .tensor(TensorType(dtype: .float, shape: [n, e]))]
    }

    static let formula = "`N·C·F` MACs (C = coefficient rows = coefficients / F) + `N·C` intercept adds + post_transform on `N·E` (`MLPostTransform`)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0), z = try ctx.outputShape(1)
        guard let f = x.last else { throw .unknownShape("input 0 is a scalar") }
        let n = mlRows(x)
        let c = f.intValue.map { f in Dim.value(f > 0 ? coefficients / f : 0) } ?? .unknown
        var cost = MLPostTransform.cost(transform, scores: z.product)
        cost.macs = n * c * f
        cost.flops += cost.macs * .value(Conventions.flopsPerMAC) + (hasIntercepts ? n * c : 0)
        return cost
    }
}

// MARK: - LinearRegressor

/// Linear regression. X `[N,F]` → Y `[N, targets]` float.
struct LinearRegressorOp: Operator {
    static let schema = OpSchema(type: "LinearRegressor", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let targets: Int
    let hasIntercepts: Bool
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        targets = try node.int("targets", default: 1)
        guard targets > 0 else { throw .invalidAttribute(name: "targets", reason: "must be positive, got \(targets)") }
        hasIntercepts = try node.floats("intercepts").map { !$0.isEmpty } ?? false
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: .float, shape: [mlRows(try ctx.shape(0)), .value(targets)]))]
    }

    static let formula = "`N·targets·F` MACs + `N·targets` intercept adds + post_transform on `N·targets`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        guard let f = x.last else { throw .unknownShape("input 0 is a scalar") }
        let outputs = mlRows(x) * .value(targets)
        var cost = MLPostTransform.cost(transform, scores: outputs)
        cost.macs = outputs * f
        cost.flops += cost.macs * .value(Conventions.flopsPerMAC) + (hasIntercepts ? outputs : 0)
        return cost
    }
}

// MARK: - SVMClassifier / SVMRegressor

/// Per kernel evaluation on top of its `F` MACs: (FLOPs, transcendentals). LINEAR: 0; POLY: scale,
/// add, pow (1 transcendental); RBF: a subtract per feature is counted by the caller, plus scale and
/// exp; SIGMOID: scale, add, tanh.
private func mlKernel(_ node: Node) throws(ShapeError) -> (perFeature: Int, perEvaluation: Int, transcendentals: Int) {
    let kernel = try node.string("kernel_type", default: "LINEAR")
    switch kernel {
    case "LINEAR": return (0, 0, 0)
    case "POLY": return (0, 2 + Conventions.transcendental, 1)
    case "RBF": return (Conventions.arithmetic, 1 + Conventions.transcendental, 1)
    case "SIGMOID": return (0, 2 + Conventions.transcendental, 1)
    default: throw .invalidAttribute(name: "kernel_type", reason: "unknown kernel '\(kernel)'")
    }
}

/// Support vector classifier. X `[N,F]` → Y `[N]` labels, Z `[N, classes]` float.
struct SVMClassifierOp: Operator {
    static let schema = OpSchema(type: "SVMClassifier", domain: "ai.onnx.ml", inputs: 1...1, outputs: 2...2)
    let supportValues: Int
    let labels: (type: DataType, count: Int)
    let kernel: (perFeature: Int, perEvaluation: Int, transcendentals: Int)
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        supportValues = try node.floats("support_vectors")?.count ?? 0
        labels = try mlClassLabels(node, ints: "classlabels_ints", strings: "classlabels_strings")
        kernel = try mlKernel(node)
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let n = mlRows(try ctx.shape(0))
        return [.tensor(TensorType(dtype: labels.type, shape: [n])),
                .tensor(TensorType(dtype: .float, shape: [n, .value(labels.count)]))]
    }

    static let formula = "kernel evaluations `N·n_sv·F` MACs (n_sv = support_vectors / F; a linear model without support vectors: `N·classes·F`), + `N·n_sv` dual-coefficient MACs; per evaluation the kernel's extra FLOPs (RBF: a subtract per feature, scale, exp; POLY: pow; SIGMOID: tanh — 1 transcendental each) + post_transform on `N·classes`."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        guard let f = x.last else { throw .unknownShape("input 0 is a scalar") }
        let n = mlRows(x)
        var cost = MLPostTransform.cost(transform, scores: n * .value(labels.count))
        if supportValues == 0 {
            cost.macs = n * .value(labels.count) * f
        } else {
            guard let features = f.intValue, features > 0 else { throw .unknownShape("feature count") }
            let evaluations = n * .value(supportValues / features)
            cost.macs = evaluations * f + evaluations
            cost.flops += evaluations * (f * .value(kernel.perFeature) + .value(kernel.perEvaluation))
            cost.transcendentals += evaluations * .value(kernel.transcendentals)
        }
        cost.flops += cost.macs * .value(Conventions.flopsPerMAC)
        return cost
    }
}

/// Support vector regression / one-class SVM. X `[N,F]` → Y `[N,1]` float.
struct SVMRegressorOp: Operator {
    static let schema = OpSchema(type: "SVMRegressor", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let supports: Int
    let kernel: (perFeature: Int, perEvaluation: Int, transcendentals: Int)
    let transform: (flops: Int, transcendentals: Int)

    init(node: Node, opset: Int) throws(ShapeError) {
        supports = try node.int("n_supports", default: 0)
        guard supports >= 0 else { throw .invalidAttribute(name: "n_supports", reason: "must be non-negative") }
        kernel = try mlKernel(node)
        transform = try MLPostTransform.parse(node)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: .float, shape: [mlRows(try ctx.shape(0)), 1]))]
    }

    static let formula = "`N·n_supports·F` kernel MACs + `N·n_supports` coefficient MACs + the kernel's per-evaluation FLOPs/transcendentals (as SVMClassifier) + post_transform on N; a linear model without support vectors: `N·F` MACs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let x = try ctx.inputShape(0)
        guard let f = x.last else { throw .unknownShape("input 0 is a scalar") }
        let n = mlRows(x)
        var cost = MLPostTransform.cost(transform, scores: n)
        if supports == 0 {
            cost.macs = n * f
        } else {
            let evaluations = n * .value(supports)
            cost.macs = evaluations * f + evaluations
            cost.flops += evaluations * (f * .value(kernel.perFeature) + .value(kernel.perEvaluation))
            cost.transcendentals += evaluations * .value(kernel.transcendentals)
        }
        cost.flops += cost.macs * .value(Conventions.flopsPerMAC)
        return cost
    }
}

// MARK: - Normalizer / Scaler / Binarizer / Imputer

/// One row of the per-element ML table: output element type and FLOPs per element.
struct MLElementwiseRow: OperatorRow {
    var type: String
    /// `true`: the output is float; `false`: X's type.
    var outputFloat: Bool
    /// FLOPs per element; `nil` for Normalizer, whose `norm` attribute decides (`normalizerFLOPs`).
    var perElement: Int?
    /// What the op computes, in words.
    var note: String

    var schema: OpSchema { OpSchema(type: type, domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1) }
    var formula: String { note + (perElement.map { " " + ElementwiseSupport.perElement($0, transcendentals: 0) } ?? "") }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { try MLElementwiseOp(row: self, node: node) }

    static let table: [MLElementwiseRow] = [
        MLElementwiseRow(type: "Normalizer", outputFloat: true, perElement: nil,
                         note: "Normalizer (rows of `[N,C]`): MAX = max scan + divide (2 FLOPs per element); L1 = abs, sum, divide (3); L2 = square, sum, divide (3) + 1 sqrt per row. Output float."),
        MLElementwiseRow(type: "Scaler", outputFloat: true, perElement: 2 * Conventions.arithmetic, note: "`(x − offset)·scale`; output float."),
        MLElementwiseRow(type: "Binarizer", outputFloat: false, perElement: Conventions.arithmetic, note: "one comparison per element; output has X's type."),
        MLElementwiseRow(type: "Imputer", outputFloat: false, perElement: Conventions.arithmetic, note: "one comparison (and select) per element; output has X's type."),
    ]

    /// Normalizer's FLOPs per element and sqrt per row, by `norm`.
    static func normalizerFLOPs(_ node: Node) throws(ShapeError) -> (perElement: Int, perRowTranscendentals: Int) {
        let norm = try node.string("norm", default: "MAX")
        switch norm {
        case "MAX": return (Conventions.reduceStep + Conventions.arithmetic, 0)
        case "L1": return (Conventions.simpleActivation + Conventions.reduceStep + Conventions.arithmetic, 0)
        case "L2": return (Conventions.arithmetic + Conventions.reduceStep + Conventions.arithmetic, 1)
        default: throw .invalidAttribute(name: "norm", reason: "must be MAX, L1 or L2, got '\(norm)'")
        }
    }
}

/// An ML op whose output has X's shape. Cost: `perElement` FLOPs per element; Normalizer L2 adds
/// 1 sqrt per row.
struct MLElementwiseOp: OperatorRule {
    let outputFloat: Bool
    let perElement: Int
    let perRowTranscendentals: Int

    init(row: MLElementwiseRow, node: Node) throws(ShapeError) {
        outputFloat = row.outputFloat
        if let perElement = row.perElement {
            (self.perElement, perRowTranscendentals) = (perElement, 0)
        } else {
            (perElement, perRowTranscendentals) = try MLElementwiseRow.normalizerFLOPs(node)
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: outputFloat ? .float : x.dtype, shape: x.shape))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.outputShape()
        let rows = Array(shape.dropLast()).product * .value(perRowTranscendentals)
        return OpCost(flops: shape.product * .value(perElement) + rows * .value(Conventions.transcendental), transcendentals: rows)
    }
}

// MARK: - ArrayFeatureExtractor

/// Selects `Y` indices along X's last axis: `[..., F]` → `[..., len(Y)]` (a 1-D X gives `[1, len(Y)]`).
struct ArrayFeatureExtractorOp: DataMovementOperator {
    static let schema = OpSchema(type: "ArrayFeatureExtractor", domain: "ai.onnx.ml", inputs: 2...2, outputs: 1...1, metadataInputs: [1])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let shape = x.shape, let indices = try ctx.tensor(1).shape else { return [.tensor(TensorType(dtype: x.dtype, shape: nil))] }
        guard !shape.isEmpty else { throw .rankMismatch("X must have rank ≥ 1") }
        let count = indices.product
        return [.tensor(TensorType(dtype: x.dtype, shape: shape.count == 1 ? [1, count] : shape.dropLast() + [count]))]
    }
}

// MARK: - CastMap

/// Map(int64 → T) to a tensor `[1, M]`: M = the map's size (DENSE, an opaque symbol) or `max_map`
/// (SPARSE); element type by `cast_to`.
struct CastMapOp: DataMovementOperator {
    static let schema = OpSchema(type: "CastMap", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let dtype: DataType
    let sparseLength: Int?

    init(node: Node, opset: Int) throws(ShapeError) {
        switch try node.string("cast_to", default: "TO_FLOAT") {
        case "TO_FLOAT": dtype = .float
        case "TO_STRING": dtype = .string
        case "TO_INT64": dtype = .int64
        case let other: throw .invalidAttribute(name: "cast_to", reason: "unknown value '\(other)'")
        }
        switch try node.string("map_form", default: "DENSE") {
        case "DENSE": sparseLength = nil
        case "SPARSE": sparseLength = try node.int("max_map", default: 1)
        case let other: throw .invalidAttribute(name: "map_form", reason: "unknown value '\(other)'")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let length: Dim = sparseLength.map(Dim.value) ?? .opaque("\(ctx.node.outputs.first ?? ctx.node.name)_len")
        return [.tensor(TensorType(dtype: dtype, shape: [1, length]))]
    }
}

// MARK: - CategoryMapper / LabelEncoder

/// Maps strings to int64 or back (CategoryMapper), or keys to values (LabelEncoder, ml opsets 1, 2,
/// 4): output has X's shape; its type is the other of string/int64 (CategoryMapper, LabelEncoder 1)
/// or the `values_*` attribute's type (LabelEncoder 2+).
struct CategoryMapperOp: Operator {
    static let schema = OpSchema(type: "CategoryMapper", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: x.dtype == .string ? .int64 : .string, shape: x.shape))]
    }

    static let formula = "0 (table lookups)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

struct LabelEncoderOp: Operator {
    static let schema = OpSchema(type: "LabelEncoder", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let valueType: DataType?

    init(node: Node, opset: Int) throws(ShapeError) {
        if opset < 2 {
            valueType = nil
        } else if try node.strings("values_strings") != nil {
            valueType = .string
        } else if try node.ints("values_int64s") != nil {
            valueType = .int64
        } else if try node.floats("values_floats") != nil {
            valueType = .float
        } else if let tensor = try node.tensorAttribute("values_tensor") {
            valueType = tensor.dtype
        } else {
            throw .missingAttribute("values_*")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: valueType ?? (x.dtype == .string ? .int64 : .string), shape: x.shape))]
    }

    static let formula = "0 (table lookups)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - DictVectorizer

/// Map → dense `[1, V]` tensor over the vocabulary (V = vocabulary length); element type: the
/// map's value type.
struct DictVectorizerOp: DataMovementOperator {
    static let schema = OpSchema(type: "DictVectorizer", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let vocabulary: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        let ints = try node.ints("int64_vocabulary"), strings = try node.strings("string_vocabulary")
        guard let count = ints?.count ?? strings?.count else { throw .missingAttribute("int64_vocabulary or string_vocabulary") }
        vocabulary = count
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        guard ctx.hasInput(0), let input = ctx.inputTypes[0] else { throw .missingInput(0) }
        guard case .map(_, let value) = input else {
            if case .unknown = input { throw .unknownInput(0) }
            throw .invalidInput(index: 0, reason: "expected a map, got \(input)")
        }
        return [.tensor(TensorType(dtype: value.tensor?.dtype ?? .float, shape: [1, .value(vocabulary)]))]
    }
}

// MARK: - FeatureVectorizer

/// Concatenates `[N, C_i]` inputs (1-D = `[1, C]`) into `[N, Σ inputdimensions]` float.
struct FeatureVectorizerOp: DataMovementOperator {
    static let schema = OpSchema(type: "FeatureVectorizer", domain: "ai.onnx.ml", inputs: 1...Int.max, outputs: 1...1)
    let dimensions: [Int]?

    init(node: Node, opset: Int) throws(ShapeError) {
        dimensions = try node.ints("inputdimensions")
        if let dimensions, dimensions.contains(where: { $0 < 0 }) {
            throw .invalidAttribute(name: "inputdimensions", reason: "must be non-negative")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let first = try ctx.shape(0)
        var width: Dim = 0
        if let dimensions {
            width = .value(try SizeCheck.sum(dimensions, "sum of inputdimensions"))
        } else {
            for index in 0..<ctx.inputCount {
                width += try ctx.shape(index).last ?? 1
            }
        }
        return [.tensor(TensorType(dtype: .float, shape: [mlRows(first), width]))]
    }
}

// MARK: - OneHotEncoder

/// One-hot over the category list: X `[...]` → `[..., C]` float (an `[N,1]` X gives `[N,1,C]`,
/// as onnxruntime does).
struct OneHotEncoderOp: Operator {
    static let schema = OpSchema(type: "OneHotEncoder", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let categories: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        let ints = try node.ints("cats_int64s"), strings = try node.strings("cats_strings")
        guard let count = ints?.count ?? strings?.count else { throw .missingAttribute("cats_int64s or cats_strings") }
        categories = count
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: .float, shape: x.shape.map { $0 + [.value(categories)] }))]
    }

    static let formula = "0 (lookups and writes)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - ZipMap

/// Scores `[N, C]` → a sequence of N maps from the class labels (int64 or string) to float.
struct ZipMapOp: DataMovementOperator {
    static let schema = OpSchema(type: "ZipMap", domain: "ai.onnx.ml", inputs: 1...1, outputs: 1...1)
    let keyType: DataType
    let count: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        (keyType, count) = try mlClassLabels(node, ints: "classlabels_int64s", strings: "classlabels_strings")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if let shape = try ctx.tensor(0).shape, let columns = shape.last {
            try ContribShape.requireEqual(columns, .value(count), "score columns vs class labels")
        }
        return [.sequence(.map(key: keyType, value: .tensor(TensorType(dtype: .float, shape: []))))]
    }
}

/// The operators of this file and MLTrees.swift, registered in `OpRegistry+Builtin.swift`.
public enum MLFamily {
    public static let entries: [OperatorEntry] = MLElementwiseRow.table.entries + OperatorEntry.of([
        LinearClassifierOp.self,
        LinearRegressorOp.self,
        SVMClassifierOp.self,
        SVMRegressorOp.self,
        ArrayFeatureExtractorOp.self,
        CastMapOp.self,
        CategoryMapperOp.self,
        LabelEncoderOp.self,
        DictVectorizerOp.self,
        FeatureVectorizerOp.self,
        OneHotEncoderOp.self,
        ZipMapOp.self,
    ])
}
