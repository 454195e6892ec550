import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

// Helpers shared by the Elementwise, Logical, Activation, Reduction and Quantization tests.

/// The case name of the ShapeError `body` throws ("no error" when it does not), for error tables.
func opsErrorKind(_ body: () throws -> Void) -> String {
    do { try body() } catch let error as ShapeError {
        switch error {
        case .arity: return "arity"
        case .missingAttribute: return "missingAttribute"
        case .invalidAttribute: return "invalidAttribute"
        case .missingInput: return "missingInput"
        case .unknownInput: return "unknownInput"
        case .invalidInput: return "invalidInput"
        case .rankMismatch: return "rankMismatch"
        case .incompatibleDims: return "incompatibleDims"
        case .needsConstant: return "needsConstant"
        case .unsupportedOpset: return "unsupportedOpset"
        case .overflow: return "overflow"
        case .negativeDim: return "negativeDim"
        case .unsupported: return "unsupported"
        }
    } catch { return "other: \(error)" }
    return "no error"
}

/// Runs only the shape rule (for cases whose cost cannot be computed, such as unknown ranks).
func opsInferOnly(_ node: Node, opset: Int, inputs: [ValueType?], values: [TensorValue?] = []) throws -> (types: [ValueType], values: [TensorValue?], warnings: [String]) {
    guard let rule = try OpRegistry.builtin.shapeRule(for: node, opset: opset) else {
        throw ShapeError.unsupported("no rule for \(node.opType)")
    }
    var padded = values
    while padded.count < inputs.count { padded.append(nil) }
    var ctx = ShapeContext(node: node, opset: opset, inputTypes: inputs, inputValues: padded)
    let types = try rule.inferShapes(&ctx)
    return (types, ctx.outputValues, ctx.warnings)
}

/// A tensor type of `dtype` and `dims`.
func opsTensor(_ dtype: DataType, _ dims: [Dim]?) -> ValueType { .tensor(TensorType(dtype: dtype, shape: dims)) }
