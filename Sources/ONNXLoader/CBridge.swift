// The only Swift file that sees C: it maps the file, asks the CONNX shim to unpack it without
// copying weight payloads, converts every protobuf-c struct into ONNXGraph values, and frees them.
// (StringInterner.swift reads C strings too, but only as bytes.)
internal import CONNX
import Foundation
import ONNXGraph

/// Reads ONNX files into `Model` values.
public enum ModelLoader {
    /// The newest IR version this build's `onnx-ml.proto` (ONNX 1.23.2) defines.
    public static let newestIRVersion = 14
    /// TensorProto payloads longer than this stay in the mapped file; smaller ones are decoded by
    /// protobuf-c. Small numeric tensors are still decoded from the mapping when they are stripped.
    static let stripThreshold = 256

    /// Reads the model at `path`.
    public static func load(path: String) throws(LoadError) -> LoadedModel {
        var loaded = try withMappedFile(path) { (buffer) throws(LoadError) in try load(buffer: buffer, path: path) }
        loaded.externalDataFiles = externalFiles(of: loaded.model, modelPath: path)
        return loaded
    }

    /// Maps `path` read-only for the duration of `body`; the mapping never outlives it.
    static func withMappedFile<T>(_ path: String, _ body: (UnsafeRawBufferPointer) throws(LoadError) -> T) throws(LoadError) -> T {
        var file = CONNX_mapped_file()
        var errnoValue: Int32 = 0
        let status = CONNX_map_file(path, &file, &errnoValue)
        defer { CONNX_unmap_file(&file) }
        switch status {
        case CONNX_OK: break
        case CONNX_ERR_NOT_FOUND: throw .fileNotFound(path: path)
        case CONNX_ERR_NOT_REGULAR_FILE: throw .notARegularFile(path: path)
        case CONNX_ERR_EMPTY: throw .emptyFile(path: path)
        default:
            if errnoValue == ENOMEM { throw .outOfMemory(path: path) }
            throw .cannotOpen(path: path, reason: errnoValue != 0 ? String(cString: strerror(errnoValue)) : statusName(status))
        }
        return try body(UnsafeRawBufferPointer(start: file.bytes, count: file.size))
    }

