// onnxcost-docs: rewrites the generated per-operator table of docs/cost-model.md from
// `OpRegistry.builtin`.
//
//     swift run onnxcost-docs            # rewrite docs/cost-model.md (run from the package root)
//     swift run onnxcost-docs --check    # exit 1 when the committed table is stale
//     swift run onnxcost-docs --stdout   # print the section only
//     swift run onnxcost-docs PATH       # another copy of the document
import Foundation
import Operators

var arguments = Array(CommandLine.arguments.dropFirst())
let check = arguments.contains("--check"), stdout = arguments.contains("--stdout")
arguments.removeAll { $0 == "--check" || $0 == "--stdout" }
let section = OpRegistry.builtin.costModelTable()
if stdout {
    print(section)
    exit(0)
}
let path = arguments.first ?? "docs/cost-model.md"
guard let document = try? String(contentsOfFile: path, encoding: .utf8) else {
    FileHandle.standardError.write(Data("onnxcost-docs: cannot read \(path)\n".utf8))
    exit(2)
}
guard let updated = OpRegistry.replacingGeneratedSection(in: document, with: section) else {
    FileHandle.standardError.write(Data("onnxcost-docs: \(path) has no \(OpRegistry.generatedSectionMarkers.begin) … \(OpRegistry.generatedSectionMarkers.end) section\n".utf8))
    exit(2)
}
if check {
    if updated != document {
        FileHandle.standardError.write(Data("onnxcost-docs: \(path) is stale; run `swift run onnxcost-docs`\n".utf8))
        exit(1)
    }
    exit(0)
}
if updated != document {
    do {
        try updated.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("onnxcost-docs: cannot write \(path): \(error)\n".utf8))
        exit(2)
    }
}
