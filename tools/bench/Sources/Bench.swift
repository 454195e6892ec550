import Foundation
import ONNXCost

/// The harness's settings (`onnxcost-bench --help`).
struct BenchOptions {
    var onnxcost = ".build-bench/release/onnxcost"
    var launcher = ".build-bench/bench-launch"
    var inputs = "/tmp/onnxcost-bench"
    var testdata = "/usr/share/libonnx-testdata/data"
    var python = "python3"
    var usePython = true
    var runs = 9
    /// Issue 15 judges the ResNet-50 process on its median wall time beside `/bin/true` and
    /// `onnxcost --help`: enough alternated runs for that median to mean something on a busy machine.
    var startupRuns = 31
    var coldRuns = 5
    var pythonRuns = 5
    var suiteRuns = 3
    var inProcessRuns = 3

    static let usage = """
    onnxcost-bench [options]        run every measurement of docs/benchmarks.md, print Markdown
      --onnxcost PATH    the release onnxcost binary (default .build-bench/release/onnxcost)
      --launcher PATH    tools/bench/launch.c built (default .build-bench/bench-launch)
      --inputs DIR       what tools/bench/prepare_inputs.py wrote (default /tmp/onnxcost-bench)
      --testdata DIR     ONNX backend suite (default /usr/share/libonnx-testdata/data)
      --python PATH      interpreter for onnx-tool / onnxsim (default python3); --no-python skips them
      --runs N           warm runs per process case (default 9; one more warm-up run is discarded;
                         the 500,000- and 1,000,000-node chains run at most 3 times)
      --startup-runs N   runs of each start-up case: ResNet-50, /bin/true, onnxcost --help, … alternated
                         (default 31)
      --cold-runs N      cold runs (page cache of the model evicted first) (default 5)
      --python-runs N    runs of each Python tool (default 5)
      --suite-runs N     passes over the backend suite, each a fresh process (default 3)
    Run from the repository root (tools/bench/run.sh does).
    """

    static func parse(_ arguments: [String]) -> BenchOptions {
        var options = BenchOptions()
        var iterator = arguments.makeIterator()
        func value(_ flag: String) -> String {
            guard let value = iterator.next() else { fail("\(flag) needs a value") }
            return value
        }
        func count(_ flag: String) -> Int {
            guard let number = Int(value(flag)), number > 0 else { fail("\(flag) needs a positive integer") }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--onnxcost": options.onnxcost = value(argument)
            case "--launcher": options.launcher = value(argument)
            case "--inputs": options.inputs = value(argument)
            case "--testdata": options.testdata = value(argument)
            case "--python": options.python = value(argument)
            case "--no-python": options.usePython = false
            case "--runs": options.runs = count(argument)
            case "--startup-runs": options.startupRuns = count(argument)
            case "--cold-runs": options.coldRuns = count(argument)
            case "--python-runs": options.pythonRuns = count(argument)
            case "--suite-runs": options.suiteRuns = count(argument)
            case "-h", "--help":
                print(usage)
                exit(0)
            default: fail("unknown argument \(argument)\n\(usage)")
            }
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("onnxcost-bench: \(message)\n".utf8))
    exit(2)
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
}

/// One process command measured several times.
struct Case {
    enum Tool { case onnxcost, cat, python }

    var label: String
    var tool: Tool
    var argv: [String]
    /// The model file: evicted from the page cache before each cold run; described in the Graph column.
    var file: String?
    var graph: String
    /// For onnxcost cases: the same analysis through the library in this process.
    var library: (path: String, options: AnalysisOptions)?

    var display: String { argv.map(shellQuote).joined(separator: " ") + " > /dev/null" }
}

struct Measured {
    var item: Case
    var samples: [ProcessSample] = []
    var residentAfterEvict: Double?
    /// Best in-process `Analyzer.analyze(path:options:)` time, render and process start excluded.
    var inProcess: Double?

    var walls: [Double] { samples.map(\.wall) }
    var failures: [ProcessSample] { samples.filter { $0.exitCode != 0 } }
    var peak: Int { samples.map(\.maxRSS).max() ?? 0 }
    var medianWall: Double { Stats.median(walls) }
}