    /// Reads a model from bytes in memory (`path` only names it in messages).
    public static func load(bytes: [UInt8], path: String = "<memory>") throws(LoadError) -> LoadedModel {
        if bytes.isEmpty { throw .emptyFile(path: path) }
        let result: Result<LoadedModel, LoadError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(LoadError) -> LoadedModel in try load(buffer: buffer, path: path) }
        }
        return try result.get()
    }

    /// Reads a serialized `TensorProto` (ONNX test data `input_0.pb`) with its values decoded.
    public static func loadTensor(path: String) throws(LoadError) -> TensorData {
        try withMappedFile(path) { (buffer) throws(LoadError) in
            guard let base = buffer.baseAddress else { throw .emptyFile(path: path) }
            var tensor: UnsafeMutablePointer<Onnx__TensorProto>?
            let unpackStatus = CONNX_tensor_unpack(base.assumingMemoryBound(to: UInt8.self), buffer.count, &tensor)
            defer { CONNX_tensor_free(tensor) }
            guard unpackStatus == CONNX_OK, let tensor else {
                throw mapStatus(unpackStatus, path: path, offset: 0)
            }
            var converter = ProtoConverter(buffer: buffer, path: path)
            return try converter.tensor(tensor.pointee)
        }
    }

    static func load(buffer: UnsafeRawBufferPointer, path: String) throws(LoadError) -> LoadedModel {
        guard let base = buffer.baseAddress, buffer.count > 0 else { throw .emptyFile(path: path) }
        var unpacked = CONNX_unpacked_model()
        let status = CONNX_model_unpack(base.assumingMemoryBound(to: UInt8.self), buffer.count, stripThreshold, &unpacked)
        defer { CONNX_unpacked_model_free(&unpacked) }
        guard status == CONNX_OK, let proto = unpacked.model else {
            // A TensorProto file fails as a model; say what it is (not for a file refused for its
            // counts or for memory: parsing it again as a tensor would allocate what was refused).
            let refusedForSize = [CONNX_ERR_NO_MEMORY, CONNX_ERR_TOO_MANY_NODES, CONNX_ERR_TOO_MANY_VALUES,
                                  CONNX_ERR_TOO_MANY_OPSETS, CONNX_ERR_TOO_MANY_REFERENCES, CONNX_ERR_TOO_LARGE].contains(status)
            if !refusedForSize, isTensorFile(buffer) { throw .tensorFileNotModel(path: path) }
            if isText(buffer) { throw .notAModel(path: path, reason: "it is a text file") }
            throw mapStatus(status, path: path, offset: unpacked.error_offset)
        }
        // About one new name per node (its output) and per initializer; a quarter more for the rest.
        let mainGraph = proto.pointee.graph?.pointee
        let expectedNames = (mainGraph?.n_node ?? 0) + (mainGraph?.n_initializer ?? 0)
        var converter = ProtoConverter(buffer: buffer, path: path, interner: StringInterner(capacity: expectedNames + expectedNames / 4))
        let model = try converter.model(proto.pointee, buffer: buffer)
        return LoadedModel(model: model, path: path, fileByteCount: buffer.count,
                           skippedPayloadBytes: Int(unpacked.stripped_bytes), externalDataFiles: [:])
    }

    /// Whether the bytes parse as a TensorProto with a data type and no model-only content.
    static func isTensorFile(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return false }
        var tensor: UnsafeMutablePointer<Onnx__TensorProto>?
        let status = CONNX_tensor_unpack(base.assumingMemoryBound(to: UInt8.self), buffer.count, &tensor)
        defer { CONNX_tensor_free(tensor) }
        guard status == CONNX_OK, let t = tensor?.pointee else { return false }
        return t.has_data_type != 0 && DataType(rawValue: t.data_type).map { $0 != .undefined } == true
    }

    /// Whether the first bytes are printable text (a README or a JSON file passed by mistake).
    static func isText(_ buffer: UnsafeRawBufferPointer) -> Bool {
        let prefix = buffer.prefix(512)
        guard !prefix.isEmpty else { return false }
        return prefix.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 < 127) || $0 >= 0xC2 }
    }

    static func statusName(_ status: CONNX_status) -> String { String(cString: CONNX_status_name(status)) }

    static func mapStatus(_ status: CONNX_status, path: String, offset: Int) -> LoadError {
        switch status {
        case CONNX_ERR_TRUNCATED: .truncated(path: path, offset: offset)
        case CONNX_ERR_MALFORMED: .malformed(path: path, offset: offset)
        case CONNX_ERR_TOO_DEEP: .nestedTooDeep(path: path, limit: Int(CONNX_MAX_NESTING))
        case CONNX_ERR_NO_MEMORY: .outOfMemory(path: path)
        case CONNX_ERR_TOO_MANY_NODES: .limitExceeded(path: path, what: "nodes", limit: Int(CONNX_MAX_NODES))
        case CONNX_ERR_TOO_MANY_VALUES:
            .limitExceeded(path: path, what: "dims in one shape (or \(CONNX_MAX_ATTRIBUTE_VALUES) values in one attribute)", limit: Int(CONNX_MAX_DIMS))
        case CONNX_ERR_TOO_MANY_OPSETS: .limitExceeded(path: path, what: "opset imports", limit: Int(CONNX_MAX_OPSET_IMPORTS))
        case CONNX_ERR_TOO_MANY_REFERENCES:
            .limitExceeded(path: path, what: "node and graph inputs and outputs", limit: Int(CONNX_MAX_TENSOR_REFERENCES))
        case CONNX_ERR_UNPACK: .notAModel(path: path, reason: "the protobuf fields do not match ModelProto")
        default: .notAModel(path: path, reason: statusName(status))
        }
    }
}

/// Converts protobuf-c structs to ONNXGraph values. Reads stripped payloads from `buffer`.
/// Names go through `interner`, so each distinct name is made once (see `StringInterner`).
struct ProtoConverter {
    let buffer: UnsafeRawBufferPointer
    let path: String
    var interner = StringInterner()

