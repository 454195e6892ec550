import Foundation
@testable import Operators
import Testing

/// docs/cost-model.md's per-operator table is generated from the registry (`onnxcost-docs`): the
/// committed section must be what a fresh generation prints.
@Suite struct CostModelDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/cost-model.md").standardizedFileURL

    @Test func committedTableIsFresh() throws {
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        let markers = OpRegistry.generatedSectionMarkers
        let begin = try #require(text.range(of: markers.begin), "docs/cost-model.md lost its generated section")
        let end = try #require(text.range(of: markers.end, range: begin.upperBound..<text.endIndex))
        let committed = String(text[begin.lowerBound..<end.upperBound])
        #expect(committed == OpRegistry.builtin.costModelTable(), "docs/cost-model.md is stale: run `swift run onnxcost-docs`")
    }

    /// One row per entry: the header, the separator and a row for each of the registry's entries.
    @Test func tableHasARowPerEntry() {
        let rows = OpRegistry.builtin.costModelTable().split(separator: "\n").filter { $0.hasPrefix("| ") }
        #expect(rows.count == OpRegistry.builtin.allEntries.count + 1)
        #expect(rows.contains("| ai.onnx | Relu | 1 | 1 FLOP per element. |"))
    }

    @Test func splicingReplacesOnlyTheSection() {
        let markers = OpRegistry.generatedSectionMarkers
        let document = "intro\n\(markers.begin)\nold\n\(markers.end)\noutro\n"
        #expect(OpRegistry.replacingGeneratedSection(in: document, with: "\(markers.begin)\nnew\n\(markers.end)")
                == "intro\n\(markers.begin)\nnew\n\(markers.end)\noutro\n")
        #expect(OpRegistry.replacingGeneratedSection(in: "no markers", with: "x") == nil)
        #expect(OpRegistry.replacingGeneratedSection(in: "\(markers.end) then \(markers.begin)", with: "x") == nil)
    }

    /// A formula holding a pipe or a line break still makes one table cell.
    @Test func cellsEscapePipesAndFoldWhiteSpace() {
        #expect(OpRegistry.markdownCell("a | b\n  c") == "a \\| b c")
    }
}
