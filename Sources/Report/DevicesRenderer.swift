import DeviceDB

/// `onnxcost devices` in every format: the table a user reads, and the rows a `--devices-file` takes.
public enum DevicesRenderer {
    static let precisions = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4"]

    /// `{"schema_version", "devices": [...]}`: each row in the `--devices-file` schema (docs/devices.md).
    public static func json(_ devices: [Device]) -> JSON {
        .object([("schema_version", .int(SchemaVersion.current)), ("devices", .array(devices.map(JSONRenderer.device)))])
    }

    static func cells(_ devices: [Device]) -> [[String]] {
        func figure(_ value: Double?, scale: Double = 1) -> String { value.map { Units.format($0 / scale) } ?? "–" }
        var table = [["alias", "device"] + precisions.dropFirst().map { $0 } + ["GB", "GB/s", "cache MB", "low confidence"]]
        for d in devices {
            table.append([d.shortName, d.name] + precisions.dropFirst().map { figure(d.peakTOPS[$0]) }
                         + [figure(d.memoryBytes, scale: 1e9), figure(d.memoryBandwidthBytesPerSecond, scale: 1e9),
                            figure(d.cacheBytes, scale: 1e6), d.lowConfidence.isEmpty ? "" : "\(d.lowConfidence.count)"])
        }
        return table
    }

    public static func text(_ devices: [Device]) -> String {
        TextRenderer.format(cells(devices), textColumns: 2).map { String($0.dropFirst(2)) }.joined(separator: "\n")
            + "\n\nDense peaks in TFLOPS / TOPS (no 2:4 sparsity), memory in GB, bandwidth in GB/s; `onnxcost devices --format json`"
            + "\ngives every figure's sources, clocks, unit counts and derivations, and which figures are low-confidence.\n"
    }

    public static func markdown(_ devices: [Device]) -> String {
        let table = cells(devices)
        var lines = ["| " + table[0].joined(separator: " | ") + " |", "|" + table[0].indices.map { $0 < 2 ? "---|" : "---:|" }.joined()]
        for row in table.dropFirst() { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per device, SI units, one column per precision.
    public static func csv(_ devices: [Device]) -> String {
        var lines = [(["id", "name", "aliases"] + precisions.map { "\($0)_tops" }
                      + ["memory_bytes", "memory_bandwidth_bytes_per_s", "cache_bytes", "interconnect_bytes_per_s", "host_link_bytes_per_s",
                         "tdp_w", "low_confidence"]).joined(separator: ",")]
        func number(_ value: Double?) -> String {
            guard let value else { return "" }
            return value == value.rounded() && abs(value) < 1e18 ? String(Int(value)) : "\(value)"
        }
        for d in devices {
            let fields = [d.id, d.name, d.aliases.joined(separator: " ")] + precisions.map { number(d.peakTOPS[$0]) }
                + [number(d.memoryBytes), number(d.memoryBandwidthBytesPerSecond), number(d.cacheBytes), number(d.interconnectBytesPerSecond),
                   number(d.hostLinkBytesPerSecond), number(d.tdpWatts), d.lowConfidence.joined(separator: " ")]
            lines.append(fields.map(CSVRenderer.quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
