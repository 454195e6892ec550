import Foundation
import ONNXGraph
import ONNXLoader
import Operators
import ShapeInference
import Testing

/// ONNX's own backend test suite (Debian `libonnx-testdata`), under the protocol of the shapes issue:
/// declared output types and all value_info are stripped; every numeric or bool graph input of at most
/// 64 elements becomes an initializer holding its `test_data_set_0/input_N.pb` value; for models whose
/// output size depends on the values of large data inputs, a named symbol counts as right. The inferred
/// output shapes and dtypes must then equal the declared ones.
enum BackendSuite {
    static let root = "/usr/share/libonnx-testdata/data"
    static let folders = ["node", "pytorch-converted", "pytorch-operator", "simple"]
    /// Ops whose output size depends on the values of large data inputs.
    static let dataDependentOps: Set<String> = [
        "NonZero", "NonMaxSuppression", "Unique", "Compress", "StringNormalizer", "StringSplit",
        "TfIdfVectorizer", "ImageDecoder", "Loop",
    ]
    static let foldedInputElementLimit = 64

    struct Outcome {
        var model: String
        var passed: Bool
        var reason: String
    }

    static func modelDirectories() -> [String] {
        var result: [String] = []
        for folder in folders {
            let base = root + "/" + folder
            let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
            for name in names.sorted() where FileManager.default.fileExists(atPath: base + "/" + name + "/model.onnx") {
                result.append(base + "/" + name)
            }
        }
        return result
    }

    /// Runs one model under the protocol; `nil` when it has no tensor outputs (not counted).
    static func check(_ directory: String) -> Outcome? {
        let name = directory.replacingOccurrences(of: root + "/", with: "")
        let loaded: LoadedModel
        do { loaded = try ModelLoader.load(path: directory + "/model.onnx") } catch {
            return Outcome(model: name, passed: false, reason: "load: \(error)")
        }
        var model = loaded.model
        let declared = model.graph.outputs
        guard !declared.isEmpty, declared.allSatisfy({ $0.type.tensor != nil }) else { return nil }
        model.graph.valueInfo = []
        model.graph.outputs = declared.map { ValueInfo(name: $0.name, type: .unknown) }
        let runtimeInputs = model.graph.runtimeInputs
        var kept: [ValueInfo] = []
        for (index, input) in runtimeInputs.enumerated() {
            let path = directory + "/test_data_set_0/input_\(index).pb"
            if let tensor = input.type.tensor, tensor.dtype != .string,
               let data = try? ModelLoader.loadTensor(path: path),
               let count = data.elementCount, count <= foldedInputElementLimit, data.value != nil {
                var constant = data
                constant.name = input.name
                // The graph's declaration is the authority for the type (ONNX 1.12 stores its
                // bfloat16 test data as uint16 tensors).
                if tensor.dtype != .undefined { constant.dtype = tensor.dtype }
                model.graph.initializers.append(constant)
            } else {
                kept.append(input)
            }
        }
        let constantNames = Set(model.graph.initializers.map(\.name))
        model.graph.inputs = kept + model.graph.inputs.filter { constantNames.contains($0.name) }
        let result = ShapePropagation(model: model, resolver: OpRegistry.builtin).run()
        let dataDependent = containsDataDependentOp(model.graph)
        for (want, got) in zip(declared, result.outputs) {
            guard let wantTensor = want.type.tensor else { continue }
            guard let gotTensor = got.type.tensor else {
                return Outcome(model: name, passed: false, reason: "\(want.name): inferred \(got.type)\(failureHint(result))")
            }
            if wantTensor.dtype != gotTensor.dtype {
                return Outcome(model: name, passed: false, reason: "\(want.name): dtype \(gotTensor.dtype.name), declared \(wantTensor.dtype.name)")
            }
            guard let wantShape = wantTensor.shape else { continue }
            guard let gotShape = gotTensor.shape, gotShape.count == wantShape.count else {
                return Outcome(model: name, passed: false, reason: "\(want.name): inferred \(gotTensor), declared \(wantTensor)\(failureHint(result))")
            }
            for (w, g) in zip(wantShape, gotShape) {
                guard let expected = w.intValue else { continue }
                if g.intValue == expected { continue }
                if case .polynomial = g, dataDependent { continue }
                return Outcome(model: name, passed: false, reason: "\(want.name): inferred \(gotTensor), declared \(wantTensor)\(failureHint(result))")
            }
        }
        return Outcome(model: name, passed: true, reason: "")
    }

    static func containsDataDependentOp(_ graph: Graph) -> Bool {
        graph.nodes.contains { node in
            dataDependentOps.contains(node.opType) || node.subgraphs.contains { containsDataDependentOp($0.graph) }
        }
    }

    static func failureHint(_ result: ShapeInferenceResult) -> String {
        if !result.unsupportedOps.isEmpty { return " (no rule: \(result.unsupportedOps.keys.sorted().joined(separator: ", ")))" }
        if let error = result.diagnostics.first(where: { $0.severity == .error }) { return " (\(error))" }
        return ""
    }
}

@Suite struct BackendConformanceTests {
    @Test func backendSuiteShapesMatchDeclared() throws {
        let directories = BackendSuite.modelDirectories()
        try #require(directories.count > 1000, "libonnx-testdata is missing: run tools/setup --testdata")
        let outcomes = directories.compactMap(BackendSuite.check)
        let passed = outcomes.filter(\.passed).count
        let rate = Double(passed) / Double(outcomes.count)
        print("backend suite: \(passed)/\(outcomes.count) models match (\(String(format: "%.1f", rate * 100))%)")
        if ProcessInfo.processInfo.environment["RECORD_CONFORMANCE"] != nil {
            try record(outcomes: outcomes, rate: rate)
        }
        #expect(rate >= 0.99, "failing: \(outcomes.filter { !$0.passed }.prefix(40).map { "\($0.model): \($0.reason)" }.joined(separator: "\n"))")
    }

    /// Writes docs/shape-conformance.md (RECORD_CONFORMANCE=1 tools/test --filter BackendConformance).
    func record(outcomes: [BackendSuite.Outcome], rate: Double) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var text = """
        # Shape conformance: ONNX's backend test suite

        Regenerate: `RECORD_CONFORMANCE=1 tools/test --filter BackendConformance` (the test itself runs in
        every `tools/test`, and fails below 99%).

        Protocol (the shapes issue): the models of Debian's `libonnx-testdata` 1.12 (`data/node`,
        `pytorch-converted`, `pytorch-operator`, `simple`); declared output types and all `value_info` are
        stripped; every numeric or bool graph input of at most 64 elements is folded into an initializer
        holding its `test_data_set_0/input_N.pb` value; for models containing \(BackendSuite.dataDependentOps.sorted().joined(separator: ", ")),
        a named symbol counts as right. Models whose outputs are not all tensors are not counted.
        Reference points on the same protocol: ONNX's own shape inference 93.3%, onnx-tool 64.6%.

        **Result: \(outcomes.filter(\.passed).count) of \(outcomes.count) models match (\(String(format: "%.2f", rate * 100))%).**

        ## Failing models

        | model | reason |
        |---|---|

        """
        for outcome in outcomes where !outcome.passed {
            text += "| \(outcome.model) | \(outcome.reason.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        try text.write(to: root.appendingPathComponent("docs/shape-conformance.md"), atomically: true, encoding: .utf8)
    }
}
