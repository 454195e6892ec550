// onnxcost-bench: the benchmark harness behind docs/benchmarks.md (run it through tools/bench/run.sh).
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "suite-child", arguments.count == 2 {
    do { try Suite.child(listPath: arguments[1]) } catch { fail("suite-child: \(error)") }
}
Harness(options: BenchOptions.parse(arguments)).run()
