import ONNXGraph
@testable import Operators
import Testing

/// The shared value helpers of Sources/Operators/Support that several families step through.
@Suite struct SupportTests {
    /// Row-major order through a [2, 3] shape: the last axis fastest, wrapping to zeros at the end.
    @Test func advanceWalksRowMajor() {
        var index = [0, 0]
        var seen: [[Int]] = []
        for _ in 0..<6 {
            ValueKit.advance(&index, in: [2, 3])
            seen.append(index)
        }
        #expect(seen == [[0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [0, 0]])
    }

    @Test func knownNeedsEveryDimKnown() {
        #expect(ValueKit.known([2, 3]) == [2, 3])
        #expect(ValueKit.known([2, .symbol("batch")]) == nil)
        #expect(ValueKit.known(nil) == nil)
    }
}
