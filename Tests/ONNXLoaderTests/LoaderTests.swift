import Foundation
import ONNXGraph
import ONNXLoader
import Testing

/// Decoder round-trips: every field kind the fixtures hold, compared with what the onnx Python
/// package wrote into `expected_unit.json` when it made them.
@Suite struct LoaderRoundTripTests {
    @Test func everyAttributeKind() throws {
        let model = try ModelLoader.load(path: Paths.unit("all_attributes.onnx")).model
        let expected = Paths.expected("all_attributes.onnx")
        let attributes = try #require(expected["attributes"] as? [String: [String: Any]])
        #expect(model.irVersion == expected["ir_version"] as? Int)
        #expect(model.opsetVersion(for: "test.attrs") == 1)
        let node = try #require(model.graph.nodes.first)
        #expect(node.opType == "AllAttrs" && node.domain == "test.attrs" && node.name == "all_attrs_node")
        #expect(node.attributes.map(\.name) == expected["attribute_order"] as? [String])
        func value(_ name: String) -> Attribute.Value? { node.attribute(name)?.value }

        #expect(value("f") == .float(1.5))
        #expect(node.attribute("f")?.docString == "a float attribute")
        #expect(value("i") == .int(-42))
        #expect(value("s") == .string(attributes["s"]?["value_utf8"] as? String ?? "?"))
        guard case .tensor(let t) = value("t") else { Issue.record("t is not a tensor"); return }
        #expect(t.name == "attr_tensor" && t.dtype == .int64 && t.dims == [2, 3])
        #expect(t.value?.knownInts == [1, 2, 3, 4, 5, 6])
        guard case .graph(let g) = value("g") else { Issue.record("g is not a graph"); return }
        #expect(g.name == "attr_graph" && g.nodes.map(\.opType) == ["Identity"])
        guard case .sparseTensor(let sparse) = value("sparse_tensor") else { Issue.record("sparse_tensor"); return }
        #expect(sparse.dims == [6] && sparse.values.value?.doubles == [1.5, -2.0] && sparse.indices.value?.knownInts == [1, 4])
        #expect(value("tp") == .typeProto(.tensor(TensorType(dtype: .float, shape: [.symbol("batch"), 3]))))
        #expect(value("floats") == .floats([0.5, -1.25, 3.0]))
        #expect(value("ints") == .ints([1, -2, 3, Int.max]))
        #expect(value("strings") == .strings(["a", "", "xyz"]))
        guard case .tensors(let tensors) = value("tensors") else { Issue.record("tensors"); return }
        #expect(tensors.map(\.name) == ["attr_tensors_0", "attr_tensors_1"])
        #expect(tensors[0].value?.doubles == [0.25, -4.0] && tensors[1].value?.knownInts == [7])
        guard case .graphs(let graphs) = value("graphs") else { Issue.record("graphs"); return }
        #expect(graphs.map(\.name) == ["attr_graphs_0", "attr_graphs_1"])
        #expect(graphs.map { $0.nodes.map(\.opType) } == [["Relu"], ["Neg"]])
        guard case .sparseTensors(let sparseList) = value("sparse_tensors") else { Issue.record("sparse_tensors"); return }
        #expect(sparseList.first?.dims == [4] && sparseList.first?.values.value?.doubles == [3.0])
        guard case .typeProtos(let types) = value("type_protos") else { Issue.record("type_protos"); return }
        #expect(types.count == ((attributes["type_protos"]?["value"] as? [Any])?.count ?? -1))
    }

    @Test func everyElementTypeAndSymbolicDims() throws {
        let model = try ModelLoader.load(path: Paths.unit("dtypes.onnx")).model
        let expected = Paths.expected("dtypes.onnx")
        let initializers = try #require(expected["initializers"] as? [[String: Any]])
        #expect(model.graph.initializers.count == initializers.count)
        for (tensor, want) in zip(model.graph.initializers, initializers) {
            #expect(tensor.name == want["name"] as? String)
            #expect(Int(tensor.dtype.rawValue) == want["data_type_enum"] as? Int, "\(tensor.name)")
            #expect(tensor.dims == want["dims"] as? [Int], "\(tensor.name)")
            // Values the onnx package decoded, where onnxcost decodes them (ints and floats).
            if let values = want["values"] as? [Double], let decoded = tensor.value?.doubles,
               tensor.dtype == .float || tensor.dtype == .double || tensor.dtype == .int32 || tensor.dtype == .int64
                || tensor.dtype == .float16 || tensor.dtype == .bfloat16 || tensor.dtype == .int8 || tensor.dtype == .uint8 {
                #expect(decoded == values, "\(tensor.name)")
            }
        }
        let input = try #require(model.graph.inputs.first?.type.tensor)
        #expect(input.shape == [.symbol("batch"), .symbol("sequence"), .unknown, 4])
        #expect(model.irVersion == 14 && model.opsetVersion(for: "") == 28)
    }

