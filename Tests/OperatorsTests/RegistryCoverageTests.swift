import Foundation
import ONNXGraph
import ShapeInference
import CostKernels
@testable import Operators
import Testing

/// The registry against ONNX's own operator list: every non-deprecated operator of the default domain
/// and of ai.onnx.ml (`Fixtures/onnx-operators.txt`, made from `onnx.defs`) has a rule, nothing is
/// registered twice, and every registered op has a formula in docs/cost-model.md.
@Suite struct RegistryCoverageTests {
    /// Ops of the list that onnxcost deliberately does not implement: "domain/op" → why.
    /// Keep it empty where possible; an op here is reported as unsupported in `coverage`.
    static let knownUnsupported: [String: String] = [:]

    struct ListedOp: CustomStringConvertible {
        var domain: String
        var type: String
        var sinceVersions: [Int]
        var description: String { "\(domain)/\(type)" }
    }

    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// `domain<TAB>op<TAB>since,since…` lines; `#` starts a comment.
    static func onnxOperators() throws -> [ListedOp] {
        let text = try String(contentsOf: here.appendingPathComponent("Fixtures/onnx-operators.txt"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> ListedOp? in
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { return nil }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let versions = fields.count == 3 ? fields[2].split(separator: ",").compactMap { Int($0) } : []
            guard fields.count == 3, !fields[1].isEmpty, !versions.isEmpty else {
                throw CoverageFileError(line: String(line))
            }
            return ListedOp(domain: fields[0], type: fields[1], sinceVersions: versions)
        }
    }

    struct CoverageFileError: Error, CustomStringConvertible {
        var line: String
        var description: String { "malformed line in onnx-operators.txt: '\(line)'" }
    }

    /// The registry's own table (private storage, read by reflection): (domain, type) → implementations.
    /// `registeredOps` lists each (domain, type) once, so it cannot show a duplicate registration.
    static func registeredTable(_ registry: OpRegistry = .builtin) throws -> [(domain: String, type: String, operators: [OperatorEntry])] {
        let child = Mirror(reflecting: registry).children.first { $0.label == "table" }
        let table = try #require(child?.value as? [OpRegistry.Key: [OperatorEntry]],
                                 "OpRegistry's storage changed: update RegistryCoverageTests.registeredTable")
        return table.map { (domain: $0.key.domain, type: $0.key.type, operators: $0.value) }
    }

    /// The registry domain of a listed domain (`ai.onnx` is stored as "").
    static func registryDomain(_ domain: String) -> String { domain == "ai.onnx" ? "" : domain }

    @Test func listIsReadable() throws {
        let ops = try Self.onnxOperators()
        #expect(ops.count > 200, "expected the full ONNX operator list, got \(ops.count) lines")
        #expect(ops.contains { $0.domain == "ai.onnx.ml" })
    }

    @Test func everyONNXOperatorIsRegistered() throws {
        let registered = Set(OpRegistry.builtin.registeredOps.map { "\($0.domain)/\($0.type)" })
        var missing: [String] = []
        for op in try Self.onnxOperators() where Self.knownUnsupported["\(op.domain)/\(op.type)"] == nil {
            if !registered.contains("\(Self.registryDomain(op.domain))/\(op.type)") { missing.append(op.description) }
        }
        #expect(missing.isEmpty, "ONNX operators without a rule (\(missing.count)): \(missing.joined(separator: ", "))")
    }

    /// An op in the known-unsupported table that gained a rule should leave the table.
    @Test func knownUnsupportedAreReallyUnsupported() {
        for (key, reason) in Self.knownUnsupported {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            let domain = Self.registryDomain(parts.first ?? "")
            let type = parts.count > 1 ? parts[1] : ""
            #expect(OpRegistry.builtin.entry(domain: domain, type: type, opset: Int.max) == nil,
                    "\(key) is registered now; remove it from knownUnsupported (\(reason))")
        }
    }

    /// Registrations of one (domain, type, since) beyond the first.
    static func duplicates(in registry: OpRegistry) throws -> [String] {
        var duplicates: [String] = []
        for entry in try registeredTable(registry) {
            var seen: [Int: String] = [:]
            for op in entry.operators {
                let since = op.schema.since
                if let other = seen[since] {
                    duplicates.append("\(entry.domain.isEmpty ? "ai.onnx" : entry.domain)/\(entry.type) since \(since): \(other) and \(op.formula)")
                }
                seen[since] = op.formula
            }
        }
        return duplicates
    }

    @Test func noOperatorIsRegisteredTwice() throws {
        let duplicates = try Self.duplicates(in: .builtin)
        #expect(duplicates.isEmpty, "registered twice: \(duplicates.joined(separator: "; "))")
    }

    /// The check above sees a duplicate when there is one (the registry keeps both).
    @Test func duplicateRegistrationsAreDetected() throws {
        let relu = try #require(ActivationRow.table.first { $0.type == "Relu" })
        let registry = OpRegistry(entries: [OperatorEntry(GradientOp.self), relu.entry, OperatorEntry(GradientOp.self)])
        #expect(try Self.duplicates(in: registry).count == 1)
    }

    /// `registeredOps` and the table agree, and every schema is stored under its own (domain, type).
    @Test func schemasMatchTheirKeys() throws {
        let table = try Self.registeredTable()
        #expect(table.count == OpRegistry.builtin.registeredOps.count)
        for entry in table {
            for op in entry.operators {
                #expect(op.schema.domain == entry.domain && op.schema.type == entry.type, "\(op.schema.type) under \(entry.domain)/\(entry.type)")
            }
        }
    }

    /// A schema naming the default domain `ai.onnx` would never be found: lookups use "".
    @Test func defaultDomainIsStoredAsEmpty() throws {
        let spelled = try Self.registeredTable().filter { $0.domain == "ai.onnx" }.map(\.type)
        #expect(spelled.isEmpty, "schemas with domain \"ai.onnx\" instead of \"\": \(spelled)")
    }

    /// Each ONNX op's implementations start at a version where ONNX (re)defined the op.
    @Test func registeredVersionsAreONNXVersions() throws {
        let listed = Dictionary(try Self.onnxOperators().map { ("\(Self.registryDomain($0.domain))/\($0.type)", $0.sinceVersions) },
                                uniquingKeysWith: { a, _ in a })
        var odd: [String] = []
        for entry in try Self.registeredTable() {
            guard let versions = listed["\(entry.domain)/\(entry.type)"] else { continue }
            for op in entry.operators where !versions.contains(op.schema.since) {
                odd.append("\(entry.domain.isEmpty ? "ai.onnx" : entry.domain)/\(entry.type) since \(op.schema.since) (ONNX: \(versions))")
            }
        }
        #expect(odd.isEmpty, "since versions ONNX never defined: \(odd.joined(separator: "; "))")
    }

    /// docs/cost-model.md has a formula row for every registered op (the table is generated from the
    /// registry by `swift run onnxcost-docs`).
    @Test func everyRegisteredOperatorHasADocumentedFormula() throws {
        let doc = Self.here.appendingPathComponent("../../docs/cost-model.md").standardizedFileURL
        let text = try String(contentsOf: doc, encoding: .utf8)
        var rows = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: CharacterSet.whitespaces) }
            if cells.count >= 4 { rows.insert("\(cells[1])/\(cells[2])") }
        }
        let undocumented = OpRegistry.builtin.registeredOps
            .map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain)/\($0.type)" }
            .filter { !rows.contains($0) }
        #expect(undocumented.isEmpty,
                "ops without a row in docs/cost-model.md (run `swift run onnxcost-docs`): \(undocumented.joined(separator: ", "))")
    }
}
