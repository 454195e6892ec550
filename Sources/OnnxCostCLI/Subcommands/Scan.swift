import ArgumentParser
import Dispatch
import Foundation
import ONNXCost

/// `onnxcost scan DIR`: every model under a folder, one bad file never stopping the rest.
///
/// Each model is analyzed in its own worker process (this binary, `--worker PATH`), at most `--jobs`
/// at once: a model that traps, hangs or exhausts memory becomes an error row, and a 2 GB file is
/// only ever mapped by its one worker. Rows stream to stdout as workers finish; the progress bar
/// and the summary go to stderr (docs/scan.md).
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Analyze every .onnx file under a folder (jsonl: one object per model).")

    @Argument(help: "Folders or files to scan (folders are searched recursively for *.onnx).")
    var paths: [String] = []

    @Option(help: "Models analyzed at once (one worker process each).")
    var jobs = 1

    @Option(help: "Output format: jsonl (one JSON object per model) or text (one line per model).")
    var format: ScanFormat = .text

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim in every model: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []

    @Option(help: ArgumentHelp("Target precision for every model.", valueName: "dtype"))
    var dtype: Precision?

    @Option(name: .customLong("glob"), help: ArgumentHelp(
        "Only files whose path relative to the scanned folder matches (fnmatch: `*` also matches `/`). Repeatable: a file matching any is kept.",
        valueName: "pattern"))
    var globs: [String] = []

    @Option(help: ArgumentHelp(
        "This process's share of the files: K of N (1 ≤ K ≤ N), by a hash of each file's relative path. N processes with K = 1…N scan every file exactly once.",
        valueName: "k/n"))
    var shard: Shard?

    @Option(help: ArgumentHelp("Also write the end-of-scan summary as JSON to this file.", valueName: "path"))
    var summary: String?

    @Option(help: "Seconds each model may take before its worker is killed and its row says `timeout`.")
    var timeout: Double = 10

    @Option(name: .customLong("memory-limit"), help: "Address space of each worker in MiB (RLIMIT_AS), plus the model file's size.")
    var memoryLimit = 4096

    /// Hidden: analyze this one file and print its row (the worker mode the scan spawns).
    @Option(name: .customLong("worker"), help: .hidden)
    var workerPath: String?

    enum ScanFormat: String, ExpressibleByArgument { case text, jsonl }

    /// The worker's exit status when it printed an error row (the model could not be read).
    static let errorRowStatus: Int32 = 3

    func run() throws {
        var scanOptions = AnalysisOptions(precision: dtype)
        scanOptions.shapes.dimBindings = try ModelOptions.dimBindings(dims)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard memoryLimit >= 64 else { throw ValidationError("--memory-limit must be at least 64 (MiB)") }
        if let workerPath { runWorker(workerPath, options: scanOptions) }
        guard !paths.isEmpty else { throw ValidationError("scan needs at least one folder or file") }

        var files: [String] = []
        var missing: [String] = []
        for path in paths {
            if let found = Self.modelFiles(path) {
                files += found.filter { file in
                    (globs.isEmpty || globs.contains { Self.matches($0, file.relative) }) && shard?.contains(file.relative) != false
                }.map(\.path)
            } else if shard?.contains(path) != false {
                missing.append(path)
            }
        }
        let log = ScanLog(total: files.count + missing.count, progress: isatty(STDERR_FILENO) == 1)
        for path in missing {
            log.record(errorRow(path: path, kind: "file_not_found", message: "\(path): no such file or folder"), path: path, .failed("file_not_found"))
        }
        let executable = Self.executablePath()
        let baseArguments = ["scan", "--format", format.rawValue, "--memory-limit", String(memoryLimit)]
            + dims.flatMap { ["--dim", $0] } + (dtype.map { ["--dtype", $0.rawValue] } ?? [])
        let timeout = timeout
        let memoryLimit = memoryLimit
        let found = files
        let work: @Sendable (Int) -> Void = { index in
            let path = found[index]
            let outcome = Worker.run(executable: executable, arguments: baseArguments + ["--worker", path], timeout: timeout)
            switch outcome {
            case .finished(let status, let stdout) where (status == 0 || status == Self.errorRowStatus) && !stdout.isEmpty:
                let (meta, row) = WorkerMeta.split(stdout)
                for symbol in meta.symbols { log.sawSymbol(symbol) }
                let result: ScanLog.Result = status == 0 ? .analyzed(meta.totals) : .failed(meta.errorKind ?? "error")
                log.record(row.hasSuffix("\n") ? String(row.dropLast()) : row, path: path, result)
            case .finished(let status, _):
                log.record(errorRow(path: path, kind: "crashed", message: "\(path): the analysis exited with status \(status)"), path: path, .failed("crashed"))
            case .signaled(let signal):
                log.record(errorRow(path: path, kind: "crashed",
                                    message: "\(path): the analysis crashed (signal \(signal); a worker is limited to \(memoryLimit) MiB of address space)"),
                           path: path, .failed("crashed"))
            case .timedOut:
                log.record(errorRow(path: path, kind: "timeout", message: "\(path): the analysis took longer than \(Units.seconds(timeout))"),
                           path: path, .failed("timeout"))
            case .couldNotStart(let reason):
                log.record(errorRow(path: path, kind: "crashed", message: "\(path): the worker could not start: \(reason)"), path: path, .failed("crashed"))
            }
        }
        if jobs == 1 {
            for index in files.indices { work(index) }
        } else {
            let queue = DispatchQueue(label: "scan", attributes: .concurrent)
            let group = DispatchGroup()
            let slots = DispatchSemaphore(value: jobs)
            for index in files.indices {
                slots.wait()
                queue.async(group: group) { work(index); slots.signal() }
            }
            group.wait()
        }
        log.finishProgress()
        let summary = log.summary(shard: shard)
        FileHandle.standardError.write(Data(summary.text.utf8))
        // Zoos differ: a symbol one model lacks is fine; one no model has is warned at the end.
        for symbol in scanOptions.shapes.dimBindings.keys.sorted() where !log.hasSeen(symbol) {
            FileHandle.standardError.write(Data("onnxcost: warning: --dim \(symbol): no scanned model has an input with that symbol\n".utf8))
        }
        if let path = self.summary {
            do {
                try Data((summary.json.serialized(pretty: true) + "\n").utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                FileHandle.standardError.write(Data("onnxcost: error: --summary \(path): \(error.localizedDescription)\n".utf8))
                throw ExitCode(2)
            }
        }
        if log.failureCount > 0 { throw ExitCode(1) }
    }

    /// Worker mode: limits its own address space, analyzes one file, prints its row and exits
    /// (0 with a report row, `errorRowStatus` with an error row).
    func runWorker(_ path: String, options: AnalysisOptions) -> Never {
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
        let (limit, overflow) = (memoryLimit << 20).addingReportingOverflow(fileBytes)
        // Not under AddressSanitizer, whose shadow memory already exceeds any sensible limit.
        if !overflow && dlsym(nil, "__asan_init") == nil {
            var rl = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
            _ = setrlimit(Int32(RLIMIT_AS.rawValue), &rl)
        }
        Self.injectFault(path)
        do throws(AnalysisError) {
            let report = try Analyzer.analyze(path: path, options: options)
            var meta = WorkerMeta(totals: .of(report))
            if !options.shapes.dimBindings.isEmpty {
                let symbols = BindingCheck.inputSymbols(report.model)
                meta.symbols = options.shapes.dimBindings.keys.filter(symbols.contains).sorted()
            }
            Output.write(meta.lines + (format == .jsonl ? JSONRenderer.render(report, includeNodes: false).serialized() : Self.summaryLine(report)) + "\n")
            Foundation.exit(0)
        } catch {
            Output.write(WorkerMeta(errorKind: error.kind).lines + errorRow(path: path, kind: error.kind, message: error.description) + "\n")
            Foundation.exit(Self.errorRowStatus)
        }
    }

    /// For tests of the scan's isolation only: `ONNXCOST_WORKER_FAULTS=crash=a.onnx,hang=b.onnx`
    /// makes the worker for a file of that name trap or hang, as a hostile model would.
    static func injectFault(_ path: String) {
        guard let spec = ProcessInfo.processInfo.environment["ONNXCOST_WORKER_FAULTS"] else { return }
        let name = URL(fileURLWithPath: path).lastPathComponent
        for entry in spec.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[1] == name else { continue }
            if parts[0] == "crash" { fatalError("injected fault for \(name)") }
            if parts[0] == "hang" { while true { sleep(1) } }
        }
    }

    func errorRow(path: String, kind: String, message: String) -> String {
        format == .jsonl
            ? JSON.object([("model", .object([("path", .string(path))])), ("error", .object([("kind", .string(kind)), ("message", .string(message))]))]).serialized()
            : "\(path)  error: \(kind): \(message)"
    }

    /// This executable, to spawn workers.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    static func summaryLine(_ report: AnalysisReport) -> String {
        let totals = report.costs.totals
        var text = "\(report.file.path)  MACs \(Units.count(totals.macs))  params \(Units.count(totals.params))  peak \(Units.bytes(totals.peakActivationBytes))"
        if report.costs.coverage.uncostedNodes > 0 { text += "  uncosted \(report.costs.coverage.uncostedNodes)" }
        return text
    }

    /// The models at `path` (itself, or every `*.onnx` under a folder), each with its path relative
    /// to `path` (a file given by name is its own relative path); `nil` when it does not exist.
    static func modelFiles(_ path: String) -> [(path: String, relative: String)]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [(path, path)] }
        var result: [(path: String, relative: String)] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        let prefix = path.hasSuffix("/") ? path : path + "/"
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".onnx") { result.append((prefix + item, item)) }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// fnmatch(3) without FNM_PATHNAME: `*` and `?` also match `/`, so `*resnet*` finds a file at any depth.
    static func matches(_ pattern: String, _ relativePath: String) -> Bool {
        fnmatch(pattern, relativePath, 0) == 0
    }
}

