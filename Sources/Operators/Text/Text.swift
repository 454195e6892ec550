import ONNXGraph
import ShapeInference
import CostKernels

// String and text ops: StringNormalizer, StringConcat, StringSplit, RegexFullMatch (onnx/defs/text,
// onnx/defs/nn) and TfIdfVectorizer. They do no arithmetic that the cost model counts.

// MARK: - StringNormalizer

/// Case changes and stopword removal on a string tensor ([C] or [1, C]): same shape without
/// stopwords; with stopwords the last dim is data-dependent (opaque `<output>_len`).
/// Spec: https://onnx.ai/onnx/operators/onnx__StringNormalizer.html · opset 10.
struct StringNormalizerOp: Operator {
    static let schema = OpSchema(type: "StringNormalizer", since: 10, inputs: 1...1, outputs: 1...1)

    let filters: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        let action = try node.string("case_change_action", default: "NONE")
        guard ["NONE", "LOWER", "UPPER"].contains(action) else {
            throw .invalidAttribute(name: "case_change_action", reason: "unknown action '\(action)'")
        }
        filters = !(try node.strings("stopwords") ?? []).isEmpty
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard var shape = input.shape else { return [ValueKit.tensor(.string, nil)] }
        guard shape.count == 1 || shape.count == 2 else { throw .rankMismatch("StringNormalizer needs [C] or [1, C]") }
        if filters { shape[shape.count - 1] = ValueKit.opaque(ctx) }
        return [ValueKit.tensor(.string, shape)]
    }

    static let formula = "0 FLOPs (string op)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - StringConcat

/// Elementwise string concatenation with numpy broadcasting.
/// Spec: https://onnx.ai/onnx/operators/onnx__StringConcat.html · opset 20.
struct StringConcatOp: Operator {
    static let schema = OpSchema(type: "StringConcat", since: 20, inputs: 2...2, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0), b = try ctx.tensor(1)
        guard let sa = a.shape, let sb = b.shape else { return [ValueKit.tensor(.string, nil)] }
        return [ValueKit.tensor(.string, try Broadcast.shape([sa, sb]))]
    }

    static let formula = "0 FLOPs (string op)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - StringSplit

/// Splits each string: Y = `X.shape + [max substrings]` (data-dependent: opaque `<Y>_len`),
/// Z = substring counts with X's shape (int64).
/// Spec: https://onnx.ai/onnx/operators/onnx__StringSplit.html · opset 20.
struct StringSplitOp: Operator {
    static let schema = OpSchema(type: "StringSplit", since: 20, inputs: 1...1, outputs: 1...2)

    init(node: Node, opset: Int) throws(ShapeError) {
        _ = try node.string("delimiter", default: "")
        _ = try node.optionalInt("maxsplit")
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        let outputs = [
            ValueKit.tensor(.string, input.shape.map { $0 + [ValueKit.opaque(ctx)] }),
            ValueKit.tensor(.int64, input.shape),
        ]
        return Array(outputs.prefix(ctx.node.outputs.count))
    }

    static let formula = "0 FLOPs (string op)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - RegexFullMatch

/// Whether each string fully matches `pattern`: bool, same shape.
/// Spec: https://onnx.ai/onnx/operators/onnx__RegexFullMatch.html · opset 20.
struct RegexFullMatchOp: Operator {
    static let schema = OpSchema(type: "RegexFullMatch", since: 20, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) { _ = try node.string("pattern", default: "") }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [ValueKit.tensor(.bool, try ctx.tensor(0).shape)]
    }

    static let formula = "0 FLOPs (string op)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - TfIdfVectorizer

/// N-gram counts/weights: `[max(ngram_indexes)+1]` for a 1-D input, `[N, max+1]` for `[N, C]`; float.
/// Spec: https://onnx.ai/onnx/operators/onnx__TfIdfVectorizer.html · opset 9.
struct TfIdfVectorizerOp: Operator {
    static let schema = OpSchema(type: "TfIdfVectorizer", since: 9, inputs: 1...1, outputs: 1...1)

    let width: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let indexes = try node.ints("ngram_indexes"), let top = indexes.max() else { throw .missingAttribute("ngram_indexes") }
        guard top >= 0, top < Int.max else { throw .invalidAttribute(name: "ngram_indexes", reason: "invalid index \(top)") }
        let mode = try node.string("mode", default: "TF")
        guard ["TF", "IDF", "TFIDF"].contains(mode) else { throw .invalidAttribute(name: "mode", reason: "unknown mode '\(mode)'") }
        width = top + 1
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(.float, nil)] }
        switch shape.count {
        case 1: return [ValueKit.tensor(.float, [.value(width)])]
        case 2: return [ValueKit.tensor(.float, [shape[0], .value(width)])]
        default: throw .rankMismatch("TfIdfVectorizer needs [C] or [N, C], got rank \(shape.count)")
        }
    }

    static let formula = "0 FLOPs (n-gram lookups and counting)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum TextFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        StringNormalizerOp.self, StringConcatOp.self, StringSplitOp.self, RegexFullMatchOp.self, TfIdfVectorizerOp.self,
    ])
}
