import ONNXGraph
import ShapeInference
import CostKernels

// com.microsoft QLinear* ops of quantized (QDQ → QOperator) CNN/transformer models.
// Convention: a quantized elementwise op = dequantize its inputs (`Conventions.contribDequantize`
// each), compute in float, requantize the output (`Conventions.contribRequantize`), per output element.

/// One row of the QLinear elementwise table.
struct ContribQLinearRow: OperatorRow {
    var type: String
    var inputs: ClosedRange<Int>
    /// Indices of the data inputs that broadcast together into the output (`[0]` for unary ops).
    var dataInputs: [Int]
    /// FLOPs per output element of the float computation between dequantize and requantize.
    var computeFLOPs: Int
    var transcendentals: Int

    var schema: OpSchema { OpSchema(type: type, domain: "com.microsoft", inputs: inputs, outputs: 1...1, traits: .quantizedInputs) }
    var formula: String {
        let flops = dataInputs.count * Conventions.contribDequantize + computeFLOPs + Conventions.contribRequantize
        return "\(dataInputs.count) × `contribDequantize` + \(computeFLOPs) + `contribRequantize` = "
            + ElementwiseSupport.perElement(flops, transcendentals: transcendentals, of: "output element")
    }
    func instantiate(node: Node, opset: Int) throws(ShapeError) -> any OperatorRule { ContribQLinearElementwiseOp(row: self) }

    /// QLinearWhere's condition read-and-select counts like a dequantize.
    static let table: [ContribQLinearRow] = [
        .init(type: "QLinearAdd", inputs: 7...8, dataInputs: [0, 3], computeFLOPs: Conventions.arithmetic, transcendentals: 0),
        .init(type: "QLinearMul", inputs: 7...8, dataInputs: [0, 3], computeFLOPs: Conventions.arithmetic, transcendentals: 0),
        .init(type: "QLinearSigmoid", inputs: 4...5, dataInputs: [0], computeFLOPs: Conventions.sigmoid, transcendentals: 1),
        .init(type: "QLinearLeakyRelu", inputs: 4...5, dataInputs: [0], computeFLOPs: Conventions.simpleActivation, transcendentals: 0),
        .init(type: "QLinearSoftmax", inputs: 4...5, dataInputs: [0], computeFLOPs: Conventions.softmax, transcendentals: 1),
        .init(type: "QLinearWhere", inputs: 9...9, dataInputs: [0, 1, 4], computeFLOPs: 0, transcendentals: 0),
    ]
}

/// A QLinear elementwise op: output = broadcast of the data inputs, element type of input 0.
/// Cost per output element: `dataInputs.count × contribDequantize + computeFLOPs + contribRequantize`.
struct ContribQLinearElementwiseOp: OperatorRule {
    let row: ContribQLinearRow

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(row.dataInputs.count == 3 ? 1 : 0)
        var shapes: [[Dim]] = []
        for index in row.dataInputs {
            guard let shape = try ctx.tensor(index).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
            shapes.append(shape)
        }
        return [.tensor(TensorType(dtype: dtype, shape: try Broadcast.shape(shapes)))]
    }

    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let perElement = row.dataInputs.count * Conventions.contribDequantize + row.computeFLOPs + Conventions.contribRequantize
        return .elementwise(try ctx.outputElements(), flopsPerElement: perElement, transcendentalsPerElement: row.transcendentals)
    }
}

// MARK: - QLinearConcat

/// Concatenation of quantized tensors, each requantized to the output's scale.
/// Spec: ContribOperators.md#com.microsoft.QLinearConcat · opset 1. Inputs: Y_scale, Y_zero_point,
/// then (tensor, scale, zero_point) triples.
struct QLinearConcatOp: Operator {
    static let schema = OpSchema(type: "QLinearConcat", domain: "com.microsoft", inputs: 5...Int.max, outputs: 1...1, traits: .quantizedInputs)
    let axis: Int

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let axis = try node.optionalInt("axis") else { throw .missingAttribute("axis") }
        self.axis = axis
        guard (node.inputs.count - 2) % 3 == 0 else {
            throw .arity(what: "inputs (2 + 3 per tensor)", expected: 5...5, got: node.inputs.count)
        }
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let dtype = try ctx.dtype(1)
        var result: [Dim]?
        var a = 0
        for index in stride(from: 2, to: ctx.inputCount, by: 3) {
            guard let shape = try ctx.tensor(index).shape else { return [.tensor(TensorType(dtype: dtype, shape: nil))] }
            guard var current = result else {
                a = try Axes.normalize(axis, rank: shape.count)
                result = shape
                continue
            }
            guard shape.count == current.count else { throw .rankMismatch("QLinearConcat inputs have different ranks") }
            for d in 0..<shape.count where d != a { try ContribShape.requireEqual(current[d], shape[d], "QLinearConcat dim \(d)") }
            current[a] = current[a] + shape[a]
            result = current
        }
        return [.tensor(TensorType(dtype: dtype, shape: result))]
    }

    static let formula = "(`contribDequantize` + `contribRequantize`) per output element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.contribDequantize + Conventions.contribRequantize)
    }
}

