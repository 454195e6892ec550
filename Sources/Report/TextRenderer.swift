import CostKernels
import DeviceDB
import ONNXGraph

/// The human report: the model, totals, a per-op-type table, the heaviest nodes, coverage, roofline,
/// and the counting convention in a footer.
public enum TextRenderer {
    public static func render(_ report: AnalysisReport, top: Int = 10, color: Bool = false) -> String {
        let model = report.model
        var lines: [String] = []
        lines.append("onnxcost · \(report.file.path)")
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        let opsets = model.opsetImports.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", ")
        lines.append("  producer     \(producer.isEmpty ? "(none)" : producer) · IR \(model.irVersion) · opsets \(opsets)")
        if report.weightsAreExternal {
            let files = report.file.externalDataFiles.sorted { $0.key < $1.key }
                .map { "\($0.key)\($0.value ? "" : ", absent")" }.joined(separator: "; ")
            lines.append("  weights      external (\(files)): analysis reads the graph only")
        }
        for input in report.shapes.inputs { lines.append("  input        \(input.name)  \(input.type)") }
        for output in report.shapes.outputs { lines.append("  output       \(output.name)  \(output.type)") }
        let initializers = report.initializerBytesByType
        let initText = initializers.map { "\($0.count) \($0.dtype.name), \(Units.bytes(Double($0.bytes)))" }.joined(separator: "; ")
        lines.append("  nodes        \(model.graph.nodes.count) · initializers \(model.graph.initializers.count)\(initText.isEmpty ? "" : " (\(initText))")")
        let ops = report.opHistogram  // counted once: it walks every node
        let histogram = ops.prefix(12).map { "\($0.op)×\($0.count)" }.joined(separator: " ")
        lines.append("  ops          \(histogram)\(ops.count > 12 ? " …" : "")")

        let totals = report.costs.totals
        lines.append("")
        lines.append("Totals\(report.costs.targetPrecision.map { " (float tensors at \($0.rawValue))" } ?? "")")
        lines.append("  MACs         \(Units.count(totals.macs))")
        lines.append("  FLOPs        \(Units.count(totals.flops))   (transcendentals \(Units.count(totals.transcendentals)))")
        lines.append("  params       \(Units.count(totals.params))   weights \(Units.bytes(totals.weightBytes))")
        lines.append("  activations  \(Units.bytes(totals.activationBytes)) in all · peak \(Units.bytes(totals.peakActivationBytes))\(report.costs.peakNode.map { " at \($0)" } ?? "")")
        lines.append("  memory moved \(Units.bytes(totals.memoryAccessBytes)) (inputs read + outputs written, per node)")

        lines.append("")
        lines.append(contentsOf: opTable(report))
        lines.append("")
        lines.append(contentsOf: topNodes(report, top: top))

