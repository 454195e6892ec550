import CostKernels
import Foundation

/// How a peak is checked against the hardware: units × clock × ops per clock per unit (seed 004).
public struct PeakDerivation: Codable, Sendable, Equatable {
    public var units: Double
    /// What a unit is: `cuda_cores`, `sm`, `cu`, `tensor_cores` ...
    public var unit: String?
    public var clockMHz: Double
    public var opsPerClock: Double

    enum CodingKeys: String, CodingKey { case units, unit, clockMHz = "clock_mhz", opsPerClock = "ops_per_clock" }

    public init(units: Double, unit: String? = nil, clockMHz: Double, opsPerClock: Double) {
        self.units = units
        self.unit = unit
        self.clockMHz = clockMHz
        self.opsPerClock = opsPerClock
    }

    /// The peak this arithmetic gives, in tera-ops per second.
    public var teraOpsPerSecond: Double { units * clockMHz * 1e6 * opsPerClock / 1e12 }
}

/// One engine of a device with several (Jetson Orin: GPU and DLAs).
public struct DeviceEngine: Codable, Sendable, Equatable {
    public var name: String
    public var peakTOPS: [String: Double]

    enum CodingKeys: String, CodingKey { case name, peakTOPS = "peak_tops" }
}

/// An accelerator's datasheet figures, with their sources. Peaks are dense (no 2:4 sparsity), in
/// tera-ops per second; bytes and bytes per second are SI. The JSON schema is docs/devices.md's.
public struct Device: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var vendor: String?
    public var category: String?
    public var aliases: [String]
    /// Precision key (`fp64`, `fp32`, `tf32`, `fp16`, `bf16`, `fp8`, `int8`, `int4`) → dense TOPS.
    public var peakTOPS: [String: Double]
    public var memoryBytes: Double?
    public var memoryBandwidthBytesPerSecond: Double?
    /// Last-level cache (GPU L2) or on-chip SRAM: data that stays there need not come from DRAM.
    public var cacheBytes: Double?
    public var interconnect: String?
    /// Device-to-device bandwidth as the vendor quotes it (NVLink: both directions together).
    public var interconnectBytesPerSecond: Double?
    public var hostLink: String?
    public var hostLinkBytesPerSecond: Double?
    public var tdpWatts: Double?
    public var clocks: [String: Double]
    public var units: [String: Double]
    public var derivations: [String: PeakDerivation]
    /// Figures we derived rather than read from a source (peak keys or field names).
    public var derived: [String]
    public var engines: [DeviceEngine]
    /// Figure → citations (full text: address and what it says).
    public var sources: [String: [String]]
    public var lowConfidence: [String]
    public var sparseNote: String?
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case id, name, vendor, category, aliases, interconnect, clocks, units, derivations, derived, engines, sources, notes
        case peakTOPS = "peak_tops", memoryBytes = "memory_bytes", memoryBandwidthBytesPerSecond = "memory_bandwidth_bytes_per_s"
        case cacheBytes = "cache_bytes", interconnectBytesPerSecond = "interconnect_bytes_per_s", hostLink = "host_link"
        case hostLinkBytesPerSecond = "host_link_bytes_per_s", tdpWatts = "tdp_w", lowConfidence = "low_confidence"
        case sparseNote = "sparse_note"
    }

    public init(id: String, name: String? = nil, aliases: [String] = [], peakTOPS: [String: Double] = [:], memoryBytes: Double? = nil,
                memoryBandwidthBytesPerSecond: Double? = nil, cacheBytes: Double? = nil, interconnectBytesPerSecond: Double? = nil) {
        self.id = id
        self.name = name ?? id
        self.aliases = aliases
        self.peakTOPS = peakTOPS
        self.memoryBytes = memoryBytes
        self.memoryBandwidthBytesPerSecond = memoryBandwidthBytesPerSecond
        self.cacheBytes = cacheBytes
        self.interconnectBytesPerSecond = interconnectBytesPerSecond
        clocks = [:]
        units = [:]
        derivations = [:]
        derived = []
        engines = []
        sources = [:]
        lowConfidence = []
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        vendor = try c.decodeIfPresent(String.self, forKey: .vendor)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        peakTOPS = (try c.decodeIfPresent([String: Double?].self, forKey: .peakTOPS) ?? [:]).compactMapValues { $0 }
        memoryBytes = try c.decodeIfPresent(Double.self, forKey: .memoryBytes)
        memoryBandwidthBytesPerSecond = try c.decodeIfPresent(Double.self, forKey: .memoryBandwidthBytesPerSecond)
        cacheBytes = try c.decodeIfPresent(Double.self, forKey: .cacheBytes)
        interconnect = try c.decodeIfPresent(String.self, forKey: .interconnect)
        interconnectBytesPerSecond = try c.decodeIfPresent(Double.self, forKey: .interconnectBytesPerSecond)
        hostLink = try c.decodeIfPresent(String.self, forKey: .hostLink)
        hostLinkBytesPerSecond = try c.decodeIfPresent(Double.self, forKey: .hostLinkBytesPerSecond)
        tdpWatts = try c.decodeIfPresent(Double.self, forKey: .tdpWatts)
        clocks = (try c.decodeIfPresent([String: Double?].self, forKey: .clocks) ?? [:]).compactMapValues { $0 }
        units = (try c.decodeIfPresent([String: Double?].self, forKey: .units) ?? [:]).compactMapValues { $0 }
        derivations = try c.decodeIfPresent([String: PeakDerivation].self, forKey: .derivations) ?? [:]
        derived = try c.decodeIfPresent([String].self, forKey: .derived) ?? []
        engines = try c.decodeIfPresent([DeviceEngine].self, forKey: .engines) ?? []
        sources = try c.decodeIfPresent([String: [String]].self, forKey: .sources) ?? [:]
        lowConfidence = try c.decodeIfPresent([String].self, forKey: .lowConfidence) ?? []
        sparseNote = try c.decodeIfPresent(String.self, forKey: .sparseNote)
        notes = try c.decodeIfPresent(String.self, forKey: .notes)
        // A peak given only as units × clock × ops per clock is derived, and says so.
        for (key, derivation) in derivations where peakTOPS[key] == nil {
            peakTOPS[key] = derivation.teraOpsPerSecond
            if !derived.contains("peak_tops.\(key)") { derived.append("peak_tops.\(key)") }
        }
    }

    /// The short name users type (`t4`), else the id.
    public var shortName: String { aliases.first ?? id }

    /// Dense peak operations per second at `precision`, `nil` when the device has no such path.
    public func peakOpsPerSecond(_ precision: Precision) -> Double? {
        peakTOPS[precision.rawValue].map { $0 * 1e12 }
    }

    /// The fastest peak a runtime uses for `precision` by default: TF32 tensor cores for fp32 math
    /// on Ampere and newer (TensorRT and onnxruntime's CUDA provider enable it by default).
    public func defaultPeakOpsPerSecond(_ precision: Precision) -> Double? {
        let own = peakOpsPerSecond(precision)
        if precision == .fp32, let tf32 = peakOpsPerSecond(.tf32) { return max(tf32, own ?? 0) }
        return own
    }

    /// The precision actually used when the device lacks `precision`: the next one it has, same width
    /// first, then wider (int4 → int8 → fp8 → fp16 → bf16 → fp32 → tf32; fp8 → fp16 → bf16 → fp32;
    /// fp16 ↔ bf16 → fp32); fp32 on a device without an fp32 path (TPUs, NPUs) uses the reduced
    /// precision its compiler converts to (tf32 → bf16 → fp16). Every fallback is stated in the output.
    public func effectivePrecision(_ precision: Precision) -> Precision? {
        let chain: [Precision] = switch precision {
        case .int4: [.int4, .int8, .fp8, .fp16, .bf16, .fp32, .tf32]
        case .int8: [.int8, .fp8, .fp16, .bf16, .fp32, .tf32]
        case .fp8: [.fp8, .fp16, .bf16, .fp32, .tf32]
        case .fp16: [.fp16, .bf16, .fp32, .tf32]
        case .bf16: [.bf16, .fp16, .fp32, .tf32]
        case .tf32: [.tf32, .fp32, .bf16, .fp16]
        case .fp32: [.fp32, .tf32, .bf16, .fp16]
        }
        return chain.first { peakOpsPerSecond($0) != nil }
    }

    public var bandwidthBytesPerSecond: Double? { memoryBandwidthBytesPerSecond }
}

/// Why a device could not be used.
public enum DeviceError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownDevice(String, known: [String])
    case unreadableFile(path: String, reason: String)
    case missingFigure(device: String, figure: String)
    /// A `--devices-file` row that is wrong: the file, the device and the field.
    case invalidEntry(path: String, device: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .unknownDevice(let name, let known): "unknown device '\(name)'; known: \(known.joined(separator: ", "))"
        case .unreadableFile(let path, let reason): "\(path): cannot read devices: \(reason)"
        case .missingFigure(let device, let figure): "device '\(device)' has no \(figure) figure"
        case .invalidEntry(let path, let device, let field, let reason): "\(path): device '\(device)': \(field): \(reason)"
        }
    }
}
