import Foundation

/// The Markdown that tools/bench/run.sh puts between the markers of docs/benchmarks.md.
struct Report {
    var options: BenchOptions
    var scratch: String
    var vggCold: [Measured]
    var vggWarm: [Measured]
    var resnet: [Measured]
    var pythonTools: [Measured]
    var pythonNotes: [String]
    var versions: [String]
    var graphs: [Measured]
    /// The Relu chain at four sizes, for the line fit.
    var scaling: [Measured]
    /// The Llama-3-70B-shaped decoder and the Mixtral-shaped MoE.
    var llm: [Measured]
    var suite: (results: [SuiteResult], samples: [ProcessSample], list: String)?
    var loadBefore: String
    var loadAfter: String

    /// 100 MB read strictly (10^6 bytes), so it holds under the MiB reading too.
    static let rssBudget = 100_000_000
    static let suiteGoal = 300.0
    static let onnxToolGoal = 30.0

    func markdown() -> String {
        var lines: [String] = []
        lines += environment()
        lines += goals()
        lines += ["", "### 1. VGG-16 with its weights inline: `onnxcost` against `cat FILE > /dev/null`", ""]
        lines.append("Cold: before every cold run the harness evicts the model file from the page cache "
            + "(`posix_fadvise(POSIX_FADV_DONTNEED)`; `mincore` then found \(residentText(vggCold)) of it resident), "
            + "so `cat` reads it from disk and `onnxcost` faults in only the pages it touches. Warm: the file is cached "
            + "(one discarded warm-up run first). Runs of the two commands alternate.")
        lines.append("")
        lines += table(vggCold.map { ("cold", $0) } + vggWarm.map { ("warm", $0) }, cacheColumn: true)
        lines += ["", "### 2. ResNet-50: `onnxcost` against onnx-tool (whole processes, warm cache)", ""]
        lines += table((resnet + pythonTools).map { ("warm", $0) }, cacheColumn: false)
        if let ratio = onnxToolRatio() {
            lines.append("")
            lines.append("Speed ratio (median wall, onnx-tool ÷ `onnxcost Fixtures/models/resnet50.onnx`): **\(Format.ratio(ratio))**"
                + " (goal ≥ \(Format.ratio(Self.onnxToolGoal))).")
        }
        for note in pythonNotes { lines.append(""); lines.append(note) }
        lines.append("")
        lines.append("onnx-tool cannot profile the graph with its symbolic `batch` (\"The input tensor input's shape "
            + "[batch,3,224,224] is not valid\"), so it is given a 1×3×224×224 input; onnxcost keeps `batch` symbolic.")
        lines += suiteSection()
        lines += rssSection()
        lines += ["", "### 5. Large graphs (whole processes, warm cache)", ""]
        lines += table(graphs.map { ("warm", $0) }, cacheColumn: false)
        lines += scalingSection()
        return lines.joined(separator: "\n")
    }

    // MARK: sections

    func environment() -> [String] {
        let formatter = ISO8601DateFormatter()
        let cpu = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "?"
        let memory = ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
            .map { String(format: "%.1f GiB", Double($0) / 1_048_576) } ?? "?"
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let swift = Spawner.capture(["swift", "--version"], scratch: scratch)?
            .split(separator: "\n").first.map(String.init) ?? "?"
        let head = Spawner.capture(["git", "rev-parse", "--short", "HEAD"], scratch: scratch) ?? "?"
        let dirty = Spawner.capture(["git", "status", "--porcelain", "--untracked-files=no"], scratch: scratch)
            .map { $0.isEmpty ? "clean" : "\($0.split(separator: "\n").count) tracked files modified" } ?? "?"
        let load = { (text: String) in text.split(separator: " ").prefix(3).joined(separator: " ") }
        var lines = [
            "Measured \(formatter.string(from: Date())) by `tools/bench/run.sh` (harness `onnxcost-bench`, release build).",
            "",
            "- Machine: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) CPUs online "
                + "(\(Affinity.allowedCount()) allowed), \(memory) RAM, Linux \(kernel)",
            "- Toolchain: \(swift); `swift build -c release --scratch-path .build-bench`",
            "- Tree: `\(head)` (\(dirty))",
            "- Load average (1/5/15 min) before: \(load(loadBefore)), after: \(load(loadAfter)) — "
                + "the machine is shared, so wall times carry noise; CPU time (user+sys) is steadier",
        ]
        if !versions.isEmpty { lines.append("- Python tools: " + versions.joined(separator: ", ")) }
        lines.append("- Each run is one whole process: `tools/bench/launch.c` takes `clock_gettime(CLOCK_MONOTONIC)` "
            + "around `posix_spawnp` … `wait4` and reports that child's rusage: CPU = user + sys, peak RSS = `ru_maxrss`. "
            + "(The small C launcher sits between the harness and the command because a child's `ru_maxrss` starts "
            + "from the high-water RSS of the process it was spawned from.) Every command's stdout goes to /dev/null.")
        return lines
    }

