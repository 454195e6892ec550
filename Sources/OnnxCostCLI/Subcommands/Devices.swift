import ArgumentParser
import ONNXCost

/// `onnxcost devices`: the device database.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the accelerators the roofline knows (dense peaks from datasheets).")

    @Option(help: ArgumentHelp("Extra devices or overrides: {\"devices\": [rows as `devices --format json` prints]} (docs/devices.md).", valueName: "path"))
    var devicesFile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let renderer = try output.renderer(for: .devices)
        let catalog: DeviceCatalog
        do { catalog = try Analyzer.catalog(devicesFile: devicesFile) } catch {
            try Output.fail(kind: "invalid_device", message: error.description, format: output.format)
        }
        Output.write(try renderer.devices(catalog.devices, options: output.renderOptions()))
    }
}