// MARK: - QLinearGlobalAveragePool

/// Global average pooling of a quantized tensor (NCHW, or NHWC with `channels_last`).
/// Spec: ContribOperators.md#com.microsoft.QLinearGlobalAveragePool · opset 1. Spatial dims become 1.
struct QLinearGlobalAveragePoolOp: Operator {
    static let schema = OpSchema(type: "QLinearGlobalAveragePool", domain: "com.microsoft", inputs: 5...5, outputs: 1...1, traits: .quantizedInputs)
    let channelsLast: Bool

    init(node: Node, opset: Int) throws(ShapeError) { channelsLast = try node.int("channels_last", default: 0) != 0 }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let shape = x.shape else { return [.tensor(x)] }
        guard shape.count >= 3 else { throw .rankMismatch("input needs rank ≥ 3, got \(shape.count)") }
        let channelAxis = channelsLast ? shape.count - 1 : 1
        let out = shape.enumerated().map { $0.offset == 0 || $0.offset == channelAxis ? $0.element : 1 }
        return [.tensor(TensorType(dtype: x.dtype, shape: out))]
    }

    static let formula = "1 per input element (sum) + per output element (1 divide + dequantize + requantize)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let perOutput = Conventions.arithmetic + Conventions.contribDequantize + Conventions.contribRequantize
        return OpCost(flops: try ctx.inputElements(0) * .value(Conventions.reduceStep) + (try ctx.outputElements()) * .value(perOutput))
    }
}

// MARK: - QLinearAveragePool

/// Average pooling of a quantized tensor (NCHW, or NHWC with `channels_last`).
/// Spec: ContribOperators.md#com.microsoft.QLinearAveragePool · opset 1 (output size as AveragePool).
struct QLinearAveragePoolOp: Operator {
    static let schema = OpSchema(type: "QLinearAveragePool", domain: "com.microsoft", inputs: 4...5, outputs: 1...1, traits: .quantizedInputs)
    let geometry: ConvPool.Attributes
    let kernel: [Int]
    let channelsLast: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try ConvPool.Attributes(node: node, useDilations: false)
        guard let kernel = geometry.kernelShape else { throw .missingAttribute("kernel_shape") }
        self.kernel = kernel
        channelsLast = try node.int("channels_last", default: 0) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let shape = x.shape else { return [.tensor(x)] }
        guard shape.count == kernel.count + 2 else { throw .rankMismatch("input rank \(shape.count) vs kernel rank \(kernel.count)") }
        let spatial = channelsLast ? Array(shape[1..<(shape.count - 1)]) : Array(shape.dropFirst(2))
        let out = try ConvPool.outputSpatial(input: spatial, kernel: kernel, attributes: geometry)
        let full = channelsLast ? [shape[0]] + out + [shape[shape.count - 1]] : [shape[0], shape[1]] + out
        return [.tensor(TensorType(dtype: x.dtype, shape: full))]
    }

    static let formula = "Cost per output element: kernel elements (sum) + 1 divide + dequantize + requantize."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let window = kernel.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let perOutput = window + Conventions.arithmetic + Conventions.contribDequantize + Conventions.contribRequantize
        return .elementwise(try ctx.outputElements(), flopsPerElement: perOutput)
    }
}

// MARK: - QLinearReduceMean

