import ONNXGraph
import ShapeInference
import CostKernels

// Image ops (onnx/defs/image): ImageDecoder.

// MARK: - ImageDecoder

/// Decodes an encoded image (1-D uint8) to `[H, W, C]` uint8: H and W are data-dependent (opaque
/// `<output>_height`/`_width`), C = 1 for Grayscale, else 3.
/// Spec: https://onnx.ai/onnx/operators/onnx__ImageDecoder.html · opset 20.
struct ImageDecoderOp: Operator {
    static let schema = OpSchema(type: "ImageDecoder", since: 20, inputs: 1...1, outputs: 1...1)

    let channels: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        let format = try node.string("pixel_format", default: "RGB")
        switch format {
        case "RGB", "BGR": channels = 3
        case "Grayscale": channels = 1
        default: throw .invalidAttribute(name: "pixel_format", reason: "unknown format '\(format)'")
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        _ = try ctx.tensor(0)
        return [ValueKit.tensor(.uint8, [ValueKit.opaque(ctx, "height"), ValueKit.opaque(ctx, "width"), .value(channels)])]
    }

    static let formula = "0 FLOPs (decoding is not counted as model arithmetic)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }
}

// MARK: - Family

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ImageFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([ImageDecoderOp.self])
}
