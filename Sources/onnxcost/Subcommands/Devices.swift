import ArgumentParser
import Foundation
import ONNXCost

/// `onnxcost devices`: the device database.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the accelerators the roofline knows (dense peaks from datasheets).")

    @Option(help: ArgumentHelp("Extra devices, a JSON file with the schema of the shipped table.", valueName: "path"))
    var devicesFile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog: DeviceCatalog
        do { catalog = try Analyzer.catalog(devicesFile: devicesFile) } catch {
            Output.fail(kind: "invalid_device", message: error.description, format: output.format)
        }
        if output.format == .json {
            let document = JSON.object([("schema_version", .int(1)), ("devices", .array(catalog.devices.map { JSONRenderer.device($0) }))])
            Output.write(document.serialized(pretty: output.pretty) + "\n")
            return
        }
        func figure(_ value: Double?, scale: Double = 1) -> String { value.map { Units.format($0 / scale) } ?? "–" }
        var table = [["alias", "device", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4", "GB", "GB/s", "cache MB"]]
        for d in catalog.devices {
            table.append([d.shortName, d.name] + ["fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4"].map { figure(d.peakTOPS[$0]) }
                         + [figure(d.memoryBytes, scale: 1e9), figure(d.memoryBandwidthBytesPerSecond, scale: 1e9), figure(d.cacheBytes, scale: 1e6)])
        }
        var text = ""
        var widths = Array(repeating: 0, count: table[0].count)
        for row in table { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        for row in table {
            text += row.enumerated().map { i, cell in
                i < 2 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
        }
        text += "\nDense peaks (TFLOPS / TOPS, no structured sparsity) from vendor datasheets; `onnxcost devices --format json` gives every figure's sources.\n"
        Output.write(text)
    }
}
