import Foundation

/// The device database: the table compiled into the binary plus any `--devices-file`.
public struct DeviceCatalog: Sendable {
    public var devices: [Device]

    public init(devices: [Device]) { self.devices = devices }

    /// Every key a device row may carry (a user file with another key is an error, not a silent no-op).
    public static let knownKeys: Set<String> = [
        "id", "name", "vendor", "category", "aliases", "peak_tops", "memory_bytes", "memory_bandwidth_bytes_per_s",
        "cache_bytes", "interconnect", "interconnect_bytes_per_s", "host_link", "host_link_bytes_per_s", "tdp_w",
        "clocks", "units", "derivations", "derived", "engines", "sources", "low_confidence", "sparse_note", "notes",
    ]
    static let precisionKeys: Set<String> = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4"]

    /// The shipped table, compiled into the binary (`BuiltinDevices.swift`, generated from
    /// `tools/devices/devices.json`): no resource bundle, so a copied binary still finds it. Decoded in
    /// one pass (the table is validated by tools/devices/check.py and a test, not at every start).
    public static func builtin() throws(DeviceError) -> DeviceCatalog {
        struct Table: Decodable {
            var devices: [Device]
            var source_legend: [String: String]
        }
        let table: Table
        do { table = try JSONDecoder().decode(Table.self, from: Data(builtinDevicesJSON.utf8)) } catch {
            throw .unreadableFile(path: "built-in table", reason: "\(error)")
        }
        return DeviceCatalog(devices: table.devices.map { device in
            var device = device
            device.sources = device.sources.mapValues { cite($0, legend: table.source_legend) }
            return device
        })
    }

    /// The built-in devices `names` asks for (ids or aliases, comma-separated or repeated), as
    /// `builtin().devices(named:)` gives them, decoding only their rows: the full table's decode is
    /// ≈ 30 M instructions, more than analyzing ResNet-50. `all`, or a name that matches no row, takes the
    /// full table (which then gives the same devices, or the error that lists the known names).
    public static func builtinDevices(named names: [String]) throws(DeviceError) -> [Device] {
        let wanted = Set(names.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
            .filter { !$0.isEmpty })
        guard !wanted.contains("all"), let wantedKey = SelectedRows.wantedKey else { return try builtin().devices(named: names) }
        let decoder = JSONDecoder()
        decoder.userInfo[wantedKey] = wanted
        guard let table = try? decoder.decode(SelectedRows.self, from: Data(builtinDevicesJSON.utf8)),
              wanted.isSubset(of: table.matched) else {
            return try builtin().devices(named: names)
        }
        let devices = table.devices.map { device in
            var device = device
            device.sources = device.sources.mapValues { cite($0, legend: table.legend) }
            return device
        }
        return try DeviceCatalog(devices: devices).devices(named: names)
    }

    /// The table's rows whose id or alias is wanted (`userInfo[wantedKey]`, lowercased), decoded in
    /// full; every other row only as far as its id and aliases.
    struct SelectedRows: Decodable {
        static let wantedKey = CodingUserInfoKey(rawValue: "onnxcost.wantedDevices")
        var devices: [Device] = []
        var legend: [String: String]
        /// The wanted names some row has.
        var matched: Set<String> = []

        enum Keys: String, CodingKey { case devices, legend = "source_legend" }
        struct Header: Decodable {
            var id: String
            var aliases: [String]?
        }

        init(from decoder: any Decoder) throws {
            let wanted = Self.wantedKey.flatMap { decoder.userInfo[$0] as? Set<String> } ?? []
            let container = try decoder.container(keyedBy: Keys.self)
            legend = try container.decode([String: String].self, forKey: .legend)
            var rows = try container.nestedUnkeyedContainer(forKey: .devices)
            while !rows.isAtEnd {
                let row = try rows.superDecoder()
                let header = try Header(from: row)
                let hits = Set(([header.id] + (header.aliases ?? [])).map { $0.lowercased() }).intersection(wanted)
                guard !hits.isEmpty else { continue }
                matched.formUnion(hits)
                devices.append(try Device(from: row))
            }
        }
    }

    /// Source keys expanded to their full citations (`KEY: address and what it says`).
    static func cite(_ keys: [String], legend: [String: String]) -> [String] {
        keys.map { key in legend[key].map { "\(key): \($0)" } ?? key }
    }

