// A tiny protobuf ENCODER, for tests only: it writes the wire format (varints, fixed32/64,
// length-delimited fields, nested messages) and builds ONNX messages with the field numbers of
// tools/proto/onnx-ml.proto, so robustness tests can make valid, almost-valid and hostile models in
// memory without Python. Every builder returns the encoded bytes of one message, so messages nest by
// value and deep nestings are built iteratively (innermost first), never by recursion.

/// Protobuf wire types (the low three bits of a tag).
enum WireType: UInt64 {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// Appends protobuf wire-format fields to a byte buffer.
struct ProtoWriter {
    var bytes: [UInt8] = []

    init() {}

    // MARK: Primitives

    /// A base-128 varint (1 to 10 bytes).
    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A varint padded with redundant continuation bytes to `length` bytes (an "overlong" varint;
    /// protobuf accepts up to 10 bytes, longer ones are malformed).
    mutating func overlongVarint(_ value: UInt64, length: Int) {
        var v = value
        for index in 0..<length {
            let last = index == length - 1
            bytes.append(UInt8(truncatingIfNeeded: v & 0x7F) | (last ? 0 : 0x80))
            v >>= 7
        }
    }

    mutating func tag(_ field: UInt64, _ wire: WireType) { varint(field << 3 | wire.rawValue) }

    mutating func fixed32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    mutating func fixed64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }

    /// Verbatim bytes (garbage, or a message encoded elsewhere without its tag).
    mutating func raw(_ data: [UInt8]) { bytes += data }

    // MARK: Fields

    /// An int64/int32/enum field: negative values take ten bytes (two's complement), as protobuf does.
    mutating func int(_ field: UInt64, _ value: Int64) {
        tag(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func uint(_ field: UInt64, _ value: UInt64) {
        tag(field, .varint)
        varint(value)
    }

    mutating func float(_ field: UInt64, _ value: Float) {
        tag(field, .fixed32)
        fixed32(value.bitPattern)
    }

    mutating func double(_ field: UInt64, _ value: Double) {
        tag(field, .fixed64)
        fixed64(value.bitPattern)
    }

    mutating func bytesField(_ field: UInt64, _ data: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(UInt64(data.count))
        bytes += data
    }

    mutating func string(_ field: UInt64, _ text: String) { bytesField(field, Array(text.utf8)) }

    /// An embedded message (already encoded).
    mutating func message(_ field: UInt64, _ encoded: [UInt8]) { bytesField(field, encoded) }

    /// An embedded message built in place.
    mutating func message(_ field: UInt64, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        bytesField(field, inner.bytes)
    }

    /// A length-delimited field whose length prefix lies: it claims `declaredLength` bytes but only
    /// `content` follows.
    mutating func lyingLength(_ field: UInt64, declaredLength: UInt64, content: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(declaredLength)
        bytes += content
    }

    /// A packed repeated varint field (int32/int64 arrays).
    mutating func packedVarints(_ field: UInt64, _ values: [Int64]) {
        var inner = ProtoWriter()
        for value in values { inner.varint(UInt64(bitPattern: value)) }
        bytesField(field, inner.bytes)
    }

    /// A packed repeated float field.
    mutating func packedFloats(_ field: UInt64, _ values: [Float]) {
        var inner = ProtoWriter()
        for value in values { inner.fixed32(value.bitPattern) }
        bytesField(field, inner.bytes)
    }

    /// A packed repeated double field.
    mutating func packedDoubles(_ field: UInt64, _ values: [Double]) {
        var inner = ProtoWriter()
        for value in values { inner.fixed64(value.bitPattern) }
        bytesField(field, inner.bytes)
    }
}

/// ONNX message builders. Field numbers are those of tools/proto/onnx-ml.proto (ONNX 1.23).
enum ONNXProto {
    /// `TensorProto.DataType` values used by the tests.
    enum DataType: Int64 {
        case undefined = 0, float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, string = 8,
             bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13, complex64 = 14, complex128 = 15,
             bfloat16 = 16, float8e4m3fn = 17, uint4 = 21, int4 = 22
    }

    /// `AttributeProto.AttributeType`.
    enum AttributeType: Int64 {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5, floats = 6, ints = 7, strings = 8,
             tensors = 9, graphs = 10, sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
    }

    // MARK: ModelProto

    /// ModelProto: ir_version=1, producer_name=2, producer_version=3, domain=4, model_version=5,
    /// doc_string=6, graph=7, opset_import=8, metadata_props=14, training_info=20, functions=25.
    static func model(irVersion: Int64? = 8, opsets: [(domain: String, version: Int64)] = [("", 17)],
                      producer: String = "onnxcost-tests", graph: [UInt8]?, functions: [[UInt8]] = [],
                      metadata: [(String, String)] = []) -> [UInt8] {
        var w = ProtoWriter()
        if let irVersion { w.int(1, irVersion) }
        if !producer.isEmpty { w.string(2, producer) }
        if let graph { w.message(7, graph) }
        for opset in opsets { w.message(8, operatorSetID(domain: opset.domain, version: opset.version)) }
        for (key, value) in metadata { w.message(14, stringStringEntry(key, value)) }
        for function in functions { w.message(25, function) }
        return w.bytes
    }

    /// OperatorSetIdProto: domain=1, version=2.
    static func operatorSetID(domain: String, version: Int64) -> [UInt8] {
        var w = ProtoWriter()
        if !domain.isEmpty { w.string(1, domain) }
        w.int(2, version)
        return w.bytes
    }

    /// StringStringEntryProto: key=1, value=2.
    static func stringStringEntry(_ key: String, _ value: String) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, key)
        w.string(2, value)
        return w.bytes
    }

