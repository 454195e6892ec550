import ONNXGraph
import ShapeInference
import CostKernels

/// Merges the types two control-flow paths give one value: equal dims stay; a dim that differs
/// depends on which path runs, so it becomes a named symbol (`<name>_dim<i>`, data-dependent, not a
/// guess); differing ranks give an unknown rank.
func mergeTypes(_ a: ValueType, _ b: ValueType, name: String) -> ValueType {
    switch (a, b) {
    case (.tensor(let x), .tensor(let y)):
        guard let sx = x.shape, let sy = y.shape, sx.count == sy.count else {
            return .tensor(TensorType(dtype: x.dtype, shape: nil))
        }
        return .tensor(TensorType(dtype: x.dtype, shape: zip(sx, sy).enumerated().map { index, dims in
            dims.0 == dims.1 ? dims.0 : (dims.0.isUnknown || dims.1.isUnknown ? .unknown : .opaque("\(name)_dim\(index)"))
        }))
    case (.sequence(let x), .sequence(let y)): return .sequence(mergeTypes(x, y, name: name))
    case (.optional(let x), .optional(let y)): return .optional(mergeTypes(x, y, name: name))
    case (.unknown, _): return b
    case (_, .unknown): return a
    default: return a == b ? a : .unknown
    }
}

// MARK: - If

/// Runs one of two subgraphs. Spec: https://onnx.ai/onnx/operators/onnx__If.html · opsets 1–24.
/// Shapes: a constant condition takes its branch; otherwise both branches are inferred and merged.
struct IfOp: Operator, SubgraphCostRule {
    static let schema = OpSchema(type: "If", since: 1, inputs: 1...1, outputs: 1...Int.max)
    let thenBranch: Graph
    let elseBranch: Graph

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let thenBranch = try node.graphAttribute("then_branch") else { throw .missingAttribute("then_branch") }
        guard let elseBranch = try node.graphAttribute("else_branch") else { throw .missingAttribute("else_branch") }
        self.thenBranch = thenBranch
        self.elseBranch = elseBranch
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        if let condition = ctx.knownInts(0), condition.count == 1 {
            return ctx.inferSubgraph(condition[0] != 0 ? thenBranch : elseBranch, [])
        }
        let thenTypes = ctx.inferSubgraph(thenBranch, [])
        let elseTypes = ctx.inferSubgraph(elseBranch, [])
        guard thenTypes.count == elseTypes.count else {
            throw .invalidAttribute(name: "else_branch", reason: "branches have \(thenTypes.count) and \(elseTypes.count) outputs")
        }
        return zip(thenTypes, elseTypes).enumerated().map { index, pair in
            mergeTypes(pair.0, pair.1, name: index < ctx.node.outputs.count ? ctx.node.outputs[index] : ctx.node.name)
        }
    }

    static let formula = "the taken branch, or the costlier branch when the condition is not a constant."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }

    func subgraphPolicy(_ ctx: CostContext) -> SubgraphCostPolicy {
        if let condition = ctx.inputValues.first??.knownInts, condition.count == 1 { return .repeated(1) }
        return .costlierBranch
    }
}

// MARK: - Loop