/// `--shard K/N`: a stable share of a zoo. A file belongs to shard `FNV-1a(relative path) mod N + 1`:
/// the same on every machine, whatever the listing order, and a file added later never moves others.
struct Shard: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    static var defaultCompletionKind: CompletionKind { .default }

    var description: String { "\(index)/\(count)" }

    func contains(_ relativePath: String) -> Bool {
        Int(Self.fnv1a(relativePath) % UInt64(count)) == index - 1
    }

    /// 64-bit FNV-1a over the UTF-8 bytes: simple, fixed, and the same everywhere.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// What a worker tells the scan beside its row: lines before it, each `\u{1}onnxcost-worker-KEY:VALUE`.
struct WorkerMeta {
    struct Totals {
        /// MACs with every unbound symbol at 1 (`nil` when they do not evaluate), and as printed.
        var macs: Double?
        var macsText: String
        var weightBytes: Double?

        static func of(_ report: AnalysisReport) -> Totals {
            let totals = report.costs.totals
            var bindings: [String: Int] = [:]
            if case .polynomial(let p) = totals.macs { for symbol in p.symbols where !symbol.contains("(") { bindings[symbol] = 1 } }
            return Totals(macs: totals.macs.evaluated(bindings).map(Double.init), macsText: Units.count(totals.macs),
                          weightBytes: totals.weightBytes.evaluated([:]).map(Double.init))
        }
    }

