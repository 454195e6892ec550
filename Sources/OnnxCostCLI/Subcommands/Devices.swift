import ArgumentParser
import Foundation
import ONNXCost

/// `onnxcost devices`: the device database.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the accelerators the roofline knows (dense peaks from datasheets).")

    @Option(help: ArgumentHelp("Extra devices or overrides: {\"devices\": [rows as `devices --format json` prints]} (docs/devices.md).", valueName: "path"))
    var devicesFile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let catalog: DeviceCatalog
        do { catalog = try Analyzer.catalog(devicesFile: devicesFile) } catch {
            Output.fail(kind: "invalid_device", message: error.description, format: output.format)
        }
        switch output.format {
        case .json: Output.write(DevicesRenderer.json(catalog.devices).serialized(pretty: output.pretty) + "\n")
        case .csv: Output.write(DevicesRenderer.csv(catalog.devices))
        case .md: Output.write(DevicesRenderer.markdown(catalog.devices))
        case .text: Output.write(DevicesRenderer.text(catalog.devices))
        case .html: throw ValidationError("devices has no html format; use text, json, csv or md")
        }
    }
}
