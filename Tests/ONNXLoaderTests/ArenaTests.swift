import CONNX
import Testing

/// The arena protobuf-c unpacks models into (Sources/CONNX/arena.c): alignment, reuse of large
/// allocations, and memory within what malloc took for the same requests.
@Suite struct ArenaTests {
    /// 100,000 requests of 24 bytes. Without AddressSanitizer each takes 24 bytes: a 64 KiB block
    /// holds 2,730 (65,520 bytes, 16 left), then 128 KiB 5,461, 256 KiB 10,922, 512 KiB 21,845 and
    /// 1 MiB 43,690 (84,648 so far); the other 15,352 go in a second 1 MiB block. Reserved:
    /// 65,536 + 131,072 + 262,144 + 524,288 + 2 × 1,048,576 = 3,080,192 bytes, where malloc takes a
    /// 32-byte chunk for each: 3,200,000. Under AddressSanitizer each takes 40 (a 16-byte red zone):
    /// 1,638 + 3,276 + 6,553 + 13,107 + 26,214 = 50,788 in the first five blocks, then two 1 MiB
    /// blocks (26,214 + 22,998): 2,031,616 + 2,097,152 = 4,128,768.
    @Test func smallAllocationsPackIntoGrowingBlocks() throws {
        let arena = try #require(CONNX_arena_create())
        defer { CONNX_arena_destroy(arena) }
        var pointers: [UnsafeMutablePointer<Int>] = []
        for index in 0..<100_000 {
            let raw = try #require(CONNX_arena_alloc(arena, 24))
            #expect(Int(bitPattern: raw) % 8 == 0)
            let words = raw.bindMemory(to: Int.self, capacity: 3)
            words.initialize(repeating: index, count: 3)
            pointers.append(words)
        }
        // nothing overlapped: every allocation still holds what was written into it
        #expect(pointers.indices.allSatisfy { pointers[$0][0] == $0 && pointers[$0][2] == $0 })
        let stats = CONNX_arena_statistics(arena)
        #expect(stats.small_allocations == 100_000 && stats.large_allocations == 0)
        if stats.redzone_bytes == 0 {
            #expect(stats.reserved_bytes == 3_080_192)
            #expect(stats.reserved_bytes <= 100_000 * 32)
        } else {
            #expect(stats.redzone_bytes == 16 && stats.reserved_bytes == 4_128_768)
        }
        #expect(!CONNX_arena_failed(arena))
    }

    /// 512 bytes and up are their own malloc with a 24-byte header, and freeing gives them back;
    /// freeing a small allocation leaves its block alone.
    @Test func largeAllocationsAreFreedSmallOnesStay() throws {
        let arena = try #require(CONNX_arena_create())
        defer { CONNX_arena_destroy(arena) }
        let large = try #require(CONNX_arena_alloc(arena, 1024))
        #expect(CONNX_arena_statistics(arena).reserved_bytes == 1_048)
        CONNX_arena_free(arena, large)
        #expect(CONNX_arena_statistics(arena).reserved_bytes == 0)

        let small = try #require(CONNX_arena_alloc(arena, 511)) // rounds to 512 in the first block
        #expect(CONNX_arena_statistics(arena).reserved_bytes == 65_536)
        CONNX_arena_free(arena, small)
        CONNX_arena_free(arena, nil)
        let stats = CONNX_arena_statistics(arena)
        #expect(stats.reserved_bytes == 65_536 && stats.small_allocations == 1 && stats.large_allocations == 1)
        // two live large ones, one freed: the other is freed with the arena (ASan reports a leak otherwise)
        let kept = try #require(CONNX_arena_alloc(arena, 4096))
        let dropped = try #require(CONNX_arena_alloc(arena, 512))
        CONNX_arena_free(arena, dropped)
        #expect(CONNX_arena_statistics(arena).reserved_bytes == 65_536 + 4096 + 24)
        kept.storeBytes(of: 7, as: Int.self)
    }

    /// Like malloc(0), a zero-byte request gets a distinct pointer.
    @Test func zeroByteAllocationsAreDistinct() throws {
        let arena = try #require(CONNX_arena_create())
        defer { CONNX_arena_destroy(arena) }
        let first = try #require(CONNX_arena_alloc(arena, 0))
        let second = try #require(CONNX_arena_alloc(arena, 0))
        #expect(first != second)
    }

    /// protobuf-c allocates a scan table of 32 × 32 = 1,024 bytes for every message with more than 16
    /// fields and frees it when the message is done. 10,000 nodes of 17 empty inputs each: kept, those
    /// tables alone would take 10 MB; given back, the model holds per node its struct, the 17-pointer
    /// input array (136 bytes) and 17 one-byte strings (8 bytes each in the arena), plus the graph's
    /// 80,000-byte node array (a large allocation, 24-byte header).
    @Test func scanTablesOfAnUnpackGoBack() throws {
        let nodeCount = 10_000
        var node: [UInt8] = []
        for _ in 0..<17 { node += [0x0A, 0x00] } // input (field 1), ""
        var graph: [UInt8] = []
        for _ in 0..<nodeCount { graph += [0x0A] + varint(node.count) + node } // node (field 1)
        let model: [UInt8] = [0x3A] + varint(graph.count) + graph // graph (field 7)
        var unpacked = CONNX_unpacked_model()
        let status = model.withUnsafeBufferPointer { CONNX_model_unpack($0.baseAddress, $0.count, 0, &unpacked) }
        defer { CONNX_unpacked_model_free(&unpacked) }
        #expect(status == CONNX_OK)
        let parsed = try #require(unpacked.model?.pointee.graph?.pointee)
        #expect(parsed.n_node == nodeCount && parsed.node[nodeCount - 1]?.pointee.n_input == 17)
        let stats = CONNX_arena_statistics(unpacked.arena)
        let nodeStruct = (MemoryLayout<Onnx__NodeProto>.size + 7) / 8 * 8 + Int(stats.redzone_bytes)
        let perNode = nodeStruct + (136 + Int(stats.redzone_bytes)) + 17 * (8 + Int(stats.redzone_bytes))
        let modelBytes = nodeCount * perNode + 80_000 + 24
        #expect(Int(stats.reserved_bytes) >= modelBytes)
        // the rest: the model and graph structs and the blocks' tails, well under one 1,024-byte table per node
        #expect(Int(stats.reserved_bytes) <= modelBytes + Int(CONNX_ARENA_MAX_BLOCK) + 64 * 1024)
    }

    private func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        return bytes + [UInt8(rest)]
    }
}