    /// The built-in rows as JSON objects, with source keys expanded to their full citations.
    static func builtinRows() throws(DeviceError) -> [[String: Any]] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(builtinDevicesJSON.utf8)) as? [String: Any],
              let rows = object["devices"] as? [[String: Any]] else {
            throw .unreadableFile(path: "built-in table", reason: "not a devices object")
        }
        let legend = object["source_legend"] as? [String: String] ?? [:]
        return rows.map { row in
            var row = row
            if let sources = row["sources"] as? [String: [String]] {
                row["sources"] = sources.mapValues { cite($0, legend: legend) }
            }
            return row
        }
    }

    /// The shipped table with a user's file merged in: a row whose id or alias names a built-in device
    /// overrides the fields it gives; any other row adds a device.
    public static func builtin(mergingFile path: String?) throws(DeviceError) -> DeviceCatalog {
        guard let path else { return try builtin() }
        var rows = try builtinRows()
        let userRows = try readRows(path: path)
        var seen: [String: String] = [:]  // name → id, within the file
        for row in userRows {
            guard let id = row["id"] as? String, !id.isEmpty else {
                throw .invalidEntry(path: path, device: "?", field: "id", reason: "missing (every row needs an id)")
            }
            for key in row.keys where !knownKeys.contains(key) {
                throw .invalidEntry(path: path, device: id, field: key, reason: "unknown key; known keys: \(knownKeys.sorted().joined(separator: ", "))")
            }
            let names = [id] + (row["aliases"] as? [String] ?? [])
            for name in names {
                if let other = seen[name.lowercased()], other != id {
                    throw .invalidEntry(path: path, device: id, field: "aliases", reason: "'\(name)' is also used by '\(other)' in this file")
                }
                seen[name.lowercased()] = id
            }
            let matches = Set(names.compactMap { name in rows.firstIndex { Self.names(of: $0).contains(name.lowercased()) } })
            if matches.count > 1 {
                let clashing = matches.sorted().compactMap { rows[$0]["id"] as? String }
                throw .invalidEntry(path: path, device: id, field: "aliases", reason: "names several built-in devices (\(clashing.joined(separator: ", ")))")
            }
            if let index = matches.first {
                var merged = rows[index]
                for (key, value) in row where key != "id" || (rows[index]["id"] as? String)?.lowercased() == id.lowercased() {
                    merged[key] = value
                }
                rows[index] = merged
            } else {
                rows.append(row)
            }
        }
        var devices: [Device] = []
        for row in rows { devices.append(try decode(row, path: path)) }
        return DeviceCatalog(devices: devices)
    }

    static func names(of row: [String: Any]) -> Set<String> {
        Set(([row["id"] as? String ?? ""] + (row["aliases"] as? [String] ?? [])).map { $0.lowercased() })
    }

    static func readRows(path: String) throws(DeviceError) -> [[String: Any]] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path: path, reason: "cannot be read") }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw .unreadableFile(path: path, reason: "not valid JSON")
        }
        guard let top = object as? [String: Any], let rows = top["devices"] as? [Any] else {
            throw .unreadableFile(path: path, reason: "expected an object {\"devices\": [...]}")
        }
        return try rows.enumerated().map { index, row throws(DeviceError) in
            guard let row = row as? [String: Any] else {
                throw .invalidEntry(path: path, device: "#\(index)", field: "devices[\(index)]", reason: "not an object")
            }
            return row
        }
    }

    /// Decodes and checks one row: positive peaks, a bandwidth, numbers where numbers belong.
    static func decode(_ row: [String: Any], path: String) throws(DeviceError) -> Device {
        let id = row["id"] as? String ?? "?"
        for key in ["memory_bytes", "memory_bandwidth_bytes_per_s", "cache_bytes", "interconnect_bytes_per_s", "host_link_bytes_per_s", "tdp_w"] {
            if let value = row[key], !(value is NSNull) {
                guard let number = value as? NSNumber, !(value is Bool), number.doubleValue.isFinite, number.doubleValue > 0 else {
                    throw .invalidEntry(path: path, device: id, field: key, reason: "must be a positive number")
                }
            }
        }
        if let peaks = row["peak_tops"] {
            guard let peaks = peaks as? [String: Any] else {
                throw .invalidEntry(path: path, device: id, field: "peak_tops", reason: "must be an object {precision: TOPS}")
            }
            for (key, value) in peaks {
                guard precisionKeys.contains(key) else {
                    throw .invalidEntry(path: path, device: id, field: "peak_tops.\(key)", reason: "unknown precision; known: \(precisionKeys.sorted().joined(separator: ", "))")
                }
                if value is NSNull { continue }
                guard let number = value as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
                    throw .invalidEntry(path: path, device: id, field: "peak_tops.\(key)", reason: "must be a positive number of tera-ops per second")
                }
            }
        }
        let device: Device
        do {
            let data = try JSONSerialization.data(withJSONObject: row)
            device = try JSONDecoder().decode(Device.self, from: data)
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidEntry(path: path, device: id, field: context.codingPath.map(\.stringValue).joined(separator: "."), reason: "wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidEntry(path: path, device: id, field: (context.codingPath + [key]).map(\.stringValue).joined(separator: "."), reason: "missing")
        } catch {
            throw .invalidEntry(path: path, device: id, field: "?", reason: "\(error)")
        }
        if device.peakTOPS.isEmpty {
            throw .invalidEntry(path: path, device: id, field: "peak_tops", reason: "no peak: give peak_tops or derivations (units, clock_mhz, ops_per_clock)")
        }
        if device.memoryBandwidthBytesPerSecond == nil {
            throw .invalidEntry(path: path, device: id, field: "memory_bandwidth_bytes_per_s", reason: "missing (the roofline needs a bandwidth)")
        }
        return device
    }

    /// Finds a device by id or alias, case-insensitively.
    public func device(named name: String) throws(DeviceError) -> Device {
        let key = name.lowercased()
        if let device = devices.first(where: { $0.id.lowercased() == key || $0.aliases.contains { $0.lowercased() == key } }) {
            return device
        }
        throw .unknownDevice(name, known: devices.map(\.shortName))
    }

    /// Several devices: a comma-separated list, the flag repeated, or `all`.
    public func devices(named names: [String]) throws(DeviceError) -> [Device] {
        var result: [Device] = []
        for name in names.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) where !name.isEmpty {
            if name.lowercased() == "all" {
                for device in devices where !result.contains(where: { $0.id == device.id }) { result.append(device) }
                continue
            }
            let device = try device(named: name)
            if !result.contains(where: { $0.id == device.id }) { result.append(device) }
        }
        return result
    }
}
