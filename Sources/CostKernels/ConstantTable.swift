import ONNXGraph

/// Constant tensors of every graph, by name, as dense entries: the cost pass maps each graph's tensor
/// ids to entries once, then checks a node's inputs (and whether a parameter was already counted,
/// once per model) by index, not by hashing names.
struct ConstantTable {
    private var entryOf: [String: Int] = [:]
    /// The stored tensor of each entry; `nil` for a constant with no initializer (a Constant output).
    private var tensors: [TensorData?] = []
    private var counted: [Bool] = []

    init(capacity: Int = 0) {
        entryOf.reserveCapacity(capacity)
        tensors.reserveCapacity(capacity)
        counted.reserveCapacity(capacity)
    }

    var count: Int { tensors.count }

    /// The entry of `name`, added (with no stored tensor) when it has none.
    mutating func entry(_ name: String) -> Int {
        let next = tensors.count
        let entry = Self.read(&entryOf[name, default: next])
        if entry == next {
            tensors.append(nil)
            counted.append(false)
        }
        return entry
    }

    /// Stores `tensor` under its name (replacing what that name held).
    mutating func set(_ tensor: TensorData) {
        let entry = entry(tensor.name)
        tensors[entry] = tensor
    }

    func tensor(_ entry: Int) -> TensorData? { tensors[entry] }

    /// Whether `name` has a stored tensor.
    func hasTensor(_ name: String) -> Bool {
        guard let entry = entryOf[name] else { return false }
        return tensors[entry] != nil
    }

    /// Room for `count` more names.
    mutating func reserve(_ count: Int) {
        entryOf.reserveCapacity(entryOf.count + count)
        tensors.reserveCapacity(tensors.count + count)
        counted.reserveCapacity(counted.count + count)
    }

    func isCounted(_ entry: Int) -> Bool { counted[entry] }
    mutating func markCounted(_ entry: Int) { counted[entry] = true }

    private static func read(_ value: inout Int) -> Int { value }
}
