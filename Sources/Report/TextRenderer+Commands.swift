import Foundation
import DeviceDB
import ONNXGraph

/// The text format of every command: aligned tables for a terminal.
extension TextRenderer: ReportRenderer {
    public static var format: OutputFormat { .text }

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) -> String {
        render(report, top: options.top, color: options.color)
    }

    public static func shapes(_ listing: ShapesListing, options: RenderOptions) -> String {
        let width = min(listing.rows.map(\.name.count).max() ?? 0, 60)
        var text = ""
        for row in listing.rows {
            text += row.name.padding(toLength: max(width, row.name.count), withPad: " ", startingAt: 0) + "  " + row.type.description + "\n"
        }
        if !listing.unsupportedOps.isEmpty {
            text += "\nunsupported ops (outputs unknown): " + listing.unsupportedList + "\n"
        }
        for warning in listing.warnings { text += warning + "\n" }
        return text
    }

    public static func devices(_ devices: [Device], options: RenderOptions) -> String {
        DevicesRenderer.text(devices)
    }

    public static func check(_ result: CheckResult, options: RenderOptions) -> String {
        var lines = ["onnxcost check · \(result.path)"]
        for budget in result.budgets { lines.append(budgetLine(budget)) }
        if result.budgets.isEmpty { lines.append("  (no budget given: structural checks only)") }
        let errors = result.findings.filter { $0.level == .error }.count
        lines.append("")
        if result.findings.isEmpty {
            lines.append("Findings     none: the graph is well formed")
        } else {
            lines.append("Findings (\(result.findings.count), \(errors) error\(errors == 1 ? "" : "s"))")
            let shown = result.findings.sorted { ($0.level == .error ? 0 : 1) < ($1.level == .error ? 0 : 1) }.prefix(max(options.top, 20))
            for finding in shown {
                lines.append("  \(finding.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(finding.ruleId): \(finding.message)")
            }
            if result.findings.count > shown.count { lines.append("  … \(result.findings.count - shown.count) more (see --format json)") }
        }
        lines.append("")
        let failedBudgets = result.budgets.filter { !$0.passed }.count
        let budgets = result.budgets.isEmpty ? "no budget given" : "\(result.budgets.count - failedBudgets) of \(result.budgets.count) budget\(result.budgets.count == 1 ? "" : "s") met"
        lines.append("\(result.passed ? "PASS" : "FAIL")         \(budgets), \(errors) error finding\(errors == 1 ? "" : "s")")
        return (options.color ? lines.map(Paint.check) : lines).joined(separator: "\n") + "\n"
    }

    /// `ok   MACs 1.2 M (budget 30 M)`, `FAIL latency symbolic in batch: bind …`.
    static func budgetLine(_ budget: CheckResult.Budget) -> String {
        let limit = "(budget \(budget.show(budget.limit)))"
        let what = budget.name == "latency" ? "latency" : budget.label
        let on = budget.device.map { " on \($0)" } ?? ""
        switch budget.verdict {
        case .pass, .fail:
            let value = budget.value.map(budget.show) ?? "?"
            let estimate = budget.name == "latency" ? " (estimate)" : ""
            return "\(budget.passed ? "ok  " : "FAIL") \(what) \(value)\(estimate)\(on) \(limit)"
        case .unknown: return "FAIL \(what) unknown\(on) \(limit)"
        case .negative: return "FAIL \(what) negative (invalid sizes)\(on) \(limit)"
        case .symbolic:
            return "FAIL \(what) symbolic in \(budget.symbols.joined(separator: ", ")): bind \(budget.symbols.count == 1 ? "it" : "them") with --dim or --input \(limit)"
        case .unavailable: return "FAIL \(what)\(on) unavailable: \(budget.reason) \(limit)"
        }
    }

    public static func diff(_ result: DiffResult, options: RenderOptions) -> String {
        var lines = ["onnxcost diff", "  A  \(result.pathA)", "  B  \(result.pathB)", ""]
        var totals = [["total", "A", "B", "B − A"]]
        for total in result.totals {
            let show = { (value: SymbolicInt) -> String in total.isBytes ? Units.bytes(value) : Units.count(value) }
            totals.append([total.name.replacingOccurrences(of: "_", with: " "), show(total.a), show(total.b),
                           DiffResult.deltaText(total.delta, from: total.a, bytes: total.isBytes)])
        }
        for latency in result.latencies {
            totals.append(["estimate on \(latency.device)", latency.a.map(Units.seconds) ?? "–", latency.b.map(Units.seconds) ?? "–",
                           latency.delta.map { ($0 > 0 ? "+" : $0 < 0 ? "-" : "") + Units.seconds(abs($0)) } ?? "–"])
        }
        lines += ["Totals"] + format(totals)
        lines.append("")
        let shown = result.ops.prefix(options.top)
        lines += ["By op type (\(shown.count) of \(result.ops.count), heaviest first)"] + format(DiffResult.opCells(Array(shown)))
        if !result.shapeChanges.isEmpty {
            lines.append("")
            lines.append("Inputs and outputs")
            lines += format([["kind", "name", "A", "B"]] + result.shapeChanges.map { [$0.kind, $0.name, $0.a?.description ?? "–", $0.b?.description ?? "–"] },
                            textColumns: 4).map { String($0.reversed().drop { $0 == " " }.reversed()) }
        }
        for (label, names) in [("Only in A", result.onlyInA), ("Only in B", result.onlyInB)] where !names.isEmpty {
            lines.append("")
            lines.append("\(label) (\(names.count) node\(names.count == 1 ? "" : "s")): \(names.prefix(options.top).joined(separator: ", "))\(names.count > options.top ? ", …" : "")")
        }
        return (options.color ? lines.map(Paint.report) : lines).joined(separator: "\n") + "\n"
    }
}