    // MARK: GraphProto

    /// GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12, value_info=13,
    /// sparse_initializer=15.
    static func graph(name: String = "g", nodes: [[UInt8]] = [], inputs: [[UInt8]] = [], outputs: [[UInt8]] = [],
                      initializers: [[UInt8]] = [], valueInfo: [[UInt8]] = [], sparseInitializers: [[UInt8]] = []) -> [UInt8] {
        var w = ProtoWriter()
        for node in nodes { w.message(1, node) }
        if !name.isEmpty { w.string(2, name) }
        for tensor in initializers { w.message(5, tensor) }
        for input in inputs { w.message(11, input) }
        for output in outputs { w.message(12, output) }
        for info in valueInfo { w.message(13, info) }
        for sparse in sparseInitializers { w.message(15, sparse) }
        return w.bytes
    }

    // MARK: NodeProto

    /// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, doc_string=6, domain=7, overload=8.
    static func node(_ opType: String, inputs: [String], outputs: [String], name: String = "", domain: String = "",
                     attributes: [[UInt8]] = []) -> [UInt8] {
        var w = ProtoWriter()
        for input in inputs { w.string(1, input) }
        for output in outputs { w.string(2, output) }
        if !name.isEmpty { w.string(3, name) }
        w.string(4, opType)
        for attribute in attributes { w.message(5, attribute) }
        if !domain.isEmpty { w.string(7, domain) }
        return w.bytes
    }

    // MARK: AttributeProto

    /// An attribute value; `type` is written as the declared kind unless overridden.
    enum AttributeValue {
        case float(Float)
        case int(Int64)
        case string(String)
        case tensor([UInt8])
        case graph([UInt8])
        case floats([Float])
        case ints([Int64])
        case strings([String])
        case tensors([[UInt8]])
        case graphs([[UInt8]])

        var type: AttributeType {
            switch self {
            case .float: .float
            case .int: .int
            case .string: .string
            case .tensor: .tensor
            case .graph: .graph
            case .floats: .floats
            case .ints: .ints
            case .strings: .strings
            case .tensors: .tensors
            case .graphs: .graphs
            }
        }
    }

