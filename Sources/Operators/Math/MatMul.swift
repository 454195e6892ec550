import ONNXGraph
import ShapeInference
import CostKernels

// Matrix products: MatMul, Gemm, MatMulInteger, QLinearMatMul, Einsum, and Det (linear algebra). The
// matmul geometry they share with the com.microsoft ops is in Support/MatMulGeometry.swift.

/// The MAC count of a matmul between inputs `a` and `b` of a cost context: `MatMulGeometry.macs`.
/// Where no operand is 1-D and the batch dims need no broadcast (equal, or one operand has none:
/// every projection and attention product of a transformer), the same product is formed here
/// without building the output shape or broadcasting (the broadcast of equal dims is those dims).
private func matmulMACs(_ ctx: CostContext, a: Int, b: Int) throws(CostError) -> Dim {
    let sa = try ctx.inputShape(a), sb = try ctx.inputShape(b)
    if sa.count >= 2, sb.count >= 2, let k = unified(sa[sa.count - 1], sb[sb.count - 2]) {
        let batchA = sa.dropLast(2), batchB = sb.dropLast(2)
        if batchA.isEmpty || batchB.isEmpty || batchA.elementsEqual(batchB) {
            // `batch.product · m · n · k`, multiplied in the same order.
            var macs: Dim = 1
            for dim in batchA.count >= batchB.count ? batchA : batchB { macs = macs * dim }
            return macs * sa[sa.count - 2] * sb[sb.count - 1] * k
        }
    }
    do { return try MatMulGeometry(a: sa, b: sb).macs } catch { throw .shape(error) }
}

/// Output type of a matmul-like op whose operands are inputs `a` and `b`.
private func matmulOutput(_ ctx: ShapeContext, a: Int, b: Int, dtype: DataType) throws(ShapeError) -> [ValueType] {
    guard let sa = try ctx.tensor(a).shape, let sb = try ctx.tensor(b).shape else {
        return [.tensor(TensorType(dtype: dtype, shape: nil))]
    }
    return [.tensor(TensorType(dtype: dtype, shape: try MatMulGeometry(a: sa, b: sb).output))]
}

// MARK: - MatMul

/// numpy-style matrix product (1-D promotion, broadcast batch dims).
/// Spec: https://onnx.ai/onnx/operators/onnx__MatMul.html · opsets 1, 9, 13.
struct MatMulOp: Operator {
    static let schema = OpSchema(type: "MatMul", since: 1, inputs: 2...2, outputs: 1...1, traits: .gemm)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try matmulOutput(ctx, a: 0, b: 1, dtype: ctx.dtype(0))
    }

    static let formula = "MACs = `∏(broadcast batch)·M·N·K` (M = 1 for a 1-D A, N = 1 for a 1-D B); FLOPs = 2·MACs."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .macs(try matmulMACs(ctx, a: 0, b: 1))
    }
}

// MARK: - Gemm

/// `Y = alpha·A'·B' + beta·C` with A' = transA ? Aᵀ : A (`[M, K]`), B' = transB ? Bᵀ : B (`[K, N]`),
/// C unidirectionally broadcast to `[M, N]` (required before opset 11; `broadcast` attribute before 7).
/// Spec: https://onnx.ai/onnx/operators/onnx__Gemm.html · opsets 1, 6, 7, 9, 11, 13.
struct GemmOp: Operator {
    static let schema = OpSchema(type: "Gemm", since: 1, inputs: 2...3, outputs: 1...1, traits: .gemm)

    private let transA: Bool
    private let transB: Bool
    private let alpha: Float
    private let beta: Float

    init(node: Node, opset: Int) throws(ShapeError) {
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
        alpha = try node.float("alpha", default: 1)
        beta = try node.float("beta", default: 1)
    }

