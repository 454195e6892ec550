import Foundation
@testable import OnnxCostCLI
import ONNXCost
import Testing

/// The conventions of issue 14, in process: one renderer per format, unsupported combinations are
/// errors, `--version`, argument errors in JSON with the subcommand's usage, colour, `schema_version`.
@Suite struct InProcessCLITests {
    static let conv = InProcess.fixture("tiny_convnet.onnx")

    /// Every command × format either renders (exit 0) or is refused with exit 2 naming the formats it has;
    /// which is which is `RenderedCommand.formats`, and nothing falls back to the text table.
    @Test(arguments: OutputFormat.allCases)
    func everyCommandEveryFormat(format: OutputFormat) throws {
        let commands: [(RenderedCommand, [String])] = [
            (.analyze, [Self.conv]), (.shapes, ["shapes", Self.conv]), (.devices, ["devices"]),
            (.check, ["check", Self.conv]), (.diff, ["diff", Self.conv, InProcess.fixture("tiny_convnet_pruned.onnx")]),
        ]
        let text = Dictionary(uniqueKeysWithValues: commands.map { ($0.0, InProcess.run($0.1).stdout) })
        for (command, arguments) in commands {
            let result = InProcess.run(arguments + ["--format", format.rawValue])
            if command.formats.contains(format) {
                #expect(result.status == 0, "\(command) \(format): \(result.stderr)")
                if format != .text { #expect(result.stdout != text[command], "\(command) --format \(format) printed the text table") }
                if format == .json || format == .sarif { _ = try InProcess.json(result.stdout) }
            } else {
                #expect(result.status == 2, "\(command) \(format)")
                #expect(result.stderr.contains("\(command.rawValue) has no --format \(format.rawValue)"), "\(result.stderr)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    /// The complaints: `shapes --format csv` and `devices --format md` printed the text table.
    @Test func shapesCSVAndDevicesMarkdown() {
        let shapes = InProcess.run(["shapes", Self.conv, "--format", "csv"])
        #expect(shapes.stdout.hasPrefix("name,dtype,shape,producer\nx,float32,1x3x8x8,input\n"), "\(shapes.stdout)")
        // Conv 4 channels, pad 1 on 8x8 keeps 8x8; MaxPool 2 halves it; Flatten 4*4*4 = 64; Gemm to 10.
        #expect(shapes.stdout.contains("c,float32,1x4x8x8,Conv 'conv' (#0)"))
        #expect(shapes.stdout.contains("p,float32,1x4x4x4,"))
        #expect(shapes.stdout.contains("f,float32,1x64,"))
        #expect(shapes.stdout.contains("y,float32,1x10,"))
        #expect(InProcess.run(["devices", "--format", "md"]).stdout.hasPrefix("| alias | device |"))
    }

    /// Every JSON output carries `schema_version`: analyze, shapes, devices, check, diff and errors.
    @Test func schemaVersionEverywhere() throws {
        let pruned = InProcess.fixture("tiny_convnet_pruned.onnx")
        for arguments in [[Self.conv], ["shapes", Self.conv], ["devices"], ["check", Self.conv], ["diff", Self.conv, pruned],
                          ["/no/such.onnx"], [Self.conv, "--dim", "x"]] {
            let result = InProcess.run(arguments + ["--format", "json"])
            let object = try InProcess.json(result.stdout)
            #expect(object["schema_version"] as? Int == 1, "\(arguments)")
        }
    }

    @Test func version() {
        let result = InProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == OnnxCostVersion.string + "\n")
        #expect(OnnxCostVersion.string.split(separator: ".").count == 3)
    }

    /// An argument error under `--format json` is the error object (kind invalid_argument) on stdout,
    /// and the text on stderr carries the subcommand's usage, not the top-level one.
    @Test func argumentErrorsInJSONWithSubcommandUsage() throws {
        let json = InProcess.run(["check", Self.conv, "--max-latency", "5ms", "--format", "json"])
        #expect(json.status == 2)
        let error = try #require(try InProcess.json(json.stdout)["error"] as? [String: Any])
        #expect(error["kind"] as? String == "invalid_argument")
        #expect(error["message"] as? String == "--max-latency needs --device")
        #expect(json.stderr.contains("Usage: onnxcost check "), "\(json.stderr)")
        #expect(!json.stderr.contains("<subcommand>"))
        // A parse error (an unknown option) also names the subcommand.
        let parse = InProcess.run(["shapes", Self.conv, "--no-such-flag", "--format", "json"])
        #expect(parse.status == 2)
        #expect((try InProcess.json(parse.stdout)["error"] as? [String: Any])?["kind"] as? String == "invalid_argument")
        #expect(parse.stderr.contains("onnxcost shapes"), "\(parse.stderr)")
        // Without --format json, stdout stays empty.
        #expect(InProcess.run(["check", Self.conv, "--max-latency", "5ms"]).stdout.isEmpty)
    }

    /// Colour only on a terminal, never with NO_COLOR; `--color always|never` override.
    @Test func colourOnlyOnATerminal() {
        let escape = "\u{1B}["
        #expect(!InProcess.run([Self.conv]).stdout.contains(escape))
        #expect(InProcess.run([Self.conv], terminal: true).stdout.contains(escape))
        #expect(!InProcess.run([Self.conv], terminal: true, environment: ["NO_COLOR": "1"]).stdout.contains(escape))
        #expect(InProcess.run([Self.conv, "--color", "always"]).stdout.contains(escape))
        #expect(!InProcess.run([Self.conv, "--color", "never"], terminal: true).stdout.contains(escape))
        #expect(!InProcess.run([Self.conv, "--format", "json"], terminal: true).stdout.contains(escape))
    }

    /// Completion scripts come from the argument parser's tooling and know every subcommand, option and format.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScript(shell: String) {
        let result = InProcess.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        for word in ["diff", "check", "max-latency", "max-peak-memory", "sarif", "color"] {
            #expect(result.stdout.contains(word), "\(shell) completion lacks \(word)")
        }
    }

    /// `--top N` keeps N rows of the heaviest-nodes table.
    @Test func topLimitsTheTable() {
        let text = InProcess.run([Self.conv, "--top", "2"]).stdout
        #expect(text.contains("Top 2 nodes by FLOPs"), "\(text)")
        #expect(InProcess.run([Self.conv, "--top", "-1"]).status == 2)
    }

    /// An op without a cost rule shows unknown MACs (`?` in text and Markdown, null in JSON, empty in CSV),
    /// never 0; Markdown shows the coverage line.
    @Test func uncostedOpIsUnknownNotZero() throws {
        let model = CLI.fixture("all_attributes.onnx")
        let text = InProcess.run([model]).stdout
        let row = try #require(text.split(separator: "\n").first { $0.contains("test.attrs.AllAttrs") && $0.contains("  1  ") })
        #expect(Array(row.split(separator: " ").dropFirst(2).prefix(2)) == ["?", "?"], "\(row)")
        let md = InProcess.run([model, "--format", "md"]).stdout
        #expect(md.contains("| coverage | 1 of 1 nodes (100%) NOT costed: test.attrs.AllAttrs×1 |"), "\(md)")
        #expect(md.contains("| test.attrs.AllAttrs | 1 | ? | ? |"))
        let nodes = try #require(try InProcess.json(InProcess.run([model, "--format", "json"]).stdout)["nodes"] as? [[String: Any]])
        #expect(nodes.first?["macs"] is NSNull && nodes.first?["flops"] is NSNull)
        #expect(nodes.first?["status"] as? String == "no_cost_rule")
        let csv = InProcess.run([model, "--format", "csv"]).stdout.split(separator: "\n")
        #expect(csv[1].split(separator: ",", omittingEmptySubsequences: false)[4] == "")
    }

    /// Commands return their status: a bad model is 2 in process too, with the file named.
    @Test func badModelInProcess() throws {
        let result = InProcess.run(["/no/such.onnx", "--format", "json"])
        #expect(result.status == 2)
        let error = try #require(try InProcess.json(result.stdout)["error"] as? [String: Any])
        #expect(error["kind"] as? String == "file_not_found")
        #expect(result.stderr.contains("/no/such.onnx"))
    }
}
