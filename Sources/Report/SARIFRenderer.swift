import Foundation

/// SARIF 2.1.0 for `check` (code-scanning dashboards): one result per finding and per failed budget,
/// located at the model file.
public enum SARIFRenderer: ReportRenderer {
    public static var format: OutputFormat { .sarif }

    public static let schema = "https://json.schemastore.org/sarif-2.1.0.json"

    public static func check(_ result: CheckResult, options: RenderOptions) -> String {
        let uri = artifactURI(result.path)
        func item(_ ruleId: String, _ level: String, _ message: String, _ logical: String?) -> JSON {
            var location: [(String, JSON)] = [("physicalLocation", .object([("artifactLocation", .object([("uri", .string(uri))]))]))]
            if let logical { location.append(("logicalLocations", .array([.object([("name", .string(logical))])]))) }
            return .object([("ruleId", .string(ruleId)), ("level", .string(level)), ("message", .object([("text", .string(message))])),
                            ("locations", .array([.object(location)]))])
        }
        var results = result.findings.map { item($0.ruleId, $0.level.rawValue, $0.message, $0.location) }
        for budget in result.budgets where !budget.passed { results.append(item("budget", "error", budget.reason, nil)) }
        let rules = CheckResult.rules.map { rule in
            JSON.object([("id", .string(rule.id)), ("shortDescription", .object([("text", .string(rule.summary))]))])
        }
        let json = JSON.object([
            ("$schema", .string(schema)),
            ("version", .string("2.1.0")),
            ("runs", .array([.object([
                ("tool", .object([("driver", .object([
                    ("name", .string("onnxcost")), ("version", .string(OnnxCostVersion.string)), ("rules", .array(rules)),
                ]))])),
                ("results", .array(results)),
            ])])),
        ])
        return json.serialized(pretty: options.pretty) + "\n"
    }

    /// A URI for the model: `file:///abs/path` for an absolute path, the relative path percent-encoded otherwise.
    static func artifactURI(_ path: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).absoluteString }
        return path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    }
}
