import ArgumentParser
import ONNXCost

/// `onnxcost shapes MODEL`: every tensor with its inferred shape.
struct Shapes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shapes", abstract: "Print every tensor with its inferred type and shape.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let renderer = try output.renderer(for: .shapes)
        let (shapeOptions, checked) = try model.checkedShapeOptionsAndModel(format: output.format)
        let loaded = try model.load(format: output.format, reusing: checked)
        let result = ShapePropagation(model: loaded.model, resolver: OpRegistry.builtin, options: shapeOptions).run()
        Output.write(try renderer.shapes(ShapesListing(path: loaded.path, result: result), options: output.renderOptions()))
    }
}
