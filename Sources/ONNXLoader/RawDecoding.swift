import ONNXGraph

/// Decodes little-endian tensor payloads into `TensorValue`s. Pure Swift: it sees bytes, not C.
enum RawDecoding {
    /// Decodes `count` elements of `dtype` from raw little-endian bytes; `nil` on a size mismatch
    /// or for types shape rules never read (float8, complex).
    static func decode(_ bytes: UnsafeRawBufferPointer, dtype: DataType, count: Int) -> TensorValue? {
        func read<T: FixedWidthInteger>(_: T.Type, _ index: Int) -> T {
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(index * MemoryLayout<T>.size)..<((index + 1) * MemoryLayout<T>.size)]))
            }
            return T(littleEndian: value)
        }
        if let bits = dtype.bitsPerElement, bits >= 8, bytes.count != count * (bits / 8) { return nil }
        switch dtype {
        case .float: return .floats((0..<count).map { Double(Float(bitPattern: read(UInt32.self, $0))) })
        case .double: return .floats((0..<count).map { Double(bitPattern: read(UInt64.self, $0)) })
        case .float16: return .floats((0..<count).map { halfBitsToDouble(read(UInt16.self, $0), bfloat: false) })
        case .bfloat16: return .floats((0..<count).map { halfBitsToDouble(read(UInt16.self, $0), bfloat: true) })
        case .int64: return .ints((0..<count).map { .value(Int(read(Int64.self, $0))) })
        case .uint64: return .ints((0..<count).map { let v = read(UInt64.self, $0); return v <= UInt64(Int.max) ? .value(Int(v)) : .unknown })
        case .int32: return .ints((0..<count).map { .value(Int(read(Int32.self, $0))) })
        case .uint32: return .ints((0..<count).map { .value(Int(read(UInt32.self, $0))) })
        case .int16: return .ints((0..<count).map { .value(Int(read(Int16.self, $0))) })
        case .uint16: return .ints((0..<count).map { .value(Int(read(UInt16.self, $0))) })
        case .int8: return .ints((0..<count).map { .value(Int(read(Int8.self, $0))) })
        case .uint8, .bool: return .ints((0..<count).map { .value(Int(read(UInt8.self, $0))) })
        case .int4, .uint4:
            guard bytes.count == (count + 1) / 2 else { return nil }
            return .ints((0..<count).map { index in
                let byte = bytes[index / 2]
                let nibble = Int(index % 2 == 0 ? byte & 0x0F : byte >> 4)
                return .value(dtype == .int4 && nibble >= 8 ? nibble - 16 : nibble)
            })
        default: return nil
        }
    }

    /// Decodes a typed repeated field that was left in the file (packed encoding): varints for
    /// int32_data/int64_data/uint64_data, fixed32 for float_data, fixed64 for double_data.
    static func decodePacked(_ bytes: UnsafeRawBufferPointer, field: UInt32, dtype: DataType, count: Int) -> TensorValue? {
        switch field {
        case 4:  // float_data, fixed32
            guard bytes.count == count * 4 else { return nil }
            return decode(bytes, dtype: .float, count: count)
        case 10:  // double_data, fixed64
            guard bytes.count == count * 8 else { return nil }
            return decode(bytes, dtype: .double, count: count)
        case 5, 7, 11:
            var values: [Dim] = []
            values.reserveCapacity(count)
            var index = 0
            while index < bytes.count {
                var result: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard index < bytes.count, shift < 64 else { return nil }
                    let byte = bytes[index]
                    index += 1
                    result |= UInt64(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { break }
                    shift += 7
                }
                if field == 11 {
                    values.append(result <= UInt64(Int.max) ? .value(Int(result)) : .unknown)
                } else if field == 5 {
                    values.append(.value(Int(Int32(truncatingIfNeeded: result))))
                } else {
                    values.append(.value(Int(Int64(bitPattern: result))))
                }
            }
            guard values.count == count else { return nil }
            if field == 5 && (dtype == .float16 || dtype == .bfloat16) {
                return .floats(values.map { halfBitsToDouble(UInt16(truncatingIfNeeded: $0.intValue ?? 0), bfloat: dtype == .bfloat16) })
            }
            return .ints(values)
        default:
            return nil
        }
    }

    /// IEEE half (or bfloat16) bits to Double.
    static func halfBitsToDouble(_ bits: UInt16, bfloat: Bool) -> Double {
        if bfloat { return Double(Float(bitPattern: UInt32(bits) << 16)) }
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