    /// `(M, K, N)` from the operand shapes.
    private func dims(a: [Dim], b: [Dim]) throws(ShapeError) -> (m: Dim, k: Dim, n: Dim) {
        guard a.count == 2, b.count == 2 else {
            throw .rankMismatch("Gemm operands must be matrices, got ranks \(a.count) and \(b.count)")
        }
        let (m, ka) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (kb, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard let k = unified(ka, kb) else { throw .incompatibleDims("inner dims differ: \(ka) vs \(kb)") }
        return (m, k, n)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let a = try ctx.tensor(0)
        guard let sa = a.shape, let sb = try ctx.tensor(1).shape else {
            return [.tensor(TensorType(dtype: a.dtype, shape: nil))]
        }
        let (m, _, n) = try dims(a: sa, b: sb)
        if let c = try ctx.optionalTensor(2)?.shape {
            guard c.count <= 2 else { throw .rankMismatch("C must have rank ≤ 2, got \(c.count)") }
            for (dim, target) in zip(c.reversed(), [n, m]) {
                if let d = dim.intValue, d != 1, let t = target.intValue, d != t {
                    throw .incompatibleDims("C \(c) does not broadcast to [\(m), \(n)]")
                }
            }
        }
        return [.tensor(TensorType(dtype: a.dtype, shape: [m, n]))]
    }

    static let formula = "MACs = `M·N·K`; FLOPs = 2·MACs + (alpha ≠ 1 ? M·N : 0) + (C present and beta ≠ 0 ? M·N : 0) + (C present and beta ∉ {0, 1} ? M·N : 0) — scaling and adding C are counted per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        guard let (m, k, n) = try? dims(a: ctx.inputShape(0), b: ctx.inputShape(1)) else {
            throw .unknownShape("inputs 0, 1 (not matrices)")
        }
        let outputs = m * n
        var extra: Dim = 0
        if alpha != 1 { extra += outputs * .value(Conventions.arithmetic) }
        if ctx.hasInput(2), beta != 0 {
            extra += outputs * .value(Conventions.arithmetic)
            if beta != 1 { extra += outputs * .value(Conventions.arithmetic) }
        }
        return .macs(m * n * k, extraFLOPs: extra)
    }
}

// MARK: - MatMulInteger

/// Integer matmul of (u)int8 A and B with optional zero points; int32 output, numpy semantics.
/// Spec: https://onnx.ai/onnx/operators/onnx__MatMulInteger.html · opset 10.
struct MatMulIntegerOp: Operator {
    static let schema = OpSchema(type: "MatMulInteger", since: 10, inputs: 2...4, outputs: 1...1, traits: [.gemm, .quantizedInputs])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        try matmulOutput(ctx, a: 0, b: 1, dtype: .int32)
    }

    static let formula = "MACs as MatMul, FLOPs = 2·MACs, `computeType` = A's type."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .macs(try matmulMACs(ctx, a: 0, b: 1), computeType: ctx.inputType(0))
    }
}

// MARK: - QLinearMatMul

/// Quantized matmul: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point;
/// output typed as y_zero_point. Spec: https://onnx.ai/onnx/operators/onnx__QLinearMatMul.html
/// · opsets 10, 21 (float8 types).
struct QLinearMatMulOp: Operator {
    static let schema = OpSchema(type: "QLinearMatMul", since: 10, inputs: 8...8, outputs: 1...1, traits: [.gemm, .quantizedInputs])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = ctx.hasInput(7) ? try ctx.dtype(7) : try ctx.dtype(0)
        return try matmulOutput(ctx, a: 0, b: 3, dtype: dtype)
    }

    static let formula = "MACs as MatMul, FLOPs = 2·MACs, `computeType` = a's type."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .macs(try matmulMACs(ctx, a: 0, b: 3), computeType: ctx.inputType(0))
    }
}

// MARK: - Einsum

/// A parsed Einsum equation: one term per input and the output term; letters are `Character`s,
/// `nil` stands for the ellipsis.
private struct EinsumEquation: Sendable {
    var inputs: [[Character?]]
    /// The explicit output term, `nil` in implicit mode.
    var output: [Character?]?

