import CostKernels

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
                     "| memory access | \(Units.bytes(totals.memoryAccessBytes)) |"]
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
