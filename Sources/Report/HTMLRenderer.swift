import CostKernels
import DeviceDB
import Foundation
import ONNXGraph
import ShapeInference

/// `--format html`: one self-contained page (inline CSS, JS and SVG; its content security policy
/// forbids fetching anything) with the totals, a roofline chart per fusion group and device, the
/// op-type breakdown, the activation memory over the schedule, and sortable op-type and node
/// tables. Every string from the model is escaped: names are untrusted.
public enum HTMLRenderer: ReportRenderer {
    public static let format = OutputFormat.html

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) -> String { render(report) }

    public static func render(_ report: AnalysisReport) -> String {
        let bindings = chartBindings(report)
        var body: [String] = []
        body.append("<header><h1>onnxcost <span class=\"path\">\(escape(report.file.path))</span></h1>\(modelLine(report))</header>")
        body.append(totalsSection(report, bindings: bindings))
        if let modeError = report.modeError { body.append("<p class=\"alert\">\(escape(modeError))</p>") }
        if !report.rooflines.isEmpty { body.append(devicesSection(report)) }
        body.append(section("Roofline", id: "roofline", rooflineChart(report)))
        body.append(section(report.rooflines.isEmpty ? "FLOPs by op type" : "Time by op type on \(escape(report.rooflines[0].device.shortName))",
                            id: "breakdown", breakdownChart(report, bindings: bindings)))
        body.append(section("Activation memory over the schedule", id: "memory", memoryChart(report, bindings: bindings)))
        body.append(section("By op type", id: "ops", opTable(report)))
        body.append(section("Nodes", id: "nodes", "<div class=\"scroll\">" + nodeTable(report) + "</div>"))
        let warnings = report.warnings
        if !warnings.isEmpty {
            body.append(section("Warnings (\(warnings.count))", id: "warnings", "<ul class=\"warnings\">" + warnings.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"))
        }
        body.append("<footer>Convention: 1 MAC = 2 FLOPs; FLOPs add bias, elementwise, normalization and softmax work (docs/cost-model.md). torchvision's \u{201C}GFLOPS\u{201D}, thop and fvcore report MACs.</footer>")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
        <title>onnxcost · \(escape(report.file.path))</title>
        <style>\(css)</style></head>
        <body>
        \(body.joined(separator: "\n"))
        <script>\(script)</script>
        </body></html>

        """
    }

    // MARK: - Text

    /// Text safe in element content and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        // Most names need nothing: return them whole (a large graph escapes many thousands).
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// `170 M` + `FLOPs` → `170 MFLOPs`; `720` + `FLOPs` → `720 FLOPs`.
    static func withUnit(_ count: String, _ unit: String) -> String {
        count.last?.isLetter == true ? count + unit : count + " " + unit
    }

    static func section(_ title: String, id: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(title)</h2>\(content)</section>"
    }

    static func modelLine(_ report: AnalysisReport) -> String {
        let model = report.model
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let opsets = model.opsetImports.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", ")
        var parts = ["producer \(producer.isEmpty ? "(none)" : producer)", "IR \(model.irVersion)", "opsets \(opsets)",
                     "\(model.graph.nodes.count) nodes", "\(model.graph.initializers.count) initializers"]
        if report.weightsAreExternal { parts.append("weights in external data (graph only)") }
        var lines = ["<p class=\"meta\">\(escape(parts.joined(separator: " · ")))</p>"]
        let io = report.shapes.inputs.map { "input <code>\(escape($0.name))</code> \(escape($0.type.description))" }
            + report.shapes.outputs.map { "output <code>\(escape($0.name))</code> \(escape($0.type.description))" }
        if !io.isEmpty { lines.append("<p class=\"meta\">\(io.joined(separator: " · "))</p>") }
        return lines.joined()
    }

    // MARK: - Totals and devices

    /// A totals card; a symbolic count shows its value at the chart bindings, the formula below it.
    struct Card {
        var label: String
        var value: String
        var note: String?
        var formula: String?

        init(_ label: String, _ value: String, note: String? = nil) {
            self.label = label
            self.value = value
            self.note = note
        }

        init(_ label: String, _ count: SymbolicInt, unit: (SymbolicInt) -> String, bindings: [String: Int], note: String? = nil) {
            self.label = label
            self.note = note
            guard case .polynomial = count, let value = count.evaluated(bindings) else {
                self.value = unit(count)
                return
            }
            self.value = unit(.value(value))
            let at = bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            self.note = ["at \(at)", note].compactMap { $0 }.joined(separator: " · ")
            formula = unit(count)
        }

        var html: String {
            "<div class=\"card\"><div class=\"label\">\(escape(label))</div><div class=\"value\">\(escape(value))</div>"
                + (note.map { "<div class=\"note\">\(escape($0))</div>" } ?? "")
                + (formula.map { "<div class=\"formula\" title=\"\(escape($0))\">\(escape($0))</div>" } ?? "") + "</div>"
        }
    }

    static func totalsSection(_ report: AnalysisReport, bindings: [String: Int]) -> String {
        let totals = report.costs.totals
        func count(_ label: String, _ value: SymbolicInt, note: String? = nil) -> Card {
            Card(label, value, unit: { Units.count($0) }, bindings: bindings, note: note)
        }
        func bytes(_ label: String, _ value: SymbolicInt, note: String? = nil) -> Card {
            Card(label, value, unit: { Units.bytes($0) }, bindings: bindings, note: note)
        }
        var cards = [
            count("params", totals.params),
            count("MACs", totals.macs),
            count("FLOPs", totals.flops, note: totals.transcendentals == 0 ? nil : "transcendentals \(Units.count(totals.transcendentals))"),
            bytes("weight bytes", totals.weightBytes, note: report.costs.targetPrecision.map { "at \($0.rawValue)" }),
            bytes("peak activations", totals.peakActivationBytes,
                  note: (liveBytes(report, bindings: bindings).flatMap(peakStep).map { report.costs.nodes[$0].ref } ?? report.costs.peakNode).map { "during \($0)" }),
            bytes("activations in all", totals.activationBytes),
            bytes("memory moved", totals.memoryAccessBytes, note: "inputs read + outputs written"),
        ]
        for roofline in report.rooflines {
            let name = roofline.device.shortName
            if let f = roofline.figures {
                cards.append(Card("latency on \(name)", Units.seconds(f.estimateSeconds), note: "bound ≥ \(Units.seconds(f.boundSeconds)) · \(f.bound.rawValue)-bound"))
            } else {
                cards.append(Card("latency on \(name)", "partial", note: "some nodes have unknown counts"))
            }
        }
        let coverage = report.costs.coverage
        let coverageText = coverage.uncostedNodes == 0
            ? "all \(coverage.totalNodes) nodes costed"
            : "\(coverage.uncostedNodes) of \(coverage.totalNodes) nodes NOT costed: "
                + coverage.uncostedOps.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        return section("Totals", id: "totals", "<div class=\"cards\">\(cards.map(\.html).joined())</div><p class=\"\(coverage.uncostedNodes == 0 ? "meta" : "alert")\">Coverage: \(escape(coverageText))</p>")
    }

    static func devicesSection(_ report: AnalysisReport) -> String {
        var rows: [[Cell]] = []
        for roofline in report.rooflines {
            let dtype = roofline.requestedPrecision?.rawValue ?? roofline.precisionsUsed.map(\.rawValue).joined(separator: "+")
            let f = roofline.figures
            rows.append([.text(roofline.device.shortName), .text(dtype),
                         f.map { .number(Units.seconds($0.boundSeconds), $0.boundSeconds) } ?? .text("partial"),
                         f.map { .number(Units.seconds($0.estimateSeconds), $0.estimateSeconds) } ?? .text("partial"),
                         .text(f?.bound.rawValue ?? "–"),
                         f.map { .number(Units.format($0.perSecond), $0.perSecond) } ?? .text("–"),
                         .number(Units.bytes(roofline.requiredMemoryBytes), roofline.requiredMemoryBytes),
                         .text(roofline.fits.map { $0 ? "yes" : "NO" } ?? "?")])
        }
        var content = table(["device", "dtype", "bound ≥", "estimate", "limited by", "per s (est.)", "memory needed", "fits"],
                            numeric: [2, 3, 5, 6], rows: rows, id: "devices-table")
        if let note = report.rooflineNote { content += "<p class=\"meta\">\(escape(note))</p>" }
        return section("Devices", id: "devices", content)
    }

    // MARK: - Tables

    /// A table cell: text, or a number shown as text and sorted by its value.
    enum Cell {
        case text(String)
        case number(String, Double)
    }

    /// A table whose headers sort it (the inline script); numeric columns sort by `data-v`.
    static func table(_ headers: [String], numeric: Set<Int>, rows: [[Cell]], id: String) -> String {
        var html = "<div class=\"wide\"><table class=\"sortable\" id=\"\(id)\"><thead><tr>"
        for (index, header) in headers.enumerated() {
            html += "<th\(numeric.contains(index) ? " data-type=\"num\"" : "")>\(escape(header))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for cell in row {
                switch cell {
                case .text(let text): html += "<td>\(escape(text))</td>"
                case .number(let text, let value): html += "<td class=\"num\" data-v=\"\(value.isFinite ? svgNumber(value) : "-1")\">\(escape(text))</td>"
                }
            }
            html += "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    static func countCell(_ value: SymbolicInt) -> Cell { .number(Units.count(value), TextRenderer.rank(value)) }
    static func bytesCell(_ value: SymbolicInt) -> Cell { .number(Units.bytes(value), TextRenderer.rank(value)) }

    static func opTable(_ report: AnalysisReport) -> String {
        let opTime = timeByOp(report)
        let total = report.costs.totals.flops
        var headers = ["op", "count", "MACs", "FLOPs", "params", "bytes moved", "FLOPs %"]
        if opTime != nil { headers.append("time on \(report.rooflines[0].device.shortName)") }
        let rows: [[Cell]] = TextRenderer.opRows(report).map { row in
            var cells: [Cell] = [.text(row.op), .number("\(row.count)", Double(row.count)), countCell(row.macs), countCell(row.flops),
                                 countCell(row.params), bytesCell(row.bytes),
                                 .number(TextRenderer.share(row.flops, of: total), TextRenderer.rank(row.flops))]
            if let opTime {
                let seconds = opTime[row.op] ?? 0
                cells.append(.number(Units.seconds(seconds), seconds))
            }
            return cells
        }
        return table(headers, numeric: Set(1..<headers.count), rows: rows, id: "op-table")
    }

    static func nodeTable(_ report: AnalysisReport) -> String {
        let perNode = report.roofline?.nodes
        var headers = ["#", "node", "op", "output", "MACs", "FLOPs", "params", "bytes read", "bytes written"]
        if perNode != nil { headers += ["time", "bound", "FLOP/byte", "kernel"] }
        let rows: [[Cell]] = report.costs.nodes.enumerated().map { index, node in
            let shape = node.outputShapes.first.flatMap { $0 }.map { "[\($0.map(\.description).joined(separator: ","))]" } ?? "?"
            var cells: [Cell] = [.number("\(node.ref.index)", Double(node.ref.index)), .text(node.ref.name), .text(node.ref.opType), .text(shape),
                                 countCell(node.macs), countCell(node.flops), countCell(node.params), bytesCell(node.bytesRead), bytesCell(node.bytesWritten)]
            if let perNode, index < perNode.count {
                let roofline = perNode[index]
                cells += [.number(Units.seconds(roofline.seconds), roofline.seconds), .text(roofline.bound.rawValue),
                          roofline.intensity.map { .number(Units.format($0), $0) } ?? .number("–", -1),
                          roofline.group.map { .number("#\($0)", Double($0)) } ?? .number(roofline.role.rawValue, -1)]
            }
            return cells
        }
        return table(headers, numeric: Set([0, 4, 5, 6, 7, 8, 9, 11, 12]).filter { $0 < headers.count }, rows: rows, id: "node-table")
    }

    /// Seconds per op type on the first device: each kernel's time under its anchor's op type.
    static func timeByOp(_ report: AnalysisReport) -> [String: Double]? {
        guard let roofline = report.roofline else { return nil }
        var result: [String: Double] = [:]
        for group in roofline.groups {
            result[opKey(group.anchor), default: 0] += group.seconds
        }
        return result
    }

    static func opKey(_ ref: NodeRef) -> String { ref.domain.isEmpty ? ref.opType : "\(ref.domain).\(ref.opType)" }

    // MARK: - Charts

    /// Symbol values the charts evaluate symbolic counts at: the device figures' bindings, and 1
    /// for any other unbound symbol (each chart says so).
    static func chartBindings(_ report: AnalysisReport) -> [String: Int] {
        var symbols = Set<String>()
        for value in report.costs.liveActivationBytes { if case .polynomial(let p) = value { symbols.formUnion(p.symbols) } }
        for node in report.costs.nodes { if case .polynomial(let p) = node.flops { symbols.formUnion(p.symbols) } }
        var bindings = report.rooflineBindings
        for symbol in symbols where bindings[symbol] == nil && !symbol.contains("(") { bindings[symbol] = 1 }
        return bindings
    }

    static func bindingNote(_ bindings: [String: Int], used: Bool) -> String {
        guard used, !bindings.isEmpty else { return "" }
        return "<p class=\"meta\">Symbolic sizes drawn at \(escape(bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))); bind them with --dim for other sizes.</p>"
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]

    /// Plot geometry shared by the charts.
    struct Frame {
        var width = 920.0, height = 480.0
        var left = 86.0, right = 24.0, top = 20.0, bottom = 52.0
        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
    }

    /// A log10 axis over whole decades.
    struct LogAxis {
        var low: Int, high: Int

        init(_ minimum: Double, _ maximum: Double, maxDecades: Int = 12) {
            high = Self.decade(maximum, .up) ?? 1
            low = Self.decade(minimum, .down) ?? high - 1
            if high <= low { high = low + 1 }
            if high - low > maxDecades { low = high - maxDecades }
        }

        /// The decade of `value`, or `nil` for zero, negatives and NaN. Hostile counts reach Double's
        /// ends (a denormal halved to 0, an overflow to infinity), where `Int(log10(_:))` trapped;
        /// infinity takes Double's top decade.
        static func decade(_ value: Double, _ rule: FloatingPointRoundingRule) -> Int? {
            guard value > 0 else { return nil }
            guard value.isFinite else { return 309 }
            return Int(log10(value).rounded(rule))  // in -324...309 for a positive finite Double
        }

        /// 0...1 along the axis, clamped.
        func position(_ value: Double) -> Double {
            guard value > 0 else { return 0 }
            return min(1, max(0, (log10(value) - Double(low)) / Double(high - low)))
        }

        func contains(_ value: Double) -> Bool { value > 0 && log10(value) >= Double(low) - 1e-9 && log10(value) <= Double(high) + 1e-9 }
    }

    static func rooflineChart(_ report: AnalysisReport) -> String {
        guard !report.rooflines.isEmpty else {
            let reason = report.rooflineErrors.isEmpty ? "" : " (\(report.rooflineErrors.joined(separator: "; ")))"
            return "<p class=\"note-box\">The roofline needs a device: run with <code>--device t4</code> (repeat for several) to plot every kernel's attained throughput under the device's compute and bandwidth roofs\(escape(reason)).</p>"
        }
        struct Point { var x: Double; var y: Double; var clamped: Bool; var device: Int; var title: String }
        struct Roof { var peak: Double; var bandwidth: Double; var name: String }
        var points: [Point] = []
        var roofs: [Roof] = []
        for (deviceIndex, roofline) in report.rooflines.enumerated() {
            let peak = roofline.figures?.peakOpsPerSecond
                ?? roofline.precisionsUsed.first.flatMap(roofline.device.defaultPeakOpsPerSecond) ?? roofline.device.peakOpsPerSecond(.fp32) ?? 0
            roofs.append(Roof(peak: peak, bandwidth: roofline.device.bandwidthBytesPerSecond ?? 0, name: roofline.device.shortName))
            for group in roofline.groups {
                let attained = group.seconds > 0 ? group.flops / group.seconds : 0
                // No DRAM bytes (everything on chip) is infinite intensity: drawn at the right edge.
                let intensity = group.intensity ?? (group.flops > 0 ? .infinity : 0)
                let name = group.anchor.name.isEmpty ? "#\(group.anchor.index)" : group.anchor.name
                let title = "\(roofline.device.shortName) · kernel #\(group.group) \(name) (\(opKey(group.anchor)), \(group.nodeCount) node\(group.nodeCount == 1 ? "" : "s")): "
                    + "\(Units.format(intensity)) FLOP/byte, \(withUnit(Units.count(attained), "FLOP/s")), \(Units.seconds(group.seconds)), \(group.bound.rawValue)-bound"
                points.append(Point(x: intensity, y: attained, clamped: !(intensity > 0 && intensity.isFinite && attained > 0), device: deviceIndex, title: title))
            }
        }
        let positiveX = points.map(\.x).filter { $0 > 0 && $0.isFinite }
        let positiveY = points.map(\.y).filter { $0 > 0 && $0.isFinite }
        let ridges = roofs.compactMap { $0.bandwidth > 0 && $0.peak > 0 ? $0.peak / $0.bandwidth : nil }
        let xAxis = LogAxis(min(positiveX.min() ?? 1, ridges.min() ?? 1) / 2, max(positiveX.max() ?? 10, (ridges.max() ?? 10) * 4))
        let yAxis = LogAxis(min(positiveY.min() ?? 1e9, roofs.map(\.peak).filter { $0 > 0 }.min() ?? 1e9) / 2, (roofs.map(\.peak).max() ?? 1e12) * 2)
        let frame = Frame()
        func px(_ x: Double) -> Double { frame.left + xAxis.position(x) * frame.plotWidth }
        func py(_ y: Double) -> Double { frame.top + (1 - yAxis.position(y)) * frame.plotHeight }

        var svg = svgOpen(frame, label: "Roofline: attained FLOP/s against arithmetic intensity, log-log")
        svg += logGrid(frame, xAxis: xAxis, yAxis: yAxis, xLabel: "arithmetic intensity (FLOP / byte through DRAM)", yLabel: "attained FLOP/s",
                       xUnit: { Units.count($0) }, yUnit: { Units.count($0) })
        svg += "<g class=\"roofs\">"
        for (index, roof) in roofs.enumerated() where roof.peak > 0 && roof.bandwidth > 0 {
            let color = palette[index % palette.count]
            let ridge = roof.peak / roof.bandwidth
            // Bandwidth roof from the axis' left edge (or where it enters the plot) to the ridge, then flat.
            var start = pow(10, Double(xAxis.low))
            if roof.bandwidth * start < pow(10, Double(yAxis.low)) { start = pow(10, Double(yAxis.low)) / roof.bandwidth }
            let end = pow(10, Double(xAxis.high))
            svg += "<path class=\"roof\" d=\"M\(svgNumber(px(start))),\(svgNumber(py(roof.bandwidth * start))) L\(svgNumber(px(ridge))),\(svgNumber(py(roof.peak))) L\(svgNumber(px(end))),\(svgNumber(py(roof.peak)))\" stroke=\"\(color)\"/>"
            svg += "<text class=\"roof-label\" x=\"\(svgNumber(px(end) - 4))\" y=\"\(svgNumber(py(roof.peak) - 5))\" text-anchor=\"end\" fill=\"\(color)\">\(escape(roof.name)) \(escape(withUnit(Units.count(roof.peak), "FLOP/s"))) · \(escape(Units.bytes(roof.bandwidth)))/s</text>"
        }
        svg += "</g><g class=\"points\">"
        for point in points {
            let color = palette[point.device % palette.count]
            let cx = point.x.isInfinite ? frame.left + frame.plotWidth : point.x > 0 ? px(point.x) : frame.left
            let cy = point.y > 0 ? py(point.y) : frame.top + frame.plotHeight
            svg += "<circle class=\"point\(point.clamped ? " clamped" : "")\" data-device=\"\(point.device)\" cx=\"\(svgNumber(cx))\" cy=\"\(svgNumber(cy))\" r=\"4\" "
                + (point.clamped ? "fill=\"none\" stroke=\"\(color)\"" : "fill=\"\(color)\"") + "><title>\(escape(point.title))</title></circle>"
        }
        svg += "</g></svg>"
        let onChip = points.filter { $0.x.isInfinite }.count
        let idle = points.filter { $0.clamped && !$0.x.isInfinite }.count
        var notes = "<p class=\"meta\">One point per kernel (fusion group\(report.roofline?.fused == false ? "; --no-fusion: one per node" : "")) and device: intensity = its FLOPs per byte moved through DRAM, height = FLOPs ÷ its roofline time. Hover a point for its kernel."
        if onChip > 0 { notes += " \(onChip) point\(onChip == 1 ? "" : "s") move no DRAM bytes (tensors and weights stay in the last-level cache): hollow at the right edge." }
        if idle > 0 { notes += " \(idle) point\(idle == 1 ? "" : "s") do no FLOPs (data movement only): hollow at the bottom left." }
        notes += "</p>"
        let legend = roofs.enumerated().map { "<span class=\"swatch\" style=\"background:\(palette[$0.offset % palette.count])\"></span>\(escape($0.element.name))" }.joined(separator: " ")
        return "<div class=\"legend\">\(legend)</div>" + svg + notes
    }

    static func breakdownChart(_ report: AnalysisReport, bindings: [String: Int]) -> String {
        var values: [(String, Double)]
        let unit: (Double) -> String
        var usedBindings = false
        if let opTime = timeByOp(report) {
            values = opTime.map { ($0.key, $0.value) }
            unit = { Units.seconds($0) }
        } else {
            var flops: [String: Double] = [:]
            for node in report.costs.nodes where node.status == .costed {
                if case .polynomial = node.flops { usedBindings = true }
                flops[opKey(node.ref), default: 0] += Double(node.flops.evaluated(bindings) ?? 0)
            }
            values = flops.map { ($0.key, $0.value) }
            unit = { withUnit(Units.count($0), "FLOPs") }
        }
        values = values.filter { $0.1 > 0 }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        guard !values.isEmpty else { return "<p class=\"note-box\">No costed work to break down.</p>" }
        let shown = 16
        if values.count > shown {
            let rest = values[shown...].reduce(0) { $0 + $1.1 }
            values = Array(values.prefix(shown)) + [("\(values.count - shown) other op types", rest)]
        }
        let total = values.reduce(0) { $0 + $1.1 }
        let rowHeight = 24.0, labelWidth = 220.0, width = 920.0
        let height = Double(values.count) * rowHeight + 10
        let maximum = values.map(\.1).max() ?? 1
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" role=\"img\" aria-label=\"Breakdown by op type\">"
        for (index, (op, value)) in values.enumerated() {
            let y = 5 + Double(index) * rowHeight
            let barWidth = max(1, (width - labelWidth - 190) * value / maximum)
            svg += "<g class=\"bar-row\"><text x=\"\(svgNumber(labelWidth - 8))\" y=\"\(svgNumber(y + 16))\" text-anchor=\"end\">\(escape(op))</text>"
            svg += "<rect class=\"bar\" x=\"\(svgNumber(labelWidth))\" y=\"\(svgNumber(y + 3))\" width=\"\(svgNumber(barWidth))\" height=\"\(svgNumber(rowHeight - 6))\"><title>\(escape(op)): \(escape(unit(value)))</title></rect>"
            svg += "<text class=\"bar-value\" x=\"\(svgNumber(labelWidth + barWidth + 6))\" y=\"\(svgNumber(y + 16))\">\(escape(unit(value))) · \(escape(TextRenderer.percent(value / total)))</text></g>"
        }
        svg += "</svg>"
        let note = report.roofline != nil
            ? "<p class=\"meta\">Each kernel's roofline time under its anchor op (the op that starts the fusion group).</p>"
            : "<p class=\"meta\">FLOPs per op type; with <code>--device</code> this chart shows time instead.</p>"
        return svg + note + bindingNote(bindings, used: usedBindings)
    }

    /// Live activation bytes per node at `bindings`; `nil` when one does not evaluate.
    static func liveBytes(_ report: AnalysisReport, bindings: [String: Int]) -> [Double]? {
        var result: [Double] = []
        result.reserveCapacity(report.costs.liveActivationBytes.count)
        for bytes in report.costs.liveActivationBytes {
            guard let value = bytes.evaluated(bindings) else { return nil }
            result.append(Double(value))
        }
        return result
    }

    /// The first step of the largest value (the node the peak is charged to).
    static func peakStep(_ live: [Double]) -> Int? {
        live.indices.max { live[$0] < live[$1] || (live[$0] == live[$1] && $0 > $1) }
    }

    static func memoryChart(_ report: AnalysisReport, bindings: [String: Int]) -> String {
        let series = report.costs.liveActivationBytes
        guard !series.isEmpty else { return "<p class=\"note-box\">The graph has no nodes.</p>" }
        let usedBindings = series.contains { if case .polynomial = $0 { true } else { false } }
        guard let live = liveBytes(report, bindings: bindings), let peakIndex = peakStep(live) else {
            return "<p class=\"note-box\">Live activation bytes depend on sizes that are not known (bind them with --dim or --input).</p>"
        }
        let peak = live[peakIndex]
        var frame = Frame()
        frame.height = 300
        let scaleTop = peak > 0 ? peak * 1.12 : 1
        // Node i occupies the column [i, i + 1): a step chart, since live bytes change only between nodes.
        let columns = Double(live.count)
        func px(_ step: Double) -> Double { frame.left + frame.plotWidth * step / columns }
        func py(_ bytes: Double) -> Double { frame.top + frame.plotHeight * (1 - bytes / scaleTop) }
        var svg = svgOpen(frame, label: "Live activation bytes over the schedule")
        // Linear axes: bytes on y (five ticks), node index on x (at the column's middle).
        svg += "<g class=\"grid\">"
        for tick in 0...4 {
            let bytes = scaleTop * Double(tick) / 4
            svg += "<line x1=\"\(svgNumber(frame.left))\" x2=\"\(svgNumber(frame.left + frame.plotWidth))\" y1=\"\(svgNumber(py(bytes)))\" y2=\"\(svgNumber(py(bytes)))\"/>"
            svg += "<text class=\"tick\" x=\"\(svgNumber(frame.left - 6))\" y=\"\(svgNumber(py(bytes) + 4))\" text-anchor=\"end\">\(escape(Units.bytes(bytes)))</text>"
        }
        var ticks = Set<Int>()
        for tick in 0...5 { ticks.insert(Int((Double(live.count - 1) * Double(tick) / 5).rounded())) }
        for step in ticks.sorted() {
            svg += "<text class=\"tick\" x=\"\(svgNumber(px(Double(step) + 0.5)))\" y=\"\(svgNumber(frame.top + frame.plotHeight + 18))\" text-anchor=\"middle\">\(step)</text>"
        }
        svg += "</g>"
        svg += axisLabels(frame, x: "node (schedule order)", y: "live activation bytes")
        // At most ~2000 columns: each bucket of nodes keeps its largest value (the peak survives).
        let stride = max(1, live.count / 2000)
        var path = "M\(svgNumber(px(0))),\(svgNumber(py(0)))"
        var step = 0
        while step < live.count {
            let upper = min(live.count, step + stride)
            let y = svgNumber(py(live[step..<upper].max() ?? 0))
            path += " L\(svgNumber(px(Double(step)))),\(y) L\(svgNumber(px(Double(upper)))),\(y)"
            step = upper
        }
        path += " L\(svgNumber(px(columns))),\(svgNumber(py(0))) Z"
        svg += "<path class=\"live\" d=\"\(path)\"/>"
        let node = report.costs.nodes.indices.contains(peakIndex) ? report.costs.nodes[peakIndex].ref : nil
        let peakText = "peak \(Units.bytes(peak)) at node \(peakIndex)\(node.map { " \($0.name.isEmpty ? $0.opType : $0.name)" } ?? "")"
        let peakX = px(Double(peakIndex) + 0.5)
        let anchor = peakX > frame.left + frame.plotWidth * 0.6 ? "end" : "start"
        svg += "<line class=\"peak-line\" x1=\"\(svgNumber(peakX))\" x2=\"\(svgNumber(peakX))\" y1=\"\(svgNumber(py(0)))\" y2=\"\(svgNumber(py(peak)))\"/>"
        svg += "<circle class=\"peak\" cx=\"\(svgNumber(peakX))\" cy=\"\(svgNumber(py(peak)))\" r=\"5\"><title>\(escape(peakText))</title></circle>"
        svg += "<text class=\"peak-label\" x=\"\(svgNumber(peakX + (anchor == "start" ? 8 : -8)))\" y=\"\(svgNumber(py(peak) - 8))\" text-anchor=\"\(anchor)\">\(escape(peakText))</text>"
        svg += "</svg>"
        return svg + "<p class=\"meta\">Bytes of the tensors alive while each node runs (a tensor lives from its producer to its last consumer; graph inputs from the start, outputs to the end), one node per step in the file's order.</p>"
            + bindingNote(bindings, used: usedBindings)
    }

    // MARK: - SVG helpers

    static func svgOpen(_ frame: Frame, label: String) -> String {
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(svgNumber(frame.width)) \(svgNumber(frame.height))\" role=\"img\" aria-label=\"\(escape(label))\">"
            + "<rect class=\"plot\" x=\"\(svgNumber(frame.left))\" y=\"\(svgNumber(frame.top))\" width=\"\(svgNumber(frame.plotWidth))\" height=\"\(svgNumber(frame.plotHeight))\"/>"
    }

    static func axisLabels(_ frame: Frame, x: String, y: String) -> String {
        "<text class=\"axis-label\" x=\"\(svgNumber(frame.left + frame.plotWidth / 2))\" y=\"\(svgNumber(frame.height - 8))\" text-anchor=\"middle\">\(escape(x))</text>"
            + "<text class=\"axis-label\" transform=\"translate(16,\(svgNumber(frame.top + frame.plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(y))</text>"
    }

    /// Decade grid lines and labels of a log-log plot.
    static func logGrid(_ frame: Frame, xAxis: LogAxis, yAxis: LogAxis, xLabel: String, yLabel: String,
                        xUnit: (Double) -> String, yUnit: (Double) -> String) -> String {
        var svg = "<g class=\"grid\">"
        for decade in xAxis.low...xAxis.high {
            let x = frame.left + xAxis.position(pow(10, Double(decade))) * frame.plotWidth
            svg += "<line x1=\"\(svgNumber(x))\" x2=\"\(svgNumber(x))\" y1=\"\(svgNumber(frame.top))\" y2=\"\(svgNumber(frame.top + frame.plotHeight))\"/>"
            svg += "<text class=\"tick\" x=\"\(svgNumber(x))\" y=\"\(svgNumber(frame.top + frame.plotHeight + 18))\" text-anchor=\"middle\">\(escape(xUnit(pow(10, Double(decade)))))</text>"
        }
        for decade in yAxis.low...yAxis.high {
            let y = frame.top + (1 - yAxis.position(pow(10, Double(decade)))) * frame.plotHeight
            svg += "<line x1=\"\(svgNumber(frame.left))\" x2=\"\(svgNumber(frame.left + frame.plotWidth))\" y1=\"\(svgNumber(y))\" y2=\"\(svgNumber(y))\"/>"
            svg += "<text class=\"tick\" x=\"\(svgNumber(frame.left - 6))\" y=\"\(svgNumber(y + 4))\" text-anchor=\"end\">\(escape(yUnit(pow(10, Double(decade)))))</text>"
        }
        return svg + "</g>" + axisLabels(frame, x: xLabel, y: yLabel)
    }

    /// A coordinate with one decimal (enough at this size, and short).
    static func svgNumber(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value.magnitude >= 1e6 || (value != 0 && value.magnitude < 0.01) { return "\(value)" }
        var text = value.formatted(digits: 1)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    // MARK: - Style and script

    static let css = """
    :root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--panel:#f6f7f9;--accent:#1f77b4}
    *{box-sizing:border-box}
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1000px;padding:20px 24px 40px}
    h1{font-size:20px;margin:0 0 4px}h1 .path{font-weight:400;color:var(--muted);word-break:break-all}
    h2{font-size:16px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
    code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);padding:1px 4px;border-radius:3px}
    .meta{color:var(--muted);margin:4px 0}.alert{color:#b00020;font-weight:600}
    .note-box{background:var(--panel);border-left:3px solid var(--accent);padding:10px 12px}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
    .card{background:var(--panel);border-radius:6px;padding:10px 12px}
    .card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
    .card .value{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums;word-break:break-word}
    .card .note{color:var(--muted);font-size:12px;word-break:break-word}
    .card .formula{color:var(--muted);font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;max-height:4.2em;overflow:hidden;margin-top:2px}
    .wide{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
    th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
    td.num,th[data-type=num]{text-align:right}
    th{cursor:pointer;user-select:none;background:var(--panel);position:sticky;top:0}
    th:hover{color:var(--accent)}
    th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
    .scroll{max-height:640px;overflow:auto;border:1px solid var(--line)}
    tbody tr:hover{background:#eef4fb}
    svg.chart{width:100%;height:auto;display:block;font-size:12px}
    svg .plot{fill:#fbfcfd;stroke:var(--line)}
    svg .grid line{stroke:#e7e9ee}svg .tick{fill:var(--muted);font-size:11px}
    svg .axis-label{fill:var(--fg);font-size:12px}
    svg .roof{fill:none;stroke-width:2}svg .roof-label{font-size:12px;font-weight:600}
    svg .point{fill-opacity:.75;stroke-width:1.2}
    svg .bar{fill:var(--accent)}svg .bar-value{fill:var(--muted);font-size:11px}
    svg .live{fill:rgba(31,119,180,.25);stroke:var(--accent);stroke-width:1.2}
    svg .peak{fill:#d62728}svg .peak-line{stroke:#d62728;stroke-dasharray:4 3}svg .peak-label{fill:#d62728;font-weight:600}
    .legend{margin:4px 0}.swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 4px 0 10px;vertical-align:middle}
    .warnings{color:var(--muted);font-size:13px}
    footer{margin-top:32px;color:var(--muted);font-size:12px}
    """

    /// Sorts a table by a clicked header (numbers by `data-v`); marks each table ready when wired.
    static let script = """
    (function(){
      function key(cell, numeric){
        if (!cell) return numeric ? -Infinity : "";
        if (numeric) { var v = parseFloat(cell.getAttribute("data-v")); return isNaN(v) ? -Infinity : v; }
        return cell.textContent.toLowerCase();
      }
      document.querySelectorAll("table.sortable").forEach(function(table){
        var headers = table.tHead.rows[0].cells;
        Array.prototype.forEach.call(headers, function(th, column){
          th.addEventListener("click", function(){
            var numeric = th.getAttribute("data-type") === "num";
            var ascending = th.getAttribute("aria-sort") === "descending" || (!numeric && th.getAttribute("aria-sort") !== "ascending");
            Array.prototype.forEach.call(headers, function(h){ h.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function(a, b){
              var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
              return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
            });
            rows.forEach(function(row){ body.appendChild(row); });
          });
        });
        table.setAttribute("data-sortable", "ready");
      });
    })();
    """
}