    func goals() -> [String] {
        var lines = ["", "### Goals", "", "| Goal | Measured | Met |", "|---|---|---|"]
        for (phase, rows) in [("cold", vggCold), ("warm", vggWarm)] {
            guard let cat = rows.first(where: { $0.item.tool == .cat }),
                  let cost = rows.first(where: { $0.item.tool == .onnxcost }) else { continue }
            let ratio = cat.medianWall / cost.medianWall
            lines.append("| VGG-16 inline (\(Format.mib(fileSize(cost.item.file)))) analyzed faster than `cat` reads it, \(phase) "
                + "| onnxcost \(Format.time(cost.medianWall)) vs cat \(Format.time(cat.medianWall)) median "
                + "(\(Format.ratio(ratio)) faster); peak RSS \(Format.mib(cost.peak)) vs \(Format.mib(cat.peak)) "
                + "| \(cost.medianWall < cat.medianWall && cost.failures.isEmpty ? "yes" : "**no**") |")
        }
        if let ratio = onnxToolRatio() {
            lines.append("| ResNet-50 whole process ≥ \(Format.ratio(Self.onnxToolGoal)) faster than onnx-tool "
                + "| \(Format.ratio(ratio)) | \(ratio >= Self.onnxToolGoal ? "yes" : "**no**") |")
        } else {
            lines.append("| ResNet-50 whole process ≥ 30× faster than onnx-tool | onnx-tool not installed | – |")
        }
        if let suite, let rate = suiteRates(suite.results).median {
            lines.append("| Backend suite ≥ \(Int(Self.suiteGoal)) models/s, one process on one core "
                + "| \(String(format: "%.0f", rate)) models/s median (\(suite.results.first?.models ?? 0) models) "
                + "| \(rate >= Self.suiteGoal ? "yes" : "**no**") |")
        }
        lines += sizeGoals()
        var peaks = (vggCold + vggWarm + resnet + graphs).filter { $0.item.tool == .onnxcost }
            .map { ($0.item.label, $0.peak) }
        if let suite { peaks.append(("backend suite", suite.samples.map(\.maxRSS).max() ?? 0)) }
        if let worst = peaks.max(by: { $0.1 < $1.1 }) {
            lines.append("| Peak RSS < 100 MB for every onnxcost run | largest: \(Format.mib(worst.1)) (\(worst.0)) "
                + "| \(worst.1 < Self.rssBudget ? "yes" : "**no**") |")
        }
        return lines
    }

    /// Issue 15's goals: 100,000 nodes ≤ 0.5 s and ≤ 100 MiB; 1,000,000 nodes ≤ 5 s and ≤ 1 GiB,
    /// linear in between; the LLM-shaped graphs ≤ 50 ms and ≤ 64 MiB. Times are judged on the median
    /// CPU time (user + sys), which the shared machine's load disturbs least; the wall median is given beside it.
    func sizeGoals() -> [String] {
        var lines: [String] = []
        func row(_ goal: String, _ measured: Measured?, seconds: Double, bytes: Int) {
            guard let measured else { lines.append("| \(goal) | not measured | – |"); return }
            let cpu = Stats.median(measured.samples.map(\.cpu))
            let met = cpu <= seconds && measured.peak <= bytes && measured.failures.isEmpty
            lines.append("| \(goal) | CPU \(Format.time(cpu)) (\(Format.ratio(cpu / seconds)) of the budget), wall \(Format.time(measured.medianWall)); "
                + "peak RSS \(Format.mib(measured.peak)) (\(Format.ratio(Double(measured.peak) / Double(bytes))) of the budget) "
                + "| \(met ? "yes" : "**no**") |")
        }
        let mib = 1_048_576
        row("Relu chain, 100,000 nodes ≤ 0.5 s and ≤ 100 MiB", scaling.first { $0.item.label.contains("100,000") },
            seconds: 0.5, bytes: 100 * mib)
        row("Relu chain, 1,000,000 nodes ≤ 5 s and ≤ 1 GiB", scaling.first { $0.item.label.contains("1,000,000") },
            seconds: 5, bytes: 1024 * mib)
        if let fit = fits() {
            lines.append("| Linear from 100,000 to 1,000,000 nodes (line through 4 sizes, R² ≥ 0.99) "
                + "| CPU R² \(String(format: "%.4f", fit.cpu.r2)), RSS R² \(String(format: "%.4f", fit.rss.r2)) "
                + "| \(fit.cpu.r2 >= 0.99 && fit.rss.r2 >= 0.99 ? "yes" : "**no**") |")
        }
        for measured in llm where measured.item.label.hasSuffix("bound") && !measured.item.label.hasSuffix("unbound") {
            row("\(measured.item.label) ≤ 50 ms and ≤ 64 MiB", measured, seconds: 0.05, bytes: 64 * mib)
        }
        return lines
    }

