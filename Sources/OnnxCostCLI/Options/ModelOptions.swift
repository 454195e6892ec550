import ArgumentParser
import Foundation
import ONNXCost

/// The model and what to fix about its inputs.
struct ModelOptions: ParsableArguments {
    @Argument(help: "Path to an .onnx model.")
    var model: String

    @Option(name: .customLong("input"), help: ArgumentHelp("Fix a graph input's shape: NAME=1x3x224x224 (dims may be symbol names). Repeatable.", valueName: "name=shape"))
    var inputs: [String] = []

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim everywhere: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []

    /// `--dim SYMBOL=N` values (analyze, check, scan): a symbol that is blank or has spaces around
    /// it, or a size that is not a positive integer, is an argument error.
    static func dimBindings(_ specs: [String]) throws -> [String: Int] {
        var bindings: [String: Int] = [:]
        for binding in specs {
            let parts = binding.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, let value = Int(parts[1]), value >= 1 else {
                throw ValidationError("--dim expects SYMBOL=N with N a positive integer, got '\(binding)'")
            }
            let symbol = parts[0]
            guard !symbol.isEmpty, symbol.trimmingCharacters(in: .whitespacesAndNewlines) == symbol else {
                throw ValidationError("--dim '\(binding)': the symbol name is blank or has spaces around it")
            }
            bindings[symbol] = value
        }
        return bindings
    }

    func shapeOptions() throws -> ShapeInferenceOptions {
        try Self.shapeOptions(inputs: inputs, dims: dims)
    }

    /// The shape options of `--input` and `--dim` values.
    static func shapeOptions(inputs: [String], dims: [String]) throws -> ShapeInferenceOptions {
        var options = ShapeInferenceOptions()
        options.dimBindings = try Self.dimBindings(dims)
        for spec in inputs {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--input expects NAME=1x3x224x224, got '\(spec)'") }
            var dims: [Dim] = []
            for text in parts[1].isEmpty ? [] : parts[1].split(separator: "x", omittingEmptySubsequences: false).map(String.init) {
                if let value = Int(text) {
                    guard value >= 1 else { throw ValidationError("--input \(spec): size \(value) is not positive") }
                    dims.append(.value(value))
                } else if BindingCheck.isSymbolName(text) {
                    dims.append(options.dimBindings[text].map(Dim.value) ?? .symbol(text))
                } else {
                    throw ValidationError("--input \(spec): '\(text)' is neither a positive integer nor a symbol name")
                }
            }
            options.inputShapes[parts[0]] = dims
        }
        return options
    }

    /// The shape options, checked against the model: a binding naming no input or symbol of the
    /// model, or a size that is not positive, exits 2 listing the valid names.
    /// Also returns the model they were checked against: read here only when there
    /// are bindings to check (`nil` otherwise, or when it does not load: the caller's own load then
    /// reports why), so the caller need not read it a second time.
    func checkedShapeOptionsAndModel(format: OutputFormat = .text) throws -> (options: ShapeInferenceOptions, loaded: LoadedModel?) {
        try Self.checkedShapeOptionsAndModel(model: model, inputs: inputs, dims: dims, format: format)
    }

    /// The same for plain values (`AnalyzeSettings`).
    static func checkedShapeOptionsAndModel(model: String, inputs: [String], dims: [String],
                                            format: OutputFormat = .text) throws -> (options: ShapeInferenceOptions, loaded: LoadedModel?) {
        let options = try shapeOptions(inputs: inputs, dims: dims)
        guard !options.inputShapes.isEmpty || !options.dimBindings.isEmpty,
              let loaded = try? ModelLoader.load(path: model) else { return (options, nil) }
        // Symbols the user wrote in --input shapes may be bound by --dim too.
        let written = Set(inputs.flatMap { $0.split(separator: "=", maxSplits: 1).last.map { $0.split(separator: "x").map(String.init) } ?? [] }
            .filter(BindingCheck.isSymbolName))
        let problems = BindingCheck.problems(options, model: loaded.model, extraSymbols: written)
        if !problems.isEmpty {
            try Output.fail(kind: "invalid_argument", message: problems.joined(separator: "\n"), format: format)
        }
        return (options, loaded)
    }
}

extension ModelOptions {
    /// The model, or its load error (stderr, and the JSON error under `--format json`; exit 2).
    func load(format: OutputFormat, reusing loaded: LoadedModel? = nil) throws -> LoadedModel {
        if let loaded { return loaded }
        do { return try ModelLoader.load(path: model) } catch {
            try Output.fail(kind: error.kind, message: error.description, format: format)
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// Colour in the text format.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    /// When stdout is a terminal and `NO_COLOR` is unset or empty.
    case auto, always, never
}

/// How results are printed: one renderer per format (`OutputFormat.renderer`).
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: text, json, csv, md (check: text, json, md, sarif).")
    var format: OutputFormat = .text

    @Flag(help: "Pretty-print JSON.")
    var pretty = false

    @Option(help: "Colour in the text format: auto (a terminal, and NO_COLOR unset), always, never.")
    var color: ColorChoice = .auto

    /// The renderer for `command`, or an argument error (exit 2) when the format does not apply to it.
    func renderer(for command: RenderedCommand) throws -> any ReportRenderer.Type {
        try Self.renderer(for: command, format: format)
    }

    /// The renderer of `format` for `command` (plain values).
    static func renderer(for command: RenderedCommand, format: OutputFormat) throws -> any ReportRenderer.Type {
        guard command.formats.contains(format) else {
            let error = RenderError.unsupported(format: format, command: command.rawValue, supported: command.formats)
            try Output.fail(kind: error.kind, message: error.description, format: format)
        }
        return format.renderer
    }

    func renderOptions(top: Int = 10, includeNodes: Bool = true) -> RenderOptions {
        Self.renderOptions(top: top, includeNodes: includeNodes, pretty: pretty, color: color)
    }

    /// The render options of plain values.
    static func renderOptions(top: Int = 10, includeNodes: Bool = true, pretty: Bool, color: ColorChoice) -> RenderOptions {
        RenderOptions(top: top, includeNodes: includeNodes, pretty: pretty, color: colorEnabled(color, Console.current))
    }

    func colorEnabled(_ console: Console) -> Bool {
        Self.colorEnabled(color, console)
    }

    static func colorEnabled(_ color: ColorChoice, _ console: Console) -> Bool {
        switch color {
        case .always: true
        case .never: false
        case .auto: console.stdoutIsTerminal && (console.environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}