/// A loop over a body graph. Spec: https://onnx.ai/onnx/operators/onnx__Loop.html · opsets 1–24.
/// Inputs: M (trip count, optional), cond (optional), then N loop-carried values. The body takes
/// (iteration, cond, N carried) and returns (cond, N carried, K scan outputs); scan outputs are stacked
/// along a new leading axis of the trip count (see `tripCount`).
struct LoopOp: Operator, SubgraphCostRule {
    static let schema = OpSchema(type: "Loop", since: 1, inputs: 2...Int.max, outputs: 1...Int.max, metadataInputs: [0, 1])
    let body: Graph

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let body = try node.graphAttribute("body") else { throw .missingAttribute("body") }
        self.body = body
    }

    /// M when it is a constant and the loop cannot stop early: no condition, or a constant-true
    /// condition that the body passes through unchanged (`cond_out` is `cond_in`, its Identity, or a
    /// true constant). Otherwise a named symbol, since the count depends on runtime data.
    static func tripCount(node: Node, inputValues: [TensorValue?], body: Graph) -> Dim {
        let symbol = Dim.opaque("\(node.outputs.first ?? node.name)_iterations")
        guard !node.inputs.isEmpty, !node.inputs[0].isEmpty, let m = inputValues.first??.ints, m.count == 1,
              let trips = m.first, !trips.isUnknown else { return symbol }
        let hasCondition = node.inputs.count > 1 && !node.inputs[1].isEmpty
        if !hasCondition { return trips }
        guard inputValues.count > 1, inputValues[1]?.knownInts == [1], body.inputs.count > 1,
              let conditionOut = body.outputs.first?.name else { return symbol }
        let conditionIn = body.inputs[1].name
        if conditionOut == conditionIn { return trips }
        guard let producer = body.nodes.first(where: { $0.outputs.contains(conditionOut) }) else { return symbol }
        if producer.opType == "Identity" && producer.inputs.first == conditionIn { return trips }
        if producer.opType == "Constant", case .tensor(let t)? = producer.attribute("value")?.value, t.value?.knownInts == [1] {
            return trips
        }
        return symbol
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let carriedCount = max(ctx.inputCount - 2, 0)
        let carried: [ValueType] = (0..<carriedCount).map { ctx.inputTypes[$0 + 2] ?? .unknown }
        let iteration = ValueType.tensor(TensorType(dtype: .int64, shape: []))
        let condition = ValueType.tensor(TensorType(dtype: .bool, shape: []))
        // The iteration number is a symbol, so index arithmetic on it (Slice(x, i, i + 1)) stays exact.
        let iterationValue: [TensorValue?] = [.ints([.symbol("\(Self.outputName(ctx.node, 0))_iteration")])]
        var outputs = ctx.inferSubgraphWithValues(body, [iteration, condition] + carried, iterationValue)
        // A carried value whose shape changes across iterations is merged and the body inferred again.
        if outputs.count >= 1 + carriedCount {
            let merged = (0..<carriedCount).map { mergeTypes(carried[$0], outputs[1 + $0], name: Self.outputName(ctx.node, $0)) }
            if merged != Array(outputs[1..<(1 + carriedCount)]) || merged != carried {
                if merged != carried { outputs = ctx.inferSubgraphWithValues(body, [iteration, condition] + merged, iterationValue) }
            }
        }
        guard outputs.count >= 1 + carriedCount else {
            throw .invalidAttribute(name: "body", reason: "body has \(outputs.count) outputs, needs at least \(1 + carriedCount)")
        }
        let trips = Self.tripCount(node: ctx.node, inputValues: ctx.inputValues, body: body)
        var result = (0..<carriedCount).map { mergeTypes(carried[$0], outputs[1 + $0], name: Self.outputName(ctx.node, $0)) }
        for scanOutput in outputs.dropFirst(1 + carriedCount) {
            if case .tensor(let t) = scanOutput {
                result.append(.tensor(TensorType(dtype: t.dtype, shape: t.shape.map { [trips] + $0 })))
            } else {
                result.append(.unknown)
            }
        }
        return result
    }

    static func outputName(_ node: Node, _ index: Int) -> String {
        index < node.outputs.count && !node.outputs[index].isEmpty ? node.outputs[index] : "\(node.name)_\(index)"
    }

    static let formula = "the body's cost × that trip count."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }

    func subgraphPolicy(_ ctx: CostContext) -> SubgraphCostPolicy {
        .repeated(Self.tripCount(node: ctx.node, inputValues: ctx.inputValues, body: body))
    }
}

// MARK: - Scan

/// Iterates a body over slices of scan inputs. Spec: https://onnx.ai/onnx/operators/onnx__Scan.html
/// · opset 8 (batched, with sequence_lens) and 9–24 (axes and directions).
struct ScanOp: Operator, SubgraphCostRule {
    static let schema = OpSchema(type: "Scan", since: 8, inputs: 1...Int.max, outputs: 1...Int.max)
    let body: Graph
    let scanInputCount: Int
    let scanInputAxes: [Int]?
    let scanOutputAxes: [Int]?
    let batched: Bool

