import ONNXGraph

/// Counts summed by element type (MACs, FLOPs by compute precision). A graph has one or two compute
/// types, so a short list scanned per node beats hashing the type per node; the dictionary the
/// report reads is built once at the end. Each type's sum is added in node order, as the
/// dictionary was.
struct TypeTotals {
    private(set) var entries: [(type: DataType, sum: SymbolicInt)] = []

    /// Adds `amount` to the sum of `type` (a new type starts at `amount`, i.e. `0 + amount`).
    mutating func add(_ amount: SymbolicInt, to type: DataType) {
        for index in entries.indices where entries[index].type == type {
            entries[index].sum += amount
            return
        }
        entries.append((type, amount))
    }

    /// The sums by type.
    var dictionary: [DataType: SymbolicInt] {
        var result: [DataType: SymbolicInt] = [:]
        for entry in entries { result[entry.type] = entry.sum }
        return result
    }
}
