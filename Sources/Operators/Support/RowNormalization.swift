import ONNXGraph
import ShapeInference
import CostKernels

// The per-row normalization cost shared by LayerNormalization, RMSNormalization and the com.microsoft
// normalization fusions.

/// Normalization over the trailing axes from `axis` (LayerNormalization, RMSNormalization):
/// `flopsPerElement` per element, plus one rsqrt (a transcendental, also one FLOP) per row.
func rowNormalizationCost(_ ctx: CostContext, axis: Int, flopsPerElement: Int) throws(CostError) -> OpCost {
    try rowNormalizationCost(shape: try ctx.inputShape(0), axis: axis, flopsPerElement: flopsPerElement)
}

/// The one row-normalization cost, shared by the ai.onnx ops and the com.microsoft fusions
/// (SkipLayerNormalization, SkipSimplifiedLayerNormalization, SimplifiedLayerNormalization, ...):
/// `shape` normalized over its dims from `axis` (negative counts from the end; a scalar is one row).
func rowNormalizationCost(shape: [Dim], axis: Int, flopsPerElement: Int) throws(CostError) -> OpCost {
    let a: Int
    if shape.isEmpty {
        a = 0
    } else {
        do { a = try Axes.normalize(axis, rank: shape.count) } catch { throw .shape(error) }
    }
    let rows = Array(shape.prefix(a)).product
    return OpCost(flops: shape.product * .value(flopsPerElement) + rows * .value(Conventions.transcendental),
                  transcendentals: rows)
}