    mutating func model(_ p: Onnx__ModelProto, buffer: UnsafeRawBufferPointer) throws(LoadError) -> Model {
        let irVersion = p.has_ir_version != 0 ? Int(p.ir_version) : 0
        if irVersion > ModelLoader.newestIRVersion {
            throw .unsupportedIRVersion(path: path, version: irVersion, supported: ModelLoader.newestIRVersion)
        }
        guard let graphProto = p.graph else {
            if p.n_opset_import == 0 && p.has_ir_version == 0 {
                throw .notAModel(path: path, reason: "no ir_version, opset_import or graph")
            }
            throw .noGraph(path: path)
        }
        var metadata: [String: String] = [:]
        for entry in messages(p.metadata_props, p.n_metadata_props) {
            metadata[string(entry.pointee.key)] = string(entry.pointee.value)
        }
        var trainingGraphs: [Graph] = []
        for info in messages(p.training_info, p.n_training_info) {
            if let g = info.pointee.initialization { trainingGraphs.append(try graph(g.pointee)) }
            if let g = info.pointee.algorithm { trainingGraphs.append(try graph(g.pointee)) }
        }
        var functions: [Function] = []
        for f in messages(p.functions, p.n_functions) { functions.append(try function(f.pointee)) }
        return Model(
            irVersion: irVersion,
            producerName: string(p.producer_name),
            producerVersion: string(p.producer_version),
            domain: string(p.domain),
            modelVersion: p.has_model_version != 0 ? Int(p.model_version) : 0,
            docString: string(p.doc_string),
            opsetImports: opsets(p.opset_import, p.n_opset_import),
            metadata: metadata,
            graph: try graph(graphProto.pointee),
            functions: functions,
            trainingGraphs: trainingGraphs
        )
    }

    func opsets(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__OperatorSetIdProto>?>?, _ count: Int) -> [OpsetImport] {
        messages(p, count).map { OpsetImport(domain: string($0.pointee.domain), version: $0.pointee.has_version != 0 ? Int($0.pointee.version) : 1) }
    }

    mutating func function(_ p: Onnx__FunctionProto) throws(LoadError) -> Function {
        var nodes: [Node] = []
        for n in messages(p.node, p.n_node) { nodes.append(try node(n)) }
        var defaults: [Attribute] = []
        for a in messages(p.attribute_proto, p.n_attribute_proto) { defaults.append(try attribute(a.pointee)) }
        return Function(
            name: string(p.name), domain: string(p.domain), overload: string(p.overload),
            inputs: names(p.input, p.n_input), outputs: names(p.output, p.n_output),
            attributeNames: names(p.attribute, p.n_attribute), attributeDefaults: defaults,
            nodes: nodes, opsetImports: opsets(p.opset_import, p.n_opset_import),
            valueInfo: valueInfos(p.value_info, p.n_value_info), docString: string(p.doc_string))
    }

    mutating func graph(_ p: Onnx__GraphProto) throws(LoadError) -> Graph {
        var nodes: [Node] = []
        nodes.reserveCapacity(p.n_node)
        for n in messages(p.node, p.n_node) { nodes.append(try node(n)) }
        var initializers: [TensorData] = []
        initializers.reserveCapacity(p.n_initializer)
        for t in messages(p.initializer, p.n_initializer) { initializers.append(try tensor(t.pointee)) }
        var sparse: [SparseTensorData] = []
        for s in messages(p.sparse_initializer, p.n_sparse_initializer) { sparse.append(try sparseTensor(s.pointee)) }
        return Graph(
            name: string(p.name), nodes: nodes,
            inputs: valueInfos(p.input, p.n_input),
            outputs: valueInfos(p.output, p.n_output),
            valueInfo: valueInfos(p.value_info, p.n_value_info),
            initializers: initializers, sparseInitializers: sparse, docString: string(p.doc_string))
    }

    /// Reads the NodeProto in place: copying the struct out (as `pointee` does) cost a memcpy per node.
    mutating func node(_ p: UnsafeMutablePointer<Onnx__NodeProto>) throws(LoadError) -> Node {
        var attributes: [Attribute] = []
        let attributeCount = p.pointee.n_attribute
        if attributeCount == 1, let only = p.pointee.attribute?[0] {
            attributes = [try attribute(only.pointee)] // a literal: cheaper than reserving (see `names`)
        } else if attributeCount > 1 {
            attributes.reserveCapacity(attributeCount)
            for a in messages(p.pointee.attribute, attributeCount) { attributes.append(try attribute(a.pointee)) }
        }
        return Node(name: string(p.pointee.name), opType: name(p.pointee.op_type), domain: name(p.pointee.domain),
                    inputs: names(p.pointee.input, p.pointee.n_input), outputs: names(p.pointee.output, p.pointee.n_output),
                    attributes: attributes, overload: string(p.pointee.overload), docString: string(p.pointee.doc_string))
    }