    /// AttributeProto: name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9, tensors=10,
    /// graphs=11, doc_string=13, tp=14, type_protos=15, type=20, ref_attr_name=21, sparse_tensor=22,
    /// sparse_tensors=23. `declaredType` overrides the `type` field (nil: the value's own kind;
    /// `.some(nil)`-like omission is spelled `omitType: true`).
    static func attribute(_ name: String, _ value: AttributeValue, declaredType: AttributeType? = nil,
                          omitType: Bool = false, refAttrName: String? = nil) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, name)
        switch value {
        case .float(let f): w.float(2, f)
        case .int(let i): w.int(3, i)
        case .string(let s): w.string(4, s)
        case .tensor(let t): w.message(5, t)
        case .graph(let g): w.message(6, g)
        // repeated scalars: written unpacked (proto2 default), one field per element
        case .floats(let list): for f in list { w.float(7, f) }
        case .ints(let list): for i in list { w.int(8, i) }
        case .strings(let list): for s in list { w.string(9, s) }
        case .tensors(let list): for t in list { w.message(10, t) }
        case .graphs(let list): for g in list { w.message(11, g) }
        }
        if !omitType { w.int(20, (declaredType ?? value.type).rawValue) }
        if let refAttrName { w.string(21, refAttrName) }
        return w.bytes
    }

    // MARK: TensorProto

    /// TensorProto: dims=1, data_type=2, float_data=4 (packed), int32_data=5 (packed), string_data=6,
    /// int64_data=7 (packed), name=8, raw_data=9, double_data=10 (packed), uint64_data=11 (packed),
    /// doc_string=12, external_data=13, data_location=14.
    static func tensor(name: String, dataType: DataType = .float, dims: [Int64], raw: [UInt8]? = nil,
                       floats: [Float] = [], int64s: [Int64] = [], int32s: [Int64] = [], doubles: [Double] = [],
                       strings: [String] = [], external: [(String, String)]? = nil) -> [UInt8] {
        var w = ProtoWriter()
        for dim in dims { w.int(1, dim) }
        w.int(2, dataType.rawValue)
        if !floats.isEmpty { w.packedFloats(4, floats) }
        if !int32s.isEmpty { w.packedVarints(5, int32s) }
        for s in strings { w.string(6, s) }
        if !int64s.isEmpty { w.packedVarints(7, int64s) }
        w.string(8, name)
        if let raw { w.bytesField(9, raw) }
        if !doubles.isEmpty { w.packedDoubles(10, doubles) }
        if let external {
            for (key, value) in external { w.message(13, stringStringEntry(key, value)) }
            w.int(14, 1)  // DataLocation.EXTERNAL
        }
        return w.bytes
    }

    /// An int64 tensor with its values as raw little-endian bytes (how exporters write shape constants).
    static func int64Tensor(name: String, _ values: [Int64], dims: [Int64]? = nil) -> [UInt8] {
        var raw: [UInt8] = []
        for value in values { for shift in stride(from: 0, to: 64, by: 8) { raw.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> UInt64(shift))) } }
        return tensor(name: name, dataType: .int64, dims: dims ?? [Int64(values.count)], raw: raw)
    }

    /// A float tensor filled with zeros, as raw bytes.
    static func floatTensor(name: String, dims: [Int64]) -> [UInt8] {
        let count = dims.reduce(1, *)
        return tensor(name: name, dataType: .float, dims: dims, raw: Array(repeating: 0, count: Int(count) * 4))
    }

    // MARK: ValueInfoProto and TypeProto

    /// A dimension of a declared shape.
    enum Dim: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
        case value(Int64)
        case param(String)
        /// Neither dim_value nor dim_param.
        case none

        init(integerLiteral value: Int64) { self = .value(value) }
        init(stringLiteral value: String) { self = .param(value) }
    }

    /// ValueInfoProto: name=1, type=2, doc_string=3. TypeProto: tensor_type=1 (Tensor: elem_type=1,
    /// shape=2), sequence_type=4, map_type=5, sparse_tensor_type=8, optional_type=9.
    /// TensorShapeProto: dim=1 (Dimension: dim_value=1, dim_param=2).
    static func valueInfo(_ name: String, _ dataType: DataType = .float, shape: [Dim]?) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, name)
        w.message(2, tensorTypeProto(dataType, shape: shape))
        return w.bytes
    }

    /// A value info with no type at all.
    static func untypedValueInfo(_ name: String) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, name)
        return w.bytes
    }

    static func tensorTypeProto(_ dataType: DataType, shape: [Dim]?) -> [UInt8] {
        var tensorType = ProtoWriter()
        tensorType.int(1, dataType.rawValue)
        if let shape { tensorType.message(2, shapeProto(shape)) }
        var type = ProtoWriter()
        type.message(1, tensorType.bytes)
        return type.bytes
    }

    /// TypeProto.sequence_type (4) of an element TypeProto (Sequence: elem_type=1).
    static func sequenceTypeProto(of element: [UInt8]) -> [UInt8] {
        var sequence = ProtoWriter()
        sequence.message(1, element)
        var type = ProtoWriter()
        type.message(4, sequence.bytes)
        return type.bytes
    }

    static func shapeProto(_ dims: [Dim]) -> [UInt8] {
        var w = ProtoWriter()
        for dim in dims {
            w.message(1) { d in
                switch dim {
                case .value(let v): d.int(1, v)
                case .param(let p): d.string(2, p)
                case .none: break
                }
            }
        }
        return w.bytes
    }

    // MARK: FunctionProto

    /// FunctionProto: name=1, input=4, output=5, attribute=6, node=7, doc_string=8, opset_import=9,
    /// domain=10, attribute_proto=11, value_info=12, overload=13.
    static func function(name: String, domain: String, inputs: [String], outputs: [String], nodes: [[UInt8]],
                         opsets: [(domain: String, version: Int64)] = [("", 17)]) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, name)
        for input in inputs { w.string(4, input) }
        for output in outputs { w.string(5, output) }
        for node in nodes { w.message(7, node) }
        for opset in opsets { w.message(9, operatorSetID(domain: opset.domain, version: opset.version)) }
        w.string(10, domain)
        return w.bytes
    }
}

