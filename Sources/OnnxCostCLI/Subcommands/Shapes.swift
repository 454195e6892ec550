import ArgumentParser
import Foundation
import ONNXCost

/// `onnxcost shapes MODEL`: every tensor with its inferred shape.
struct Shapes: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every tensor with its inferred type and shape.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let shapeOptions = try model.checkedShapeOptions(format: output.format)
        let loaded: LoadedModel
        do { loaded = try ModelLoader.load(path: model.model) } catch {
            Output.fail(kind: error.kind, message: error.description, format: output.format)
        }
        let result = ShapePropagation(model: loaded.model, resolver: OpRegistry.builtin, options: shapeOptions).run()
        var rows: [(name: String, type: ValueType, producer: String)] = []
        for input in result.inputs { rows.append((input.name, input.type, "input")) }
        func collect(_ graph: GraphInference) {
            for node in graph.nodes {
                for (index, name) in node.node.outputs.enumerated() where !name.isEmpty && index < node.outputTypes.count {
                    rows.append((name, node.outputTypes[index], node.ref.description))
                }
                for sub in node.subgraphs { collect(sub.graph) }
            }
        }
        collect(result.main)
        switch output.format {
        case .json:
            let json = JSON.object([
                ("tensors", .array(rows.map { row in
                    let tensor = row.type.tensor
                    return .object([("name", .string(row.name)), ("dtype", tensor.map { .string($0.dtype.name) } ?? .null),
                                    ("shape", .shape(tensor?.shape)), ("type", .string(row.type.description)),
                                    ("producer", .string(row.producer))])
                })),
                ("outputs", .array(result.outputs.map { info in
                    .object([("name", .string(info.name)), ("dtype", info.type.tensor.map { .string($0.dtype.name) } ?? .null),
                             ("shape", .shape(info.type.tensor?.shape))])
                })),
                ("unresolved", .array(result.unresolved.map { .object([("tensor", .string($0.tensor)), ("dim", $0.dimIndex.map { .int($0) } ?? .null), ("lost_at", $0.lostAt.map { .string($0.description) } ?? .null)]) })),
                ("unsupported_ops", .object(result.unsupportedOps.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("warnings", .array(result.diagnostics.map { .string("\($0.severity.rawValue): \($0)") })),
            ])
            Output.write(json.serialized(pretty: output.pretty) + "\n")
        default:
            let width = min(rows.map(\.name.count).max() ?? 0, 60)
            var text = ""
            for row in rows {
                text += row.name.padding(toLength: max(width, row.name.count), withPad: " ", startingAt: 0) + "  " + row.type.description + "\n"
            }
            if !result.unsupportedOps.isEmpty {
                text += "\nunsupported ops (outputs unknown): " + result.unsupportedOps.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ") + "\n"
            }
            for diagnostic in result.diagnostics { text += "\(diagnostic.severity.rawValue): \(diagnostic)\n" }
            Output.write(text)
        }
    }
}
