import ONNXGraph
import ShapeInference
import CostKernels

// Recurrent: RNN, LSTM, GRU.
//
// Shared cost convention, with S = seq_length, D = num_directions, B = batch, H = hidden_size,
// I = input_size and G = gates (RNN 1, GRU 3, LSTM 4):
// - MACs = S·D·B·G·H·(I + H): the input projection W·x and the recurrent projection R·h of every
//   gate at every step (sequence_lens is ignored: every sequence is counted at full length);
// - FLOPs = 2·MACs + S·D·B·H × (per-unit elementwise work, listed per op), transcendentals per
//   unit and step from the activations (Sigmoid 1, Tanh 1, Relu 0 …). `clip` is not counted.

extension Conventions {
    /// LSTM cell and hidden update per unit and step: c = f⊙c + i⊙g (mul, mul, add), h = o⊙tanh(c) (mul).
    static let lstmCellUpdate = 4
    /// LSTM peepholes per unit and step: three multiply-adds P⊙c into the i, o, f gates.
    static let lstmPeepholes = 6
    /// GRU per unit and step: reset r⊙(R·h) (mul), h = (1−z)⊙h̃ + z⊙h (sub, mul, mul, add).
    static let gruCellUpdate = 5
    /// Per gate, per unit and step: W·x + R·h (add); with B, two bias adds more.
    static let rnnGateCombine = 1
    static let rnnGateBias = 2
}

/// An RNN activation's cost: (FLOPs, transcendentals) per evaluation. Names as in the ONNX spec.
private func activationCost(_ name: String) -> (flops: Int, transcendentals: Int)? {
    switch name.lowercased() {
    case "sigmoid": (Conventions.sigmoid, 1)
    case "tanh": (Conventions.transcendental, 1)
    case "relu", "leakyrelu", "thresholdedrelu": (Conventions.simpleActivation, 0)
    case "hardsigmoid": (Conventions.hardSigmoid, 0)
    case "affine": (Conventions.arithmetic + Conventions.arithmetic, 0)
    case "scaledtanh": (Conventions.transcendental + Conventions.arithmetic + Conventions.arithmetic, 1)
    case "elu": (Conventions.elu, 1)
    case "softsign": (Conventions.arithmetic + Conventions.arithmetic + Conventions.simpleActivation, 0)
    case "softplus": (Conventions.softplus, 2)
    default: nil
    }
}

/// The attributes and geometry every recurrent op shares.
private struct RecurrentGeometry: Sendable {
    var gates: Int
    var directions: Int
    var hiddenSize: Int?
    var batchMajor: Bool
    /// Cost of the op's activations for one direction, in the spec's order (f, g, h).
    var activations: [(flops: Int, transcendentals: Int)]

    init(node: Node, opset: Int, gates: Int, defaultActivations: [String]) throws(ShapeError) {
        self.gates = gates
        let direction = try node.string("direction", default: "forward")
        switch direction {
        case "forward", "reverse": directions = 1
        case "bidirectional": directions = 2
        default: throw .invalidAttribute(name: "direction", reason: "unknown direction '\(direction)'")
        }
        hiddenSize = try node.optionalInt("hidden_size")
        if let hiddenSize, hiddenSize <= 0 {
            throw .invalidAttribute(name: "hidden_size", reason: "must be positive, got \(hiddenSize)")
        }
        let layout = opset >= 14 ? try node.int("layout", default: 0) : 0
        guard layout == 0 || layout == 1 else { throw .invalidAttribute(name: "layout", reason: "must be 0 or 1, got \(layout)") }
        batchMajor = layout == 1
        let names = try node.strings("activations") ?? defaultActivations
        guard names.count == defaultActivations.count || names.count == defaultActivations.count * directions else {
            throw .invalidAttribute(name: "activations", reason: "expected \(defaultActivations.count) per direction, got \(names.count)")
        }
        var costs: [(flops: Int, transcendentals: Int)] = []
        for name in names.prefix(defaultActivations.count) {
            guard let cost = activationCost(name) else {
                throw .invalidAttribute(name: "activations", reason: "unknown activation '\(name)'")
            }
            costs.append(cost)
        }
        activations = costs
    }