    mutating func valueInfos(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__ValueInfoProto>?>?, _ count: Int) -> [ValueInfo] {
        var result: [ValueInfo] = []
        result.reserveCapacity(count)
        for v in messages(p, count) { result.append(valueInfo(v.pointee)) }
        return result
    }

    mutating func valueInfo(_ p: Onnx__ValueInfoProto) -> ValueInfo {
        ValueInfo(name: name(p.name), type: p.type.map { valueType($0.pointee) } ?? .unknown, docString: string(p.doc_string))
    }

    func valueType(_ p: Onnx__TypeProto) -> ValueType {
        switch p.value_case {
        case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
            guard let t = p.tensor_type?.pointee else { return .unknown }
            return .tensor(TensorType(dtype: dataType(t.has_elem_type != 0 ? t.elem_type : 0), shape: t.shape.map { shape($0.pointee) }))
        case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
            guard let t = p.sparse_tensor_type?.pointee else { return .unknown }
            return .sparseTensor(TensorType(dtype: dataType(t.has_elem_type != 0 ? t.elem_type : 0), shape: t.shape.map { shape($0.pointee) }))
        case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
            return .sequence(p.sequence_type?.pointee.elem_type.map { valueType($0.pointee) } ?? .unknown)
        case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
            return .optional(p.optional_type?.pointee.elem_type.map { valueType($0.pointee) } ?? .unknown)
        case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
            guard let m = p.map_type?.pointee else { return .unknown }
            return .map(key: dataType(m.has_key_type != 0 ? m.key_type : 0), value: m.value_type.map { valueType($0.pointee) } ?? .unknown)
        default:
            return .unknown
        }
    }

    /// A declared shape. A dim with neither value nor name is `.unknown`; a negative value too.
    func shape(_ p: Onnx__TensorShapeProto) -> [Dim] {
        var dims: [Dim] = []
        if p.n_dim > 0 { dims.reserveCapacity(p.n_dim) } // (a lazy sequence's `map` grows the array step by step)
        for dim in messages(p.dim, p.n_dim) {
            let d = dim.pointee
            switch d.value_case {
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                dims.append(d.dim_value >= 0 && d.dim_value <= Int64(Int.max) ? .value(Int(d.dim_value)) : .unknown)
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                let name = string(d.dim_param)
                dims.append(name.isEmpty ? .unknown : .symbol(name))
            default:
                dims.append(.unknown)
            }
        }
        return dims
    }

    func dataType(_ raw: Int32) -> DataType { DataType(rawValue: raw) ?? .undefined }

    mutating func attribute(_ p: Onnx__AttributeProto) throws(LoadError) -> Attribute {
        let value: Attribute.Value
        switch p.type.rawValue {
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT.rawValue: value = .float(p.f)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT.rawValue: value = .int(Int(p.i))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING.rawValue: value = .string(bytesString(p.s))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR.rawValue:
            guard let t = p.t else { value = .undefined; break }
            value = .tensor(try tensor(t.pointee))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH.rawValue:
            guard let g = p.g else { value = .undefined; break }
            value = .graph(try graph(g.pointee))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR.rawValue:
            guard let s = p.sparse_tensor else { value = .undefined; break }
            value = .sparseTensor(try sparseTensor(s.pointee))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO.rawValue:
            value = .typeProto(p.tp.map { valueType($0.pointee) } ?? .unknown)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS.rawValue:
            value = .floats(Array(UnsafeBufferPointer(start: p.floats, count: p.n_floats)))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS.rawValue:
            value = .ints(UnsafeBufferPointer(start: p.ints, count: p.n_ints).map { Int($0) })
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS.rawValue:
            value = .strings(UnsafeBufferPointer(start: p.strings, count: p.n_strings).map(bytesString))
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS.rawValue:
            var list: [TensorData] = []
            for t in messages(p.tensors, p.n_tensors) { list.append(try tensor(t.pointee)) }
            value = .tensors(list)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS.rawValue:
            var list: [Graph] = []
            for g in messages(p.graphs, p.n_graphs) { list.append(try graph(g.pointee)) }
            value = .graphs(list)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS.rawValue:
            var list: [SparseTensorData] = []
            for s in messages(p.sparse_tensors, p.n_sparse_tensors) { list.append(try sparseTensor(s.pointee)) }
            value = .sparseTensors(list)
        case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS.rawValue:
            value = .typeProtos(messages(p.type_protos, p.n_type_protos).map { valueType($0.pointee) })
        default:
            value = try inferredAttributeValue(p)
        }
        let reference = string(p.ref_attr_name)
        return Attribute(name: name(p.name), value: value, referencedAttribute: reference.isEmpty ? nil : reference,
                         docString: string(p.doc_string))
    }

