// libFuzzer target over the whole Swift pipeline: bytes → loader → shapes → costs → JSON report.
//
// Fuzz:   tools/fuzz/run-analysis-fuzzer.sh SECONDS
//         (swift build -c release --product onnxcost-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING)
// Replay: swift run onnxcost-fuzz FILE... (an ordinary build: analyzes each file in-process and
//         prints one line per file; a crash reproduces under the debugger)
import Foundation
import ONNXCost

/// Analyzes one input the way `onnxcost --format json` does, without printing.
func analyze(_ bytes: [UInt8]) -> String {
    do throws(LoadError) {
        let loaded = try ModelLoader.load(bytes: bytes, path: "<fuzz>")
        let report = Analyzer.analyze(loaded: loaded)
        return "ok: \(JSONRenderer.render(report).serialized().count) bytes of JSON"
    } catch {
        return "error: \(error.kind)"
    }
}

#if FUZZING
/// libFuzzer's driver, entered from this executable's main: SwiftPM links executables with
/// `main` defined as `onnxcost_fuzz_main`, which would otherwise hide libFuzzer's own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("onnxcost_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        _ = analyze(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
@main
struct ReplayFuzzInputs {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            print("\(path): \(analyze(bytes))")
        }
    }
}
#endif
