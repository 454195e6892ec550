import ONNXCost
import Testing

@Test func registryBuilds() {
    _ = OpRegistry.builtin.registeredOps
}
