import Testing
@testable import ONNXGraph

/// The interned symbols behind `SymbolicInt` (ONNXGraph has no test target of its own; the loader's
/// tests are the layer's): the table, the 16-byte layout it buys, and that polynomials over interned
/// symbols still compare, hash and print by value and by name.
@Suite struct SymbolTableTests {
    @Test func symbolicIntIsSixteenBytes() {
        #expect(MemoryLayout<SymbolicInt>.size <= 16)
        #expect(MemoryLayout<SymbolicInt>.stride == 16)
        #expect(MemoryLayout<Dim>.stride == 16)
    }

    @Test func chunkLocations() {
        // Chunk k holds 64 << k entries: ids 0...63 in chunk 0, 64...191 in chunk 1, 192... in chunk 2.
        #expect(SymbolTable.location(0) == (0, 0))
        #expect(SymbolTable.location(63) == (0, 63))
        #expect(SymbolTable.location(64) == (1, 0))
        #expect(SymbolTable.location(191) == (1, 127))
        #expect(SymbolTable.location(192) == (2, 0))
        // 2^32 - 1 + 64 = 2^32 + 63: chunk 26 starts at 64·(2^26 - 1) = 2^32 - 64, so offset 63 of 2^32.
        #expect(SymbolTable.location(UInt32.max) == (26, 63))
    }

    @Test func sameNameSameIdAndNamesRoundTrip() {
        let table = SymbolTable()
        let batch = table.id(of: "batch"), sequence = table.id(of: "sequence")
        #expect(batch.rawValue == 0 && sequence.rawValue == 1)  // first-seen order
        #expect(table.id(of: "batch") == batch)
        #expect(table.id(of: "sequence") == sequence)
        #expect(table.entry(batch).name == "batch" && table.entry(sequence).name == "sequence")
        #expect(!table.entry(batch).isOpaque)
        #expect(table.entry(table.id(of: "expr_0123456789abcdef")).isOpaque)
        #expect(table.count == 3)
        // Past the first two chunks (64 + 128 entries): every name still reads back.
        let names = (0..<300).map { "s\($0)" }
        let ids = names.map { table.id(of: $0) }
        #expect(Set(ids).count == 300)
        #expect(ids.map { table.entry($0).name } == names)
        #expect(ids.last?.rawValue == 302)
        #expect(table.count == 303)
    }

    @Test func concurrentInterningGivesOneIdPerName() async {
        let table = SymbolTable()
        let names = (0..<500).map { "dim_\($0)" }
        // 16 tasks intern the same 500 names, each starting at a different place.
        let results = await withTaskGroup(of: [String: UInt32].self) { group in
            for task in 0..<16 {
                group.addTask {
                    var seen: [String: UInt32] = [:]
                    for index in 0..<names.count {
                        let name = names[(index + task * 31) % names.count]
                        seen[name] = table.id(of: name).rawValue
                    }
                    return seen
                }
            }
            var all: [[String: UInt32]] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 16)
        for result in results { #expect(result == results[0]) }
        #expect(Set(results[0].values) == Set(0..<500))
        #expect(table.count == 500)
        for (name, id) in results[0] { #expect(table.entry(SymbolID(rawValue: id)).name == name) }
    }

    @Test func singleAndGeneralStorageCompareByValue() {
        let x = Polynomial(symbol: "x_storage")
        // 3·x² built by products (inline `.single`) and from a term list (canonicalized).
        let byProducts = x.multiplied(by: x)!.multiplied(by: Polynomial(constant: 3))!
        let fromTerms = Polynomial(normalizing: [.init(coefficient: 3, monomial: .init(factors: [.init(symbol: "x_storage", power: 2)]))])
        guard case .single(3, let symbol, 2) = byProducts.storage else { Issue.record("not single"); return }
        #expect(symbol.name == "x_storage")
        #expect(byProducts == fromTerms)
        #expect(byProducts.hashValue == fromTerms.hashValue)
        #expect(Set([byProducts, fromTerms]).count == 1)
        #expect(byProducts.description == "3*x_storage^2")
        // x + y − y: the general sum collapses back to the inline form of x.
        let y = Polynomial(symbol: "y_storage")
        let roundTrip = x.adding(y)!.adding(y.negated()!)!
        #expect(roundTrip == x && roundTrip.hashValue == x.hashValue)
        #expect(x != y)
        // A power past 16 bits stays general, and equal general values are equal.
        let huge = [Polynomial.Term(coefficient: 1, monomial: .init(factors: [.init(symbol: "x_storage", power: 70_000)]))]
        let general = Polynomial(normalizing: huge)
        guard case .general = general.storage else { Issue.record("not general"); return }
        #expect(general == Polynomial(normalizing: huge) && general != x)
        #expect(general.symbols == ["x_storage"])
    }

    @Test func orderFollowsNamesNotIds() {
        // `zeta_order` is interned before `alpha_order`, so its id is smaller; order is still by name.
        let zeta = SymbolicInt.symbol("zeta_order"), alpha = SymbolicInt.symbol("alpha_order")
        #expect((zeta * alpha).description == "alpha_order*zeta_order")
        #expect((alpha * zeta).description == "alpha_order*zeta_order")
        #expect(zeta * alpha == alpha * zeta)
        #expect((zeta + alpha).description == "alpha_order + zeta_order")
        // 2·zeta·alpha + 3·zeta²: degree 2 both, zeta² after alpha·zeta by the first factor's name.
        let sum = 2 * zeta * alpha + 3 * zeta * zeta
        #expect(sum.description == "2*alpha_order*zeta_order + 3*zeta_order^2")
        #expect(sum.evaluated(["zeta_order": 5, "alpha_order": 7]) == 2 * 5 * 7 + 3 * 25)  // 70 + 75 = 145
        // Equal sums of singles: 4·zeta, then += the same multiple in place.
        var count = 4 * zeta
        count += 6 * zeta
        #expect(count == 10 * zeta && count.description == "10*zeta_order")
        #expect(count.substituting(["zeta_order": 3]) == 30)
    }
}
