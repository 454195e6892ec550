import Foundation
import Testing

/// `scan` at zoo scale: streamed rows, failure rows and exit 1, shards, globs, the summary.
@Suite struct ScanZooTests {
    /// A zoo of twelve copies of mlp_small at three depths plus two broken files.
    struct Zoo {
        let root: URL
        /// Every file's path relative to `root`, and the kind its row must have (`nil`: analyzed).
        let files: [String: String?]

        init(_ name: String) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("onnxcost-zoo-\(name)-\(getpid())")
            try? FileManager.default.removeItem(at: root)
            let good = try Data(contentsOf: CLI.root.appendingPathComponent("Fixtures/models/mlp_small.onnx"))
            var files: [String: String?] = [:]
            for (index, folder) in ["", "a/", "a/b/", "c/"].enumerated() {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
                for copy in 0..<3 {
                    let relative = "\(folder)mlp-\(index)-\(copy).onnx"
                    try good.write(to: root.appendingPathComponent(relative))
                    files[relative] = .some(nil)
                }
            }
            for (relative, fixture, kind) in [("a/broken-truncated.onnx", "truncated.onnx", "truncated"), ("c/broken-random.onnx", "random_bytes.onnx", "malformed")] {
                try Data(contentsOf: URL(fileURLWithPath: CLI.fixture(fixture))).write(to: root.appendingPathComponent(relative))
                files[relative] = kind
            }
            // Not a model: never listed.
            try Data("notes".utf8).write(to: root.appendingPathComponent("a/README.txt"))
            self.files = files
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        /// Rows by relative path: the row's text and its error kind (`nil` for an analyzed model).
        func rows(_ stdout: String) throws -> [String: (line: String, kind: String?)] {
            var result: [String: (line: String, kind: String?)] = [:]
            for line in stdout.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
                let path = try #require((object["model"] as? [String: Any])?["path"] as? String)
                let prefix = root.path + "/"
                #expect(path.hasPrefix(prefix), "\(path)")
                let relative = String(path.dropFirst(prefix.count))
                #expect(result[relative] == nil, "two rows for \(relative)")
                let error = object["error"] as? [String: Any]
                if let error { #expect((error["message"] as? String)?.contains(path) == true) } else { #expect(object["totals"] != nil) }
                result[relative] = (String(line), error?["kind"] as? String)
            }
            return result
        }
    }