func shellQuote(_ word: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

enum Format {
    static func time(_ seconds: Double) -> String {
        if seconds.isNaN { return "–" }
        if seconds < 1 { return String(format: "%.1f ms", seconds * 1000) }
        return String(format: "%.2f s", seconds)
    }

    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// A file size: KiB under 1 MiB.
    static func size(_ bytes: Int) -> String {
        bytes < 1_048_576 ? String(format: "%.0f KiB", Double(bytes) / 1024) : mib(bytes)
    }

    static func ratio(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f×", value) : String(format: "%.1f×", value)
    }

    static func count(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
    }
}

struct Harness {
    var options: BenchOptions
    let scratch: String

    init(options: BenchOptions) {
        self.options = options
        scratch = NSTemporaryDirectory() + "onnxcost-bench-scratch-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    // MARK: inputs

    func input(_ name: String) -> String { options.inputs + "/" + name }

    static let resnet = "Fixtures/models/resnet50.onnx"

    /// The LLM-shaped graphs of issue 15, each analyzed with every symbol of its inputs bound to
    /// `decoderDims` (the Mixtral-shaped MoE has the decoder's four symbols; `ResolvedCheck` verifies it).
    static let llmModels: [(label: String, path: String)] = [
        ("Llama-3-70B-shaped decoder", "Fixtures/models/llama3_70b_shape.onnx"),
        ("Mixtral-shaped MoE", "Fixtures/models/mixtral_moe_shape.onnx"),
    ]
    static let decoderDims = ["batch": 1, "sequence": 128, "past_sequence": 1024, "past_sequence+sequence": 1152]

    /// The Relu chains `prepare_inputs.py` writes for the scaling fit.
    static let chainSizes: [(tag: String, nodes: Int)] = [("100k", 100_000), ("250k", 250_000), ("500k", 500_000), ("1m", 1_000_000)]

    func requireFile(_ path: String, hint: String) {
        if !FileManager.default.fileExists(atPath: path) { fail("\(path) is missing: \(hint)") }
    }

    /// "48 nodes · 527.8 MiB file, weights inline".
    func describe(_ path: String, weights: String) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard let loaded = try? ModelLoader.load(path: path) else { return "\(Format.size(size)) file (does not load)" }
        return "\(Format.count(loaded.model.graph.nodes.count)) nodes · \(Format.size(size)) file, \(weights)"
    }

    func onnxcostCase(_ label: String, model: String, weights: String, dims: [String: Int] = [:]) -> Case {
        var argv = [options.onnxcost, model]
        for (name, value) in dims.sorted(by: { $0.key < $1.key }) { argv += ["--dim", "\(name)=\(value)"] }
        var analysis = AnalysisOptions()
        analysis.shapes.dimBindings = dims
        return Case(label: label, tool: .onnxcost, argv: argv, file: model, graph: describe(model, weights: weights),
                    library: (model, analysis))
    }

    // MARK: measuring

    /// Runs the cases interleaved (case 1, case 2, …, case 1, …) so load changes hit all of them alike.
    func measure(_ cases: [Case], runs: Int, cold: Bool) -> [Measured] {
        var results = cases.map { Measured(item: $0) }
        if !cold {
            for item in cases { _ = try? Spawner.measure(item.argv, launcher: options.launcher, scratch: scratch) }  // warm-up
        }
        for run in 0..<runs {
            for index in results.indices {
                let item = results[index].item
                if cold, let file = item.file {
                    PageCache.evict(file)
                    if run == 0 { results[index].residentAfterEvict = PageCache.residentFraction(file) }
                }
                do {
                    results[index].samples.append(try Spawner.measure(item.argv, launcher: options.launcher, scratch: scratch))
                } catch {
                    fail("\(item.display): \(error)")
                }
            }
        }
        for index in results.indices {
            for failure in results[index].failures.prefix(1) {
                progress("\(results[index].item.label) exited \(failure.exitCode): \(failure.stderrTail)")
            }
            let walls = results[index].walls.map(Format.time).joined(separator: ", ")
            progress("\(results[index].item.label)\(cold ? " (cold)" : ""): \(walls)")
        }
        return results
    }

    /// The library path of each onnxcost case, in this process (best of `inProcessRuns`).
    func addInProcess(_ results: inout [Measured]) {
        for index in results.indices {
            guard let library = results[index].item.library else { continue }
            var best = Double.infinity
            for _ in 0..<options.inProcessRuns {
                let start = Clock.now()
                guard (try? Analyzer.analyze(path: library.path, options: library.options)) != nil else { break }
                best = min(best, Clock.now() - start)
            }
            if best.isFinite { results[index].inProcess = best }
        }
    }

    func suite() -> (results: [SuiteResult], samples: [ProcessSample], list: String)? {
        let paths = Suite.modelPaths(testdata: options.testdata)
        guard !paths.isEmpty else {
            progress("no backend-suite models under \(options.testdata): suite skipped")
            return nil
        }
        let list = scratch + "/suite-models.txt"
        try? paths.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var results: [SuiteResult] = []
        var samples: [ProcessSample] = []
        for _ in 0..<options.suiteRuns {
            let out = scratch + "/suite.json"
            guard let sample = try? Spawner.measure([me, "suite-child", list], launcher: options.launcher,
                                                   stdoutPath: out, scratch: scratch),
                  sample.exitCode == 0,
                  let data = FileManager.default.contents(atPath: out),
                  let result = try? JSONDecoder().decode(SuiteResult.self, from: data)
            else { fail("the backend-suite child failed") }
            progress(String(format: "suite: %d models in %@ (%.0f models/s), peak RSS %@", result.models,
                            Format.time(result.loopSeconds), Double(result.models) / result.loopSeconds,
                            Format.mib(sample.maxRSS)))
            results.append(result)
            samples.append(sample)
        }
        return (results, samples, list)
    }

    // MARK: the run

    func run() {
        let loadBefore = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        let vggInline = input("vgg16_inline.onnx")
        let resnetInline = input("resnet50_inline.onnx")
        let chains = Self.chainSizes.map { input("relu_chain_\($0.tag).onnx") }
        for path in [vggInline, resnetInline] + chains {
            requireFile(path, hint: "run python3 tools/bench/prepare_inputs.py \(options.inputs)")
        }
        requireFile(options.onnxcost, hint: "swift build -c release --scratch-path .build-bench --product onnxcost")
        requireFile(options.launcher, hint: "cc -O2 -o .build-bench/bench-launch tools/bench/launch.c")

        // 1. VGG-16, weights inline: onnxcost against cat, cold and warm.
        progress("VGG-16 inline vs cat")
        let vggCases = [
            Case(label: "`cat` VGG-16 inline", tool: .cat, argv: ["cat", vggInline], file: vggInline,
                 graph: describe(vggInline, weights: "weights inline")),
            onnxcostCase("onnxcost VGG-16 inline", model: vggInline, weights: "weights inline"),
        ]
        let vggCold = measure(vggCases, runs: options.coldRuns, cold: true)
        var vggWarm = measure(vggCases, runs: options.runs, cold: false)
        addInProcess(&vggWarm)

        // 2. ResNet-50's whole process beside the floors (a process that does nothing, onnxcost's own
        // start-up), alternated run by run; then onnx-tool and onnxsim's ModelInfo on the same graph.
        progress("ResNet-50 and the start-up floors (\(options.startupRuns) runs each, alternated)")
        var resnet = measure([
            onnxcostCase("onnxcost ResNet-50", model: Self.resnet, weights: "graph only (weights external)"),
            Case(label: "`/bin/true` (a process that does nothing)", tool: .cat, argv: ["/bin/true"], file: nil,
                 graph: "no model: the spawn floor"),
            Case(label: "`onnxcost --help` (start-up floor)", tool: .onnxcost, argv: [options.onnxcost, "--help"], file: nil,
                 graph: "no model: start-up, argument parsing, help text"),
            onnxcostCase("onnxcost ResNet-50 inline", model: resnetInline, weights: "weights inline"),
            Case(label: "`onnxcost devices`", tool: .onnxcost, argv: [options.onnxcost, "devices"], file: nil,
                 graph: "no model: start-up, argument parsing, device table"),
        ], runs: options.startupRuns, cold: false)
        addInProcess(&resnet)
        var pythonTools: [Measured] = []
        var pythonNotes: [String] = []
        var versions: [String] = []
        if options.usePython {
            let py = options.python
            let resnetGraph = describe(resnetInline, weights: "weights inline")
            var cases: [Case] = []
            if Spawner.succeeds([py, "-c", "import onnx_tool"], scratch: scratch) {
                let code = "import numpy, onnx_tool; onnx_tool.model_profile('\(resnetInline)', "
                    + "dynamic_shapes={'input': numpy.zeros((1, 3, 224, 224), numpy.float32)})"
                cases.append(Case(label: "onnx-tool ResNet-50 inline", tool: .python, argv: [py, "-c", code],
                                  file: resnetInline, graph: resnetGraph))
            } else {
                pythonNotes.append("onnx-tool is not installed (`pip install onnx-tool`): its rows are missing.")
            }
            if Spawner.succeeds([py, "-c", "import onnxsim.model_info"], scratch: scratch) {
                let code = "import onnx; from onnxsim.model_info import ModelInfo; ModelInfo(onnx.load('\(resnetInline)'))"
                cases.append(Case(label: "onnxsim ModelInfo ResNet-50 inline", tool: .python, argv: [py, "-c", code],
                                  file: resnetInline, graph: resnetGraph))
            } else {
                pythonNotes.append("onnxsim is not installed (`pip install onnxsim`): its row is missing.")
            }
            if !cases.isEmpty {
                cases.append(Case(label: "python3 + `import onnx` alone", tool: .python, argv: [py, "-c", "import onnx"],
                                  file: nil, graph: "(interpreter start-up, for scale)"))
                progress("Python tools (\(cases.count) cases × \(options.pythonRuns))")
                pythonTools = measure(cases, runs: options.pythonRuns, cold: false)
            }
            let probe = "import importlib.metadata as m\nfor p in ('onnx', 'onnx-tool', 'onnxsim', 'numpy'):\n"
                + "    try: print(p, m.version(p))\n    except Exception: pass"
            if let text = Spawner.capture([py, "-c", probe], scratch: scratch) {
                versions = text.split(separator: "\n").map(String.init)
            }
        }

        // 5. Big graphs: GPT-2 and BERT with symbols unbound and bound, Swin-T (the Relu chains are in 6).
        progress("big graphs")
        var graphs = measure([
            onnxcostCase("GPT-2, symbols unbound", model: "Fixtures/models/gpt2.onnx", weights: "graph only"),
            onnxcostCase("GPT-2, batch=1 sequence=1024", model: "Fixtures/models/gpt2.onnx", weights: "graph only",
                         dims: ["batch": 1, "sequence": 1024]),
            onnxcostCase("BERT-base, symbols unbound", model: "Fixtures/models/bert_base.onnx", weights: "graph only"),
            onnxcostCase("BERT-base, batch=1 sequence=512", model: "Fixtures/models/bert_base.onnx", weights: "graph only",
                         dims: ["batch": 1, "sequence": 512]),
            onnxcostCase("Swin-T, symbols unbound", model: "Fixtures/models/swin_t.onnx", weights: "graph only"),
        ], runs: options.runs, cold: false)
        addInProcess(&graphs)

        // 6. Scaling: the Relu chain at four sizes (a line is fitted through them), and the
        // Llama-3-70B-shaped decoder and the Mixtral-shaped MoE, symbols bound and unbound.
        progress("scaling and LLM-shaped graphs")
        var scaling: [Measured] = []
        for (tag, nodes) in Self.chainSizes {
            let path = input("relu_chain_\(tag).onnx")
            scaling += measure([onnxcostCase("Relu chain, \(Format.count(nodes)) nodes", model: path, weights: "generated")],
                               runs: nodes >= 500_000 ? min(options.runs, 3) : options.runs, cold: false)
        }
        var llm = measure(Self.llmModels.flatMap { model in [
            onnxcostCase("\(model.label), bound", model: model.path, weights: "graph only", dims: Self.decoderDims),
            onnxcostCase("\(model.label), unbound", model: model.path, weights: "graph only"),
        ] }, runs: options.runs, cold: false)
        addInProcess(&llm)
        let resolved = Self.llmModels.map { model in
            ResolvedCheck.run(label: model.label, binary: options.onnxcost, model: model.path, dims: Self.decoderDims, scratch: scratch)
        }

        // 7. One binary: the executable alone in an empty folder, and what it links.
        progress("one binary")
        let binary = BinaryCheck.run(binary: options.onnxcost, model: FileManager.default.currentDirectoryPath + "/" + Self.resnet,
                                     scratch: scratch)

        // 3. The backend suite in one process on one core.
        progress("backend suite")
        let suite = suite()

        let loadAfter = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        let report = Report(options: options, scratch: scratch, vggCold: vggCold, vggWarm: vggWarm, resnet: resnet,
                            pythonTools: pythonTools, pythonNotes: pythonNotes, versions: versions, graphs: graphs,
                            scaling: scaling, llm: llm, resolved: resolved, binary: binary, suite: suite,
                            loadBefore: loadBefore, loadAfter: loadAfter)
        print(report.markdown())
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
