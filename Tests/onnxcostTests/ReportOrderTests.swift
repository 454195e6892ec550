import Foundation
import ONNXCost
import Testing

/// Two runs on one model print the same bytes: lists built from dictionaries break ties by name.
/// (Swift seeds its hashing per process, so a tie left to a dictionary's order changed between
/// runs: `initializer_bytes_by_dtype` and the HTML coverage line did.)
@Suite struct ReportOrderTests {
    typealias P = ONNXProto

    /// Four initializers of 4 bytes each, in four dtypes (file order not alphabetical), and two
    /// uncosted ops once each.
    static let bytes: [UInt8] = Samples.model(
        nodes: [
            P.node("Zeta", inputs: ["x"], outputs: ["z"], domain: "test.order"),
            P.node("Alpha", inputs: ["z"], outputs: ["y"], domain: "test.order"),
        ],
        inputs: [P.valueInfo("x", shape: [1, 4])],
        outputs: [P.valueInfo("y", shape: nil)],
        initializers: [
            P.tensor(name: "u8", dataType: .uint8, dims: [4], raw: [1, 2, 3, 4]),
            P.tensor(name: "i32", dataType: .int32, dims: [1], raw: [1, 0, 0, 0]),
            P.tensor(name: "f32", dataType: .float, dims: [1], raw: [0, 0, 128, 63]),
            P.tensor(name: "i16", dataType: .int16, dims: [2], raw: [1, 0, 2, 0]),
        ],
        opsets: [("", 17), ("test.order", 1)])

    @Test func tiesAreOrderedByName() throws {
        let loaded = try ModelLoader.load(bytes: Self.bytes, path: "order.onnx")
        let report = Analyzer.analyze(loaded: loaded)
        let byType = report.initializerBytesByType
        #expect(byType.map(\.dtype.name) == ["float32", "int16", "int32", "uint8"])
        #expect(byType.allSatisfy { $0.bytes == 4 && $0.count == 1 })

        let json = JSONRenderer.render(report).serialized()
        #expect(json.contains("\"initializer_bytes_by_dtype\":{\"float32\":4,\"int16\":4,\"int32\":4,\"uint8\":4}"), "\(json)")

        let html = HTMLRenderer.render(report)
        #expect(html.contains("test.order.Alpha×1 test.order.Zeta×1"), "\(html.prefix(2000))")
        #expect(TextRenderer.render(report).contains("NOT costed: test.order.Alpha×1 test.order.Zeta×1"))
    }
}
