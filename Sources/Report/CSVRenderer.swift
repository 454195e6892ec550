import CostKernels
import DeviceDB
import ONNXGraph

/// One row per node: for spreadsheets and diffing. With a device, the node's roofline share on the
/// first device (its fusion group, time, compute, memory, bound, intensity) in one column each.
public enum CSVRenderer {
    public static func render(_ report: AnalysisReport) -> String {
        if !report.sweep.isEmpty { return sweep(report) }
        if report.rooflines.contains(where: { $0.training != nil || $0.llm != nil }) { return modes(report) }
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
            // A node without a cost rule has unknown counts: empty cells, never 0.
            let costed = node.status == .costed
            var fields = [node.ref.name, node.ref.opType, node.ref.domain, shape, costed ? node.macs.description : "",
                          costed ? node.flops.description : "", costed ? node.transcendentals.description : "", node.params.description, node.bytesRead.description,
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

    /// `--training` / `--prefill` / `--decode`: one row per device with the mode's figures.
    static func modes(_ report: AnalysisReport) -> String {
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        var lines: [String] = []
        if report.rooflines.contains(where: { $0.training != nil }) {
            lines.append("device,flops,weight_bytes,gradient_bytes,optimizer_state_bytes,saved_activation_bytes,total_memory_bytes,fits,allreduce_bytes_per_step,allreduce_s,step_bound_s,step_estimate_s,step_overlapped_s")
            for r in report.rooflines {
                guard let t = r.training else { continue }
                lines.append([r.device.id, number(t.flops), number(t.weightBytes), number(t.gradientBytes), number(t.optimizerStateBytes),
                              number(t.savedActivationBytes), number(t.totalMemoryBytes), t.fits.map { "\($0)" } ?? "",
                              number(t.allreduceBytesPerStep), number(t.allreduceSeconds), number(t.stepBoundSeconds),
                              number(t.stepEstimateSeconds), number(t.stepOverlappedSeconds)].map(quote).joined(separator: ","))
            }
        }
        if report.rooflines.contains(where: { $0.llm != nil }) {
            lines.append("device,phase,batch,tokens,context,kv_cache_bytes_per_token,kv_cache_bytes,time_to_first_token_bound_s,time_to_first_token_estimate_s,time_per_output_token_bound_s,time_per_output_token_estimate_s,tokens_per_s_bound,tokens_per_s_estimate,max_context,max_batch")
            for r in report.rooflines {
                guard let l = r.llm else { continue }
                lines.append([r.device.id, l.phase.rawValue, "\(l.batch)", "\(l.tokens)", "\(l.context)", number(l.kvCacheBytesPerToken),
                              number(l.kvCacheBytes), number(l.timeToFirstToken?.boundSeconds), number(l.timeToFirstToken?.estimateSeconds),
                              number(l.timePerOutputToken?.boundSeconds), number(l.timePerOutputToken?.estimateSeconds),
                              number(l.tokensPerSecondBound), number(l.tokensPerSecondEstimate), l.maxContext.map(String.init) ?? "",
                              l.maxBatch.map(String.init) ?? ""].map(quote).joined(separator: ","))
            }
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

/// The CSV format: one row per node, tensor, device, or (diff) per compared figure.
extension CSVRenderer: ReportRenderer {
    public static var format: OutputFormat { .csv }

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) -> String { render(report) }

    public static func shapes(_ listing: ShapesListing, options: RenderOptions) -> String {
        var lines = ["name,dtype,shape,producer"]
        for row in listing.rows {
            lines.append([row.name, row.type.tensor?.dtype.name ?? row.type.description, ShapesListing.shapeText(row.type), row.producer]
                .map(quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func devices(_ devices: [Device], options: RenderOptions) -> String { DevicesRenderer.csv(devices) }

    /// Long format for pivot tables: `kind,name,metric,a,b,delta` — kind is total, latency, op, node,
    /// input or output; unknown figures are empty.
    public static func diff(_ result: DiffResult, options: RenderOptions) -> String {
        var lines = ["kind,name,metric,a,b,delta"]
        func number(_ value: SymbolicInt) -> String { value.isUnknown ? "" : value.description }
        func add(_ kind: String, _ name: String, _ metric: String, _ a: String, _ b: String, _ delta: String) {
            lines.append([kind, name, metric, a, b, delta].map(quote).joined(separator: ","))
        }
        for total in result.totals { add("total", "", total.name, number(total.a), number(total.b), number(total.delta)) }
        for latency in result.latencies {
            add("latency", latency.device, "estimate_s", latency.a.map { "\($0)" } ?? "", latency.b.map { "\($0)" } ?? "", latency.delta.map { "\($0)" } ?? "")
        }
        for row in result.ops {
            add("op", row.op, "count", "\(row.a.count)", "\(row.b.count)", "\(row.b.count - row.a.count)")
            for (metric, a, b) in [("macs", row.a.macs, row.b.macs), ("flops", row.a.flops, row.b.flops), ("params", row.a.params, row.b.params)] {
                add("op", row.op, metric, number(a), number(b), number(DiffResult.delta(a, b)))
            }
        }
        for name in result.onlyInA { add("node", name, "present", "true", "false", "") }
        for name in result.onlyInB { add("node", name, "present", "false", "true", "") }
        for change in result.shapeChanges {
            add(change.kind, change.name, "type", change.a?.description ?? "", change.b?.description ?? "", "")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
