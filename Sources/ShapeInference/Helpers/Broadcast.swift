import ONNXGraph

/// Multidirectional (numpy) broadcasting, as in ONNX's `multidirectionalBroadcastShapeInference`.
public enum Broadcast {
    /// The broadcast shape of `shapes`; throws on incompatible known dims.
    public static func shape(_ shapes: [[Dim]]) throws(ShapeError) -> [Dim] {
        // Equal shapes (most binary ops of a transformer) broadcast to themselves: every dim meets
        // 1, then itself.
        if shapes.count == 2, shapes[0] == shapes[1] { return shapes[0] }
        let rank = maxRank(shapes)
        var result: [Dim] = []
        result.reserveCapacity(rank)
        for _ in 0..<rank { result.append(1) }
        for shape in shapes {
            let offset = rank - shape.count
            for (index, dim) in shape.enumerated() {
                guard let merged = Dim.broadcast(result[offset + index], dim) else {
                    throw .incompatibleDims("cannot broadcast \(shapes.map { "[\($0.map(\.description).joined(separator: ","))]" }.joined(separator: " and "))")
                }
                result[offset + index] = merged
            }
        }
        return result
    }

    /// The largest rank of `shapes` (0 for none), without a key path or a closure per call.
    static func maxRank(_ shapes: [[Dim]]) -> Int {
        var rank = 0
        for shape in shapes where shape.count > rank { rank = shape.count }
        return rank
    }
}

extension Broadcast {
    /// The equalities a symbolic broadcast silently relies on: where a known size `k ≠ 1` meets a
    /// symbolic dim `d`, the result is `k`, which is right only when `d = k` (or `d = 1`). A model
    /// exported with a size-1 example (torch.export specializes it inside the graph but keeps the
    /// input dim named) broadcasts `[1,12,128·s,128·s]` against `[s,1,128,128]`: valid only at
    /// `s = 1`. Each returned line names the dims, for a warning on the node, so the unbound answer
    /// says where it holds. Opaque `min(k, …)`/`max(…)` forms are left alone (they come from
    /// slicing a fixed table and are equal by construction).
    public static func assumptions(_ shapes: [[Dim]]) -> [String] {
        // A line needs a symbolic dim on an axis where another shape differs from it: equal shapes,
        // or shapes of known sizes only, assume nothing.
        if shapes.count == 2, shapes[0] == shapes[1] { return [] }
        guard shapes.contains(where: { $0.contains { if case .polynomial = $0 { true } else { false } } }) else { return [] }
        let rank = maxRank(shapes)
        var lines: [String] = []
        for axis in 0..<rank {
            var known: Int?
            var symbolic: [Dim] = []
            for shape in shapes {
                let offset = rank - shape.count
                guard axis >= offset else { continue }
                let dim = shape[axis - offset]
                if let value = dim.intValue {
                    if value != 1 { known = value }
                } else if case .polynomial = dim, !dim.description.contains("("), !symbolic.contains(dim) {
                    symbolic.append(dim)
                }
            }
            if let known {
                for dim in symbolic {
                    lines.append("broadcasting axis \(axis) assumes \(dim) = \(known) (or 1)\(solution(dim, equal: known)); the result holds only there")
                }
            } else if symbolic.count > 1 {
                let names = symbolic.map(\.description).joined(separator: " = ")
                lines.append("broadcasting axis \(axis) assumes \(names) (or all but one are 1); the result holds only there")
            }
        }
        return lines
    }

    /// `, i.e. s = k/c` when `dim` is `c·s` and `c` divides `k`.
    private static func solution(_ dim: Dim, equal value: Int) -> String {
        guard case .polynomial(let p) = dim, p.terms.count == 1, p.terms[0].monomial.factors.count == 1,
              p.terms[0].monomial.factors[0].power == 1 else { return "" }
        let c = p.terms[0].coefficient
        guard c != 0, c != 1, value % c == 0 else { return "" }
        return ", i.e. \(p.terms[0].monomial.factors[0].symbol) = \(value / c)"
    }
}
