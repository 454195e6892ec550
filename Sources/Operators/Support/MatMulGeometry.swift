import ONNXGraph
import ShapeInference
import CostKernels

/// One dim from two that must agree: a known size wins over a symbol; two different known sizes are
/// an error (`nil`).
func unified(_ a: Dim, _ b: Dim) -> Dim? {
    if a == b { return a }
    switch (a.intValue, b.intValue) {
    case (.some, .some): return nil
    case (.some, .none): return a
    case (.none, .some): return b
    default: return a.isUnknown ? b : a
    }
}

/// numpy `matmul` geometry: 1-D operands are promoted (A to `[1, K]`, B to `[K, 1]`) and the
/// promoted axis removed from the result; batch dims broadcast. The one matmul geometry: the
/// ai.onnx ops and the com.microsoft ones (FusedMatMul, GemmFastGelu, MatMulIntegerToFloat, ...)
/// share it.
struct MatMulGeometry {
    var output: [Dim]
    var batch: [Dim]
    var m: Dim, k: Dim, n: Dim

    init(a: [Dim], b: [Dim]) throws(ShapeError) {
        guard !a.isEmpty, !b.isEmpty else { throw .rankMismatch("MatMul operands must have rank ≥ 1, got \(a.count) and \(b.count)") }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        guard let k = unified(a2[a2.count - 1], b2[b2.count - 2]) else {
            throw .incompatibleDims("inner dims differ: A \(a) · B \(b)")
        }
        self.k = k
        m = a2[a2.count - 2]
        n = b2[b2.count - 1]
        // Equal batch dims (most products) broadcast to themselves, as `Broadcast.shape` says.
        let batchA = a2.dropLast(2), batchB = b2.dropLast(2)
        batch = batchA.elementsEqual(batchB) ? Array(batchA) : try Broadcast.shape([Array(batchA), Array(batchB)])
        var output = batch
        output.reserveCapacity(batch.count + 2)
        if a.count != 1 { output.append(m) }
        if b.count != 1 { output.append(n) }
        self.output = output
    }

    /// `∏batch`: how many M×N products.
    var batchElements: Dim { batch.product }

    /// `∏batch·M·N·K`.
    var macs: Dim { batch.product * m * n * k }
}
