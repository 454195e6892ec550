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
    /// The Llama-3-70B-shaped decoder and the Mixtral-shaped MoE, bound and unbound.
    var llm: [Measured]
    /// Their dims once bound.
    var resolved: [ResolvedCheck]
    var binary: BinaryCheck
    var suite: (results: [SuiteResult], samples: [ProcessSample], list: String)?
    var loadBefore: String
    var loadAfter: String

    /// 100 MB read strictly (10^6 bytes), so it holds under the MiB reading too.
    static let rssBudget = 100_000_000

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
        lines += ["", "### 2. ResNet-50: start-up floors, and `onnxcost` against onnx-tool and onnxsim (whole processes, warm cache)", ""]
        lines.append("The first \(resnet.count) rows ran alternated, one run of each in turn (\(resnet.first?.samples.count ?? 0) rounds, "
            + "after one discarded warm-up run each); the Python tools ran after them, alternated among themselves.")
        lines.append("")
        lines += table((resnet + pythonTools).map { ("warm", $0) }, cacheColumn: false)
        if let ratio = onnxToolRatio() {
            lines.append("")
            lines.append("Speed ratio (median wall, onnx-tool ÷ `onnxcost \(Harness.resnet)`): **\(Format.ratio(ratio))**"
                + " (goal ≥ \(Format.ratio(Goals.onnxToolSpeedup))).")
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
        lines += binarySection()
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
            "- Tree: `\(head)` (\(dirty)); binary measured: `\(options.onnxcost)` (\(Format.mib(fileSize(options.onnxcost))))",
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

    func scalingSection() -> [String] {
        var lines = ["", "### 6. Scaling and LLM-shaped graphs (whole processes, warm cache)", ""]
        lines += table(scaling.map { ("warm", $0) }, cacheColumn: false)
        if let fit = fits() {
            lines.append("")
            lines.append("Least-squares lines through the \(scaling.count) chains (x = nodes; y = median CPU time, largest peak RSS): "
                + "CPU ≈ \(fit.cpuText); peak RSS ≈ \(fit.rssText).")
        }
        lines.append("")
        lines.append("Bound = `" + Harness.decoderDims.sorted { $0.key < $1.key }.map { "--dim \($0.key)=\($0.value)" }.joined(separator: " ") + "`"
            + ". Dims once bound, from onnxcost's JSON (`shapes --format json`, and the analysis's `unresolved` and `totals`):")
        lines.append("")
        for check in resolved { lines.append("- \(check.label): " + check.summary) }
        lines.append("")
        lines += table(llm.map { ("warm", $0) }, cacheColumn: false)
        return lines
    }

    /// Issue 15's "one binary": what ran from the empty folder, and `ldd`'s whole answer.
    func binarySection() -> [String] {
        var lines = ["", "### 7. One binary", ""]
        lines.append("`\(options.onnxcost)` was copied alone into an empty temporary folder and run from there with an empty "
            + "environment (`cd FOLDER && env -i ./onnxcost …`): \(binary.devices.detail) (\(binary.devices.ok ? "ok" : "**failed**")); "
            + "\(binary.analysis.detail) (\(binary.analysis.ok ? "ok" : "**failed**")). `ldd \(options.onnxcost)`:")
        let ldd = binary.lddOutput.replacingOccurrences(of: #" \(0x[0-9a-f]+\)"#, with: "", options: .regularExpression)  // load addresses vary
        lines += ["", "```"] + ldd.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } + ["```"]
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
        for row in processRows where row.item.tool == .onnxcost {
            guard seen.insert(row.item.label).inserted else { continue }
            let peak = processRows.filter { $0.item.label == row.item.label }.map(\.peak).max() ?? 0
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

    /// Every process row of the run, for the peak-RSS listing.
    var processRows: [Measured] { vggCold + vggWarm + resnet + graphs + scaling + llm }

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
              let cost = resnetRow else { return nil }
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
