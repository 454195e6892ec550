import ONNXGraph

/// Weights stored packed in `uint8` bytes whose elements are narrower (issue 9): a parameter is a
/// logical element, so a 4096×4096 int4 MatMulNBits weight is 16.78 M parameters at int4
/// (8.39 M bytes), not 8.39 M uint8 parameters. Initializers typed int4/uint4/int2/uint2/float4
/// already carry logical dims and need nothing here.
enum PackedWeights {
    /// The logical element type and count of constant `stored` at input `index` of `node`, and the
    /// bytes it occupies (as stored); `nil` when the input is not a packed weight.
    static func logical(_ node: Node, input index: Int, stored: TensorData) -> (dtype: DataType, elements: Int, bytes: Int)? {
        guard stored.dtype == .uint8, node.domain == "com.microsoft", let bytes = stored.elementCount else { return nil }
        func attribute(_ name: String, _ fallback: Int) -> Int {
            if case .int(let v)? = node.attribute(name)?.value { return v }
            return fallback
        }
        func narrow(_ bits: Int) -> DataType? { bits <= 2 ? .int2 : bits <= 4 ? .int4 : nil }
        switch (node.opType, index) {
        case ("MatMulNBits", 1):
            // B [N, ceil(K/block_size), block_size·bits/8]: N·K weights (padding of the last block
            // is not a parameter).
            let bits = attribute("bits", 4), n = attribute("N", 0), k = attribute("K", 0)
            guard let dtype = narrow(bits), n > 0, k > 0 else { return nil }
            let (elements, overflow) = n.multipliedReportingOverflow(by: k)
            return overflow ? nil : (dtype, elements, bytes)
        case ("MatMulNBits", 3):
            // Packed zero points [N · ceil(blocks·bits/8)]: one per block of each column.
            let bits = attribute("bits", 4), n = attribute("N", 0), k = attribute("K", 0), block = attribute("block_size", 0)
            guard let dtype = narrow(bits), n > 0, k > 0, block > 0 else { return nil }
            let (elements, overflow) = n.multipliedReportingOverflow(by: (k + block - 1) / block)
            return overflow ? nil : (dtype, elements, bytes)
        case ("MatMulBnb4", 1):
            // B [(N·K + 1)/2]: quant_type 0 is FP4 (float4e2m1), 1 is NF4 (4-bit codes).
            let n = attribute("N", 0), k = attribute("K", 0)
            guard n > 0, k > 0 else { return nil }
            let (elements, overflow) = n.multipliedReportingOverflow(by: k)
            return overflow ? nil : (attribute("quant_type", 1) == 0 ? .float4e2m1 : .int4, elements, bytes)
        case ("GatherBlockQuantized", 0), ("GatherBlockQuantized", 3):
            // uint8 data (and zero points) with bits < 8 hold 8/bits elements per byte.
            let bits = attribute("bits", 4)
            guard let dtype = narrow(bits) else { return nil }
            let (elements, overflow) = bytes.multipliedReportingOverflow(by: 8 / bits)
            return overflow ? nil : (dtype, elements, bytes)
        default:
            return nil
        }
    }
}
