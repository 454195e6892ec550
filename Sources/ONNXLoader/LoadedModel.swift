// What the loader returns besides the graph, and the external-data files a model names: no C here.
import Foundation
import ONNXGraph

/// A model read from a file, with what the reader learned about the file itself.
public struct LoadedModel: Sendable {
    public var model: Model
    public var path: String
    public var fileByteCount: Int
    /// Bytes of tensor payloads that were left in the file, never copied into memory.
    public var skippedPayloadBytes: Int
    /// Every external-data file the model names (relative to its folder), and whether it exists.
    public var externalDataFiles: [String: Bool]

    /// A model built in memory (tools such as the schema-directed fuzzer build graphs directly).
    public init(model: Model, path: String, fileByteCount: Int = 0, skippedPayloadBytes: Int = 0,
                externalDataFiles: [String: Bool] = [:]) {
        self.model = model
        self.path = path
        self.fileByteCount = fileByteCount
        self.skippedPayloadBytes = skippedPayloadBytes
        self.externalDataFiles = externalDataFiles
    }
}

extension ModelLoader {
    static func externalFiles(of model: Model, modelPath: String) -> [String: Bool] {
        var names = Set<String>()
        func collect(_ graph: Graph) {
            var previous: String? // initializers mostly name one file in a row; hashing each name again cost ~500 instructions
            for tensor in graph.initializers {
                if case .external(let p, _, _) = tensor.location, p != previous {
                    names.insert(p)
                    previous = p
                }
            }
            // by index, reading only the attributes: a `for node in` loop copies every node
            for index in graph.nodes.indices where !graph.nodes[index].attributes.isEmpty {
                for attribute in graph.nodes[index].attributes {
                    switch attribute.value {
                    case .graph(let subgraph): collect(subgraph)
                    case .graphs(let subgraphs): for subgraph in subgraphs { collect(subgraph) }
                    default: break
                    }
                }
            }
        }
        collect(model.graph)
        let folder = (modelPath as NSString).deletingLastPathComponent
        var result: [String: Bool] = [:]
        for name in names {
            let full = folder.isEmpty ? name : folder + "/" + name
            result[name] = FileManager.default.fileExists(atPath: full)
        }
        return result
    }
}
