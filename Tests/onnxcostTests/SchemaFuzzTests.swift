import Foundation
import ONNXCost
import SchemaFuzz
import Testing

/// A bounded run of the schema-directed fuzzer (tools/fuzz/Schema): every registered op, graphs
/// with extreme values, in-process. Longer runs: tools/fuzz/run-schema-fuzzer.sh (docs/robustness.md).
@Suite struct SchemaFuzzTests {
    @Test func boundedRunCoversEveryOpWithoutFindings() {
        let fuzzer = SchemaFuzzer(seed: 20_261_205, caseBudget: 1.0 * Robust.slowdown)
        let count = 8 * SchemaFuzzer.ops.count
        let summary = fuzzer.run(0..<count)
        #expect(summary.cases == count)
        #expect(summary.opsCovered.count == SchemaFuzzer.ops.count)
        #expect(summary.findings.isEmpty, "\(summary.findings.prefix(20).map(\.description).joined(separator: "\n"))")
    }

    /// The generator is deterministic (a finding is replayable from seed and case index), and most
    /// cases reach the op's rule (not only arity or attribute rejections).
    @Test func casesAreReplayableAndReachTheRules() {
        let fuzzer = SchemaFuzzer(seed: 7)
        // compared as text: NaN constants make `==` false for equal models
        #expect("\(fuzzer.makeCase(123).model)" == "\(fuzzer.makeCase(123).model)")
        #expect("\(fuzzer.makeCase(123).model)" != "\(fuzzer.makeCase(124).model)")
        var inferred = 0
        let count = SchemaFuzzer.ops.count
        for index in 0..<count {
            let fuzzCase = fuzzer.makeCase(index)
            let shapes = ShapePropagation(model: fuzzCase.model, resolver: OpRegistry.builtin).run()
            if shapes.main.nodes.first?.status == .inferred { inferred += 1 }
        }
        #expect(inferred * 5 >= count, "only \(inferred) of \(count) cases reached an inferred node")
    }

    /// The fuzzer's checks can fail: a negative dim in a report is a finding.
    @Test func negativeOutputIsAFinding() {
        // An in-memory model can carry what no file can: a declared negative dim flowing through Identity.
        let graph = Graph(nodes: [Node(name: "n", opType: "Identity", inputs: ["x"], outputs: ["y"])],
                          inputs: [ValueInfo(name: "x", type: .tensor(TensorType(dtype: .float, shape: [.value(-4)])))],
                          outputs: [ValueInfo(name: "y", type: .unknown)])
        let fuzzCase = SchemaFuzzer.Case(index: 0, op: "Identity", model: Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], graph: graph))
        let findings = SchemaFuzzer(seed: 1).check(fuzzCase).findings
        let kinds = Set(findings.map(\.kind))
        #expect(!kinds.isDisjoint(with: ["negative_count", "negative_dim", "negative_total"]), "\(findings)")
    }
}