    init(node: Node, opset: Int) throws(ShapeError) {
        guard let body = try node.graphAttribute("body") else { throw .missingAttribute("body") }
        guard let count = try node.optionalInt("num_scan_inputs"), count >= 1 else { throw .missingAttribute("num_scan_inputs") }
        self.body = body
        scanInputCount = count
        scanInputAxes = try node.ints("scan_input_axes")
        scanOutputAxes = try node.ints("scan_output_axes")
        batched = opset < 9
    }

    /// Sequence length from the first scan input (`nil` when unknown).
    func sequenceLength(inputs: [TensorType?]) -> Dim {
        let offset = batched ? 1 : 0
        guard scanInputCount <= inputs.count - offset else { return .unknown }
        let stateCount = inputs.count - offset - scanInputCount
        guard stateCount >= 0, let first = inputs[offset + stateCount], let shape = first.shape else { return .unknown }
        let axis = batched ? 1 : (scanInputAxes?.first ?? 0)
        let normalized = axis < 0 ? axis + shape.count : axis
        return normalized >= 0 && normalized < shape.count ? shape[normalized] : .unknown
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] {
        let offset = batched ? 1 : 0
        // num_scan_inputs comes from the file: compare without arithmetic that could overflow.
        guard scanInputCount <= ctx.inputCount - offset else {
            throw .invalidAttribute(name: "num_scan_inputs", reason: "\(scanInputCount) exceeds the \(ctx.inputCount - offset) scan and state inputs")
        }
        let stateCount = ctx.inputCount - offset - scanInputCount
        var bodyInputs: [ValueType] = []
        var batch: Dim = .unknown
        var sequence: Dim = .unknown
        for index in 0..<stateCount {
            let state = try ctx.tensor(offset + index)
            if batched, let shape = state.shape, !shape.isEmpty {
                batch = shape[0]
                bodyInputs.append(.tensor(TensorType(dtype: state.dtype, shape: Array(shape.dropFirst()))))
            } else {
                bodyInputs.append(.tensor(state))
            }
        }
        for index in 0..<scanInputCount {
            let input = try ctx.tensor(offset + stateCount + index)
            guard let shape = input.shape else { bodyInputs.append(.tensor(TensorType(dtype: input.dtype, shape: nil))); continue }
            var axis = batched ? 1 : (scanInputAxes.map { index < $0.count ? $0[index] : 0 } ?? 0)
            axis = try Axes.normalize(axis, rank: shape.count, name: "scan_input_axes")
            if index == 0 { sequence = shape[axis] }
            if batched { batch = shape[0] }
            var slice = shape
            slice.remove(at: axis)
            if batched { slice.removeFirst() }
            bodyInputs.append(.tensor(TensorType(dtype: input.dtype, shape: slice)))
        }
        let outputs = ctx.inferSubgraph(body, bodyInputs)
        guard outputs.count >= stateCount else {
            throw .invalidAttribute(name: "body", reason: "body has \(outputs.count) outputs, needs at least \(stateCount)")
        }
        var result: [ValueType] = []
        for index in 0..<stateCount {
            let merged = mergeTypes(bodyInputs[index], outputs[index], name: LoopOp.outputName(ctx.node, index))
            if batched, case .tensor(let t) = merged { result.append(.tensor(TensorType(dtype: t.dtype, shape: t.shape.map { [batch] + $0 }))) } else { result.append(merged) }
        }
        for (k, output) in outputs.dropFirst(stateCount).enumerated() {
            guard case .tensor(let t) = output, let shape = t.shape else { result.append(.unknown); continue }
            if batched {
                result.append(.tensor(TensorType(dtype: t.dtype, shape: [batch, sequence] + shape)))
                continue
            }
            var axis = scanOutputAxes.map { k < $0.count ? $0[k] : 0 } ?? 0
            axis = try Axes.normalize(axis, rank: shape.count + 1, name: "scan_output_axes")
            var stacked = shape
            stacked.insert(sequence, at: axis)
            result.append(.tensor(TensorType(dtype: t.dtype, shape: stacked)))
        }
        return result
    }

    static let formula = "the body's cost × the sequence length."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost { .zero }

    func subgraphPolicy(_ ctx: CostContext) -> SubgraphCostPolicy { .repeated(sequenceLength(inputs: ctx.inputs)) }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum ControlFlowFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([IfOp.self, LoopOp.self, ScanOp.self])
}
