import ONNXGraph
import ShapeInference
import CostKernels
import Operators
import Testing

/// The builtin registry builds and holds every family: 289 ops at the founding (every
/// non-deprecated ai.onnx and ai.onnx.ml op, ~50 com.microsoft ops, training-preview ops).
@Test func registryBuilds() {
    let ops = OpRegistry.builtin.registeredOps
    #expect(ops.count >= 289, "only \(ops.count) ops registered")
    let keys = Set(ops.map { "\($0.domain):\($0.type)" })
    for key in [":Conv", ":MatMul", ":DequantizeLinear", ":Loop", "ai.onnx.ml:TreeEnsembleClassifier",
                "com.microsoft:MatMulNBits", "com.microsoft:GatherBlockQuantized", "ai.onnx.preview.training:Adam"] {
        #expect(keys.contains(key), "\(key) is not registered")
    }
    // No key twice (a family listed twice would shadow itself).
    #expect(keys.count == ops.count)
}
