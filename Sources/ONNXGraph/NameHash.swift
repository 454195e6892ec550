/// The 64-bit hash of a name's bytes behind the tables that number names: the loader's string
/// interner (unseeded: it bounds its probes instead) and the shape pass's tensor-name table (seeded
/// per process). Eight bytes per multiply, a rotate between words, then MurmurHash3's finalizer so
/// that the low bits that pick a slot depend on every byte. It never reads outside `bytes`.
public enum NameHash {
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = seed ^ UInt64(truncatingIfNeeded: bytes.count)
        var offset = 0
        while offset &+ 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = ((hash << 5 | hash >> 59) ^ word) &* multiplier
            offset &+= 8
        }
        if offset < bytes.count { // the last 1-7 bytes, one at a time
            var word: UInt64 = 0
            for index in offset..<bytes.count { word = word << 8 | UInt64(bytes[index]) }
            hash = ((hash << 5 | hash >> 59) ^ word) &* multiplier
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        return hash ^ hash >> 33
    }
}
