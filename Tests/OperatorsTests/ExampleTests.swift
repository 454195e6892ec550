import ONNXCost
@testable import Operators
import Testing

@Test(arguments: [
    // [2,3,1] + [4] → [2,3,4]; 24 elements × 1 FLOP.
    ([Dim(2), 3, 1], [Dim(4)], [Dim(2), 3, 4], 24),
])
func exampleAdd(a: [Dim], b: [Dim], expected: [Dim], flops: Int) throws {
    let registry = OpRegistry(operators: [ExampleAddOp.self])
    let result = try run(node("ExampleAdd", ["a", "b"]), inputs: [.tensor(.init(dtype: .float, shape: a)), .tensor(.init(dtype: .float, shape: b))], registry: registry)
    #expect(result.types == [.tensor(.init(dtype: .float, shape: expected))])
    #expect(result.cost?.flops == .value(flops))
}