extension DiffResult {
    /// Header, then one row per op type: counts, MACs, FLOPs and params of A and B with the deltas.
    static func opCells(_ ops: [OpRow]) -> [[String]] {
        var table = [["op", "count A", "count B", "MACs A", "MACs B", "Δ MACs", "FLOPs A", "FLOPs B", "Δ FLOPs", "params Δ"]]
        for row in ops {
            table.append([row.op, "\(row.a.count)", "\(row.b.count)", Units.count(row.a.macs), Units.count(row.b.macs),
                          deltaText(delta(row.a.macs, row.b.macs), from: row.a.macs, bytes: false),
                          Units.count(row.a.flops), Units.count(row.b.flops), deltaText(delta(row.a.flops, row.b.flops), from: row.a.flops, bytes: false),
                          deltaText(delta(row.a.params, row.b.params), from: row.a.params, bytes: false)])
        }
        return table
    }

    static func delta(_ a: SymbolicInt, _ b: SymbolicInt) -> SymbolicInt { a.isUnknown || b.isUnknown ? .unknown : b - a }
}

/// ANSI colour for the text format: section headings bold, failures red, passes green, the footer dim.
enum Paint {
    static func bold(_ s: String) -> String { "\u{1B}[1m\(s)\u{1B}[0m" }
    static func red(_ s: String) -> String { "\u{1B}[31m\(s)\u{1B}[0m" }
    static func green(_ s: String) -> String { "\u{1B}[32m\(s)\u{1B}[0m" }
    static func dim(_ s: String) -> String { "\u{1B}[2m\(s)\u{1B}[0m" }

    static func report(_ line: String) -> String {
        if line.contains("NOT costed") || line.contains(" NO ") { return red(line) }
        if line.hasPrefix("Convention") || line.hasPrefix("(see docs") { return dim(line) }
        if !line.isEmpty && !line.hasPrefix(" ") { return bold(line) }
        return line
    }

    static func check(_ line: String) -> String {
        if line.hasPrefix("FAIL") || line.hasPrefix("  error") { return red(line) }
        if line.hasPrefix("ok  ") || line.hasPrefix("PASS") { return green(line) }
        return report(line)
    }
}
