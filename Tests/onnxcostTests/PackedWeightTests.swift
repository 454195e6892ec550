import Foundation
import ONNXCost
import Testing

/// Narrow weights packed in uint8 count logical parameters at their logical type (issue 9). The
/// models are written in-test; weights are external data that is not there (only dims matter).
@Suite struct PackedWeightTests {
    static func external(_ name: String, _ dataType: ONNXProto.DataType, _ dims: [Int64]) -> [UInt8] {
        ONNXProto.tensor(name: name, dataType: dataType, dims: dims, external: [("location", "absent.data"), ("offset", "0")])
    }

    static func analyze(nodes: [[UInt8]], inputs: [[UInt8]], outputs: [String], initializers: [[UInt8]]) throws -> AnalysisReport {
        let graph = ONNXProto.graph(nodes: nodes, inputs: inputs, outputs: outputs.map { ONNXProto.untypedValueInfo($0) },
                                    initializers: initializers)
        let bytes = ONNXProto.model(opsets: [("", 21), ("com.microsoft", 1)], graph: graph)
        return try #require(Robust.analyze(bytes))
    }

    /// MatMulNBits, K = N = 4096, bits 4, block 32: B uint8 [4096, 128, 16] (8,388,608 bytes) holds
    /// 4096·4096 = 16,777,216 int4 weights; scales float [4096·128] = 524,288 float32 params.
    @Test func matMulNBitsCountsInt4Weights() throws {
        let node = ONNXProto.node("MatMulNBits", inputs: ["a", "b", "scales"], outputs: ["y"], domain: "com.microsoft", attributes: [
            ONNXProto.attribute("K", .int(4096)), ONNXProto.attribute("N", .int(4096)),
            ONNXProto.attribute("bits", .int(4)), ONNXProto.attribute("block_size", .int(32)),
        ])
        let report = try Self.analyze(nodes: [node], inputs: [ONNXProto.valueInfo("a", .float, shape: [1, 4096])], outputs: ["y"],
                                      initializers: [Self.external("b", .uint8, [4096, 128, 16]), Self.external("scales", .float, [4096 * 128])])
        let totals = report.costs.totals
        #expect(totals.paramsByType[.int4] == 16_777_216)
        #expect(totals.paramsByType[.uint8] == nil)
        #expect(totals.paramsByType[.float] == 524_288)
        #expect(totals.params == .value(16_777_216 + 524_288))
        // Bytes as stored, by logical type: 16,777,216 × ½ = 8,388,608 int4 bytes.
        #expect(totals.weightBytesByType[.int4] == 8_388_608)
        #expect(totals.weightBytes == .value(8_388_608 + 524_288 * 4))
    }

    /// Packed uint8 zero points [N · ceil(blocks·bits/8)]: N·blocks = 4096·128 int4 params.
    @Test func matMulNBitsZeroPointsAreInt4() throws {
        let node = ONNXProto.node("MatMulNBits", inputs: ["a", "b", "scales", "zp"], outputs: ["y"], domain: "com.microsoft", attributes: [
            ONNXProto.attribute("K", .int(4096)), ONNXProto.attribute("N", .int(4096)), ONNXProto.attribute("block_size", .int(32)),
        ])
        let report = try Self.analyze(nodes: [node], inputs: [ONNXProto.valueInfo("a", .float, shape: [1, 4096])], outputs: ["y"],
                                      initializers: [Self.external("b", .uint8, [4096, 128, 16]), Self.external("scales", .float, [4096 * 128]),
                                                     Self.external("zp", .uint8, [4096 * 64])])
        #expect(report.costs.totals.paramsByType[.int4] == 16_777_216 + 524_288)
        #expect(report.costs.totals.weightBytesByType[.int4] == 8_388_608 + 262_144)
    }

    /// MatMulBnb4 NF4 (quant_type 1), K = 1024, N = 512: B uint8 [(N·K + 1)/2] = 262,144 bytes is
    /// 524,288 4-bit weights; FP4 (quant_type 0) counts as float4e2m1.
    @Test(arguments: [(Int64(1), "int4"), (Int64(0), "float4e2m1")])
    func matMulBnb4CountsFourBitWeights(quantType: Int64, dtype: String) throws {
        let node = ONNXProto.node("MatMulBnb4", inputs: ["a", "b", "absmax"], outputs: ["y"], domain: "com.microsoft", attributes: [
            ONNXProto.attribute("K", .int(1024)), ONNXProto.attribute("N", .int(512)), ONNXProto.attribute("block_size", .int(64)),
            ONNXProto.attribute("quant_type", .int(quantType)),
        ])
        let report = try Self.analyze(nodes: [node], inputs: [ONNXProto.valueInfo("a", .float, shape: [1, 1024])], outputs: ["y"],
                                      initializers: [Self.external("b", .uint8, [262_144]), Self.external("absmax", .float, [8192])])
        let byName = Dictionary(uniqueKeysWithValues: report.costs.totals.paramsByType.map { ($0.key.name, $0.value) })
        #expect(byName[dtype] == 524_288)
        #expect(byName["uint8"] == nil)
        #expect(report.costs.totals.params == .value(524_288 + 8192))
    }

    /// GatherBlockQuantized, bits 4: uint8 data [32000, 2048] is a 32000×4096 int4 table.
    @Test func gatherBlockQuantizedCountsInt4Table() throws {
        let node = ONNXProto.node("GatherBlockQuantized", inputs: ["table", "ids", "scales"], outputs: ["y"], domain: "com.microsoft", attributes: [
            ONNXProto.attribute("block_size", .int(128)), ONNXProto.attribute("bits", .int(4)),
        ])
        let report = try Self.analyze(nodes: [node], inputs: [ONNXProto.valueInfo("ids", .int64, shape: [1, 7])], outputs: ["y"],
                                      initializers: [Self.external("table", .uint8, [32000, 2048]), Self.external("scales", .float, [32000, 32])])
        #expect(report.costs.totals.paramsByType[.int4] == 32000 * 4096)
        #expect(report.costs.totals.weightBytesByType[.int4] == 32000 * 2048)
        #expect(report.shapes.outputs.first?.type.tensor?.shape == [1, 7, 4096])
    }

    /// Initializers typed int4/uint4 carry logical dims already: [4096, 4096] int4 is 16.78 M params,
    /// 8,388,608 bytes (two per byte).
    @Test func int4InitializerIsLogical() throws {
        let node = ONNXProto.node("DequantizeLinear", inputs: ["w", "scale"], outputs: ["y"])
        let report = try Self.analyze(nodes: [node], inputs: [], outputs: ["y"],
                                      initializers: [Self.external("w", .int4, [4096, 4096]), ONNXProto.floatTensor(name: "scale", dims: [])])
        #expect(report.costs.totals.paramsByType[.int4] == 16_777_216)
        #expect(report.costs.totals.weightBytesByType[.int4] == 8_388_608)
    }
}
