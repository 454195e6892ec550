import ONNXGraph
import ShapeInference
import CostKernels

// Helpers shared by the elementwise, logical, activation and reduction families: the pre-opset-7
// broadcast rule, numpy-style expansion of small propagated values, and decisions on symbolic ints.

/// Namespace for the elementwise helpers (kept in one enum so names cannot clash with other families).
enum ElementwiseSupport {
    /// Largest output element count for which values are propagated (the loader's small-tensor limit).
    static let valueLimit = TensorData.valueElementLimit

    // MARK: Legacy broadcast (opset < 7)

    /// The `broadcast`/`axis` attributes of Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Less and
    /// Greater before opset 7: B is broadcast onto A (suffix match, or starting at `axis`), and the
    /// output has A's shape.
    struct LegacyBroadcast: Sendable, Equatable {
        var enabled: Bool
        var axis: Int?
    }

    /// Reads the legacy attributes when `opset < before`; `nil` means numpy broadcasting (always so
    /// for an op that never had the legacy rule, `before == nil`).
    static func legacyBroadcast(_ node: Node, opset: Int, before: Int? = 7) throws(ShapeError) -> LegacyBroadcast? {
        guard let before, opset < before else { return nil }
        let flag = try node.int("broadcast", default: 0)
        guard flag == 0 || flag == 1 else {
            throw .invalidAttribute(name: "broadcast", reason: "must be 0 or 1, got \(flag)")
        }
        return LegacyBroadcast(enabled: flag == 1, axis: try node.optionalInt("axis"))
    }

    /// B's shape padded with trailing 1s so that numpy broadcasting aligns it the legacy way
    /// (starting at `axis` of A, or as a suffix of A). Throws when B cannot be broadcast onto A.
    static func legacyAlignedShape(_ a: [Dim], _ b: [Dim], legacy: LegacyBroadcast) throws(ShapeError) -> [Dim] {
        let describe = "[\(a.map(\.description).joined(separator: ","))] and [\(b.map(\.description).joined(separator: ","))]"
        guard b.count <= a.count else {
            throw .rankMismatch("legacy broadcast needs rank(B) <= rank(A): \(describe)")
        }
        if b.allSatisfy({ $0 == 1 }) { return b }
        if !legacy.enabled {
            guard a.count == b.count else { throw .rankMismatch("broadcast=0 needs equal shapes: \(describe)") }
        }
        let start: Int
        if let axis = legacy.axis, legacy.enabled {
            start = try Axes.normalize(axis, rank: a.count)
            guard start + b.count <= a.count else {
                throw .incompatibleDims("B does not fit in A at axis \(axis): \(describe)")
            }
        } else {
            start = a.count - b.count
        }
        for (index, dim) in b.enumerated() {
            if let x = a[start + index].intValue, let y = dim.intValue, x != y, y != 1 {  // a 1 in B still broadcasts (runtimes accept it)
                throw .incompatibleDims("legacy broadcast of \(describe)")
            }
        }
        return b + Array(repeating: Dim(1), count: a.count - start - b.count)
    }

    /// The output shape of a binary op, and the (aligned) input shapes to expand values with.
    static func binaryShapes(_ a: [Dim], _ b: [Dim], legacy: LegacyBroadcast?) throws(ShapeError)
        -> (output: [Dim], inputs: [[Dim]]) {
        guard let legacy else {
            let inputs = [a, b]
            return (try broadcast(inputs), inputs)
        }
        let alignedB = try legacyAlignedShape(a, b, legacy: legacy)
        // The output is A's shape; where A has a symbol and B a known size, the size is known.
        var output = a
        let offset = a.count - alignedB.count
        for (index, dim) in alignedB.enumerated() where dim.isKnown && dim != 1 && !output[offset + index].isKnown {
            output[offset + index] = dim
        }
        return (output, [a, alignedB])
    }