    init(_ text: String) throws(ShapeError) {
        let characters = Array(text.filter { !$0.isWhitespace })
        var sides: [String] = [""]
        var index = 0
        while index < characters.count {
            if characters[index] == "-", index + 1 < characters.count, characters[index + 1] == ">" {
                sides.append("")
                index += 2
            } else {
                sides[sides.count - 1].append(characters[index])
                index += 1
            }
        }
        guard sides.count <= 2 else { throw .invalidAttribute(name: "equation", reason: "more than one '->' in '\(text)'") }
        inputs = []
        for term in sides[0].split(separator: ",", omittingEmptySubsequences: false) {
            inputs.append(try Self.parseTerm(String(term), equation: text))
        }
        output = sides.count == 2 ? try Self.parseTerm(sides[1], equation: text) : nil
        if let output {
            let letters = output.compactMap { $0 }
            guard Set(letters).count == letters.count else {
                throw .invalidAttribute(name: "equation", reason: "output term repeats a letter in '\(text)'")
            }
            let known = Set(inputs.joined().compactMap { $0 })
            if let stray = letters.first(where: { !known.contains($0) }) {
                throw .invalidAttribute(name: "equation", reason: "output letter '\(stray)' is not in any input of '\(text)'")
            }
        }
    }

    private static func parseTerm(_ term: String, equation: String) throws(ShapeError) -> [Character?] {
        var result: [Character?] = []
        var rest = Substring(term)
        var sawEllipsis = false
        while let first = rest.first {
            if rest.hasPrefix("...") {
                guard !sawEllipsis else { throw .invalidAttribute(name: "equation", reason: "two ellipses in one term of '\(equation)'") }
                sawEllipsis = true
                result.append(nil)
                rest = rest.dropFirst(3)
            } else if first.isASCII, first.isLetter {
                result.append(first)
                rest = rest.dropFirst()
            } else {
                throw .invalidAttribute(name: "equation", reason: "unexpected '\(first)' in '\(equation)'")
            }
        }
        return result
    }
}

/// The solved sizes of an einsum: every letter's dim, the broadcast ellipsis dims, the output shape.
private struct EinsumSolution {
    var letters: [Character: Dim] = [:]
    var ellipsis: [Dim] = []
    var output: [Dim] = []
    /// Whether some letter (or ellipsis dim) is summed away.
    var contracts = false

    init(_ equation: EinsumEquation, shapes: [[Dim]]) throws(ShapeError) {
        guard shapes.count == equation.inputs.count else {
            throw .arity(what: "inputs for the equation's terms", expected: equation.inputs.count...equation.inputs.count, got: shapes.count)
        }
        var ellipsisShapes: [[Dim]] = []
        var counts: [Character: Int] = [:]
        for (term, shape) in zip(equation.inputs, shapes) {
            let named = term.compactMap { $0 }.count
            let hasEllipsis = term.contains(nil)
            guard hasEllipsis ? shape.count >= named : shape.count == named else {
                throw .rankMismatch("einsum term of \(named) letters applied to rank \(shape.count)")
            }
            let ellipsisRank = shape.count - named
            var axis = 0
            for symbol in term {
                guard let letter = symbol else {
                    ellipsisShapes.append(Array(shape[axis..<(axis + ellipsisRank)]))
                    axis += ellipsisRank
                    continue
                }
                counts[letter, default: 0] += 1
                let dim = shape[axis]
                if let existing = letters[letter] {
                    guard let merged = unified(existing, dim) ?? (existing == 1 ? dim : dim == 1 ? existing : nil) else {
                        throw .incompatibleDims("einsum letter '\(letter)' is \(existing) and \(dim)")
                    }
                    letters[letter] = merged
                } else {
                    letters[letter] = dim
                }
                axis += 1
            }
        }
        ellipsis = try Broadcast.shape(ellipsisShapes)
        let outputTerm: [Character?]
        if let explicit = equation.output {
            outputTerm = explicit
        } else {
            let once = counts.filter { $0.value == 1 }.map(\.key).sorted { ($0.asciiValue ?? 0) < ($1.asciiValue ?? 0) }
            outputTerm = (ellipsisShapes.isEmpty ? [] : [nil]) + once
        }
        for symbol in outputTerm {
            if let letter = symbol { output.append(letters[letter] ?? .unknown) } else { output += ellipsis }
        }
        let outputLetters = Set(outputTerm.compactMap { $0 })
        contracts = letters.keys.contains { !outputLetters.contains($0) }
            || (!ellipsis.isEmpty && !outputTerm.contains(nil))
    }

