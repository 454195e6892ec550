import ONNXCost
import Testing

@Test func placeholderCompiles() { #expect(Dim.value(2) * .value(3) == .value(6)) }