    /// The shapes of a binary op's inputs 0 and 1 broadcast (`binaryShapes`), with the numpy rule's
    /// assumptions added to the node's warnings; `nil` when either rank is unknown.
    static func binaryShapes(_ ctx: inout ShapeContext, legacy: LegacyBroadcast?) throws(ShapeError) -> (output: [Dim], inputs: [[Dim]])? {
        guard let sa = try ctx.tensor(0).shape, let sb = try ctx.tensor(1).shape else { return nil }
        let shapes = try binaryShapes(sa, sb, legacy: legacy)
        if legacy == nil {
            // Numpy broadcasting: `shapes.inputs` is `[sa, sb]`.
            let lines = Broadcast.assumptions(shapes.inputs)
            if !lines.isEmpty { ctx.warnings += lines }
        }
        return shapes
    }

    // MARK: Numpy broadcasting

    /// `Broadcast.shape`, refined where the inputs decide a dim that the generic rule leaves as an
    /// opaque `max(a, b)`. Exported transformers slice a `[1, 512]` position table to
    /// `min(512, sequence)` and broadcast it against `sequence`: the result is `sequence` (they are
    /// equal, or one is 1 and then, as 512 ≥ 1, both are). Inputs that already carry such an opaque
    /// `max(min(x, s), s)` are simplified first (that is `s`, whatever `x` is).
    static func broadcast(_ shapes: [[Dim]]) throws(ShapeError) -> [Dim] {
        var output = try Broadcast.shape(shapes)
        for index in output.indices where !output[index].isKnown && !output[index].isUnknown {
            var dims: [Dim] = []
            for shape in shapes {
                let offset = output.count - shape.count
                guard index >= offset else { continue }
                let dim = simplified(shape[index - offset])
                if dim != 1, !dims.contains(dim) { dims.append(dim) }
            }
            let kept = dims.filter { dim in !dims.contains { isMinimum(dim, ofConstantAnd: $0) } }
            if kept.count == 1 { output[index] = kept[0] }
        }
        return output
    }

    /// Whether `x` is the opaque `min(k, y)` (as `Dim.minimum` names it) for a known `k ≥ 1`.
    static func isMinimum(_ x: Dim, ofConstantAnd y: Dim) -> Bool {
        guard case .polynomial = x, x != y, let operands = opaqueOperands(x.description, function: "min") else { return false }
        let other = y.description
        if operands.0 == other, let k = Int(operands.1) { return k >= 1 }
        if operands.1 == other, let k = Int(operands.0) { return k >= 1 }
        return false
    }