    @Test func ifSubgraphsWithOuterScopeReferences() throws {
        let graph = try ModelLoader.load(path: Paths.unit("subgraph_if.onnx")).model.graph
        let node = try #require(graph.nodes.first)
        #expect(node.opType == "If")
        let branches = Dictionary(uniqueKeysWithValues: node.subgraphs.map { ($0.attribute, $0.graph) })
        #expect(branches["then_branch"]?.nodes.map(\.opType) == ["MatMul"])
        #expect(branches["else_branch"]?.nodes.map(\.opType) == ["MatMul", "Relu"])
        #expect(branches["then_branch"]?.initializers.first?.dims == [3, 4])
        #expect(branches["then_branch"]?.outerScopeReferences == ["x"])
    }

    @Test func loopAndScanBodies() throws {
        let loop = try ModelLoader.load(path: Paths.unit("loop.onnx")).model.graph
        let body = try #require(loop.nodes.first { $0.opType == "Loop" }?.subgraphs.first?.graph)
        #expect(body.nodes.map(\.opType) == Paths.expected("loop.onnx")["body_nodes"] as? [String])
        #expect(body.inputs.map(\.name) == ["iter", "cond_in", "acc_in"])
        let scan = try ModelLoader.load(path: Paths.unit("scan.onnx")).model.graph
        let scanBody = try #require(scan.nodes.first { $0.opType == "Scan" }?.subgraphs.first?.graph)
        #expect(scanBody.nodes.map(\.opType) == ["Add", "Identity"])
    }

    @Test func localFunctionWithAttributeReference() throws {
        let model = try ModelLoader.load(path: Paths.unit("local_function.onnx")).model
        let function = try #require(model.functions.first)
        #expect(function.name == "ScaledAdd" && function.domain == "local.fn")
        #expect(function.inputs == ["a", "b"] && function.outputs == ["c"])
        #expect(function.nodes.map(\.opType) == ["Constant", "Mul", "Add"])
        #expect(function.attributeDefaults.first?.value == .float(1.0))
        let constant = try #require(function.nodes.first?.attributes.first)
        #expect(constant.name == "value_float" && constant.referencedAttribute == "alpha")
        #expect(function.opsetImports.first?.version == 21)
        #expect(function.docString == "a + alpha * b")
    }

    @Test func sparseInitializers() throws {
        let graph = try ModelLoader.load(path: Paths.unit("sparse_initializer.onnx")).model.graph
        let expected = try #require(Paths.expected("sparse_initializer.onnx")["sparse_initializers"] as? [[String: Any]])
        #expect(graph.sparseInitializers.count == expected.count)
        for (sparse, want) in zip(graph.sparseInitializers, expected) {
            #expect(sparse.values.name == want["name"] as? String)
            #expect(sparse.dims == want["dims"] as? [Int])
            #expect(sparse.values.value?.doubles == want["values"] as? [Double])
            #expect(sparse.indices.dims == want["indices_dims"] as? [Int])
            #expect(sparse.indices.value?.knownInts == want["indices"] as? [Int])
        }
    }

    @Test func metadataAndDocStrings() throws {
        let model = try ModelLoader.load(path: Paths.unit("metadata.onnx")).model
        let expected = Paths.expected("metadata.onnx")
        #expect(model.producerName == expected["producer_name"] as? String)
        #expect(model.producerVersion == expected["producer_version"] as? String)
        #expect(model.domain == expected["domain"] as? String)
        #expect(model.modelVersion == expected["model_version"] as? Int)
        #expect(model.docString == expected["model_doc_string"] as? String)
        #expect(model.metadata == expected["metadata_props"] as? [String: String])
        #expect(model.graph.name == expected["graph_name"] as? String)
        #expect(model.graph.docString == expected["graph_doc_string"] as? String)
        #expect(model.graph.nodes.first?.docString == expected["node_doc_string"] as? String)
        #expect(model.graph.inputs.first?.docString == expected["input_doc_string"] as? String)
    }