/// Mean over `axes` of a quantized tensor.
/// Spec: ContribOperators.md#com.microsoft.QLinearReduceMean · opset 1.
struct QLinearReduceMeanOp: Operator {
    static let schema = OpSchema(type: "QLinearReduceMean", domain: "com.microsoft", inputs: 4...5, outputs: 1...1, traits: .quantizedInputs)
    let axes: [Int]
    let keepDims: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let axes = try node.ints("axes") else { throw .missingAttribute("axes") }
        self.axes = axes
        keepDims = try node.int("keepdims", default: 1) != 0
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        guard let shape = x.shape else { return [.tensor(x)] }
        let reduced = Set(try Axes.normalize(axes, rank: shape.count))
        var out: [Dim] = []
        for (index, dim) in shape.enumerated() {
            if !reduced.contains(index) { out.append(dim) } else if keepDims { out.append(1) }
        }
        return [.tensor(TensorType(dtype: x.dtype, shape: out))]
    }

    static let formula = "1 per input element (sum) + per output element (1 divide + dequantize + requantize)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let perOutput = Conventions.arithmetic + Conventions.contribDequantize + Conventions.contribRequantize
        return OpCost(flops: try ctx.inputElements(0) * .value(Conventions.reduceStep) + (try ctx.outputElements()) * .value(perOutput))
    }
}

// MARK: - QuantizeLinear / DequantizeLinear (com.microsoft)

/// QuantizeLinear, contrib form (also 16-bit and per-axis). y has x's shape, the zero point's type
/// (uint8 without one).
struct ContribQuantizeLinearOp: Operator {
    static let schema = OpSchema(type: "QuantizeLinear", domain: "com.microsoft", inputs: 2...3, outputs: 1...1, traits: .epilogue)

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        return [.tensor(TensorType(dtype: ctx.hasInput(2) ? try ctx.dtype(2) : .uint8, shape: x.shape))]
    }

    static let formula = "`Conventions.contribRequantize` = \(Conventions.contribRequantize) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.contribRequantize)
    }
}

/// DequantizeLinear, contrib form. y has x's shape and the scale's type.
struct ContribDequantizeLinearOp: Operator {
    static let schema = OpSchema(type: "DequantizeLinear", domain: "com.microsoft", inputs: 2...3, outputs: 1...1, traits: [.dequantize, .quantizedInputs])

    init(node: Node, opset: Int) throws(ShapeError) {}

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: try ctx.dtype(1), shape: try ctx.tensor(0).shape))]
    }

    static let formula = "`Conventions.contribDequantize` = \(Conventions.contribDequantize) per element."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        .elementwise(try ctx.outputElements(), flopsPerElement: Conventions.contribDequantize)
    }
}

// MARK: - QLinearConv (com.microsoft)

/// Quantized convolution, contrib form with `channels_last` (NHWC-transformed quantized CNNs).
/// Inputs x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B. Output: y_zero_point's type.
struct ContribQLinearConvOp: Operator {
    static let schema = OpSchema(type: "QLinearConv", domain: "com.microsoft", inputs: 8...9, outputs: 1...1, traits: .quantizedInputs)
    let conv: ContribConv

    init(node: Node, opset: Int) throws(ShapeError) {
        conv = try ContribConv(node: node, channelsLast: try node.int("channels_last", default: 0) != 0)
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        [.tensor(TensorType(dtype: try ctx.dtype(7), shape: try conv.outputShape(x: try ctx.shape(0), w: try ctx.shape(3))))]
    }

    static let formula = "`N·Cout·spatial·(Cin/group)·kernel` MACs at `.int8`; + per output element `Conventions.contribRequantize` = \(Conventions.contribRequantize) + 1 (bias add, when given)."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let out = try ctx.outputShape(), w = try ctx.inputShape(3)
        let perOutput = Conventions.contribRequantize + (ctx.hasInput(8) ? 1 : 0)
        return .macs(conv.macs(output: out, w: w), extraFLOPs: out.product * .value(perOutput), computeType: .int8)
    }
}

/// The quantized ops of the com.microsoft domain, registered in `OpRegistry+Builtin.swift`.
enum ContribQuantizedFamily {
    static let entries: [OperatorEntry] = ContribQLinearRow.table.entries + OperatorEntry.of([
        QLinearConcatOp.self,
        QLinearGlobalAveragePoolOp.self,
        QLinearAveragePoolOp.self,
        QLinearReduceMeanOp.self,
        ContribQuantizeLinearOp.self,
        ContribDequantizeLinearOp.self,
        ContribQLinearConvOp.self,
    ])
}
