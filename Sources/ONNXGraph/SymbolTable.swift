import Synchronization

/// A symbol name (`batch`, `s23`, `expr_…`) as a 32-bit id into `SymbolTable.shared`.
///
/// The one-symbol form of a polynomial (`4096*batch`, nearly every symbolic dim and cost) holds an
/// id instead of a `String`: a `SymbolicInt` is then 16 bytes of plain data that copies without
/// reference counting, and equal symbols compare as equal integers. Ids are handed out in first-seen
/// order, so anything ordered by symbol (monomials, descriptions) compares `name`s, never ids.
struct SymbolID: Hashable, Sendable {
    let rawValue: UInt32

    /// The id of `name`, interning it on first sight.
    init(_ name: String) { self = SymbolTable.shared.id(of: name) }

    init(rawValue: UInt32) { self.rawValue = rawValue }

    var name: String { SymbolTable.shared.entry(self).name }

    /// Whether the name stands for an expression past `Polynomial.Budget` (`expr_…`).
    var isOpaque: Bool { SymbolTable.shared.entry(self).isOpaque }
}

/// The process-wide, append-only table behind `SymbolID`: a name never leaves it and an id is never
/// reused, so an id stays valid for the life of the process and names read back without a lock.
///
/// Interning takes a lock (tests and `scan` workers analyze in parallel). Reading a name does not: the
/// entries sit in chunks that never move (chunk k holds `64 << k` entries, 27 chunks cover every
/// `UInt32`), each written once, before its id is handed out under the lock, so whoever holds an id
/// already sees its entry. The table grows with the distinct names of every model a process reads
/// (a name or two per symbolic input dim and per opaque expression, a few dozen bytes each).
final class SymbolTable: @unchecked Sendable {
    struct Entry {
        let name: String
        let isOpaque: Bool
    }

    static let shared = SymbolTable()

    /// Entries in the first chunk; chunk k holds `firstChunk << k`.
    static let firstChunk = 64
    static let chunkCount = 27

    /// Name → id; its count is the next id. Every write to `chunks` happens under this lock.
    private let ids = Mutex<[String: UInt32]>([:])
    /// `chunkCount` chunk pointers, allocated once; a chunk is allocated when its first id is handed out.
    private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>

    init() {
        chunks = .allocate(capacity: Self.chunkCount)
        chunks.initialize(repeating: nil, count: Self.chunkCount)
    }

    deinit {
        let count = ids.withLock { $0.count }
        for index in 0..<count {
            let (chunk, offset) = Self.location(UInt32(index))
            (chunks[chunk]! + offset).deinitialize(count: 1)
        }
        for chunk in 0..<Self.chunkCount { chunks[chunk]?.deallocate() }
        chunks.deallocate()
    }

    /// The chunk and the offset in it of entry `id`.
    @inline(__always)
    static func location(_ id: UInt32) -> (chunk: Int, offset: Int) {
        let shifted = UInt64(id) + UInt64(firstChunk)
        let chunk = (63 - shifted.leadingZeroBitCount) - 6
        return (chunk, Int(shifted) - (firstChunk << chunk))
    }

    /// Number of names interned so far.
    var count: Int { ids.withLock { $0.count } }

    func id(of name: String) -> SymbolID {
        ids.withLock { ids in
            if let id = ids[name] { return SymbolID(rawValue: id) }
            // 2^32 names of at least a byte each would not fit in memory long before this.
            precondition(ids.count < Int(UInt32.max), "symbol table full")
            let id = UInt32(ids.count)
            let (chunk, offset) = Self.location(id)
            if offset == 0 { chunks[chunk] = .allocate(capacity: Self.firstChunk << chunk) }
            (chunks[chunk]! + offset).initialize(to: Entry(name: name, isOpaque: name.hasPrefix(Polynomial.Budget.opaquePrefix)))
            ids[name] = id
            return SymbolID(rawValue: id)
        }
    }

    /// The entry of an id this table handed out.
    @inline(__always)
    func entry(_ id: SymbolID) -> Entry {
        let (chunk, offset) = Self.location(id.rawValue)
        return chunks[chunk].unsafelyUnwrapped[offset]
    }
}