    @Test func trainingInfoGraphs() throws {
        let model = try ModelLoader.load(path: Paths.unit("training_info.onnx")).model
        #expect(model.trainingGraphs.map(\.name) == ["training_initialization", "training_algorithm"])
        #expect(model.trainingGraphs.last?.nodes.map(\.opType) == ["Mul", "Sub"])
    }
}

/// Weights stay where they are: external references are recorded, inline payloads are not copied.
@Suite struct WeightLocationTests {
    @Test func externalDataReference() throws {
        let loaded = try ModelLoader.load(path: Paths.unit("external_data.onnx"))
        let tensor = try #require(loaded.model.graph.initializers.first { $0.name == "W_ext" })
        #expect(tensor.location == .external(path: "external_data.bin", offset: 64, length: 64))
        #expect(tensor.dims == [4, 4] && tensor.byteCount == 64 && tensor.value == nil)
        #expect(loaded.externalDataFiles == ["external_data.bin": true])
        #expect(loaded.model.graph.initializers.first { $0.name == "b_inline" }?.value?.doubles == [1, 2, 3, 4])
    }

    @Test func missingExternalDataStillLoads() throws {
        let loaded = try ModelLoader.load(path: Paths.unit("external_missing.onnx"))
        let tensor = try #require(loaded.model.graph.initializers.first)
        #expect(tensor.location == .external(path: "external_missing.onnx.data", offset: 0, length: 4096))
        #expect(loaded.externalDataFiles == ["external_missing.onnx.data": false])
        #expect(loaded.model.hasExternalData)
    }

    @Test func largeInlinePayloadIsNotCopied() throws {
        let loaded = try ModelLoader.load(path: Paths.unit("large_inline.onnx"))
        let big = try #require(loaded.model.graph.initializers.first { $0.name == "big" })
        #expect(big.location == .inline(byteCount: 2_097_152))
        #expect(big.value == nil)
        #expect(loaded.skippedPayloadBytes >= 2_097_152)
        let shape = try #require(loaded.model.graph.initializers.first { $0.name == "shape" })
        #expect(shape.value?.knownInts == [1, -1, 2, 2, 2, 2, 2, 2])
    }

    @Test func inMemoryLoadMatchesFileLoad() throws {
        let path = Paths.unit("large_inline.onnx")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let fromMemory = try ModelLoader.load(bytes: bytes, path: path).model
        let fromFile = try ModelLoader.load(path: path).model
        #expect(fromMemory == fromFile)
    }
}

/// Every bad input gets its typed error, naming the file.
@Suite struct BadInputTests {
    @Test(arguments: [
        ("empty.onnx", "empty_file"),
        ("random_bytes.onnx", "malformed"),
        ("truncated.onnx", "truncated"),
        ("text.onnx", "not_a_model"),
        ("tensor.pb", "tensor_file_not_model"),
        ("no_graph.onnx", "no_graph"),
        ("ir_too_new.onnx", "unsupported_ir_version"),
        ("does_not_exist.onnx", "file_not_found"),
    ])
    func typedError(file: String, kind: String) {
        let path = Paths.unit(file)
        do {
            _ = try ModelLoader.load(path: path)
            Issue.record("\(file) loaded")
        } catch {
            #expect(error.kind == kind, "\(file): \(error)")
            #expect(error.description.contains(path))
        }
    }

    @Test func directoryIsNotAModel() {
        #expect(throws: LoadError.notARegularFile(path: Paths.unitFixtures.path)) {
            try ModelLoader.load(path: Paths.unitFixtures.path)
        }
    }

    @Test func testDataTensorFileLoadsAsTensor() throws {
        let tensor = try ModelLoader.loadTensor(path: Paths.unit("tensor.pb"))
        #expect(tensor.dtype != .undefined)
    }
}