    var totals: Totals?
    var errorKind: String?
    var symbols: [String] = []

    static let prefix = "\u{1}onnxcost-worker-"

    var lines: String {
        var text = ""
        if let totals {
            text += Self.prefix + "totals:" + [totals.macs.map { "\($0)" } ?? "", totals.weightBytes.map { "\($0)" } ?? "", totals.macsText].joined(separator: "\t") + "\n"
        }
        if let errorKind { text += Self.prefix + "error:" + errorKind + "\n" }
        if !symbols.isEmpty { text += Self.prefix + "symbols:" + symbols.joined(separator: ",") + "\n" }
        return text
    }

    /// The metadata lines at the start of a worker's output, and the row after them.
    static func split(_ output: String) -> (WorkerMeta, String) {
        var meta = WorkerMeta()
        var rest = Substring(output)
        while rest.hasPrefix(prefix), let end = rest.firstIndex(of: "\n") {
            let line = rest[rest.index(rest.startIndex, offsetBy: prefix.count)..<end]
            rest = rest[rest.index(after: end)...]
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...]
            switch line[..<colon] {
            case "totals":
                let fields = value.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                meta.totals = Totals(macs: Double(fields[0]), macsText: String(fields[2]), weightBytes: Double(fields[1]))
            case "error": meta.errorKind = String(value)
            case "symbols": meta.symbols = value.split(separator: ",").map(String.init)
            default: continue
            }
        }
        return (meta, String(rest))
    }
}

/// The scan's shared state: writes whole rows to stdout as they finish (one write per row,
/// unbuffered, so nothing done is lost when a scan is interrupted), redraws the progress bar on a
/// terminal, and keeps what the summary needs (a few numbers per model, never a report).
final class ScanLog: @unchecked Sendable {
    enum Result {
        case analyzed(WorkerMeta.Totals?)
        case failed(String)
    }

    struct Heavy {
        var path: String
        var totals: WorkerMeta.Totals
    }

