import CostKernels
import DeviceDB

/// One row per node: for spreadsheets and diffing. With a device, the node's roofline share on the
/// first device (its fusion group, time, compute, memory, bound, intensity) in one column each.
public enum CSVRenderer {
    public static func render(_ report: AnalysisReport) -> String {
        if !report.sweep.isEmpty { return sweep(report) }
        var header = "name,op,domain,output_shape,macs,flops,transcendentals,params,bytes_read,bytes_written,compute_dtype,status"
        let roofline = report.roofline
        if roofline != nil { header += ",fusion,group,time_s,compute_s,memory_s,bound,intensity" }
        var lines = [header]
        for (index, node) in report.costs.nodes.enumerated() {
            let shape = node.outputShapes.first.flatMap { $0 }.map { $0.map(\.description).joined(separator: "x") } ?? ""
            let status: String = switch node.status {
            case .costed: "costed"
            case .noRule: "no_cost_rule"
            case .failed(let reason): "failed: \(reason)"
            }
            var fields = [node.ref.name, node.ref.opType, node.ref.domain, shape, node.macs.description, node.flops.description,
                          node.transcendentals.description, node.params.description, node.bytesRead.description,
                          node.bytesWritten.description, node.computeType.name, status]
            if let share = roofline?.nodes[index] {
                fields += [share.role.rawValue, share.group.map(String.init) ?? "", "\(share.seconds)", "\(share.computeSeconds)",
                           "\(share.memorySeconds)", share.bound.rawValue, share.intensity.map { "\($0)" } ?? ""]
            }
            lines.append(fields.map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `--sweep`: one row per value and device, for plotting.
    static func sweep(_ report: AnalysisReport) -> String {
        guard let symbol = report.sweep.first?.symbol else { return "" }
        var lines = ["\(quote(symbol)),device,bound_s,estimate_s,per_s,bound,required_memory_bytes,fits"]
        for point in report.sweep {
            let f = point.roofline.figures
            lines.append([String(point.value), point.roofline.device.id, f.map { "\($0.boundSeconds)" } ?? "", f.map { "\($0.estimateSeconds)" } ?? "",
                          f.map { "\($0.perSecond)" } ?? "", f?.bound.rawValue ?? "", "\(point.roofline.requiredMemoryBytes)",
                          point.roofline.fits.map { "\($0)" } ?? ""].map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting: a field with a comma, quote or newline is quoted, its quotes doubled.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        var quoted = "\""
        for character in field {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }
}
