import Foundation
import ONNXCost
import Testing

/// Negative sizes from the file (Expand's shape, Resize's sizes, CenterCropPad's shape of −5) fail
/// the node with an error naming it, and never give negative MACs, FLOPs or bytes (issue 9).
@Suite struct NegativeSizeTests {
    static func model(_ op: String, inputs: [String], x: [ONNXProto.Dim], constant: [Int64], opset: Int64 = 18) -> [UInt8] {
        let node = ONNXProto.node(op, inputs: inputs, outputs: ["y"], name: "bad")
        let relu = ONNXProto.node("Relu", inputs: ["y"], outputs: ["z"], name: "after")
        let graph = ONNXProto.graph(nodes: [node, relu], inputs: [ONNXProto.valueInfo("x", .float, shape: x)],
                                    outputs: [ONNXProto.untypedValueInfo("z")], initializers: [ONNXProto.int64Tensor(name: "s", constant)])
        return ONNXProto.model(opsets: [("", opset)], graph: graph)
    }

    @Test(arguments: [
        ("Expand", ["x", "s"], [1, 4] as [ONNXProto.Dim], [-5, 4] as [Int64]),
        ("Resize", ["x", "", "", "s"], [1, 3, 8, 8], [1, 3, -5, 8]),
        ("CenterCropPad", ["x", "s"], [3, 8, 8], [-5, 8, 8]),
    ])
    func negativeSizeFailsTheNode(op: String, inputs: [String], x: [ONNXProto.Dim], constant: [Int64]) throws {
        let report = try #require(Robust.analyze(Self.model(op, inputs: inputs, x: x, constant: constant)))
        #expect(report.shapes.diagnostics.contains { $0.severity == .error && $0.node?.name == "bad" && $0.message.contains("negative") },
                "\(report.shapes.diagnostics)")
        let totals = report.costs.totals
        for (label, value) in [("macs", totals.macs), ("flops", totals.flops), ("activation bytes", totals.activationBytes),
                               ("peak", totals.peakActivationBytes), ("memory access", totals.memoryAccessBytes)] {
            if let known = value.intValue { #expect(known >= 0, "\(op): \(label) \(known)") }
        }
    }
}