    /// The iteration space: every distinct letter's size times the ellipsis dims.
    var space: Dim { Array(letters.values).product * ellipsis.product }
}

/// Einstein summation with explicit (`->`) and implicit output, ellipsis broadcasting, repeated
/// letters (diagonals, traces), upper-case letters (opset 28).
/// Spec: https://onnx.ai/onnx/operators/onnx__Einsum.html · opsets 12, 28.
struct EinsumOp: Operator {
    static let schema = OpSchema(type: "Einsum", since: 12, inputs: 1...Int.max, outputs: 1...1, traits: .gemm)

    private let equation: EinsumEquation

    init(node: Node, opset: Int) throws(ShapeError) {
        equation = try EinsumEquation(node.string("equation", default: ""))
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(0)
        var shapes: [[Dim]] = []
        for index in 0..<ctx.inputCount {
            guard let shape = try ctx.tensor(index).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
            shapes.append(shape)
        }
        return [.tensor(TensorType(dtype: dtype, shape: try EinsumSolution(equation, shapes: shapes).output))]
    }

    static let formula = "with ≥ 2 operands, MACs = ∏(sizes of all distinct letters, contracted and free) × ∏(ellipsis dims), and FLOPs per point = (operands − 1) multiplies + 1 add when some index is summed (so FLOPs = 2·MACs for a two-operand contraction, = MACs for an outer/elementwise product). One operand: no MACs; FLOPs = the iteration space when something is summed (a reduction), else 0 (transpose/diagonal extraction)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        var shapes: [[Dim]] = []
        for index in ctx.inputTypes.indices { shapes.append(try ctx.inputShape(index)) }
        guard let solution = try? EinsumSolution(equation, shapes: shapes) else { throw .unknownShape("inputs (equation does not fit)") }
        let space = solution.space
        let operands = shapes.count
        if operands < 2 {
            return OpCost(flops: solution.contracts ? space * .value(Conventions.reduceStep) : 0)
        }
        let perPoint = (operands - 1) * Conventions.arithmetic + (solution.contracts ? Conventions.reduceStep : 0)
        return OpCost(macs: space, flops: space * .value(perPoint))
    }
}

// MARK: - Det

extension Conventions {
    /// LU decomposition of an n×n matrix (Det): 2n³/3 FLOPs (Golub & Van Loan, §3.2).
    static let luFLOPsNumerator = 2
    static let luFLOPsDenominator = 3
}

/// Determinants of `[*, M, M]` matrices: output `[*]`.
/// Spec: https://onnx.ai/onnx/operators/onnx__Det.html · opsets 11–22.
struct DetOp: Operator {
    static let schema = OpSchema(type: "Det", since: 11, inputs: 1...1, outputs: 1...1)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let input = try ctx.tensor(0)
        guard let shape = input.shape else { return [ValueKit.tensor(input.dtype, nil)] }
        guard shape.count >= 2 else { throw .rankMismatch("Det needs rank ≥ 2, got \(shape.count)") }
        let m = shape[shape.count - 2], n = shape[shape.count - 1]
        if let a = m.intValue, let b = n.intValue, a != b { throw .incompatibleDims("Det needs square matrices, got \(a)×\(b)") }
        return [ValueKit.tensor(input.dtype, Array(shape.dropLast(2)))]
    }

    static let formula = "2·n³/3 FLOPs per matrix (LU decomposition; `Conventions.luFLOPsNumerator/Denominator`), times the batch."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let shape = try ctx.inputShape(0)
        guard let n = shape.last else { throw .unknownShape("input 0") }
        let perMatrix = (n * n * n * .value(Conventions.luFLOPsNumerator)).floorDivided(by: .value(Conventions.luFLOPsDenominator))
        return OpCost(flops: try ctx.outputElements() * perMatrix)
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum MatMulFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([
        DetOp.self,
        MatMulOp.self, GemmOp.self, MatMulIntegerOp.self, QLinearMatMulOp.self, EinsumOp.self,
    ])
}
