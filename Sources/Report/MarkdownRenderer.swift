import Foundation
import CostKernels
import DeviceDB
import ONNXGraph

/// A Markdown summary (totals and the per-op table), for CI comments and docs.
public enum MarkdownRenderer {
    public static func render(_ report: AnalysisReport) -> String {
        let totals = report.costs.totals
        var lines = ["# \(report.file.path)", "",
                     "| metric | value |", "|---|---|",
                     "| MACs | \(Units.count(totals.macs)) |",
                     "| FLOPs | \(Units.count(totals.flops)) |",
                     "| params | \(Units.count(totals.params)) |",
                     "| weight bytes | \(Units.bytes(totals.weightBytes)) |",
                     "| activation bytes (sum) | \(Units.bytes(totals.activationBytes)) |",
                     "| peak activation bytes | \(Units.bytes(totals.peakActivationBytes)) |",
                     "| memory access | \(Units.bytes(totals.memoryAccessBytes)) |",
                     "| coverage | \(TextRenderer.coverageSummary(report)) |"]
        for roofline in report.rooflines {
            if let f = roofline.figures {
                lines.append("| \(roofline.device.shortName): bound / estimate | ≥ \(Units.seconds(f.boundSeconds)) / \(Units.seconds(f.estimateSeconds)) (\(f.bound.rawValue)-bound, \(Units.format(f.perSecond))/s) |")
            } else {
                lines.append("| \(roofline.device.shortName) | partial: \(roofline.partialNodes.count) node(s) uncosted |")
            }
        }
        for roofline in report.rooflines {
            if let t = roofline.training {
                lines.append("| \(roofline.device.shortName): training step | ≥ \(Units.seconds(t.stepBoundSeconds)) / \(Units.seconds(t.stepEstimateSeconds)); memory \(Units.bytes(t.totalMemoryBytes)) (\(t.fits.map { $0 ? "fits" : "does not fit" } ?? "?")); all-reduce \(Units.bytes(t.allreduceBytesPerStep)) per step |")
            }
            if let l = roofline.llm {
                let tpot = l.timePerOutputToken.map { "≥ \(Units.seconds($0.boundSeconds)) / \(Units.seconds($0.estimateSeconds))" } ?? "–"
                let ttft = l.timeToFirstToken.map { "≥ \(Units.seconds($0.boundSeconds)) / \(Units.seconds($0.estimateSeconds))" } ?? "–"
                lines.append("| \(roofline.device.shortName): \(l.phase.rawValue) (batch \(l.batch)) | first token \(ttft); per token \(tpot); KV \(Units.bytes(l.kvCacheBytesPerToken))/token; longest context \(l.maxContext.map(String.init) ?? "–") |")
            }
        }
        if let target = report.target {
            lines += ["", "**Target \(Units.seconds(target.latencySeconds))**: needs ≥ \(Units.format(target.requiredBandwidthBytesPerSecond / 1e9)) GB/s and ≥ \(Units.format(target.requiredOpsPerSecond / 1e12)) T ops/s; met (estimate) by \(target.devicesMeetingEstimate.isEmpty ? "no device" : target.devicesMeetingEstimate.joined(separator: ", "))."]
        }
        if let symbol = report.sweep.first?.symbol {
            lines += ["", "| \(symbol) | device | bound | estimate | limited by | per s | memory | fits |", "|---:|---|---:|---:|---|---:|---:|---|"]
            for point in report.sweep {
                let f = point.roofline.figures
                lines.append("| \(point.value) | \(point.roofline.device.shortName) | \(f.map { "≥ " + Units.seconds($0.boundSeconds) } ?? "partial") | \(f.map { Units.seconds($0.estimateSeconds) } ?? "partial") | \(f?.bound.rawValue ?? "–") | \(f.map { Units.format($0.perSecond) } ?? "–") | \(Units.bytes(point.roofline.requiredMemoryBytes)) | \(point.roofline.fits.map { $0 ? "yes" : "no" } ?? "?") |")
            }
        }
        lines += ["", "| op | count | MACs | FLOPs | params | bytes moved | FLOPs % |", "|---|---:|---:|---:|---:|---:|---:|"]
        for row in TextRenderer.opTableCells(report).dropFirst() {
            lines.append("| " + row.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("Convention: 1 MAC = 2 FLOPs (docs/cost-model.md).")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The Markdown format of every command: tables for CI comments and docs.
extension MarkdownRenderer: ReportRenderer {
    public static var format: OutputFormat { .md }

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) -> String { render(report) }

    public static func shapes(_ listing: ShapesListing, options: RenderOptions) -> String {
        var lines = ["# \(listing.path): shapes", "", "| tensor | type | producer |", "|---|---|---|"]
        for row in listing.rows { lines.append("| \(cell(row.name)) | \(cell(row.type.description)) | \(cell(row.producer)) |") }
        if !listing.unsupportedOps.isEmpty { lines += ["", "Unsupported ops (outputs unknown): \(listing.unsupportedList)"] }
        if !listing.warnings.isEmpty { lines += [""] + listing.warnings.map { "- \(cell($0))" } }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func devices(_ devices: [Device], options: RenderOptions) -> String { DevicesRenderer.markdown(devices) }

    public static func check(_ result: CheckResult, options: RenderOptions) -> String {
        var lines = ["# check \(result.path): \(result.passed ? "PASS" : "FAIL")", ""]
        if !result.budgets.isEmpty {
            lines += ["| budget | value | limit | verdict |", "|---|---:|---:|---|"]
            for budget in result.budgets {
                let value = budget.value.map(budget.show) ?? (budget.symbols.isEmpty ? "?" : "symbolic in \(budget.symbols.joined(separator: ", "))")
                lines.append("| \(budget.label) | \(value) | \(budget.show(budget.limit)) | \(budget.verdict.rawValue) |")
            }
            lines.append("")
        }
        if result.findings.isEmpty {
            lines.append("No findings: the graph is well formed.")
        } else {
            lines += ["| level | rule | finding |", "|---|---|---|"]
            for finding in result.findings { lines.append("| \(finding.level.rawValue) | \(finding.ruleId) | \(cell(finding.message)) |") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func diff(_ result: DiffResult, options: RenderOptions) -> String {
        var lines = ["# diff", "", "A: `\(result.pathA)`  ", "B: `\(result.pathB)`", "", "| total | A | B | B − A |", "|---|---:|---:|---:|"]
        for total in result.totals {
            let show = { (value: SymbolicInt) -> String in total.isBytes ? Units.bytes(value) : Units.count(value) }
            lines.append("| \(total.name) | \(show(total.a)) | \(show(total.b)) | \(DiffResult.deltaText(total.delta, from: total.a, bytes: total.isBytes)) |")
        }
        for latency in result.latencies {
            lines.append("| estimate on \(latency.device) | \(latency.a.map(Units.seconds) ?? "–") | \(latency.b.map(Units.seconds) ?? "–") | \(latency.delta.map { ($0 > 0 ? "+" : $0 < 0 ? "-" : "") + Units.seconds(abs($0)) } ?? "–") |")
        }
        let table = DiffResult.opCells(Array(result.ops.prefix(options.top)))
        lines += ["", "| " + table[0].joined(separator: " | ") + " |", "|---|" + String(repeating: "---:|", count: table[0].count - 1)]
        for row in table.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
        if !result.shapeChanges.isEmpty {
            lines += ["", "| kind | name | A | B |", "|---|---|---|---|"]
            for change in result.shapeChanges {
                lines.append("| \(change.kind) | \(cell(change.name)) | \(change.a?.description ?? "–") | \(change.b?.description ?? "–") |")
            }
        }
        for (label, names) in [("Only in A", result.onlyInA), ("Only in B", result.onlyInB)] where !names.isEmpty {
            lines += ["", "**\(label)** (\(names.count)): \(names.prefix(options.top).map { "`\($0)`" }.joined(separator: ", "))\(names.count > options.top ? ", …" : "")"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A table cell: pipes escaped, newlines as spaces.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