    /// `max(min(x, s), s)` → `s` (exact: min(x, s) ≤ s), applied inside out; any other dim unchanged.
    static func simplified(_ dim: Dim) -> Dim {
        guard case .polynomial = dim, let text = simplifiedText(dim.description), text != dim.description else { return dim }
        // The result is a sub-expression: a number, a plain symbol or another opaque form.
        if let value = Int(text) { return .value(value) }
        return text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) || text.hasPrefix("max(") || text.hasPrefix("min(")
            ? .opaque(text) : dim
    }

    private static func simplifiedText(_ text: String) -> String? {
        guard let (a, b) = opaqueOperands(text, function: "max") else { return text }
        guard let x = simplifiedText(a), let y = simplifiedText(b) else { return nil }
        if x == y { return x }
        if let (p, q) = opaqueOperands(x, function: "min"), p == y || q == y { return y }
        if let (p, q) = opaqueOperands(y, function: "min"), p == x || q == x { return x }
        let names = [x, y].sorted()
        return "max(\(names[0]), \(names[1]))"
    }

    /// The two top-level operands of `function(a, b)`, `nil` when `text` is not of that form.
    static func opaqueOperands(_ text: String, function: String) -> (String, String)? {
        guard text.hasPrefix(function + "("), text.hasSuffix(")") else { return nil }
        let inner = Array(text.dropFirst(function.count + 1).dropLast())
        var depth = 0
        for index in inner.indices {
            switch inner[index] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { return nil }
            case "," where depth == 0:
                guard index + 1 < inner.count, inner[index + 1] == " " else { return nil }
                let first = String(inner[..<index]), second = String(inner[(index + 2)...])
                return first.isEmpty || second.isEmpty ? nil : (first, second)
            default: break
            }
        }
        return nil
    }

    // MARK: Value expansion

    /// Element count of known sizes, `nil` on overflow.
    static func count(_ dims: [Int]) -> Int? {
        var total = 1
        for dim in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// `values` (row-major, of `shape`) broadcast to `output`, numpy style.
    static func expand<T>(_ values: [T], shape: [Int], to output: [Int]) -> [T]? {
        guard shape.count <= output.count, let inCount = count(shape), values.count == inCount,
              let outCount = count(output), outCount <= valueLimit else { return nil }
        if shape == output { return values }
        let rank = output.count, offset = rank - shape.count
        var strides = Array(repeating: 0, count: rank)
        var stride = 1
        for index in shape.indices.reversed() {
            guard shape[index] == 1 || shape[index] == output[offset + index] else { return nil }
            strides[offset + index] = shape[index] == 1 ? 0 : stride
            stride *= shape[index]
        }
        var result: [T] = []
        result.reserveCapacity(outCount)
        var position = Array(repeating: 0, count: rank)
        for _ in 0..<outCount {
            var flat = 0
            for axis in 0..<rank { flat += position[axis] * strides[axis] }
            result.append(values[flat])
            ValueKit.advance(&position, in: output)
        }
        return result
    }

    /// Whether inputs `0..<count` all have known values: most nodes have none, and then no fold
    /// builds its known output shape.
    static func hasValues(_ ctx: ShapeContext, count: Int) -> Bool {
        guard count <= ctx.inputValues.count else { return false }
        for index in 0..<count where ctx.inputValues[index] == nil { return false }
        return true
    }

    /// Folds integer values elementwise: every input `i` in `shapes` must have known values; `combine`
    /// gets one value per input and returns `nil` when the result cannot be decided (then no output
    /// value at all).
    static func foldInts(_ ctx: ShapeContext, shapes: [[Dim]], output: [Dim],
                         _ combine: ([Dim]) -> Dim?) -> TensorValue? {
        guard hasValues(ctx, count: shapes.count) else { return nil }
        guard let out = ValueKit.known(output), let outCount = count(out), outCount <= valueLimit else { return nil }
        var columns: [[Dim]] = []
        for (index, shape) in shapes.enumerated() {
            guard let dims = ValueKit.known(shape), let values = ctx.intValues(index),
                  let expanded = expand(values, shape: dims, to: out) else { return nil }
            columns.append(expanded)
        }
        var result: [Dim] = []
        result.reserveCapacity(outCount)
        for element in 0..<outCount {
            guard let value = combine(columns.map { $0[element] }) else { return nil }
            result.append(value)
        }
        return .ints(result)
    }

    /// Folds floating values elementwise (see `foldInts`).
    static func foldDoubles(_ ctx: ShapeContext, shapes: [[Dim]], output: [Dim],
                            _ combine: ([Double]) -> Double?) -> TensorValue? {
        guard hasValues(ctx, count: shapes.count) else { return nil }
        guard let out = ValueKit.known(output), let outCount = count(out), outCount <= valueLimit else { return nil }
        var columns: [[Double]] = []
        for (index, shape) in shapes.enumerated() {
            guard let dims = ValueKit.known(shape), let values = ctx.doubles(index),
                  let expanded = expand(values, shape: dims, to: out) else { return nil }
            columns.append(expanded)
        }
        var result: [Double] = []
        result.reserveCapacity(outCount)
        for element in 0..<outCount {
            guard let value = combine(columns.map { $0[element] }) else { return nil }
            result.append(value)
        }
        return .floats(result)
    }

    // MARK: Symbolic integer decisions

    /// The signs (−1, 0, 1) `value` may have. Symbols stand for sizes, so they are ≥ 0: a
    /// polynomial whose non-constant coefficients are all ≥ 0 is at least its constant term, one
    /// whose coefficients are all ≤ 0 at most its constant term.
    static func possibleSigns(_ value: Dim) -> Set<Int> {
        switch value {
        case .value(let v): return [v == 0 ? 0 : (v < 0 ? -1 : 1)]
        case .unknown: return [-1, 0, 1]
        case .polynomial(let p):
            let constant = p.terms.first { $0.monomial.factors.isEmpty }?.coefficient ?? 0
            let variable = p.terms.filter { !$0.monomial.factors.isEmpty }
            if variable.allSatisfy({ $0.coefficient > 0 }) {
                // value ≥ constant
                return constant > 0 ? [1] : (constant == 0 ? [0, 1] : [-1, 0, 1])
            }
            if variable.allSatisfy({ $0.coefficient < 0 }) {
                // value ≤ constant
                return constant < 0 ? [-1] : (constant == 0 ? [-1, 0] : [-1, 0, 1])
            }
            return [-1, 0, 1]
        }
    }

    /// The orderings (−1: a < b, 0: equal, 1: a > b) two ints may have.
    static func possibleOrders(_ a: Dim, _ b: Dim) -> Set<Int> {
        if a.isUnknown || b.isUnknown { return [-1, 0, 1] }
        if a == b { return [0] }
        return possibleSigns(a - b)
    }

    /// Decides `predicate(order of a against b)`, `nil` when it depends on unknown sizes.
    static func decide(_ a: Dim, _ b: Dim, _ predicate: (Int) -> Bool) -> Bool? {
        let outcomes = Set(possibleOrders(a, b).map(predicate))
        return outcomes.count == 1 ? outcomes.first : nil
    }

    /// Whether a polynomial is a sum of non-negative terms (so ≥ 0 for sizes).
    static func isNonNegative(_ value: Dim) -> Bool {
        switch value {
        case .value(let v): v >= 0
        case .unknown: false
        case .polynomial(let p): p.terms.allSatisfy { $0.coefficient >= 0 }
        }
    }

    /// ONNX integer Div: truncates toward zero. Exact symbolic quotients stay polynomials; a
    /// non-negative numerator over a positive divisor is a floor division; otherwise unknown.
    static func truncatingDivide(_ a: Dim, _ b: Dim) -> Dim {
        if let x = a.intValue, let y = b.intValue {
            guard y != 0, !(x == Int.min && y == -1) else { return .unknown }
            return .value(x / y)
        }
        guard let pa = a.asPolynomial, let pb = b.asPolynomial, b != 0 else { return .unknown }
        if let exact = pa.dividedExactly(by: pb) { return Dim(exact) }
        if isNonNegative(a), let y = b.intValue, y > 0 { return a.floorDivided(by: b) }
        return .unknown
    }

    /// ONNX integer Mod: `fmod == false` takes the divisor's sign (Python `%`), `fmod == true` the
    /// dividend's (C `fmod`). Symbolic values are decided only when the division is exact (0).
    static func remainder(_ a: Dim, _ b: Dim, fmod: Bool) -> Dim {
        if let x = a.intValue, let y = b.intValue {
            guard y != 0, !(x == Int.min && y == -1) else { return y == -1 ? 0 : .unknown }
            let r = x % y
            if !fmod, r != 0, (r < 0) != (y < 0) { return .value(r + y) }
            return .value(r)
        }
        guard let pa = a.asPolynomial, let pb = b.asPolynomial, b != 0 else { return .unknown }
        if pa.dividedExactly(by: pb) != nil { return 0 }
        return .unknown
    }

    // MARK: Types

    /// Throws when two inputs that must share an element type do not.
    static func requireSameType(_ ctx: ShapeContext, _ indices: [Int]) throws(ShapeError) {
        guard let first = indices.first else { return }
        let expected = try ctx.dtype(first)
        for index in indices.dropFirst() {
            let dtype = try ctx.dtype(index)
            if dtype != expected, dtype != .undefined, expected != .undefined {
                throw .invalidInput(index: index, reason: "expected \(expected), got \(dtype)")
            }
        }
    }
}

extension ElementwiseSupport {
    /// The cost formula of a per-element table row: "4 FLOPs + 1 transcendental per element."
    static func perElement(_ flops: Int, transcendentals: Int, of unit: String = "element") -> String {
        "\(flops) FLOP\(flops == 1 ? "" : "s")"
            + (transcendentals > 0 ? " + \(transcendentals) transcendental\(transcendentals == 1 ? "" : "s")" : "")
            + " per \(unit)."
    }
}