    /// How many of the heaviest models the summary lists.
    static let heaviestCount = 5

    private let lock = NSLock()
    private let total: Int
    private let progress: Bool
    private var done = 0
    private var failuresByKind: [String: Int] = [:]
    private var heaviest: [Heavy] = []
    private var symbols = Set<String>()

    init(total: Int, progress: Bool) {
        self.total = total
        self.progress = progress
        if progress && total > 0 { FileHandle.standardError.write(Data(bar.utf8)) }
    }

    func record(_ row: String, path: String, _ result: Result) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        switch result {
        case .failed(let kind): failuresByKind[kind, default: 0] += 1
        case .analyzed(let totals):
            if let totals, let macs = totals.macs {
                let position = heaviest.firstIndex { ($0.totals.macs ?? 0) < macs } ?? heaviest.count
                if position < Self.heaviestCount {
                    heaviest.insert(Heavy(path: path, totals: totals), at: position)
                    if heaviest.count > Self.heaviestCount { heaviest.removeLast() }
                }
            }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        Output.write(row + "\n")
        if progress { FileHandle.standardError.write(Data(bar.utf8)) }
    }

    /// `[=========>          ] 120/3000  4 failed`
    private var bar: String {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let failed = failuresByKind.values.reduce(0, +)
        let arrow = filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : ""
        return "[" + String(repeating: "=", count: filled) + arrow + "] \(done)/\(total)" + (failed > 0 ? "  \(failed) failed" : "")
    }

    func finishProgress() {
        lock.lock()
        if progress && done > 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        lock.unlock()
    }

    func sawSymbol(_ symbol: String) { lock.lock(); symbols.insert(symbol); lock.unlock() }
    func hasSeen(_ symbol: String) -> Bool { lock.lock(); defer { lock.unlock() }; return symbols.contains(symbol) }
    var failureCount: Int { lock.lock(); defer { lock.unlock() }; return failuresByKind.values.reduce(0, +) }

    /// The end-of-scan summary: text for stderr and the `--summary` JSON (docs/scan.md).
    func summary(shard: Shard?) -> (text: String, json: JSON) {
        lock.lock()
        defer { lock.unlock() }
        let failed = failuresByKind.values.reduce(0, +)
        let kinds = failuresByKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var text = "scanned \(done) models\(shard.map { " (shard \($0))" } ?? ""), \(failed) could not be analyzed"
        if !kinds.isEmpty { text += ": " + kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        text += "\n"
        if !heaviest.isEmpty {
            text += "heaviest by MACs (unbound symbols at 1):\n"
            for entry in heaviest {
                text += "  \(Units.count(entry.totals.macs ?? 0).padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.path)\n"
            }
        }
        let json = JSON.object([
            ("schema_version", .int(1)),
            ("shard", shard.map { .string($0.description) } ?? .null),
            ("models", .int(done)),
            ("analyzed", .int(done - failed)),
            ("failed", .int(failed)),
            ("failures_by_kind", .object(kinds.map { ($0.key, .int($0.value)) })),
            ("heaviest", .array(heaviest.map { entry in
                .object([("path", .string(entry.path)), ("macs", entry.totals.macs.map { .double($0) } ?? .null),
                         ("macs_formula", .string(entry.totals.macsText)), ("weight_bytes", entry.totals.weightBytes.map { .double($0) } ?? .null)])
            })),
        ])
        return (text, json)
    }
}

/// One worker process: spawned, waited for with a deadline, killed past it.
enum Worker {
    enum Outcome {
        case finished(status: Int32, stdout: String)
        case signaled(Int32)
        case timedOut
        case couldNotStart(String)
    }

    static func run(executable: String, arguments: [String], timeout: Double) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A crashing worker dies at once (no symbolicated backtrace of several seconds).
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch { return .couldNotStart("\(error)") }
        // Read concurrently, so a worker writing more than a pipe holds never blocks.
        let collected = Collected()
        let reader = DispatchGroup()
        DispatchQueue.global().async(group: reader) {
            collected.data = out.fileHandleForReading.readDataToEndOfFile()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            done.wait()
            reader.wait()
            return .timedOut
        }
        reader.wait()
        if process.terminationReason == .uncaughtSignal { return .signaled(process.terminationStatus) }
        return .finished(status: process.terminationStatus, stdout: String(decoding: collected.data, as: UTF8.self))
    }

    final class Collected: @unchecked Sendable { var data = Data() }
}
