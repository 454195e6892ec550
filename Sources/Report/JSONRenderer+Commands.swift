import DeviceDB
import ShapeInference
import ONNXGraph

/// The JSON format of every command: one object, `schema_version` first (docs/output.md).
extension JSONRenderer: ReportRenderer {
    public static var format: OutputFormat { .json }

    public static func analysis(_ report: AnalysisReport, options: RenderOptions) -> String {
        render(report, includeNodes: options.includeNodes).serialized(pretty: options.pretty) + "\n"
    }

    public static func shapes(_ listing: ShapesListing, options: RenderOptions) -> String {
        let json = JSON.object([
            ("schema_version", .int(SchemaVersion.current)),
            ("model", .object([("path", .string(listing.path))])),
            ("tensors", .array(listing.rows.map { row in
                let tensor = row.type.tensor
                return .object([("name", .string(row.name)), ("dtype", tensor.map { .string($0.dtype.name) } ?? .null),
                                ("shape", .shape(tensor?.shape)), ("type", .string(row.type.description)),
                                ("producer", .string(row.producer))])
            })),
            ("outputs", .array(listing.outputs.map { info in
                .object([("name", .string(info.name)), ("dtype", info.type.tensor.map { .string($0.dtype.name) } ?? .null),
                         ("shape", .shape(info.type.tensor?.shape))])
            })),
            ("unresolved", .array(listing.unresolved.map(unresolved))),
            ("unsupported_ops", .object(listing.unsupportedOps.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("warnings", .array(listing.warnings.map { .string($0) })),
        ])
        return json.serialized(pretty: options.pretty) + "\n"
    }

    public static func devices(_ devices: [Device], options: RenderOptions) -> String {
        DevicesRenderer.json(devices).serialized(pretty: options.pretty) + "\n"
    }

    public static func check(_ result: CheckResult, options: RenderOptions) -> String {
        let json = JSON.object([
            ("schema_version", .int(SchemaVersion.current)),
            ("model", .object([("path", .string(result.path))])),
            ("passed", .bool(result.passed)),
            ("exit_code", .int(result.passed ? 0 : 1)),
            ("budgets", .array(result.budgets.map { budget in
                .object([("name", .string(budget.name)), ("device", budget.device.map { .string($0) } ?? .null),
                         ("limit", number(budget.limit)), ("value", number(budget.value)), ("verdict", .string(budget.verdict.rawValue)),
                         ("passed", .bool(budget.passed)), ("symbols", .array(budget.symbols.map { .string($0) })),
                         ("reason", budget.passed ? .null : .string(budget.reason))])
            })),
            ("findings", .array(result.findings.map { finding in
                .object([("rule", .string(finding.ruleId)), ("level", .string(finding.level.rawValue)), ("message", .string(finding.message)),
                         ("location", finding.location.map { .string($0) } ?? .null)])
            })),
            ("failures", .array(result.failureReasons.map { .string($0) })),
        ])
        return json.serialized(pretty: options.pretty) + "\n"
    }

    public static func diff(_ result: DiffResult, options: RenderOptions) -> String {
        func side(_ type: ValueType?) -> JSON {
            guard let type else { return .null }
            return .object([("dtype", type.tensor.map { .string($0.dtype.name) } ?? .null), ("shape", .shape(type.tensor?.shape)),
                            ("type", .string(type.description))])
        }
        func triple(_ a: SymbolicInt, _ b: SymbolicInt) -> JSON {
            .object([("a", .count(a)), ("b", .count(b)), ("delta", .count(DiffResult.delta(a, b)))])
        }
        let json = JSON.object([
            ("schema_version", .int(SchemaVersion.current)),
            ("a", .object([("path", .string(result.pathA))])),
            ("b", .object([("path", .string(result.pathB))])),
            ("totals", .object(result.totals.map { ($0.name, triple($0.a, $0.b)) })),
            ("latency", .array(result.latencies.map { latency in
                .object([("device", .string(latency.device)), ("a_s", number(latency.a)), ("b_s", number(latency.b)),
                         ("delta_s", number(latency.delta))])
            })),
            ("ops", .array(result.ops.map { row in
                .object([("op", .string(row.op)), ("count", .object([("a", .int(row.a.count)), ("b", .int(row.b.count)), ("delta", .int(row.b.count - row.a.count))])),
                         ("macs", triple(row.a.macs, row.b.macs)), ("flops", triple(row.a.flops, row.b.flops)), ("params", triple(row.a.params, row.b.params))])
            })),
            ("nodes_only_in_a", .array(result.onlyInA.map { .string($0) })),
            ("nodes_only_in_b", .array(result.onlyInB.map { .string($0) })),
            ("io_changes", .array(result.shapeChanges.map { change in
                .object([("kind", .string(change.kind)), ("name", .string(change.name)), ("a", side(change.a)), ("b", side(change.b))])
            })),
        ])
        return json.serialized(pretty: options.pretty) + "\n"
    }

    static func unresolved(_ dim: UnresolvedDim) -> JSON {
        .object([("tensor", .string(dim.tensor)), ("dim", dim.dimIndex.map { .int($0) } ?? .null),
                 ("lost_at", dim.lostAt.map { .string($0.description) } ?? .null)])
    }
}
