import Foundation

/// Issue 15's "one binary": the executable needs nothing beside it and links no protobuf-c.
struct BinaryCheck {
    /// The copy's folder held nothing else when it ran.
    var folder: String
    var devices: Outcome
    var analysis: Outcome
    /// `ldd`'s libraries, by name (empty for a static executable).
    var sharedObjects: [String]
    var lddOutput: String

    struct Outcome {
        var ok: Bool
        var detail: String
    }

    var linksProtobufC: Bool { lddOutput.localizedCaseInsensitiveContains("protobuf-c") }

    /// Copies `binary` alone into a fresh temporary folder and runs it from there with an empty
    /// environment (no LD_LIBRARY_PATH, no HOME): `devices`, then an analysis of `model` as JSON.
    static func run(binary: String, model: String, scratch: String) -> BinaryCheck {
        let folder = scratch + "/alone"
        let copy = folder + "/onnxcost"
        let manager = FileManager.default
        try? manager.removeItem(atPath: folder)
        var setUp = "copied"
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: false)
            try manager.copyItem(atPath: binary, toPath: copy)
            try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        } catch {
            setUp = "could not copy \(binary): \(error)"
        }
        let alone = (try? manager.contentsOfDirectory(atPath: folder)) == ["onnxcost"]
        func inFolder(_ arguments: String, stdout: String) -> (ProcessSample?, String) {
            let line = "cd \(shellQuote(folder)) && exec env -i ./onnxcost \(arguments)"
            let sample = try? Spawner.run(["/bin/sh", "-c", line], stdoutPath: stdout, scratch: scratch)
            return (sample, (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "")
        }

        var devices = Outcome(ok: false, detail: setUp)
        var analysis = Outcome(ok: false, detail: setUp)
        if alone {
            let (listed, listing) = inFolder("devices", stdout: scratch + "/alone-devices.txt")
            let lines = listing.split(separator: "\n").count
            devices = Outcome(ok: listed?.exitCode == 0 && lines > 1,
                              detail: "`onnxcost devices`: exit \(listed.map { String($0.exitCode) } ?? "–"), \(lines) lines")
            let (analyzed, json) = inFolder("\(shellQuote(model)) --format json --no-nodes", stdout: scratch + "/alone-analysis.json")
            let report = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
            // The MAC total: a number, or an expression of the graph's symbols (`batch`) as a string.
            let macs = (report?["totals"] as? [String: Any])?["macs"]
            let macsText = macs.map { value in ResolvedCheck.integer(value).map(Format.count) ?? "\(value)" }
            analysis = Outcome(ok: analyzed?.exitCode == 0 && macsText != nil,
                               detail: "`onnxcost \(model) --format json --no-nodes`: exit \(analyzed.map { String($0.exitCode) } ?? "–")"
                                   + (macsText.map { ", MACs \($0)" } ?? ", no MAC total"))
        } else if manager.fileExists(atPath: copy) {
            devices.detail = "the folder held more than the copy"
            analysis.detail = devices.detail
        }
        try? manager.removeItem(atPath: folder)

        // ldd exits 1 for a static executable ("not a dynamic executable"): its output is read either way.
        let lddPath = scratch + "/ldd.txt"
        _ = try? Spawner.run(["ldd", binary], stdoutPath: lddPath, scratch: scratch)
        let ldd = ((try? String(contentsOfFile: lddPath, encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: scratch + "/stderr.txt", encoding: .utf8)) ?? "")
        let objects = ldd.split(separator: "\n").compactMap { line -> String? in
            guard let first = line.split(whereSeparator: \.isWhitespace).first.map(String.init), first.contains(".so") else { return nil }
            return first.split(separator: "/").last.map(String.init)
        }
        return BinaryCheck(folder: folder, devices: devices, analysis: analysis, sharedObjects: objects, lddOutput: ldd)
    }
}

