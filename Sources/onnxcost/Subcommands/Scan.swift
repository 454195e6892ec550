import ArgumentParser
import Dispatch
import Foundation
import ONNXCost

/// `onnxcost scan DIR`: every model under a folder, one bad file never stopping the rest.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Analyze every .onnx file under a folder (jsonl: one object per model).")

    @Argument(help: "Folders or files to scan (folders are searched recursively for *.onnx).")
    var paths: [String]

    @Option(help: "Models analyzed at once.")
    var jobs = 1

    @Option(help: "Output format: jsonl (one JSON object per model) or text (one line per model).")
    var format: ScanFormat = .text

    @Option(name: .customLong("dim"), help: ArgumentHelp("Bind a symbolic dim in every model: SYMBOL=8. Repeatable.", valueName: "symbol=n"))
    var dims: [String] = []

    @Option(help: ArgumentHelp("Target precision for every model.", valueName: "dtype"))
    var dtype: Precision?

    enum ScanFormat: String, ExpressibleByArgument { case text, jsonl }

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
        let files = try paths.flatMap(Self.modelFiles)
        let lines = Lines(count: files.count)
        let failures = Counter()
        let seenSymbols = SymbolSet()
        let format = format
        let options = scanOptions
        let work: @Sendable (Int) -> Void = { index in
            let path = files[index]
            do throws(AnalysisError) {
                let report = try Analyzer.analyze(path: path, options: options)
                // Zoos differ: a symbol one model lacks is fine; one no model has is warned at the end.
                let symbols = BindingCheck.inputSymbols(report.loaded.model)
                for symbol in options.shapes.dimBindings.keys where symbols.contains(symbol) { seenSymbols.insert(symbol) }
                lines[index] = format == .jsonl ? JSONRenderer.render(report, includeNodes: false).serialized()
                    : Self.summaryLine(report)
            } catch {
                failures.increment()
                lines[index] = format == .jsonl
                    ? JSON.object([("model", .object([("path", .string(path))])), ("error", .object([("kind", .string(error.kind)), ("message", .string(error.description))]))]).serialized()
                    : "\(path)  error: \(error.description)"
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
        for line in lines.all { Output.write(line + "\n") }
        FileHandle.standardError.write(Data("scanned \(files.count) models, \(failures.value) could not be read\n".utf8))
        for symbol in options.shapes.dimBindings.keys.sorted() where !seenSymbols.contains(symbol) {
            FileHandle.standardError.write(Data("onnxcost: warning: --dim \(symbol): no scanned model has an input with that symbol\n".utf8))
        }
    }

    static func summaryLine(_ report: AnalysisReport) -> String {
        let totals = report.costs.totals
        var text = "\(report.loaded.path)  MACs \(Units.count(totals.macs))  params \(Units.count(totals.params))  peak \(Units.bytes(totals.peakActivationBytes))"
        if report.costs.coverage.uncostedNodes > 0 { text += "  uncosted \(report.costs.coverage.uncostedNodes)" }
        return text
    }

    static func modelFiles(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(path): no such file or folder")
        }
        guard isDirectory.boolValue else { return [path] }
        var result: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".onnx") { result.append(path + "/" + item) }
        }
        return result.sorted()
    }
}

/// One output line per model, written by whichever worker analyzed it, printed in file order.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String]
    init(count: Int) { lines = Array(repeating: "", count: count) }
    subscript(index: Int) -> String {
        get { lock.lock(); defer { lock.unlock() }; return lines[index] }
        set { lock.lock(); lines[index] = newValue; lock.unlock() }
    }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
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
