@testable import CostKernels
import ONNXGraph
import Testing

/// The per-type sums the cost pass keeps instead of a dictionary updated per node, and the
/// zero shortcut of its additions: both must give what the code they replaced gave.
@Suite struct TypeTotalsTests {
    @Test func sumsEachTypeInTheOrderAdded() {
        var sums = TypeTotals()
        #expect(sums.dictionary.isEmpty)
        sums.add(6, to: .float)
        sums.add(.symbol("b"), to: .int8)
        sums.add(4, to: .float)
        sums.add(.symbol("b") * 2, to: .int8)
        // float: 6 + 4; int8: b + 2·b.
        #expect(sums.dictionary == [.float: 10, .int8: .symbol("b") * 3])
        #expect(sums.entries.map(\.type) == [.float, .int8])
        // An overflowing sum is unknown, as `+=` on the dictionary's entry made it.
        sums.add(.value(Int.max), to: .float)
        #expect(sums.dictionary[.float] == .unknown)
    }

    @Test func addingSkipsZeroExactly() {
        let values: [SymbolicInt] = [0, 5, .symbol("s"), .symbol("s") * .symbol("t") + 3, .unknown]
        for a in values {
            for b in values {
                var sum = a
                CostPass.State.add(b, to: &sum)
                #expect(sum == a + b)
                #expect(CostPass.State.sum(a, b) == a + b)
            }
        }
    }

    @Test func elementCountMemoAnswersWhatElementCountDoes() {
        var memo = ElementCountMemo()
        let symbolic = TensorType(dtype: .float, shape: [.symbol("b"), 1024])
        #expect(memo.elementCount(nil) == nil)
        #expect(memo.elementCount(TensorType(dtype: .float, shape: nil)) == .unknown)
        // b·1024, then the same again (kept), then an equal shape in another array, then a new one: 2·3.
        #expect(memo.elementCount(symbolic) == .symbol("b") * 1024)
        #expect(memo.elementCount(symbolic) == .symbol("b") * 1024)
        #expect(memo.elementCount(TensorType(dtype: .int8, shape: [.symbol("b"), 1024])) == .symbol("b") * 1024)
        #expect(memo.elementCount(TensorType(dtype: .float, shape: [2, 3])) == 6)
        // A scalar has one element; an overflowing product is unknown.
        #expect(memo.elementCount(TensorType(dtype: .float, shape: [])) == 1)
        #expect(memo.elementCount(TensorType(dtype: .float, shape: [.value(1 << 40), .value(1 << 40)])) == .unknown)
    }
}
