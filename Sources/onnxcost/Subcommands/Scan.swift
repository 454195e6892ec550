import ArgumentParser
import Dispatch
import Foundation
import ONNXCost

/// `onnxcost scan DIR`: every model under a folder, one bad file never stopping the rest.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Analyze every .onnx file under a folder (jsonl: one object per model).")

    @Argument(help: "Folders or files to scan (folders are searched recursively for *.onnx).")
    var paths: [String] = []

    @Option(help: "Models analyzed at once.")
    var jobs = 1

    @Option(help: "Output format: jsonl (one JSON object per model) or text (one line per model).")
    var format: ScanFormat = .text

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim in every model: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []

    @Option(help: ArgumentHelp("Target precision for every model.", valueName: "dtype"))
    var dtype: Precision?

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
        for binding in dims {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value >= 1 else {
                throw ValidationError("--dim expects SYMBOL=N with N a positive integer, got '\(binding)'")
            }
            scanOptions.shapes.dimBindings[parts[0]] = value
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout.isFinite, timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard memoryLimit >= 64 else { throw ValidationError("--memory-limit must be at least 64 (MiB)") }
        if let workerPath { runWorker(workerPath, options: scanOptions) }
        guard !paths.isEmpty else { throw ValidationError("scan needs at least one folder or file") }

        // Each model is analyzed in its own worker process (this binary, `--worker PATH`): a model
        // that traps, hangs or exhausts memory becomes an error row and the scan goes on. Rows are
        // written as they finish.
        var files: [String] = []
        var missing: [String] = []
        for path in paths {
            if let found = Self.modelFiles(path) { files += found } else { missing.append(path) }
        }
        let output = RowWriter()
        for path in missing {
            output.write(errorRow(path: path, kind: "file_not_found", message: "\(path): no such file or folder"))
        }
        let failures = Counter()
        for _ in missing { failures.increment() }
        let executable = Self.executablePath()
        let baseArguments = ["scan", "--format", format.rawValue, "--memory-limit", String(memoryLimit)]
            + dims.flatMap { ["--dim", $0] } + (dtype.map { ["--dtype", $0.rawValue] } ?? [])
        let timeout = timeout
        let memoryLimit = memoryLimit
        let found = files
        let seenSymbols = SymbolSet()
        let work: @Sendable (Int) -> Void = { index in
            let path = found[index]
            let outcome = Worker.run(executable: executable, arguments: baseArguments + ["--worker", path], timeout: timeout)
            switch outcome {
            case .finished(let status, var stdout) where (status == 0 || status == Self.errorRowStatus) && !stdout.isEmpty:
                if status != 0 { failures.increment() }
                // The worker's first line may list the --dim symbols its model has.
                if stdout.hasPrefix(Self.symbolsPrefix), let end = stdout.firstIndex(of: "\n") {
                    for symbol in stdout[stdout.index(stdout.startIndex, offsetBy: Self.symbolsPrefix.count)..<end].split(separator: ",") {
                        seenSymbols.insert(String(symbol))
                    }
                    stdout = String(stdout[stdout.index(after: end)...])
                }
                output.write(stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout)
            case .finished(let status, _):
                failures.increment()
                output.write(errorRow(path: path, kind: "crashed", message: "\(path): the analysis exited with status \(status)"))
            case .signaled(let signal):
                failures.increment()
                output.write(errorRow(path: path, kind: "crashed",
                                      message: "\(path): the analysis crashed (signal \(signal); a worker is limited to \(memoryLimit) MiB of address space)"))
            case .timedOut:
                failures.increment()
                output.write(errorRow(path: path, kind: "timeout", message: "\(path): the analysis took longer than \(Units.seconds(timeout))"))
            case .couldNotStart(let reason):
                failures.increment()
                output.write(errorRow(path: path, kind: "crashed", message: "\(path): the worker could not start: \(reason)"))
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
        let total = files.count + missing.count
        FileHandle.standardError.write(Data("scanned \(total) models, \(failures.value) could not be analyzed\n".utf8))
        // Zoos differ: a symbol one model lacks is fine; one no model has is warned at the end.
        for symbol in scanOptions.shapes.dimBindings.keys.sorted() where !seenSymbols.contains(symbol) {
            FileHandle.standardError.write(Data("onnxcost: warning: --dim \(symbol): no scanned model has an input with that symbol\n".utf8))
        }
        if failures.value > 0 { throw ExitCode(1) }
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
            if !options.shapes.dimBindings.isEmpty {
                let symbols = BindingCheck.inputSymbols(report.model)
                Output.write(Self.symbolsPrefix + options.shapes.dimBindings.keys.filter(symbols.contains).sorted().joined(separator: ",") + "\n")
            }
            Output.write((format == .jsonl ? JSONRenderer.render(report, includeNodes: false).serialized() : Self.summaryLine(report)) + "\n")
            Foundation.exit(0)
        } catch {
            Output.write(errorRow(path: path, kind: error.kind, message: error.description) + "\n")
            Foundation.exit(Self.errorRowStatus)
        }
    }

    /// A worker's first line when --dim is given: the bound symbols its model has.
    static let symbolsPrefix = "\u{1}onnxcost-worker-symbols:"

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

    /// The models at `path` (itself, or every `*.onnx` under a folder); `nil` when it does not exist.
    static func modelFiles(_ path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        var result: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".onnx") { result.append(path + "/" + item) }
        }
        return result.sorted()
    }
}

/// Writes whole rows to stdout as they finish (one write per row, unbuffered), so nothing a scan
/// has done is lost when it is interrupted.
final class RowWriter: @unchecked Sendable {
    private let lock = NSLock()
    func write(_ row: String) {
        lock.lock()
        Output.write(row + "\n")
        lock.unlock()
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

/// The `--dim` symbols some scanned model had, filled by the workers.
final class SymbolSet: @unchecked Sendable {
    private let lock = NSLock()
    private var symbols = Set<String>()
    func insert(_ symbol: String) { lock.lock(); symbols.insert(symbol); lock.unlock() }
    func contains(_ symbol: String) -> Bool { lock.lock(); defer { lock.unlock() }; return symbols.contains(symbol) }
}

/// A thread-safe count of failures.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