    /// Least-squares lines through (nodes, median CPU) and (nodes, peak RSS) of the chains.
    func fits() -> (cpu: Fit, rss: Fit)? {
        let points = scaling.compactMap { row -> (Double, Double, Double)? in
            guard let nodes = Harness.chainSizes.first(where: { row.item.label.contains(Format.count($0.nodes)) })?.nodes else { return nil }
            return (Double(nodes), Stats.median(row.samples.map(\.cpu)), Double(row.peak))
        }
        guard points.count >= 3 else { return nil }
        return (Fit(points.map { ($0.0, $0.1) }), Fit(points.map { ($0.0, $0.2) }))
    }

    func scalingSection() -> [String] {
        var lines = ["", "### 6. Scaling and LLM-shaped graphs (whole processes, warm cache)", ""]
        lines += table(scaling.map { ("warm", $0) }, cacheColumn: false)
        if let fit = fits() {
            lines.append("")
            lines.append("Line through the \(scaling.count) chains: CPU ≈ \(Format.time(fit.cpu.intercept)) + "
                + "\(String(format: "%.2f", fit.cpu.slope * 1e6)) µs × nodes (R² \(String(format: "%.4f", fit.cpu.r2))); "
                + "peak RSS ≈ \(Format.mib(Int(fit.rss.intercept))) + \(String(format: "%.0f", fit.rss.slope)) B × nodes "
                + "(R² \(String(format: "%.4f", fit.rss.r2))).")
        }
        lines.append("")
        lines.append("Decoder bindings: `batch=1 sequence=128 past_sequence=1024 past_sequence+sequence=1152` (every dim resolved).")
        lines.append("")
        lines += table(llm.map { ("warm", $0) }, cacheColumn: false)
        return lines
    }

    func suiteSection() -> [String] {
        guard let suite, let first = suite.results.first else {
            return ["", "### 3. Backend suite", "", "Skipped: no models under \(options.testdata)."]
        }
        let rates = suiteRates(suite.results)
        let loops = suite.results.map(\.loopSeconds)
        let errors = first.errors.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var lines = ["", "### 3. ONNX backend suite: every model in one process on one core, through the library", ""]
        lines.append("`\(options.testdata)/{\(Suite.directories.joined(separator: ","))}/*/model.onnx`: "
            + "\(Format.count(first.models)) models, \(Format.count(first.nodes)) nodes in their main graphs. "
            + "The harness starts itself as `onnxcost-bench suite-child LIST` (a fresh process per pass, "
            + "pinned to CPU \(first.cpu.map(String.init) ?? "?") with `sched_setaffinity`), which calls "
            + "`Analyzer.analyze(path:options:)` on each model in turn: load, shapes, costs (no rendering).")
        lines.append("")
        lines.append("| Passes | Models | Analyzed | Errors | Loop wall min | Loop wall median | Models/s best | Models/s median | Process wall median | Process CPU median | Peak RSS |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        lines.append("| \(suite.results.count) | \(first.models) | \(first.analyzed) | \(errors.isEmpty ? "0" : errors) "
            + "| \(Format.time(loops.min() ?? .nan)) | \(Format.time(Stats.median(loops))) "
            + "| \(String(format: "%.0f", rates.best ?? 0)) | \(String(format: "%.0f", rates.median ?? 0)) "
            + "| \(Format.time(Stats.median(suite.samples.map(\.wall)))) | \(Format.time(Stats.median(suite.samples.map(\.cpu)))) "
            + "| \(Format.mib(suite.samples.map(\.maxRSS).max() ?? 0)) |")
        let name = { (slow: SuiteResult.Slow) in
            "`\(slow.path.replacingOccurrences(of: self.options.testdata + "/", with: ""))` \(Format.time(slow.seconds)) (\(slow.nodes) nodes)"
        }
        lines.append("")
        lines.append("Slowest models (first pass): " + first.slowest.map(name).joined(separator: ", ") + ".")
        if let head = first.first {
            lines.append("The first model analyzed pays the process's one-time set-up (operator registry, runtime type "
                + "metadata): \(name(head)).")
        }
        return lines
    }