    /// `(seq, batch, input)` from X, by layout.
    func axes(of x: [Dim]) -> (seq: Dim, batch: Dim, input: Dim) {
        batchMajor ? (x[1], x[0], x[2]) : (x[0], x[1], x[2])
    }

    /// Hidden size: the attribute, else R's last dim (R is `[D, G·H, H]`), else W's rows / G.
    func hidden(w: [Dim]?, r: [Dim]?) -> Dim {
        if let hiddenSize { return .value(hiddenSize) }
        if let r, r.count == 3 { return r[2] }
        if let w, w.count == 3, let rows = w[1].intValue, rows % gates == 0 { return .value(rows / gates) }
        return .unknown
    }

    /// Output types: Y `[S, D, B, H]` (layout 1: `[B, S, D, H]`), Y_h and Y_c `[D, B, H]` (layout 1: `[B, D, H]`).
    func outputs(_ ctx: ShapeContext) throws(ShapeError) -> [ValueType] {
        let x = try ctx.tensor(0)
        let w = try ctx.tensor(1).shape, r = try ctx.tensor(2).shape
        guard let xs = x.shape else {
            return ctx.node.outputs.map { _ in .tensor(TensorType(dtype: x.dtype, shape: nil)) }
        }
        guard xs.count == 3 else { throw .rankMismatch("X must have rank 3, got \(xs.count)") }
        if let w {
            guard w.count == 3 else { throw .rankMismatch("W must have rank 3, got \(w.count)") }
            if let d = w[0].intValue, d != directions {
                throw .incompatibleDims("W has \(d) directions, the direction attribute gives \(directions)")
            }
            if let hiddenSize, let rows = w[1].intValue, rows != gates * hiddenSize {
                throw .incompatibleDims("W has \(rows) rows, expected \(gates) gates × hidden_size \(hiddenSize)")
            }
        }
        let (seq, batch, _) = axes(of: xs)
        let h = hidden(w: w, r: r)
        let d = Dim.value(directions)
        let y: [Dim] = batchMajor ? [batch, seq, d, h] : [seq, d, batch, h]
        let state: [Dim] = batchMajor ? [batch, d, h] : [d, batch, h]
        return ctx.node.outputs.indices.map { index in
            .tensor(TensorType(dtype: x.dtype, shape: index == 0 ? y : state))
        }
    }

    /// MACs, unit-steps (`S·D·B·H`) of the op from its input shapes.
    func work(_ ctx: CostContext) throws(CostError) -> (macs: Dim, unitSteps: Dim) {
        let x = try ctx.inputShape(0)
        guard x.count == 3 else { throw .unknownShape("input 0 (rank \(x.count))") }
        let (seq, batch, input) = axes(of: x)
        let h = hidden(w: try? ctx.inputShape(1), r: try? ctx.inputShape(2))
        guard !h.isUnknown else { throw .unknownShape("hidden size") }
        let unitSteps = seq * .value(directions) * batch * h
        return (unitSteps * .value(gates) * (input + h), unitSteps)
    }

    /// The cost: `2·MACs + unitSteps·(perUnit + activations)`.
    func cost(_ ctx: CostContext, activationCounts: [Int], perUnit: Int) throws(CostError) -> OpCost {
        let (macs, unitSteps) = try work(ctx)
        var flops = perUnit + gates * Conventions.rnnGateCombine
        if ctx.hasInput(3) { flops += gates * Conventions.rnnGateBias }
        var transcendentals = 0
        for (activation, count) in zip(activations, activationCounts) {
            flops += activation.flops * count
            transcendentals += activation.transcendentals * count
        }
        return OpCost(macs: macs, flops: macs * .value(Conventions.flopsPerMAC) + unitSteps * .value(flops),
                      transcendentals: unitSteps * .value(transcendentals))
    }
}

// MARK: - RNN

