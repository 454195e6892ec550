import ONNXGraph

/// Axis normalization shared by rules (negative axes count from the end).
public enum Axes {
    /// `axis` in `[-rank, rank)` mapped to `[0, rank)`; throws when out of range.
    public static func normalize(_ axis: Int, rank: Int, name: String = "axis") throws(ShapeError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0, normalized < rank else {
            throw .invalidAttribute(name: name, reason: "axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// Normalizes every axis; throws on duplicates or out-of-range values.
    public static func normalize(_ axes: [Int], rank: Int, name: String = "axes") throws(ShapeError) -> [Int] {
        var result: [Int] = []
        for axis in axes {
            let normalized = try normalize(axis, rank: rank, name: name)
            guard !result.contains(normalized) else { throw .invalidAttribute(name: name, reason: "axis \(axis) is repeated") }
            result.append(normalized)
        }
        return result
    }
}
