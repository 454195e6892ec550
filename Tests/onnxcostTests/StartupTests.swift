import Foundation
@testable import OnnxCostCLI
import ONNXCost
import Testing

/// The start-up fast paths of issue 15 give exactly what the full argument parse gives.
@Suite struct StartupTests {
    static let conv = InProcess.fixture("tiny_convnet.onnx")

    /// `onnxcost MODEL` skips the parser: its settings must be the parser's defaults, field by field.
    @Test func bareFormSettingsAreTheParsersDefaults() throws {
        let parsed = try #require(try OnnxCost.parseAsRoot([Self.conv]) as? Analyze)
        #expect(parsed.settings == AnalyzeSettings(model: Self.conv))
        #expect(OnnxCost.bareAnalyze([Self.conv]) == AnalyzeSettings(model: Self.conv))
    }

    /// The default form with options is parsed as `analyze` alone, to the same values as the root parse.
    @Test func defaultFormParsesLikeTheRoot() throws {
        let arguments = [Self.conv, "--format", "json", "--dim", "batch=2", "--device", "t4", "--top", "3", "--no-fusion"]
        let fast = try #require(OnnxCost.defaultCommand(arguments) as? Analyze)
        let root = try #require(try OnnxCost.parseAsRoot(arguments) as? Analyze)
        #expect(fast.settings == root.settings)
    }

    /// Subcommand names, help, version and completion requests always take the root parse.
    @Test func rootFormsAreNotShortCut() {
        for arguments in [["devices"], ["help"], ["shapes", Self.conv], [Self.conv, "--help"], [Self.conv, "-h"], ["--version"],
                          ["--generate-completion-script", "bash"], [Self.conv, "--top", "-1"], []] {
            #expect(OnnxCost.defaultCommand(arguments) == nil, "\(arguments)")
        }
        for arguments in [["devices"], ["--help"], [Self.conv, "--pretty"], ["-h"], []] {
            #expect(OnnxCost.bareAnalyze(arguments) == nil, "\(arguments)")
        }
    }

    /// The names the fast paths treat as subcommands are the root command's own.
    @Test func subcommandNamesMatchTheConfiguration() {
        let names = Set(OnnxCost.configuration.subcommands.map { $0._commandName } + ["help"])
        #expect(OnnxCost.subcommandNames == names)
    }

    /// `--help`, `-h` and `help` alone print the root parse's help, byte for byte.
    @Test func bareHelpIsTheRootHelp() {
        for arguments in [["--help"], ["-h"], ["help"]] {
            #expect(OnnxCost.isBareHelpRequest(arguments))
            let result = InProcess.run(arguments)
            #expect(result.status == 0)
            var rootText = ""
            // What `run` did for these before the shortcut: the root parse, then the command it gives.
            do {
                var command = try OnnxCost.parseAsRoot(arguments)
                try command.run()
            } catch {
                rootText = OnnxCost.fullMessage(for: error) + "\n"
            }
            #expect(!rootText.isEmpty)
            #expect(result.stdout == rootText, "\(arguments)")
            #expect(result.stderr.isEmpty)
        }
        #expect(!OnnxCost.isBareHelpRequest(["help", "analyze"]))
        #expect(!OnnxCost.isBareHelpRequest(["analyze", "--help"]))
    }

    /// The bare form prints what the parsed form prints.
    @Test func bareAndParsedFormsPrintTheSame() {
        let bare = InProcess.run([Self.conv])
        let parsed = InProcess.run(["analyze", Self.conv])
        #expect(bare.status == 0)
        #expect(bare.stdout == parsed.stdout)
        #expect(bare.stderr == parsed.stderr)
    }
}