/// Issue 15's "every dim resolved once bound", read from onnxcost's own JSON (docs/output.md).
struct ResolvedCheck {
    var label: String
    /// Symbols in the graph inputs' shapes, unbound (`onnxcost shapes MODEL --format json`).
    var inputSymbols: [String]
    /// Input symbols the bindings leave out.
    var unbound: [String]
    /// Tensors of `shapes --dim …`, and those with a symbolic or unknown dim or no shape.
    var tensors: Int
    var openTensors: [String]
    /// `unresolved` of the bound analysis: dims lost on the way (each names the node that lost them).
    var unresolved: Int
    /// Totals of the bound analysis that are still expressions, not numbers.
    var symbolicTotals: [String]
    var error: String?

    var met: Bool { error == nil && unbound.isEmpty && openTensors.isEmpty && unresolved == 0 && symbolicTotals.isEmpty }

    /// One sentence for the Goals table and section 6.
    var summary: String {
        if let error { return error }
        let list = { (names: [String]) in names.prefix(5).map { "`\($0)`" }.joined(separator: ", ") + (names.count > 5 ? ", …" : "") }
        var parts = [unbound.isEmpty
            ? "input symbols \(list(inputSymbols)) all bound"
            : "input symbols left unbound: \(list(unbound))"]
        parts.append("\(openTensors.count) of \(Format.count(tensors)) tensors with a symbolic or unknown dim"
            + (openTensors.isEmpty ? "" : " (\(list(openTensors)))"))
        parts.append(unresolved == 0 ? "`unresolved` empty" : "`unresolved` lists \(unresolved)")
        parts.append(symbolicTotals.isEmpty ? "every total a number" : "totals still symbolic: \(list(symbolicTotals))")
        return parts.joined(separator: "; ")
    }

    static func run(label: String, binary: String, model: String, dims: [String: Int], scratch: String) -> ResolvedCheck {
        var check = ResolvedCheck(label: label, inputSymbols: [], unbound: [], tensors: 0, openTensors: [], unresolved: 0,
                                  symbolicTotals: [])
        let bindings = dims.sorted { $0.key < $1.key }.flatMap { ["--dim", "\($0.key)=\($0.value)"] }
        func json(_ arguments: [String]) -> [String: Any]? {
            let out = scratch + "/resolved.json"
            guard let sample = try? Spawner.run([binary] + arguments + ["--format", "json"], stdoutPath: out, scratch: scratch),
                  sample.exitCode == 0, let data = FileManager.default.contents(atPath: out) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }
        guard let unboundShapes = json(["shapes", model])?["tensors"] as? [[String: Any]],
              let boundShapes = json(["shapes", model] + bindings)?["tensors"] as? [[String: Any]],
              let analysis = json([model] + bindings + ["--no-nodes"]) else {
            check.error = "onnxcost failed or printed no JSON"
            return check
        }
        var symbols = Set<String>()
        for tensor in unboundShapes where tensor["producer"] as? String == "input" {
            for dim in tensor["shape"] as? [Any] ?? [] { if let symbol = dim as? String { symbols.insert(symbol) } }
        }
        check.inputSymbols = symbols.sorted()
        check.unbound = check.inputSymbols.filter { dims[$0] == nil }
        check.tensors = boundShapes.count
        check.openTensors = boundShapes.compactMap { tensor in
            guard let shape = tensor["shape"] as? [Any], shape.allSatisfy({ integer($0) != nil }) else {
                return tensor["name"] as? String ?? "?"
            }
            return nil
        }
        check.unresolved = (analysis["unresolved"] as? [Any])?.count ?? -1
        check.symbolicTotals = (analysis["totals"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
            .filter { !Self.isNumeric($0.value) }.map(\.key)
        return check
    }

    /// A JSON integer as `JSONSerialization` hands it over (a Swift number or an `NSNumber`,
    /// depending on the Foundation); nil for a string such as a symbolic dim or count.
    static func integer(_ value: Any) -> Int? {
        if value is String { return nil }
        if let number = value as? Int { return number }
        if let number = value as? Double, number == number.rounded(), abs(number) < 9e18 { return Int(number) }
        return (value as? NSNumber)?.intValue
    }

    /// A number, or an object whose every value is one (`macs_by_dtype`).
    static func isNumeric(_ value: Any) -> Bool {
        if value is String { return false }
        if value is NSNumber || value is Int || value is Double || value is UInt64 || value is Int64 { return true }
        if let object = value as? [String: Any] { return object.values.allSatisfy(isNumeric) }
        return false
    }
}
