import Foundation
import ONNXCost

/// What one pass over the backend suite measured, written by the child as JSON.
struct SuiteResult: Codable, Sendable {
    var models: Int
    var analyzed: Int
    var errors: [String: Int]
    /// Nodes of every main graph analyzed (a checksum of the work, and its size).
    var nodes: Int
    /// Wall time of the analysis loop alone (process start and exit excluded).
    var loopSeconds: Double
    var cpu: Int?
    var slowest: [Slow]
    /// The first model analyzed: it pays the one-time set-up (operator registry, type metadata).
    var first: Slow?

    struct Slow: Codable, Sendable {
        var path: String
        var seconds: Double
        var nodes: Int
    }
}

/// The backend suite, in one process on one core, through the library (`Analyzer.analyze(path:options:)`).
enum Suite {
    static let directories = ["node", "pytorch-converted", "pytorch-operator", "simple"]

    /// Every `model.onnx` of the four suite directories, sorted.
    static func modelPaths(testdata: String) -> [String] {
        var paths: [String] = []
        for directory in directories {
            let root = testdata + "/" + directory
            guard let cases = try? FileManager.default.contentsOfDirectory(atPath: root) else { continue }
            for name in cases {
                let path = root + "/" + name + "/model.onnx"
                if FileManager.default.fileExists(atPath: path) { paths.append(path) }
            }
        }
        return paths.sorted()
    }

    /// The child: pins itself to one CPU, analyzes every listed model, prints a `SuiteResult`.
    static func child(listPath: String) throws -> Never {
        let cpu = Affinity.firstAllowedCPU()
        let pinned = cpu.map(Affinity.pin(to:)) ?? false
        let paths = try String(contentsOfFile: listPath, encoding: .utf8).split(separator: "\n").map(String.init)
        var errors: [String: Int] = [:]
        var analyzed = 0
        var nodes = 0
        var times: [SuiteResult.Slow] = []
        times.reserveCapacity(paths.count)
        let start = Clock.now()
        for path in paths {
            let begin = Clock.now()
            var count = 0
            do {
                let report = try Analyzer.analyze(path: path, options: AnalysisOptions())
                count = report.model.graph.nodes.count
                nodes += count
                analyzed += 1
            } catch {
                errors[error.kind, default: 0] += 1
            }
            times.append(.init(path: path, seconds: Clock.now() - begin, nodes: count))
        }
        let loop = Clock.now() - start
        let slowest = Array(times.sorted { $0.seconds > $1.seconds }.prefix(5))
        let result = SuiteResult(models: paths.count, analyzed: analyzed, errors: errors, nodes: nodes,
                                 loopSeconds: loop, cpu: pinned ? cpu : nil, slowest: slowest, first: times.first)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(result))
        exit(0)
    }
}