    /// Every onnxcost process of this run with its graph, against the 100 MB budget.
    func rssSection() -> [String] {
        var lines = ["", "### 4. Peak RSS of every onnxcost process, with its graph", "",
                     "Budget: 100 MB (read strictly as 10^6 bytes = 95.4 MiB). Largest `ru_maxrss` over the runs above.", "",
                     "| Case | Graph | Peak RSS | < 100 MB |", "|---|---|---|---|"]
        var seen = Set<String>()
        for row in vggCold + vggWarm + resnet + graphs where row.item.tool == .onnxcost {
            guard seen.insert(row.item.label).inserted else { continue }
            let peak = (vggCold + vggWarm + resnet + graphs).filter { $0.item.label == row.item.label }.map(\.peak).max() ?? 0
            lines.append("| \(row.item.label) | \(row.item.graph) | \(Format.mib(peak)) | \(peak < Self.rssBudget ? "yes" : "**no**") |")
        }
        if let suite, let first = suite.results.first {
            let peak = suite.samples.map(\.maxRSS).max() ?? 0
            lines.append("| Backend suite, one process (library) | \(Format.count(first.models)) models, \(Format.count(first.nodes)) nodes "
                + "| \(Format.mib(peak)) | \(peak < Self.rssBudget ? "yes" : "**no**") |")
        }
        return lines
    }

    // MARK: helpers

    func table(_ rows: [(cache: String, measured: Measured)], cacheColumn: Bool) -> [String] {
        var lines: [String] = []
        let cache = cacheColumn ? "Cache | " : ""
        lines.append("| \(cache)Case | Graph | Runs | Wall min | Wall median | CPU median | Peak RSS | RSS < 100 MB | In-process analyze | Command |")
        lines.append("|" + String(repeating: "---|", count: cacheColumn ? 11 : 10))
        for (phase, row) in rows {
            let failed = row.failures.first.map { " **exit \($0.exitCode)**" } ?? ""
            let budget = row.item.tool == .onnxcost ? (row.peak < Self.rssBudget ? "yes" : "**no**") : "–"
            lines.append("| \(cacheColumn ? phase + " | " : "")\(row.item.label)\(failed) | \(row.item.graph) "
                + "| \(row.samples.count) | \(Format.time(row.walls.min() ?? .nan)) | \(Format.time(row.medianWall)) "
                + "| \(Format.time(Stats.median(row.samples.map(\.cpu)))) | \(Format.mib(row.peak)) | \(budget) "
                + "| \(row.inProcess.map(Format.time) ?? "–") | `\(row.item.display)` |")
        }
        return lines
    }

    func onnxToolRatio() -> Double? {
        guard let tool = pythonTools.first(where: { $0.item.label.hasPrefix("onnx-tool") }), tool.failures.isEmpty,
              let cost = resnet.first else { return nil }
        return tool.medianWall / cost.medianWall
    }

    func suiteRates(_ results: [SuiteResult]) -> (best: Double?, median: Double?) {
        let rates = results.map { Double($0.models) / $0.loopSeconds }
        return (rates.max(), rates.isEmpty ? nil : Stats.median(rates))
    }

    func residentText(_ rows: [Measured]) -> String {
        let fractions = rows.compactMap(\.residentAfterEvict)
        guard let worst = fractions.max() else { return "an unknown share" }
        return String(format: "%.1f%%", worst * 100)
    }

    func fileSize(_ path: String?) -> Int {
        guard let path else { return 0 }
        return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

/// A least-squares line y = intercept + slope · x, with its coefficient of determination.
struct Fit {
    var slope: Double
    var intercept: Double
    var r2: Double

    init(_ points: [(x: Double, y: Double)]) {
        let n = Double(points.count)
        let mx = points.map(\.x).reduce(0, +) / n, my = points.map(\.y).reduce(0, +) / n
        let sxy = points.map { ($0.x - mx) * ($0.y - my) }.reduce(0, +)
        let sxx = points.map { ($0.x - mx) * ($0.x - mx) }.reduce(0, +)
        let b = sxx == 0 ? 0 : sxy / sxx
        let a = my - b * mx
        let total = points.map { ($0.y - my) * ($0.y - my) }.reduce(0, +)
        let residual = points.map { p in (p.y - (a + b * p.x)) * (p.y - (a + b * p.x)) }.reduce(0, +)
        slope = b
        intercept = a
        r2 = total == 0 ? 1 : 1 - residual / total
    }
}
