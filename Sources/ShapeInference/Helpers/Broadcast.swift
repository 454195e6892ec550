import ONNXGraph

/// Multidirectional (numpy) broadcasting, as in ONNX's `multidirectionalBroadcastShapeInference`.
public enum Broadcast {
    /// The broadcast shape of `shapes`; throws on incompatible known dims.
    public static func shape(_ shapes: [[Dim]]) throws(ShapeError) -> [Dim] {
        let rank = shapes.map(\.count).max() ?? 0
        var result: [Dim] = Array(repeating: 1, count: rank)
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
}
