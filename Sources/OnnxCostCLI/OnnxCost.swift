import ArgumentParser
import Foundation
import ONNXCost

// The commands live in this library; the `onnxcost` executable only calls `OnnxCost.main()`,
// so tests can drive them in process.

/// `onnxcost MODEL`: what a model costs, without running it.
public struct OnnxCost: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "onnxcost",
        abstract: "What an ONNX model costs, without running it: MACs, FLOPs, params, memory, bytes moved, roofline latency.",
        subcommands: [Analyze.self, Shapes.self, Scan.self, Check.self, Devices.self],
        defaultSubcommand: Analyze.self
    )

    /// Argument errors exit 2 (DESIGN.md's exit codes), not ArgumentParser's 64.
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 0 {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
