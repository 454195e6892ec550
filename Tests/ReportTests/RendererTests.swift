import CostKernels
import DeviceDB
import Foundation
import ONNXGraph
import ONNXLoader
import Operators
@testable import Report
import ShapeInference
import Testing

/// The renderers read an analysis and print it: quoting, the roofline objects, partial figures, and
/// that every format shows what the others show.
@Suite struct RendererTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func report(_ name: String, bindings: [String: Int], devices: [String]) throws -> AnalysisReport {
        let loaded = try ModelLoader.load(path: root.appendingPathComponent("Fixtures/models/\(name)").path)
        let shapes = ShapePropagation(model: loaded.model, resolver: OpRegistry.builtin, options: ShapeInferenceOptions(dimBindings: bindings)).run()
        let costs = CostPass(model: loaded.model, shapes: shapes, rules: OpRegistry.builtin).run()
        var report = AnalysisReport(model: loaded.model, file: ModelFile(path: loaded.path, byteCount: loaded.fileByteCount, externalDataFiles: loaded.externalDataFiles),
                                    shapes: shapes, costs: costs)
        let catalog = try DeviceCatalog.builtin()
        for name in devices {
            if let roofline = try Roofline.estimate(costs: costs, device: catalog.device(named: name), options: RooflineOptions(batch: bindings["batch"])) {
                report.rooflines.append(roofline)
            }
        }
        return report
    }

    /// RFC 4180: a field with a comma, quote or newline is quoted and its quotes doubled (the old helper
    /// split on one character and trapped on longer targets).
    @Test func csvQuoting() {
        #expect(CSVRenderer.quote("plain") == "plain")
        #expect(CSVRenderer.quote("a,b") == "\"a,b\"")
        #expect(CSVRenderer.quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVRenderer.quote("x\"\"y,z") == "\"x\"\"\"\"y,z\"")
    }

    /// JSON: `roofline` is the first device, `rooflines` every one, each node carries its share.
    @Test func jsonRooflines() throws {
        let report = try Self.report("mlp_small.onnx", bindings: ["batch": 8], devices: ["t4", "h100"])
        let json = JSONRenderer.render(report).serialized()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let rooflines = try #require(object["rooflines"] as? [[String: Any]])
        #expect(rooflines.count == 2)
        #expect((object["roofline"] as? [String: Any])?["device"] as? String == "nvidia_t4")
        let t4 = rooflines[0]
        // 8 samples at batch 8: per_s = 8 / estimate_s.
        let estimate = try #require(t4["estimate_s"] as? Double), perSecond = try #require(t4["per_s"] as? Double)
        #expect(abs(perSecond - 8 / estimate) < 1e-6 * perSecond)
        #expect(t4["partial"] as? Bool == false)
        let nodes = try #require(object["nodes"] as? [[String: Any]])
        #expect(nodes.allSatisfy { $0["roofline"] != nil })
    }

    /// A partial roofline prints null figures, `partial: true` and the nodes; the text says "partial".
    @Test func partialFiguresAreNull() throws {
        var report = try Self.report("mlp_small.onnx", bindings: ["batch": 8], devices: ["t4"])
        report.rooflines[0].figures = nil
        report.rooflines[0].partialNodes = [report.costs.nodes[0].ref]
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONRenderer.render(report).serialized().utf8)) as? [String: Any])
        let roofline = try #require(object["roofline"] as? [String: Any])
        #expect(roofline["bound_s"] is NSNull && roofline["estimate_s"] is NSNull && roofline["per_s"] is NSNull)
        #expect(roofline["partial"] as? Bool == true)
        #expect((roofline["partial_nodes"] as? [String])?.count == 1)
        #expect(TextRenderer.render(report).contains("partial"))
    }

    /// The text device table lines up: every row has the header's width.
    @Test func textDeviceTableAligned() throws {
        let report = try Self.report("mlp_small.onnx", bindings: ["batch": 8], devices: ["t4", "a100", "h100"])
        let lines = TextRenderer.deviceTable(report)
        let rows = lines.dropFirst().prefix(4)
        #expect(rows.count == 4)
        #expect(Set(rows.map(\.count)).count == 1, "\(rows)")
        #expect(lines[2].contains("t4") && lines[3].contains("a100") && lines[4].contains("h100"))
    }
}

/// The op keys the histogram and the by-op table group nodes by.
@Suite struct OpKeyTableTests {
    @Test func idsInOrderOfFirstAppearance() {
        var table = OpKeyTable()
        // Interleaved as a decoder layer interleaves them, with runs of one op; "Gelu" sits in
        // another domain next to a default-domain "Gelu" (same op name, other key).
        let walk: [(String, String)] = [("MatMul", ""), ("Add", ""), ("Add", ""), ("Mul", ""), ("Gelu", "com.microsoft"),
                                        ("Gelu", ""), ("MatMul", ""), ("Gelu", "com.microsoft"), ("Mul", ""), ("Mul", "")]
        let ids = walk.map { table.id(opType: $0.0, domain: $0.1) }
        #expect(ids == [0, 1, 1, 2, 3, 4, 0, 3, 2, 2])
        #expect(table.keys == ["MatMul", "Add", "Mul", "com.microsoft.Gelu", "Gelu"])
    }

    @Test func manyKeysFoundAgain() {
        var table = OpKeyTable()
        let names = (0..<40).map { "Op\($0)" }
        let first = names.map { table.id(opType: $0, domain: "") }
        let again = names.reversed().map { table.id(opType: $0, domain: "") }
        #expect(first == Array(0..<40))
        #expect(again == Array((0..<40).reversed()))
        #expect(table.keys == names)
    }
}
