// The tensor half of ProtoConverter (CBridge.swift): TensorProto to TensorData, with the payload
// read from protobuf-c's copy or, when the pre-pass stripped it, from the mapped file.
internal import CONNX
import Foundation
import ONNXGraph

extension ProtoConverter {
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
}
