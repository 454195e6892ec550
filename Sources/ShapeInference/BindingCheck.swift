import ONNXGraph

/// Checks user bindings (`--input NAME=…`, `--dim SYMBOL=N`) against a model before analysis: a
/// binding that names nothing is a mistake to report, never a silent no-op (issue 9).
public enum BindingCheck {
    /// The graph inputs a user may bind (initializers listed as inputs excluded).
    public static func bindableInputs(_ model: Model) -> [ValueInfo] {
        let constants = Set(model.graph.initializers.map(\.name))
        return model.graph.inputs.filter { !constants.contains($0.name) }
    }

    /// Symbols `--dim` can bind: those in the graph inputs' declared shapes.
    public static func inputSymbols(_ model: Model) -> Set<String> {
        var symbols = Set<String>()
        for input in bindableInputs(model) {
            for dim in input.type.tensor?.shape ?? [] {
                if case .polynomial(let p) = dim { symbols.formUnion(p.symbols) }
            }
        }
        return symbols
    }

    /// Whether `text` can name a symbol: a letter or `_`, then letters, digits, `_`, `.`, `:`.
    public static func isSymbolName(_ text: String) -> Bool {
        guard let first = text.first, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == ":" }
    }

    /// Every problem with `options` for `model`, each listing what is valid. `extraSymbols` are
    /// symbols the user introduced in `--input` shapes (bindable by `--dim` too).
    public static func problems(_ options: ShapeInferenceOptions, model: Model, extraSymbols: Set<String> = []) -> [String] {
        var problems: [String] = []
        let inputs = bindableInputs(model)
        let names = inputs.map(\.name)
        for (name, shape) in options.inputShapes.sorted(by: { $0.key < $1.key }) {
            guard let input = inputs.first(where: { $0.name == name }) else {
                problems.append("--input \(name): the model has no input of that name; its inputs are \(names.joined(separator: ", "))")
                continue
            }
            if let declared = input.type.tensor?.shape, declared.count != shape.count {
                problems.append("--input \(name): the input has rank \(declared.count) (\(declared.map(\.description).joined(separator: "x"))), got \(shape.count) dims")
            }
            for dim in shape {
                if let value = dim.intValue, value < 1 {
                    problems.append("--input \(name): size \(value) is not positive")
                }
            }
        }
        var known = inputSymbols(model).union(extraSymbols)
        for shape in options.inputShapes.values {
            for dim in shape { if case .polynomial(let p) = dim { known.formUnion(p.symbols) } }
        }
        for (symbol, value) in options.dimBindings.sorted(by: { $0.key < $1.key }) {
            if value < 1 { problems.append("--dim \(symbol)=\(value): a size must be positive") }
            if !known.contains(symbol) {
                let list = known.isEmpty ? "the model's inputs have no symbolic dims" : "its symbols are \(known.sorted().joined(separator: ", "))"
                problems.append("--dim \(symbol): no input of the model has that symbol; \(list)")
            }
        }
        return problems
    }
}