    /// Every file gets one JSON row naming it; broken files get error rows; the exit status is 1.
    @Test func rowsFailuresAndExitStatus() throws {
        let zoo = try Zoo("rows")
        defer { zoo.remove() }
        let result = try CLI.run(["scan", zoo.root.path, "--format", "jsonl", "--jobs", "2"])
        #expect(result.status == 1)
        let rows = try zoo.rows(result.stdout)
        #expect(Set(rows.keys) == Set(zoo.files.keys))
        for (relative, kind) in zoo.files { #expect(rows[relative]?.kind == kind, "\(relative)") }
        #expect(result.stderr.contains("scanned 14 models, 2 could not be analyzed: malformed 1, truncated 1"), "\(result.stderr)")
        // stderr is not a terminal here: no progress bar.
        #expect(!result.stderr.contains("\r"))
    }

    @Test func cleanZooExitsZero() throws {
        let zoo = try Zoo("clean")
        defer { zoo.remove() }
        let result = try CLI.run(["scan", zoo.root.path, "--format", "jsonl", "--glob", "*mlp-*"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try zoo.rows(result.stdout).count == 12)
    }

    /// N shards are disjoint, cover the zoo, and give exactly the rows of one whole run; a file's
    /// shard does not depend on how the folder is spelled or on the other files.
    @Test func shardsPartitionTheZoo() throws {
        let zoo = try Zoo("shards")
        defer { zoo.remove() }
        let whole = try zoo.rows(try CLI.run(["scan", zoo.root.path, "--format", "jsonl"]).stdout)
        for count in [1, 3, 5] {
            var seen: [String: String] = [:]
            for index in 1...count {
                let result = try CLI.run(["scan", zoo.root.path, "--format", "jsonl", "--shard", "\(index)/\(count)", "--jobs", "2"])
                #expect(result.stderr.contains("(shard \(index)/\(count))"))
                for (relative, row) in try zoo.rows(result.stdout) {
                    #expect(seen[relative] == nil, "\(relative) in two shards of \(count)")
                    seen[relative] = row.line
                }
            }
            #expect(seen == whole.mapValues(\.line), "\(count) shards")
        }
        // Spelled with a trailing slash, and with a glob narrowing the zoo: the same files in shard 2/3.
        let plain = try zoo.rows(try CLI.run(["scan", zoo.root.path, "--format", "jsonl", "--shard", "2/3"]).stdout)
        let slash = try zoo.rows(try CLI.run(["scan", zoo.root.path + "/", "--format", "jsonl", "--shard", "2/3"]).stdout)
        #expect(Set(plain.keys) == Set(slash.keys))
        let narrowed = try zoo.rows(try CLI.run(["scan", zoo.root.path, "--format", "jsonl", "--shard", "2/3", "--glob", "a/*"]).stdout)
        #expect(Set(narrowed.keys) == Set(plain.keys.filter { $0.hasPrefix("a/") }))
    }

    /// fnmatch on the relative path, `*` crossing folders; several globs keep a file matching any.
    @Test func globs() throws {
        let zoo = try Zoo("globs")
        defer { zoo.remove() }
        func scanned(_ globs: [String]) throws -> Set<String> {
            Set(try zoo.rows(try CLI.run(["scan", zoo.root.path, "--format", "jsonl"] + globs.flatMap { ["--glob", $0] }).stdout).keys)
        }
        #expect(try scanned(["a/*"]) == Set(zoo.files.keys.filter { $0.hasPrefix("a/") }))
        #expect(try scanned(["*/b/*"]) == ["a/b/mlp-2-0.onnx", "a/b/mlp-2-1.onnx", "a/b/mlp-2-2.onnx"])
        #expect(try scanned(["mlp-0-?.onnx", "c/broken-*"]) == ["mlp-0-0.onnx", "mlp-0-1.onnx", "mlp-0-2.onnx", "c/broken-random.onnx"])
        #expect(try scanned(["nothing*"]).isEmpty)
    }

    /// `--summary`: counts, failures by kind, and the heaviest models by MACs (mlp_small: 100·50 +
    /// 50·10 = 5500 MACs per sample, from its closed form in Fixtures/expected/mlp_small.json).
    @Test func summaryJSON() throws {
        let zoo = try Zoo("summary")
        defer { zoo.remove() }
        let file = zoo.root.appendingPathComponent("summary.json")
        let result = try CLI.run(["scan", zoo.root.path, "--format", "text", "--summary", file.path, "--jobs", "2"])
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").count == 14)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(summary["models"] as? Int == 14)
        #expect(summary["analyzed"] as? Int == 12)
        #expect(summary["failed"] as? Int == 2)
        #expect(summary["failures_by_kind"] as? [String: Int] == ["malformed": 1, "truncated": 1])
        let heaviest = try #require(summary["heaviest"] as? [[String: Any]])
        #expect(heaviest.count == 5)
        #expect(heaviest.allSatisfy { $0["macs"] as? Double == 5500 && $0["weight_bytes"] as? Double == 22240 })
    }

    /// On a terminal, stderr gets a progress bar redrawn per row; the rows on stdout stay clean. The
    /// terminal is util-linux `script`'s pseudo-terminal (skipped where it is missing).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script"))
    func progressBarOnATerminal() throws {
        let zoo = try Zoo("progress")
        defer { zoo.remove() }
        let rowsFile = zoo.root.appendingPathComponent("rows.jsonl")
        let command = "'\(CLI.binary.path)' scan '\(zoo.root.path)' --format jsonl > '\(rowsFile.path)'"
        let terminal = try Spawn.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(terminal.status == 1)
        #expect(terminal.stdout.contains("] 14/14  2 failed"), "\(terminal.stdout)")
        #expect(terminal.stdout.contains("\r\u{1B}[K["))
        #expect(terminal.stdout.contains("scanned 14 models, 2 could not be analyzed"))
        let rows = try String(contentsOf: rowsFile, encoding: .utf8)
        #expect(!rows.contains("\r") && !rows.contains("] "))
        #expect(try zoo.rows(rows).count == 14)
    }

    @Test(arguments: [["--dim", " =8"], ["--dim", "=8"], ["--dim", "batch=0"], ["--dim", "batch=-1"], ["--dim", "batch"],
                      ["--shard", "0/3"], ["--shard", "4/3"], ["--shard", "1/0"], ["--shard", "a/b"], ["--shard", "1/3/4"], ["--shard", "3"],
                      ["--jobs", "0"]])
    func badArgumentsExitTwo(arguments: [String]) throws {
        let result = try CLI.run(["scan", CLI.root.appendingPathComponent("Fixtures/models/mlp_small.onnx").path] + arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
