import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

/// One row of an operator table test: a node's inputs, values and attributes, and the output types
/// and cost it must give. `nil` expectations are not checked.
struct ShapeCostCase: Sendable, CustomTestStringConvertible {
    var label: String
    var op: String
    var inputs: [ValueType?]
    var values: [TensorValue?] = []
    var attrs: [String: Attribute.Value] = [:]
    var opset = 21
    var outputs = 1
    var expected: [ValueType]
    var macs: Dim?
    var flops: Dim?
    var transcendentals: Dim?
    var computeType: DataType?

    var testDescription: String { label }

    /// Runs the node through the builtin registry and checks every stated expectation.
    func check() throws {
        let names = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
        let result = try run(node(op, names, outputs: outputs, attrs: attrs), opset: opset, inputs: inputs, values: values)
        #expect(result.types == expected, "\(label): types")
        if let macs { #expect(result.cost?.macs == macs, "\(label): MACs") }
        if let flops { #expect(result.cost?.flops == flops, "\(label): FLOPs") }
        if let transcendentals { #expect(result.cost?.transcendentals == transcendentals, "\(label): transcendentals") }
        if let computeType { #expect(result.cost?.computeType == computeType, "\(label): compute type") }
    }
}

/// A row that must throw a `ShapeError` of the named case (`invalidAttribute`, `incompatibleDims`…).
struct ShapeErrorCase: Sendable, CustomTestStringConvertible {
    var label: String
    var op: String
    var inputs: [ValueType?]
    var values: [TensorValue?] = []
    var attrs: [String: Attribute.Value] = [:]
    var opset = 21
    var outputs = 1
    var error: String

    var testDescription: String { label }

    func check() {
        let names = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
        do {
            _ = try run(node(op, names, outputs: outputs, attrs: attrs), opset: opset, inputs: inputs, values: values)
            Issue.record("\(label): expected a ShapeError.\(error), got a result")
        } catch let thrown as ShapeError {
            let kind = Mirror(reflecting: thrown).children.first?.label ?? "\(thrown)"
            #expect(kind == error, "\(label): \(thrown)")
        } catch {
            Issue.record("\(label): expected a ShapeError, got \(error)")
        }
    }
}