    /// IR version 1 attributes may omit `type`; take the one field that is set.
    mutating func inferredAttributeValue(_ p: Onnx__AttributeProto) throws(LoadError) -> Attribute.Value {
        if p.has_f != 0 { return .float(p.f) }
        if p.has_i != 0 { return .int(Int(p.i)) }
        if p.has_s != 0 { return .string(bytesString(p.s)) }
        if let t = p.t { return .tensor(try tensor(t.pointee)) }
        if let g = p.g { return .graph(try graph(g.pointee)) }
        if p.n_floats > 0 { return .floats(Array(UnsafeBufferPointer(start: p.floats, count: p.n_floats))) }
        if p.n_ints > 0 { return .ints(UnsafeBufferPointer(start: p.ints, count: p.n_ints).map { Int($0) }) }
        if p.n_strings > 0 { return .strings(UnsafeBufferPointer(start: p.strings, count: p.n_strings).map(bytesString)) }
        return .undefined
    }

    mutating func sparseTensor(_ p: Onnx__SparseTensorProto) throws(LoadError) -> SparseTensorData {
        let empty = TensorData(name: "", dtype: .undefined, dims: [0], location: .inline(byteCount: 0), value: nil)
        let values = try p.values.map { (t) throws(LoadError) in try tensor(t.pointee) } ?? empty
        // The dense shape becomes the value's type: the same checks as a dense tensor's dims.
        var dims: [Int] = []
        var elements = 1
        for d in UnsafeBufferPointer(start: p.dims, count: p.n_dims) {
            guard d >= 0 else { throw .invalidTensor(path: path, tensor: values.name, reason: "sparse tensor with negative dim \(d)") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow else {
                throw .invalidTensor(path: path, tensor: values.name, reason: "element count of sparse dims overflows")
            }
            elements = product
            dims.append(Int(d))
        }
        let indices = try p.indices.map { (t) throws(LoadError) in try tensor(t.pointee) } ?? empty
        return SparseTensorData(values: values, indices: indices, dims: dims)
    }

    // MARK: - Tensors

    mutating func tensor(_ p: Onnx__TensorProto) throws(LoadError) -> TensorData {
        let name = self.name(p.name)
        let dtype = dataType(p.has_data_type != 0 ? p.data_type : 0)
        let givenDims = UnsafeBufferPointer(start: p.dims, count: p.n_dims)
        if let negative = givenDims.first(where: { $0 < 0 }) {
            throw .invalidTensor(path: path, tensor: name, reason: "negative dim \(negative)")
        }
        // literals for the common ranks: `map` takes about half again the instructions (see `names`)
        let dims: [Int] = switch givenDims.count {
        case 0: []
        case 1: [Int(givenDims[0])]
        case 2: [Int(givenDims[0]), Int(givenDims[1])]
        default: givenDims.map { Int($0) }
        }
        let docString = string(p.doc_string)
        var elementCount = 1 // TensorData.elementCount (the dims are not negative)
        for dim in dims {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw .invalidTensor(path: path, tensor: name, reason: "element count of dims \(dims) overflows")
            }
            elementCount = product
        }
        if p.has_data_location != 0 && p.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
            // The three keys read, the last entry of each winning; other keys are ignored. Compared
            // as C strings: equal to comparing the Strings (both stop at a NUL, and no other
            // spelling of an ASCII key is canonically equivalent to it).
            var location: String?, offsetText: String?, lengthText: String?
            for entry in messages(p.external_data, p.n_external_data) {
                guard let key = entry.pointee.key else { continue }
                if strcmp(key, "location") == 0 {
                    location = self.name(entry.pointee.value)
                } else if strcmp(key, "offset") == 0 {
                    offsetText = string(entry.pointee.value)
                } else if strcmp(key, "length") == 0 {
                    lengthText = string(entry.pointee.value)
                }
            }
            guard let location, !location.isEmpty else {
                throw .invalidTensor(path: path, tensor: name, reason: "external data without a location")
            }
            // Both are optional, but when present they must be non-negative decimal integers that
            // fit 64 bits ("1e9", "-1", "2^64" and "" are refused, not read as absent).
            let offset = Int(offsetText ?? "0")
            let length: Int?? = lengthText.map { Int($0) }
            guard let offset, offset >= 0, length.map({ ($0 ?? -1) >= 0 }) ?? true else {
                throw .invalidTensor(path: path, tensor: name, reason: "external data offset/length is not a non-negative integer")
            }
            return TensorData(name: name, dtype: dtype, dims: dims, location: .external(path: location, offset: offset, length: length ?? nil),
                              value: nil, docString: docString)
        }
        let payload = try payloadBytes(p, name: name)
        let value = elementCount <= TensorData.valueElementLimit
            ? decodeValue(p, payload: payload, dtype: dtype, count: elementCount) : nil
        let byteCount = dtype.byteCount(elements: elementCount) // TensorData.byteCount
        if !payload.isRaw, payload.strippedField == nil, let given = typedValueCount(p, dtype: dtype), given > 0, given != elementCount {
            throw .invalidTensor(path: path, tensor: name,
                                 reason: "holds \(given) values but \(dtype.name)\(dims) has \(elementCount) elements")
        }
        if payload.isRaw, let expected = byteCount, payload.byteCount != expected, dtype != .string {
            throw .invalidTensor(path: path, tensor: name,
                                 reason: "raw_data holds \(payload.byteCount) bytes but \(dtype.name)\(dims) needs \(expected)")
        }
        if payload.isRaw, byteCount == nil, dtype.bitsPerElement != nil {
            // the element count fits 64 bits but the byte count does not: no file holds that
            throw .invalidTensor(path: path, tensor: name, reason: "byte count of \(dtype.name)\(dims) overflows 64 bits")
        }
        return TensorData(name: name, dtype: dtype, dims: dims, location: .inline(byteCount: payload.byteCount), value: value,
                          docString: docString)
    }

    /// Where a tensor's payload is: protobuf-c's copy (small), or a range of the mapped file (stripped).
    struct Payload {
        var isRaw = false
        var byteCount = 0
        /// Raw bytes (raw_data, or a stripped typed field as encoded).
        var bytes: UnsafeRawBufferPointer?
        /// For a stripped typed field: its field number, so the packed encoding can be decoded.
        var strippedField: UInt32?
    }

    func payloadBytes(_ p: Onnx__TensorProto, name: String) throws(LoadError) -> Payload {
        var payload = Payload()
        if p.has_raw_data != 0 {
            payload.isRaw = true
            payload.byteCount = p.raw_data.len
            payload.bytes = UnsafeRawBufferPointer(start: p.raw_data.data, count: p.raw_data.len)
        }
        var pointer = p
        let markers = withUnsafePointer(to: &pointer) { CONNX_tensor_stripped_count($0) }
        for index in 0..<markers {
            var field: UInt32 = 0, offset: UInt64 = 0, length: UInt64 = 0
            let ok = withUnsafePointer(to: &pointer) { CONNX_tensor_stripped_payload($0, index, &field, &offset, &length) }
            guard ok == 0, offset <= UInt64(buffer.count), length <= UInt64(buffer.count) - offset else {
                throw .invalidTensor(path: path, tensor: name, reason: "payload reference outside the file")
            }
            let slice = UnsafeRawBufferPointer(rebasing: buffer[Int(offset)..<Int(offset + length)])
            payload.byteCount += slice.count
            if field == 9 {
                payload.isRaw = true
                payload.bytes = slice
            } else if markers == 1 {
                payload.bytes = slice
                payload.strippedField = field
            }
        }
        if !payload.isRaw && payload.strippedField == nil {
            // Typed fields decoded by protobuf-c: count their in-memory size.
            payload.byteCount += p.n_float_data * 4 + p.n_int32_data * 4 + p.n_int64_data * 8
                + p.n_double_data * 8 + p.n_uint64_data * 8
            for s in UnsafeBufferPointer(start: p.string_data, count: p.n_string_data) { payload.byteCount += s.len }
        }
        return payload
    }

    /// How many values the typed field of `dtype` holds (one per element), `nil` for types whose
    /// field packs several elements or several fields (complex, 4-bit, float8).
    func typedValueCount(_ p: Onnx__TensorProto, dtype: DataType) -> Int? {
        switch dtype {
        case .float: p.n_float_data
        case .double: p.n_double_data
        case .int64: p.n_int64_data
        case .uint32, .uint64: p.n_uint64_data
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .float16, .bfloat16: p.n_int32_data
        case .string: p.n_string_data
        default: nil
        }
    }

    /// Decodes the values of a small numeric tensor; `nil` when the type is not one shape rules read.
    func decodeValue(_ p: Onnx__TensorProto, payload: Payload, dtype: DataType, count: Int) -> TensorValue? {
        if dtype == .string {
            let list = UnsafeBufferPointer(start: p.string_data, count: p.n_string_data).map(bytesString)
            return list.count == count ? .strings(list) : nil
        }
        if payload.isRaw, let bytes = payload.bytes {
            return RawDecoding.decode(bytes, dtype: dtype, count: count)
        }
        if let field = payload.strippedField, let bytes = payload.bytes {
            return RawDecoding.decodePacked(bytes, field: field, dtype: dtype, count: count)
        }
        switch dtype {
        case .float:
            guard p.n_float_data == count else { return nil }
            return .floats(UnsafeBufferPointer(start: p.float_data, count: count).map { Double($0) })
        case .double:
            guard p.n_double_data == count else { return nil }
            return .floats(Array(UnsafeBufferPointer(start: p.double_data, count: count)))
        case .int64:
            guard p.n_int64_data == count else { return nil }
            return .ints(UnsafeBufferPointer(start: p.int64_data, count: count).map { .value(Int($0)) })
        case .uint32, .uint64:
            guard p.n_uint64_data == count else { return nil }
            return .ints(UnsafeBufferPointer(start: p.uint64_data, count: count).map { $0 <= UInt64(Int.max) ? .value(Int($0)) : .unknown })
        case .int32, .int16, .int8, .uint16, .uint8, .bool:
            guard p.n_int32_data == count else { return nil }
            return .ints(UnsafeBufferPointer(start: p.int32_data, count: count).map { .value(Int($0)) })
        case .float16, .bfloat16:
            guard p.n_int32_data == count else { return nil }
            return .floats(UnsafeBufferPointer(start: p.int32_data, count: count).map {
                RawDecoding.halfBitsToDouble(UInt16(truncatingIfNeeded: $0), bfloat: dtype == .bfloat16)
            })
        default:
            return nil
        }
    }

    // MARK: - C helpers

    /// A string field that is rarely repeated (node names, doc strings): made on its own.
    func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p, p.pointee != 0 else { return "" }
        return String(cString: p)
    }

    /// A name that may repeat (tensor names, op types, attribute names): made once per distinct name.
    mutating func name(_ p: UnsafeMutablePointer<CChar>?) -> String { interner.string(p) }

    func bytesString(_ data: ProtobufCBinaryData) -> String {
        guard let bytes = data.data, data.len > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: data.len), as: UTF8.self)
    }

    /// The names of a repeated string field (node and function inputs and outputs).
    /// Lists of one or two (most inputs and outputs) are array literals, which allocate the array
    /// directly; `reserveCapacity` takes about twice the instructions.
    mutating func names(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
        guard let p, count > 0 else { return [] }
        switch count {
        case 1: return [name(p[0])]
        case 2: return [name(p[0]), name(p[1])]
        default:
            var result: [String] = []
            result.reserveCapacity(count)
            for index in 0..<count { result.append(name(p[index])) }
            return result
        }
    }

    /// The messages of a repeated message field, read in place (protobuf-c leaves no NULL entry;
    /// one would be skipped).
    func messages<T>(_ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ count: Int) -> some Sequence<UnsafeMutablePointer<T>> {
        UnsafeBufferPointer(start: p, count: count).lazy.compactMap { $0 }
    }
}
