import ArgumentParser
import Foundation
import ONNXCost

// The commands live in this library; the `onnxcost` executable only calls `OnnxCost.main()`,
// so tests can drive them in process (`OnnxCost.run(arguments:console:)`).

/// `onnxcost MODEL`: what a model costs, without running it.
public struct OnnxCost: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "onnxcost",
        abstract: "What an ONNX model costs, without running it: MACs, FLOPs, params, memory, bytes moved, roofline latency.",
        version: OnnxCostVersion.string,
        subcommands: [Analyze.self, Shapes.self, Scan.self, Check.self, Diff.self, Devices.self],
        defaultSubcommand: Analyze.self
    )

    /// The one place the process exits: the status `run(arguments:console:)` returns.
    public static func main() {
        ProcessLifetime.enabled = true
        Foundation.exit(run(arguments: Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses `arguments`, runs the command with its output on `console`, and returns the exit status
    /// (DESIGN.md: 0 ok, 1 a budget or check failed, 2 the model or the arguments are invalid — not
    /// ArgumentParser's 64).
    public static func run(arguments: [String], console: Console = .standard) -> Int32 {
        Console.$current.withValue(console) {
            var parsed: (any ParsableCommand)?
            do {
                if isBareHelpRequest(arguments) {
                    // What the root parse prints for these, without parsing (StartupTests compares them).
                    console.writeOut(helpMessage() + "\n")
                    return 0
                }
                if let settings = bareAnalyze(arguments) {
                    do { try settings.run() } catch let error where !(error is ExitCode) {
                        // The usage shown with an error is the parsed command's.
                        parsed = try? Analyze.parse(arguments)
                        throw error
                    }
                    return 0
                }
                var command = try defaultCommand(arguments) ?? parseAsRoot(arguments)
                parsed = command
                try command.run()
                return 0
            } catch let exit as ExitCode {
                return exit.rawValue
            } catch {
                if exitCode(for: error) == .success {
                    console.writeOut(fullMessage(for: error) + "\n")
                    return 0
                }
                reportArgumentError(error, command: parsed, arguments: arguments, console: console)
                return 2
            }
        }
    }

    /// The default form `onnxcost MODEL [options]`, parsed as `analyze` alone: the root parse builds
    /// the argument set of every subcommand (by reflection) to find out that none is named. `nil`
    /// (then the root parse runs, so its messages and usage are the ones printed) when the first
    /// argument names a subcommand, any argument asks for help, the version, completions or the
    /// parser's dumps, or the arguments do not parse as `analyze`.
    static func defaultCommand(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let first = arguments.first, !subcommandNames.contains(first) else { return nil }
        for argument in arguments {
            if argument == "--" { break }
            if argument == "-h" || argument.hasPrefix("--help") || argument.hasPrefix("--version")
                || argument.hasPrefix("--generate-completion") || argument.hasPrefix("--experimental") || argument.hasPrefix("---") {
                return nil
            }
        }
        return try? Analyze.parse(arguments)
    }

    /// `onnxcost MODEL` alone: the analyze settings at their defaults, with no parser at all.
    static func bareAnalyze(_ arguments: [String]) -> AnalyzeSettings? {
        guard arguments.count == 1, let model = arguments.first, !model.hasPrefix("-"), !subcommandNames.contains(model) else { return nil }
        return AnalyzeSettings(model: model)
    }

    /// `onnxcost --help`, `-h` or `help` alone: the top-level help.
    static func isBareHelpRequest(_ arguments: [String]) -> Bool {
        arguments.count == 1 && ["--help", "-h", "help"].contains(arguments[0])
    }

    /// The words the root parse takes as a subcommand (`help` is the parser's own).
    static let subcommandNames: Set<String> = ["analyze", "shapes", "scan", "check", "diff", "devices", "help"]

    /// An argument or validation error: the JSON error object on stdout under `--format json`, and the
    /// message with the usage of the subcommand that was run (not the top-level one) on stderr.
    static func reportArgumentError(_ error: any Error, command: (any ParsableCommand)?, arguments: [String], console: Console) {
        var text = fullMessage(for: error)
        if let command, !(command is OnnxCost) {
            let usage = usageString(for: type(of: command)).trimmingCharacters(in: .whitespacesAndNewlines)
            let name = type(of: command)._commandName
            text = "Error: \(message(for: error))\nUsage: \(usage)\n  See 'onnxcost \(name) --help' for more information."
        }
        console.writeError(text + "\n")
        if requestedFormat(arguments) == OutputFormat.json.rawValue {
            console.writeOut(JSONRenderer.error(kind: "invalid_argument", message: message(for: error)).serialized() + "\n")
        }
    }

    /// The `--format` value among raw arguments (the command may not have parsed).
    static func requestedFormat(_ arguments: [String]) -> String? {
        var format: String?
        for (index, argument) in arguments.enumerated() {
            if argument == "--format", index + 1 < arguments.count { format = arguments[index + 1] }
            if argument.hasPrefix("--format=") { format = String(argument.dropFirst("--format=".count)) }
        }
        return format
    }
}

/// What the process keeps until it exits instead of freeing it. `OnnxCost.main()` exits right after the
/// command, so tearing a large report down first is only time spent (3 % of `onnxcost resnet50.onnx`;
/// clang's `-disable-free` does the same). Off in process (tests, `run(arguments:console:)` callers).
enum ProcessLifetime {
    nonisolated(unsafe) static var enabled = false

    private final class Kept {
        let value: Any
        init(_ value: Any) { self.value = value }
    }

    static func keep(_ value: Any) {
        guard enabled else { return }
        _ = Unmanaged.passRetained(Kept(value))
    }
}
