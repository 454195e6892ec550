import CostKernels

/// One row per node: for spreadsheets and diffing.
public enum CSVRenderer {
    public static func render(_ report: AnalysisReport) -> String {
        var lines = ["name,op,domain,output_shape,macs,flops,transcendentals,params,bytes_read,bytes_written,compute_dtype,status"]
        for node in report.costs.nodes {
            let shape = node.outputShapes.first.flatMap { $0 }.map { $0.map(\.description).joined(separator: "x") } ?? ""
            let status: String = switch node.status {
            case .costed: "costed"
            case .noRule: "no_cost_rule"
            case .failed(let reason): "failed: \(reason)"
            }
            let fields = [node.ref.name, node.ref.opType, node.ref.domain, shape, node.macs.description, node.flops.description,
                          node.transcendentals.description, node.params.description, node.bytesRead.description,
                          node.bytesWritten.description, node.computeType.name, status]
            lines.append(fields.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
