import CostKernels
import Foundation

/// An accelerator's datasheet figures (dense peaks; units in the names).
public struct Device: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var vendor: String
    public var category: String
    public var aliases: [String]
    public var fp64TFLOPS: Double?
    public var fp32TFLOPS: Double?
    public var tf32TFLOPS: Double?
    public var fp16TFLOPS: Double?
    public var bf16TFLOPS: Double?
    public var fp8TFLOPS: Double?
    public var int8TOPS: Double?
    public var int4TOPS: Double?
    public var memoryGB: Double?
    public var memoryBandwidthGBps: Double?
    public var interconnectGBps: Double?
    public var tdpWatts: Double?
    public var lowConfidenceFields: [String]
    public var sources: [String]
    public var notes: String

    enum CodingKeys: String, CodingKey {
        case id, name, vendor, category, aliases, sources, notes
        case fp64TFLOPS = "fp64_tflops", fp32TFLOPS = "fp32_tflops", tf32TFLOPS = "tf32_tflops"
        case fp16TFLOPS = "fp16_tflops", bf16TFLOPS = "bf16_tflops", fp8TFLOPS = "fp8_tflops"
        case int8TOPS = "int8_tops", int4TOPS = "int4_tops", memoryGB = "memory_gb"
        case memoryBandwidthGBps = "memory_bandwidth_gbps", interconnectGBps = "interconnect_gbps", tdpWatts = "tdp_w"
        case lowConfidenceFields = "low_confidence_fields"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        vendor = try c.decodeIfPresent(String.self, forKey: .vendor) ?? ""
        category = try c.decodeIfPresent(String.self, forKey: .category) ?? ""
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        fp64TFLOPS = try c.decodeIfPresent(Double.self, forKey: .fp64TFLOPS)
        fp32TFLOPS = try c.decodeIfPresent(Double.self, forKey: .fp32TFLOPS)
        tf32TFLOPS = try c.decodeIfPresent(Double.self, forKey: .tf32TFLOPS)
        fp16TFLOPS = try c.decodeIfPresent(Double.self, forKey: .fp16TFLOPS)
        bf16TFLOPS = try c.decodeIfPresent(Double.self, forKey: .bf16TFLOPS)
        fp8TFLOPS = try c.decodeIfPresent(Double.self, forKey: .fp8TFLOPS)
        int8TOPS = try c.decodeIfPresent(Double.self, forKey: .int8TOPS)
        int4TOPS = try c.decodeIfPresent(Double.self, forKey: .int4TOPS)
        memoryGB = try c.decodeIfPresent(Double.self, forKey: .memoryGB)
        memoryBandwidthGBps = try c.decodeIfPresent(Double.self, forKey: .memoryBandwidthGBps)
        interconnectGBps = try c.decodeIfPresent(Double.self, forKey: .interconnectGBps)
        tdpWatts = try c.decodeIfPresent(Double.self, forKey: .tdpWatts)
        lowConfidenceFields = try c.decodeIfPresent([String].self, forKey: .lowConfidenceFields) ?? []
        sources = try c.decodeIfPresent([String].self, forKey: .sources) ?? []
        notes = try c.decodeIfPresent(String.self, forKey: .notes) ?? ""
    }

    /// Dense peak operations per second at `precision`, `nil` when the device has no such path.
    public func peakOpsPerSecond(_ precision: Precision) -> Double? {
        let tera: Double? = switch precision {
        case .fp32: fp32TFLOPS
        case .tf32: tf32TFLOPS
        case .fp16: fp16TFLOPS
        case .bf16: bf16TFLOPS
        case .fp8: fp8TFLOPS
        case .int8: int8TOPS
        case .int4: int4TOPS
        }
        return tera.map { $0 * 1e12 }
    }

    /// The precision actually used when the device lacks `precision`: the next wider one it has
    /// (int4 → int8 → fp16 → fp32; int8 → fp16 → fp32; fp8 → fp16 → fp32; bf16 → fp32; tf32 → fp32).
    public func effectivePrecision(_ precision: Precision) -> Precision? {
        let chain: [Precision] = switch precision {
        case .int4: [.int4, .int8, .fp16, .fp32]
        case .int8: [.int8, .fp16, .fp32]
        case .fp8: [.fp8, .fp16, .fp32]
        case .fp16: [.fp16, .fp32]
        case .bf16: [.bf16, .fp32]
        case .tf32: [.tf32, .fp32]
        case .fp32: [.fp32]
        }
        return chain.first { peakOpsPerSecond($0) != nil }
    }

    public var bandwidthBytesPerSecond: Double? { memoryBandwidthGBps.map { $0 * 1e9 } }
    public var memoryBytes: Double? { memoryGB.map { $0 * 1e9 } }
}

/// Why a device could not be used.
public enum DeviceError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownDevice(String, known: [String])
    case unreadableFile(path: String, reason: String)
    case missingFigure(device: String, figure: String)

    public var description: String {
        switch self {
        case .unknownDevice(let name, let known): "unknown device '\(name)'; known: \(known.joined(separator: ", "))"
        case .unreadableFile(let path, let reason): "\(path): cannot read devices: \(reason)"
        case .missingFigure(let device, let figure): "device '\(device)' has no \(figure) figure"
        }
    }
}

/// The device database: the shipped table plus any `--devices-file`.
public struct DeviceCatalog: Sendable {
    public var devices: [Device]

    struct File: Decodable { var devices: [Device] }

    /// The shipped table (`Resources/devices.json`).
    public static func builtin() throws(DeviceError) -> DeviceCatalog {
        guard let url = Bundle.module.url(forResource: "devices", withExtension: "json") else {
            throw .unreadableFile(path: "devices.json", reason: "resource missing from the bundle")
        }
        return try load(url: url)
    }

    public static func load(url: URL) throws(DeviceError) -> DeviceCatalog {
        do {
            let data = try Data(contentsOf: url)
            return DeviceCatalog(devices: try JSONDecoder().decode(File.self, from: data).devices)
        } catch {
            throw .unreadableFile(path: url.path, reason: "\(error)")
        }
    }

    /// Adds (or replaces by id) the devices of a user file.
    public mutating func merge(_ other: DeviceCatalog) {
        for device in other.devices {
            devices.removeAll { $0.id == device.id }
            devices.append(device)
        }
    }

    /// Finds a device by id or alias, case-insensitively.
    public func device(named name: String) throws(DeviceError) -> Device {
        let key = name.lowercased()
        if let device = devices.first(where: { $0.id.lowercased() == key || $0.aliases.contains { $0.lowercased() == key } }) {
            return device
        }
        throw .unknownDevice(name, known: devices.flatMap { $0.aliases.first.map { [$0] } ?? [$0.id] })
    }
}
