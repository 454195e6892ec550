// Makes Swift strings from the C strings of an unpacked model, one `String` per distinct name.
import Foundation
import ONNXGraph

/// Turns the C strings of one unpacked model into `String`s, making each distinct long string once.
///
/// Why: a tensor name appears two or three times in a file (the producing node's output, then each
/// consumer's input), and names in exported decoders are long ("/model/layers.17/self_attn/…"), so
/// `String(cString:)` allocated and validated every copy. Here later copies share the first one's
/// storage (which also makes equal names compare by identity later on).
///
/// Strings are keyed by their bytes: the table keeps a pointer to the first occurrence's C string,
/// which lives in the protobuf-c arena as long as the converter runs. Short strings (op types,
/// attribute names) are interned too: a `String` of up to 15 bytes has no storage to share, but
/// finding it costs about half of validating and making it again. The result is the same string that
/// `String(cString:)` makes (invalid UTF-8 repaired the same way), since the first occurrence is
/// made with the same repairing decoder.
///
/// The hash is not seeded, so a hostile file could make its names collide; a lookup therefore
/// gives up after `maximumProbes` slots and makes the string without the table: never slower than
/// a bounded number of comparisons per string, never wrong.
struct StringInterner {
    private struct Entry {
        var bytes: UnsafePointer<UInt8>
        var count: Int
        var hash: UInt64
        var string: String
    }

    static let maximumProbes = 32

    private var entries: [Entry] = []
    /// Open addressing with linear probing: `entries` index + 1, or 0 for an empty slot.
    private var slots: [Int32]
    private var mask: Int

    /// A table sized for about `capacity` distinct strings (it grows past that).
    init(capacity: Int = 1024) {
        let capacity = min(max(capacity, 8), 1 << 24) // (a count read from a file: bounded)
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        entries.reserveCapacity(capacity)
    }

    /// The number of distinct strings made so far.
    var count: Int { entries.count }

    /// The string at `pointer` (NUL-terminated, as protobuf-c leaves every string field); "" for NULL.
    mutating func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        if pointer.pointee == 0 { return "" }
        let bytes = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        return interned(bytes, count: strlen(pointer))
    }

    private mutating func interned(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
        let hash = Self.hash(bytes, count: count)
        var slot = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<Self.maximumProbes {
            let index = Int(slots[slot]) &- 1
            if index < 0 { return inserted(bytes, count: count, hash: hash, at: slot) }
            // fields read in place: copying the entry would retain and release its string
            if entries[index].hash == hash, entries[index].count == count, memcmp(entries[index].bytes, bytes, count) == 0 {
                return entries[index].string
            }
            slot = (slot &+ 1) & mask
        }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Makes the string and records it in the empty `slot` (out of line: the lookup above runs for
    /// every name, this once per distinct one).
    @inline(never)
    private mutating func inserted(_ bytes: UnsafePointer<UInt8>, count: Int, hash: UInt64, at slot: Int) -> String {
        let string = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        entries.append(Entry(bytes: bytes, count: count, hash: hash, string: string))
        slots[slot] = Int32(entries.count)
        if entries.count * 2 > slots.count { grow() }
        return string
    }

    /// Doubles the slots and places every entry again (an entry that finds no slot within
    /// `maximumProbes` is dropped: later copies of it are made without the table).
    private mutating func grow() {
        guard slots.count < Int(Int32.max) / 2 else { return }
        let size = slots.count * 2
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            for _ in 0..<Self.maximumProbes {
                if slots[slot] == 0 {
                    slots[slot] = Int32(index + 1)
                    break
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// `NameHash` of the `count` bytes at `bytes`, unseeded (see the type's comment).
    static func hash(_ bytes: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        NameHash.hash(UnsafeRawBufferPointer(start: bytes, count: count), seed: 0)
    }
}
