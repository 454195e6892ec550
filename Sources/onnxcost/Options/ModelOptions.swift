import ArgumentParser
import ONNXCost

/// The model and what to fix about its inputs.
struct ModelOptions: ParsableArguments {
    @Argument(help: "Path to an .onnx model.")
    var model: String

    @Option(name: .customLong("input"), help: ArgumentHelp("Fix a graph input's shape: NAME=1x3x224x224 (dims may be symbol names). Repeatable.", valueName: "name=shape"))
    var inputs: [String] = []

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim everywhere: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []

    func shapeOptions() throws -> ShapeInferenceOptions {
        var options = ShapeInferenceOptions()
        for binding in dims {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value >= 0 else {
                throw ValidationError("--dim expects SYMBOL=N with N ≥ 0, got '\(binding)'")
            }
            options.dimBindings[parts[0]] = value
        }
        for spec in inputs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--input expects NAME=1x3x224x224, got '\(spec)'") }
            let dims: [Dim] = parts[1].isEmpty ? [] : parts[1].split(separator: "x", omittingEmptySubsequences: false).map { text in
                if let value = Int(text), value >= 0 { return .value(value) }
                return options.dimBindings[String(text)].map(Dim.value) ?? .symbol(String(text))
            }
            if dims.contains(where: { if case .polynomial(let p) = $0 { p.symbols.contains("") } else { false } }) {
                throw ValidationError("--input \(spec): empty dim")
            }
            options.inputShapes[parts[0]] = dims
        }
        return options
    }
}

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv, md
}

struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: text, json, csv (nodes), md.")
    var format: OutputFormat = .text

    @Flag(help: "Pretty-print JSON.")
    var pretty = false
}