        lines.append("")
        lines.append("Coverage     " + coverageSummary(report))
        if !report.shapes.unresolved.isEmpty {
            let origins = Set(report.shapes.unresolved.compactMap { $0.lostAt?.description })
            lines.append("Unresolved   \(report.shapes.unresolved.count) dims unknown, lost at: \(origins.sorted().prefix(5).joined(separator: "; "))\(origins.count > 5 ? " …" : "")")
        }
        if report.target != nil {
            lines.append("")
            lines.append(contentsOf: targetLines(report))
        }
        if !report.sweep.isEmpty {
            lines.append("")
            lines.append(contentsOf: sweepLines(report))
        }
        if !report.rooflines.isEmpty {
            lines.append("")
            lines.append(contentsOf: deviceTable(report))
            lines.append("")
            lines.append(contentsOf: topGroups(report, top: top))
        } else if !report.rooflineErrors.isEmpty {
            lines.append("")
            lines.append("Devices      \(report.rooflineErrors.joined(separator: "; "))")
        }
        let warnings = report.warnings
        if !warnings.isEmpty {
            lines.append("")
            lines.append("Warnings (\(warnings.count))")
            for warning in warnings.prefix(20) { lines.append("  \(warning)") }
            if warnings.count > 20 { lines.append("  … \(warnings.count - 20) more (see --format json)") }
        }
        lines.append("")
        lines.append("Convention: 1 MAC = 2 FLOPs; FLOPs add bias, elementwise, normalization and softmax work")
        lines.append("(see docs/cost-model.md). torchvision's \"GFLOPS\", thop and fvcore report MACs: compare those with MACs.")
        return (color ? lines.map(Paint.report) : lines).joined(separator: "\n") + "\n"
    }

    /// One row per device: the bound (≥, no run beats it), the estimate to plan with, throughput, memory.
    static func deviceTable(_ report: AnalysisReport) -> [String] {
        var table = [["device", "dtype", "bound ≥", "estimate", "limited by", "per s (est.)", "memory needed", "fits", "max batch"]]
        for roofline in report.rooflines {
            let dtype = roofline.requestedPrecision?.rawValue ?? roofline.precisionsUsed.map(\.rawValue).joined(separator: "+")
            let fits = roofline.fits.map { $0 ? "yes" : "NO" } ?? "?"
            let capacity = roofline.device.memoryBytes.map { " of \(Units.bytes($0))" } ?? ""
            let maxBatch = roofline.maxBatch.map(String.init) ?? "–"
            if let f = roofline.figures {
                table.append([roofline.device.shortName, dtype, Units.seconds(f.boundSeconds), Units.seconds(f.estimateSeconds),
                              f.bound.rawValue, Units.format(f.perSecond), Units.bytes(roofline.requiredMemoryBytes) + capacity, fits, maxBatch])
            } else {
                table.append([roofline.device.shortName, dtype, "partial", "partial", "–", "–", Units.bytes(roofline.requiredMemoryBytes) + capacity, fits, maxBatch])
            }
        }
        var lines = ["Devices\(report.roofline?.fused == false ? " (no fusion: every tensor through DRAM)" : " (fusion-aware estimate; bound = max(FLOPs at peak, compulsory bytes at bandwidth))")"]
        lines += format(table, textColumns: 2)
        if let first = report.roofline?.figures {
            lines.append("  \(report.roofline!.device.shortName): batch \(first.batch), \(Units.count(first.flops.rounded())) FLOPs, \(Units.bytes(first.bytesMoved)) through DRAM in \(report.roofline!.groups.count) kernels; compute \(Units.seconds(first.computeSeconds)), memory \(Units.seconds(first.memorySeconds))")
        }
        if let note = report.rooflineNote { lines.append("  note: \(note)") }
        if let note = report.roofline?.maxBatchNote, report.roofline?.maxBatch == nil { lines.append("  max batch: \(note)") }
        for roofline in report.rooflines {
            if let t = roofline.training { lines += trainingLines(t, device: roofline.device.shortName) }
            if let l = roofline.llm { lines += llmLines(l, device: roofline.device.shortName) }
        }
        for roofline in report.rooflines {
            guard let m = roofline.measured else { continue }
            lines.append("  measured on \(roofline.device.shortName): \(Units.seconds(m.latencySeconds)) → \(Units.format(m.achievedOpsPerSecond / 1e12)) T ops/s achieved, utilization \(percent(m.utilization)) of peak, bandwidth \(percent(m.bandwidthUtilization))")
        }
        return lines
    }

    static func trainingLines(_ t: TrainingAnswer, device: String) -> [String] {
        var lines = ["  training on \(device): step \(Units.count(t.flops.rounded())) FLOPs (forward \(Units.count(t.forwardFLOPs.rounded()))); step ≥ \(Units.seconds(t.stepBoundSeconds)), estimate \(Units.seconds(t.stepEstimateSeconds))"]
        lines.append("    memory \(Units.bytes(t.totalMemoryBytes)) = weights \(Units.bytes(t.weightBytes)) + gradients \(Units.bytes(t.gradientBytes)) + optimizer state \(Units.bytes(t.optimizerStateBytes)) + saved activations \(Units.bytes(t.savedActivationBytes)): \(t.fits.map { $0 ? "fits" : "does NOT fit" } ?? "capacity unknown")")
        if t.allreduceBytesPerStep > 0 {
            lines.append("    all-reduce \(Units.bytes(t.allreduceBytesPerStep)) per step\(t.allreduceSeconds.map { " in \(Units.seconds($0))" } ?? ""); step \(Units.seconds(t.stepEstimateSeconds)) without overlap, \(Units.seconds(t.stepOverlappedSeconds)) fully overlapped; total communication \(Units.bytes(t.totalCommunicationBytes))")
            let zero = t.zeroMemoryBytes.sorted { $0.key < $1.key }.map { "ZeRO-\($0.key) \(Units.bytes($0.value))" }.joined(separator: ", ")
            if !zero.isEmpty { lines.append("    per-GPU memory: \(zero)") }
        }
        for note in t.notes { lines.append("    \(note)") }
        return lines
    }

    static func llmLines(_ l: LLMAnswer, device: String) -> [String] {
        func pair(_ f: LLMPhaseFigures?) -> String { f.map { "≥ \(Units.seconds($0.boundSeconds)), estimate \(Units.seconds($0.estimateSeconds))" } ?? "–" }
        var lines = ["  \(l.phase.rawValue) on \(device) (batch \(l.batch), context \(l.phase == .prefill ? l.tokens : l.context)): time to first token \(pair(l.timeToFirstToken)); per output token \(pair(l.timePerOutputToken))"]
        lines.append("    tokens/s ≤ \(l.tokensPerSecondBound.map { Units.format($0) } ?? "–"), estimate \(l.tokensPerSecondEstimate.map { Units.format($0) } ?? "–"); KV cache \(Units.bytes(l.kvCacheBytesPerToken)) per token, \(Units.bytes(l.kvCacheBytes)) now; longest context that fits \(l.maxContext.map(String.init) ?? "–"), largest batch at this context \(l.maxBatch.map(String.init) ?? "–")")
        if l.activeParameters != l.totalParameters {
            lines.append("    parameters \(Units.count(.value(l.totalParameters))) total, \(Units.count(.value(l.activeParameters))) active per token")
        }
        for note in l.notes { lines.append("    \(note)") }
        return lines
    }

    /// `--target-latency`: what a device needs, and which in the database meet it.
    static func targetLines(_ report: AnalysisReport) -> [String] {
        guard let t = report.target else { return [] }
        var lines = ["Target \(Units.seconds(t.latencySeconds)) per run"]
        lines.append("  needs        ≥ \(Units.format(t.requiredBandwidthBytesPerSecond / 1e9)) GB/s to move \(Units.bytes(t.bytes)) (weights + inputs + outputs), ≥ \(Units.format(t.requiredOpsPerSecond / 1e12)) T ops/s for \(Units.count(t.flops.rounded())) FLOPs")
        lines.append("  estimate met \(t.devicesMeetingEstimate.isEmpty ? "by no device" : t.devicesMeetingEstimate.joined(separator: ", "))")
        let boundOnly = t.devicesMeetingBound.filter { !t.devicesMeetingEstimate.contains($0) }
        if !boundOnly.isEmpty { lines.append("  bound only   \(boundOnly.joined(separator: ", ")) (could, with a better runtime than the estimate assumes)") }
        return lines
    }

    /// `--sweep`: one row per value and device.
    static func sweepLines(_ report: AnalysisReport) -> [String] {
        guard let symbol = report.sweep.first?.symbol else { return [] }
        var table = [[symbol, "device", "bound ≥", "estimate", "limited by", "per s (est.)", "memory needed", "fits"]]
        for point in report.sweep {
            let r = point.roofline
            let f = r.figures
            table.append(["\(point.value)", r.device.shortName, f.map { Units.seconds($0.boundSeconds) } ?? "partial",
                          f.map { Units.seconds($0.estimateSeconds) } ?? "partial", f?.bound.rawValue ?? "–",
                          f.map { Units.format($0.perSecond) } ?? "–", Units.bytes(r.requiredMemoryBytes), r.fits.map { $0 ? "yes" : "NO" } ?? "?"])
        }
        return ["Sweep over \(symbol)"] + format(table, textColumns: 2)
    }

    /// The heaviest kernels (fusion groups) on the first device, by time.
    static func topGroups(_ report: AnalysisReport, top: Int) -> [String] {
        guard let roofline = report.roofline else { return [] }
        let total = roofline.groups.reduce(0) { $0 + $1.seconds }
        let heaviest = roofline.groups.sorted { $0.seconds > $1.seconds }.prefix(top)
        var table = [["group", "anchor", "op", "nodes", "time", "bound", "FLOP/byte", "time %"]]
        for group in heaviest {
            table.append(["#\(group.group)", group.anchor.name.isEmpty ? "#\(group.anchor.index)" : group.anchor.name, group.anchor.opType,
                          "\(group.nodeCount)", Units.seconds(group.seconds), group.bound.rawValue,
                          group.intensity.map { Units.format($0) } ?? "–", total > 0 ? percent(group.seconds / total) : "–"])
        }
        return ["Top \(heaviest.count) kernels by time on \(roofline.device.shortName)"] + format(table, textColumns: 3)
    }

    /// `all 3 nodes costed`, or how many are not and of which ops (text and Markdown).
    static func coverageSummary(_ report: AnalysisReport) -> String {
        let coverage = report.costs.coverage
        if coverage.uncostedNodes == 0 { return "all \(coverage.totalNodes) nodes costed" }
        let ops = coverage.uncostedOps.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        return "\(coverage.uncostedNodes) of \(coverage.totalNodes) nodes (\(percent(coverage.uncostedShare))) NOT costed: \(ops)"
    }

    static func percent(_ share: Double) -> String { Units.format(share * 100) + "%" }

    struct OpRow {
        var op: String
        var count = 0
        var macs: SymbolicInt = 0
        var flops: SymbolicInt = 0
        var params: SymbolicInt = 0
        var bytes: SymbolicInt = 0
        /// Nodes of this type without a cost rule (or whose rule failed): their MACs and FLOPs are unknown.
        var uncosted = 0

        mutating func add(costed: Bool, macs: SymbolicInt, flops: SymbolicInt, params: SymbolicInt, read: SymbolicInt, written: SymbolicInt) {
            count += 1
            if costed {
                self.macs += macs
                self.flops += flops
            } else {
                uncosted += 1
            }
            self.params += params
            bytes += read + written
        }

        /// A count cell: `?` when no node of the type is costed, `… + ?` when some are not.
        func cell(_ value: SymbolicInt) -> String {
            uncosted == count ? "?" : uncosted > 0 ? "\(Units.count(value)) + ?" : Units.count(value)
        }
    }

    static func opTable(_ report: AnalysisReport) -> [String] {
        ["By op type"] + format(opTableCells(report))
    }

    /// One row per op type (`domain.Op` outside the default domain), heaviest FLOPs first.
    static func opRows(_ report: AnalysisReport) -> [OpRow] {
        var rows: [OpRow] = []
        var table = OpKeyTable()
        // By index, reading only the fields summed: binding each whole record copies (retains) all of it.
        let nodes = report.costs.nodes
        for index in nodes.indices {
            let row = table.id(opType: nodes[index].opType, domain: nodes[index].domain)
            if row == rows.count { rows.append(OpRow(op: table.keys[row])) }
            // Modified in place: no copy of the row (and of its counts) per node.
            rows[row].add(costed: nodes[index].status == .costed, macs: nodes[index].macs,
                          flops: nodes[index].flops, params: nodes[index].params,
                          read: nodes[index].bytesRead, written: nodes[index].bytesWritten)
        }
        return rows.map { (row: $0, rank: rank($0.flops)) }
            .sorted { $0.rank != $1.rank ? $0.rank > $1.rank : $0.row.op < $1.row.op }.map(\.row)
    }

    /// Header row, then one row per op type, heaviest first.
    static func opTableCells(_ report: AnalysisReport) -> [[String]] {
        let total = report.costs.totals.flops
        let sorted = opRows(report)
        var table = [["op", "count", "MACs", "FLOPs", "params", "bytes moved", "FLOPs %"]]
        for row in sorted {
            table.append([row.op, "\(row.count)", row.cell(row.macs), row.cell(row.flops), Units.count(row.params),
                          Units.bytes(row.bytes), row.uncosted == row.count ? "?" : share(row.flops, of: total)])
        }
        return table
    }

    static func topNodes(_ report: AnalysisReport, top: Int) -> [String] {
        let total = report.costs.totals.flops
        // Keep the `top` heaviest in one pass instead of sorting every node.
        // By index: only the kept nodes are copied out of the array.
        let nodes = report.costs.nodes
        var heaviestRanked: [(index: Int, rank: Double)] = []
        for index in nodes.indices where nodes[index].status == .costed {
            let value = rank(nodes[index].flops)
            if heaviestRanked.count == top, let last = heaviestRanked.last, value <= last.rank { continue }
            let position = heaviestRanked.firstIndex { value > $0.rank } ?? heaviestRanked.count
            heaviestRanked.insert((index, value), at: position)
            if heaviestRanked.count > top { heaviestRanked.removeLast() }
        }
        let heaviest = heaviestRanked.map { nodes[$0.index] }
        var table = [["node", "op", "output", "MACs", "FLOPs", "FLOPs %"]]
        for node in heaviest {
            let shape = node.outputShapes.first.flatMap { $0 }.map { "[\($0.map(\.description).joined(separator: ","))]" } ?? "?"
            table.append([node.ref.name.isEmpty ? "#\(node.ref.index)" : node.ref.name, node.ref.opType, shape,
                          Units.count(node.macs), Units.count(node.flops), share(node.flops, of: total)])
        }
        return ["Top \(heaviest.count) nodes by FLOPs"] + format(table)
    }

    /// Orders counts: known values by size; symbolic ones as if each symbol were 1024 (see cost-model.md).
    static func rank(_ value: SymbolicInt) -> Double {
        switch value {
        case .value(let v): return Double(v)
        case .unknown: return -1
        case .polynomial(let p):
            // Every symbol at 1024 without building a bindings dictionary and a substituted polynomial
            // per call (the report ranks every node); `nil` on overflow, as the substitution gave.
            return Double(p.valueWithEverySymbol(at: 1024) ?? 0)
        }
    }

    /// A part's share of the total; symbolic counts compare at the representative symbol value.
    static func share(_ part: SymbolicInt, of total: SymbolicInt) -> String {
        if part == 0 { return "0%" }
        let t = rank(total), p = rank(part)
        guard t > 0, p >= 0 else { return "–" }
        return percent(p / t)
    }

    /// Left-aligns the first columns and right-aligns numbers.
    static func format(_ table: [[String]], textColumns: Int? = nil) -> [String] {
        guard let header = table.first else { return [] }
        var widths = Array(repeating: 0, count: header.count)
        for row in table { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        let textColumns = textColumns ?? (header.first == "node" ? 3 : 1)
        return table.map { row in
            "  " + row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index < textColumns ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
