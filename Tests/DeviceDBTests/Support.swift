import CostKernels
import DeviceDB
import Foundation
import ONNXGraph
import ONNXLoader
import Operators
import ShapeInference

/// Builds small models in memory and prices them through the layers below the facade:
/// shapes → costs → roofline (fixture files are read with the loader).
enum Pricing {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/models/\(name)").path }

    static func tensor(_ name: String, _ dtype: DataType, _ dims: [Int]) -> ValueInfo {
        ValueInfo(name: name, type: .tensor(TensorType(dtype: dtype, shape: dims.map { .value($0) })))
    }

    /// A weight declared with its dims only (its bytes are never read).
    static func weight(_ name: String, _ dtype: DataType, _ dims: [Int]) -> TensorData {
        TensorData(name: name, dtype: dtype, dims: dims, location: .external(path: "w.data", offset: 0, length: nil), value: nil)
    }

    static func ints(_ name: String, _ values: [Int]) -> TensorData {
        TensorData(name: name, dtype: .int64, dims: [values.count], location: .inline(byteCount: values.count * 8),
                   value: .ints(values.map { .value($0) }))
    }

    static func model(nodes: [Node], inputs: [ValueInfo], outputs: [String], initializers: [TensorData] = [], opset: Int = 17) -> Model {
        Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset)],
              graph: Graph(name: "g", nodes: nodes, inputs: inputs, outputs: outputs.map { ValueInfo(name: $0, type: .unknown) },
                           initializers: initializers))
    }

    static func costs(_ model: Model, precision: Precision? = nil, bindings: [String: Int] = [:]) -> CostReport {
        let shapes = ShapePropagation(model: model, resolver: OpRegistry.builtin, options: ShapeInferenceOptions(dimBindings: bindings)).run()
        return CostPass(model: model, shapes: shapes, options: CostOptions(targetPrecision: precision), rules: OpRegistry.builtin).run()
    }

    static func costs(fixture name: String, precision: Precision? = nil, bindings: [String: Int]) throws -> CostReport {
        let loaded = try ModelLoader.load(path: fixture(name))
        return costs(loaded.model, precision: precision, bindings: bindings)
    }

    static func device(_ name: String) throws -> Device { try DeviceCatalog.builtin().device(named: name) }

    static func roofline(_ costs: CostReport, on device: Device, _ options: RooflineOptions = .init()) throws -> RooflineResult {
        guard let result = try Roofline.estimate(costs: costs, device: device, options: options) else {
            throw PricingError.symbolic
        }
        return result
    }

    enum PricingError: Error { case symbolic }
}

/// `a` and `b` agree to a relative tolerance.
func close(_ a: Double, _ b: Double, _ relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b))
}