// MARK: - A generic wire tree, for structure-aware mutation

/// One field of a parsed message. Length-delimited content that itself parses as a message is kept
/// as a nested message (a heuristic: protobuf does not say which bytes are messages), so mutations
/// can change a value deep inside and every enclosing length is re-encoded correctly.
struct WireField {
    indirect enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
        case message([WireField])
    }

    var number: UInt64
    var value: Value
}

enum WireTree {
    /// Parses a message; `nil` when the bytes are not a well-formed message (nested content that does
    /// not parse stays `.bytes`). Nesting is followed at most `maxDepth` levels.
    static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 64) -> [WireField]? {
        var fields: [WireField] = []
        var index = bytes.startIndex
        func varint() -> UInt64? {
            var result: UInt64 = 0
            for shift in stride(from: 0, to: 70, by: 7) {
                guard index < bytes.endIndex, shift < 64 else { return nil }
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7F) << UInt64(shift)
                if byte & 0x80 == 0 { return result }
            }
            return nil
        }
        while index < bytes.endIndex {
            guard let tag = varint() else { return nil }
            let number = tag >> 3
            guard number > 0, number < (1 << 29) else { return nil }
            switch tag & 7 {
            case 0:
                guard let value = varint() else { return nil }
                fields.append(WireField(number: number, value: .varint(value)))
            case 1:
                guard bytes.endIndex - index >= 8 else { return nil }
                var value: UInt64 = 0
                for k in 0..<8 { value |= UInt64(bytes[index + k]) << UInt64(8 * k) }
                index += 8
                fields.append(WireField(number: number, value: .fixed64(value)))
            case 5:
                guard bytes.endIndex - index >= 4 else { return nil }
                var value: UInt32 = 0
                for k in 0..<4 { value |= UInt32(bytes[index + k]) << UInt32(8 * k) }
                index += 4
                fields.append(WireField(number: number, value: .fixed32(value)))
            case 2:
                guard let length = varint(), length <= UInt64(bytes.endIndex - index) else { return nil }
                let content = bytes[index..<(index + Int(length))]
                index += Int(length)
                if maxDepth > 0, !content.isEmpty, let nested = parse(content, maxDepth: maxDepth - 1) {
                    fields.append(WireField(number: number, value: .message(nested)))
                } else {
                    fields.append(WireField(number: number, value: .bytes(Array(content))))
                }
            default:
                return nil
            }
        }
        return fields
    }

    static func encode(_ fields: [WireField]) -> [UInt8] {
        var w = ProtoWriter()
        encode(fields, into: &w)
        return w.bytes
    }

    static func encode(_ fields: [WireField], into w: inout ProtoWriter) {
        for field in fields {
            switch field.value {
            case .varint(let v): w.tag(field.number, .varint); w.varint(v)
            case .fixed64(let v): w.tag(field.number, .fixed64); w.fixed64(v)
            case .fixed32(let v): w.tag(field.number, .fixed32); w.fixed32(v)
            case .bytes(let b): w.bytesField(field.number, b)
            case .message(let m): w.message(field.number, encode(m))
            }
        }
    }

    /// Index paths of every field (pre-order): `[3, 0, 5]` is field 5 of field 0 of field 3.
    static func paths(_ fields: [WireField], prefix: [Int] = [], into result: inout [[Int]]) {
        for (index, field) in fields.enumerated() {
            let path = prefix + [index]
            result.append(path)
            if case .message(let nested) = field.value { paths(nested, prefix: path, into: &result) }
        }
    }

    /// Reads the field at `path`.
    static func field(_ fields: [WireField], at path: ArraySlice<Int>) -> WireField? {
        guard let first = path.first, first < fields.count else { return nil }
        if path.count == 1 { return fields[first] }
        guard case .message(let nested) = fields[first].value else { return nil }
        return field(nested, at: path.dropFirst())
    }

    /// Applies `change` to the list of fields that holds the field at `path` (and the index in it).
    static func modify(_ fields: inout [WireField], at path: ArraySlice<Int>, _ change: (inout [WireField], Int) -> Void) {
        guard let first = path.first, first < fields.count else { return }
        if path.count == 1 { change(&fields, first); return }
        guard case .message(var nested) = fields[first].value else { return }
        fields[first].value = .bytes([])  // drop the reference so `nested` is uniquely owned
        modify(&nested, at: path.dropFirst(), change)
        fields[first].value = .message(nested)
    }
}