/// Elman RNN: `H_t = f(X_t·Wᵀ + H_{t−1}·Rᵀ + Wb + Rb)`, default f = Tanh. Inputs X, W, R, B,
/// sequence_lens, initial_h; outputs Y, Y_h. `layout` from opset 14.
/// Spec: https://onnx.ai/onnx/operators/onnx__RNN.html · opsets 1, 7, 14, 22.
struct RNNOp: Operator {
    static let schema = OpSchema(type: "RNN", since: 1, inputs: 3...6, outputs: 0...2)

    private let geometry: RecurrentGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try RecurrentGeometry(node: node, opset: opset, gates: 1, defaultActivations: ["Tanh"])
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try geometry.outputs(ctx) }

    static let formula = "MACs = `S·D·B·H·(I + H)`; FLOPs = 2·MACs + S·D·B·H·(1 add + 2 bias adds when B + f); f = Tanh: 1 FLOP, 1 transcendental."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try geometry.cost(ctx, activationCounts: [1], perUnit: 0)
    }
}

// MARK: - LSTM

/// LSTM with gates i, o, f, c; optional peepholes P (input 7), `input_forget`; outputs Y, Y_h, Y_c.
/// `layout` from opset 14. Spec: https://onnx.ai/onnx/operators/onnx__LSTM.html · opsets 1, 7, 14, 22.
struct LSTMOp: Operator {
    static let schema = OpSchema(type: "LSTM", since: 1, inputs: 3...8, outputs: 0...3)

    private let geometry: RecurrentGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try RecurrentGeometry(node: node, opset: opset, gates: 4, defaultActivations: ["Sigmoid", "Tanh", "Tanh"])
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try geometry.outputs(ctx) }

    static let formula = "MACs = `S·D·B·4H·(I + H)`; FLOPs = 2·MACs + S·D·B·H·(4 gate adds + 8 bias adds when B + 3 sigmoid (f, 4 FLOPs each) + 2 tanh (g, h) + `Conventions.lstmCellUpdate` (4) + `Conventions.lstmPeepholes` (6) when P); transcendentals 5 per unit and step."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        let peepholes = ctx.hasInput(7) ? Conventions.lstmPeepholes : 0
        return try geometry.cost(ctx, activationCounts: [3, 1, 1], perUnit: Conventions.lstmCellUpdate + peepholes)
    }
}

// MARK: - GRU

/// GRU with gates z, r, h; `linear_before_reset` (opset 3+) reorders the reset product but not
/// its count; outputs Y, Y_h. `layout` from opset 14.
/// Spec: https://onnx.ai/onnx/operators/onnx__GRU.html · opsets 1, 3, 7, 14, 22.
struct GRUOp: Operator {
    static let schema = OpSchema(type: "GRU", since: 1, inputs: 3...6, outputs: 0...2)

    private let geometry: RecurrentGeometry

    init(node: Node, opset: Int) throws(ShapeError) {
        geometry = try RecurrentGeometry(node: node, opset: opset, gates: 3, defaultActivations: ["Sigmoid", "Tanh"])
    }

    func inferShapes(_ ctx: inout ShapeContext) throws(ShapeError) -> [ValueType] { try geometry.outputs(ctx) }

    static let formula = "MACs = `S·D·B·3H·(I + H)`; FLOPs = 2·MACs + S·D·B·H·(3 gate adds + 6 bias adds when B + 2 sigmoid (f, 4 FLOPs each) + 1 tanh (g) + `Conventions.gruCellUpdate` (5)); transcendentals 3 per unit and step."
    func cost(_ ctx: CostContext) throws(CostError) -> OpCost {
        try geometry.cost(ctx, activationCounts: [2, 1], perUnit: Conventions.gruCellUpdate)
    }
}

/// The operators of this file, registered in `OpRegistry+Builtin.swift`.
public enum RNNFamily {
    public static let entries: [OperatorEntry] = OperatorEntry.of([RNNOp.self, LSTMOp.self, GRUOp.self])
}
