import DeviceDB

/// The formats a command can print. Each has one renderer (`OutputFormat.renderer`), which renders every
/// result type of the commands it supports, as SwiftPM's dependency dumpers do; a combination a format does
/// not support is a `RenderError`, never a silent fallback to another format.
public enum OutputFormat: String, CaseIterable, Sendable {
    case text, json, csv, md, html, sarif

    /// The renderer of this format.
    public var renderer: any ReportRenderer.Type {
        switch self {
        case .text: TextRenderer.self
        case .json: JSONRenderer.self
        case .csv: CSVRenderer.self
        case .md: MarkdownRenderer.self
        case .html: HTMLRenderer.self
        case .sarif: SARIFRenderer.self
        }
    }
}

/// How a result is printed, whatever the format.
public struct RenderOptions: Sendable {
    /// How many rows long tables (heaviest nodes, kernels, per-op deltas) keep.
    public var top: Int
    /// Whether the JSON carries `nodes` and `groups` (`--no-nodes` leaves them out).
    public var includeNodes: Bool
    /// Indented JSON.
    public var pretty: Bool
    /// ANSI colour in the text format (only when stdout is a terminal and `NO_COLOR` is unset, or `--color always`).
    public var color: Bool

    public init(top: Int = 10, includeNodes: Bool = true, pretty: Bool = false, color: Bool = false) {
        self.top = top
        self.includeNodes = includeNodes
        self.pretty = pretty
        self.color = color
    }
}

/// Why a result could not be rendered.
public enum RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `command --format format` makes no sense (e.g. `shapes --format sarif`).
    case unsupported(format: OutputFormat, command: String, supported: [OutputFormat])

    public var kind: String { "invalid_argument" }

    public var description: String {
        switch self {
        case .unsupported(let format, let command, let supported):
            "\(command) has no --format \(format.rawValue); use one of \(supported.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// The results every command renders. One conformance per format; a requirement a format does not
/// implement throws `RenderError.unsupported`.
public protocol ReportRenderer {
    static var format: OutputFormat { get }
    /// `onnxcost MODEL` (analyze).
    static func analysis(_ report: AnalysisReport, options: RenderOptions) throws(RenderError) -> String
    /// `onnxcost shapes MODEL`.
    static func shapes(_ listing: ShapesListing, options: RenderOptions) throws(RenderError) -> String
    /// `onnxcost devices`.
    static func devices(_ devices: [Device], options: RenderOptions) throws(RenderError) -> String
    /// `onnxcost check MODEL`.
    static func check(_ result: CheckResult, options: RenderOptions) throws(RenderError) -> String
    /// `onnxcost diff A B`.
    static func diff(_ result: DiffResult, options: RenderOptions) throws(RenderError) -> String
}

/// The command names and the formats each supports, for the unsupported-combination error.
public enum RenderedCommand: String, Sendable {
    case analyze, shapes, devices, check, diff

    /// The formats whose renderer implements this command.
    public var formats: [OutputFormat] {
        switch self {
        case .analyze: [.text, .json, .csv, .md, .html]
        case .check: [.text, .json, .md, .sarif]
        default: [.text, .json, .csv, .md]
        }
    }
}

extension ReportRenderer {
    static func unsupported(_ command: RenderedCommand) -> RenderError {
        .unsupported(format: format, command: command.rawValue, supported: command.formats)
    }

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) throws(RenderError) -> String { throw unsupported(.analyze) }
    public static func shapes(_ listing: ShapesListing, options: RenderOptions) throws(RenderError) -> String { throw unsupported(.shapes) }
    public static func devices(_ devices: [Device], options: RenderOptions) throws(RenderError) -> String { throw unsupported(.devices) }
    public static func check(_ result: CheckResult, options: RenderOptions) throws(RenderError) -> String { throw unsupported(.check) }
    public static func diff(_ result: DiffResult, options: RenderOptions) throws(RenderError) -> String { throw unsupported(.diff) }
}

/// The one version string (`onnxcost --version`, SARIF's `tool.driver.version`).
public enum OnnxCostVersion {
    public static let string = "0.5.0"
}

/// The `schema_version` every JSON output carries (docs/output.md); bump it when a key changes meaning.
public enum SchemaVersion {
    public static let current = 1
}
