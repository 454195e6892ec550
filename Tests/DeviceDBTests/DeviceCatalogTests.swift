@testable import DeviceDB
import Foundation
import Testing

/// The shipped table and `--devices-file`: sources, derived peaks (seed 004), overrides and errors.
@Suite struct DeviceCatalogTests {
    /// Seed 004: FLOPS = units × clock × ops per clock. A100: 6,912 CUDA cores × 1.41 GHz × 2 = 19.49 TFLOPS
    /// fp32; 108 SMs × 1,024 FMA × 2 × 1.41 GHz = 311.9 TFLOPS fp16 tensor (1,410 MHz is the boost clock).
    @Test func a100PeaksFromUnitCounts() throws {
        #expect(abs(PeakDerivation(units: 6912, clockMHz: 1410, opsPerClock: 2).teraOpsPerSecond - 19.49) < 0.01)
        #expect(abs(PeakDerivation(units: 108, clockMHz: 1410, opsPerClock: 2048).teraOpsPerSecond - 311.9) < 0.1)
        let a100 = try DeviceCatalog.builtin().device(named: "a100")
        #expect(a100.clocks["boost_mhz"] == 1410)
        #expect(a100.units["cuda_cores"] == 6912 && a100.units["sm"] == 108)
        let fp32 = try #require(a100.derivations["fp32"])
        let fp16 = try #require(a100.derivations["fp16"])
        #expect(abs(fp32.teraOpsPerSecond / 19.5 - 1) < 0.01)
        #expect(abs(fp16.teraOpsPerSecond / 312 - 1) < 0.01)
    }

    /// Every derivation in the table reproduces its stated peak within 2%.
    @Test func everyDerivationMatchesItsPeak() throws {
        var checked = 0
        for device in try DeviceCatalog.builtin().devices {
            for (key, derivation) in device.derivations {
                let stated = try #require(device.peakTOPS[key], "\(device.id) \(key)")
                #expect(abs(derivation.teraOpsPerSecond / stated - 1) <= 0.02, "\(device.id) \(key): \(derivation.teraOpsPerSecond) vs \(stated)")
                checked += 1
            }
        }
        #expect(checked >= 30)
    }

    /// At least 35 devices; every figure cites a source in full (never a bare key or a cut `KEY:https`).
    @Test func everyFigureHasAFullSource() throws {
        let devices = try DeviceCatalog.builtin().devices
        #expect(devices.count >= 35)
        for device in devices {
            let figures = [("peak_tops", !device.peakTOPS.isEmpty), ("memory_bandwidth_bytes_per_s", device.memoryBandwidthBytesPerSecond != nil),
                           ("memory_bytes", device.memoryBytes != nil), ("cache_bytes", device.cacheBytes != nil)]
            for (figure, present) in figures where present {
                let cited = device.sources.filter { $0.key == figure || $0.key.hasPrefix(figure + ".") }.flatMap(\.value)
                #expect(!cited.isEmpty, "\(device.id): \(figure) has no source")
                for citation in cited {
                    #expect(citation.count > 20 && citation.contains(": ") && !citation.hasSuffix(":https"), "\(device.id): '\(citation)'")
                }
            }
        }
        let ids = devices.map(\.id)
        let names = devices.flatMap { [$0.id] + $0.aliases }.map { $0.lowercased() }
        #expect(Set(ids).count == ids.count)
        #expect(Set(names).count == names.count, "an alias names two devices")
    }

    /// Orin's int8 peak is the sum of the engines an MLPerf Orin run used: GPU 85 + 2 DLAs 52.5 = 137.5 TOPS dense.
    @Test func multiEngineDeviceSumsItsEngines() throws {
        let orin = try DeviceCatalog.builtin().device(named: "orin")
        #expect(orin.engines.count == 2)
        let sum = orin.engines.compactMap { $0.peakTOPS["int8"] }.reduce(0, +)
        #expect(orin.peakTOPS["int8"] == sum)
        #expect(sum == 137.5)
    }

    func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("devices-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func error(_ json: String) throws -> DeviceError? {
        let path = try file(json)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try DeviceCatalog.builtin(mergingFile: path)
            return nil
        } catch {
            return error
        }
    }

    /// Each kind of mistake names the file, the device and the field.
    @Test func devicesFileErrors() throws {
        let unknownKey = try #require(try error(#"{"devices": [{"id": "x", "peak_tops": {"fp16": 10}, "memory_bandwidth_bytes_per_s": 1e11, "bandwith": 3}]}"#))
        #expect(unknownKey.description.contains("'x'") && unknownKey.description.contains("bandwith") && unknownKey.description.contains("unknown key"))
        let negative = try #require(try error(#"{"devices": [{"id": "x", "peak_tops": {"fp16": -10}, "memory_bandwidth_bytes_per_s": 1e11}]}"#))
        #expect(negative.description.contains("peak_tops.fp16") && negative.description.contains("positive"))
        let noPeak = try #require(try error(#"{"devices": [{"id": "x", "memory_bandwidth_bytes_per_s": 1e11}]}"#))
        #expect(noPeak.description.contains("peak_tops") && noPeak.description.contains("no peak"))
        let noBandwidth = try #require(try error(#"{"devices": [{"id": "x", "peak_tops": {"fp16": 10}}]}"#))
        #expect(noBandwidth.description.contains("memory_bandwidth_bytes_per_s"))
        let clash = try #require(try error(#"{"devices": [{"id": "x", "aliases": ["t4", "a100"], "peak_tops": {"fp16": 10}, "memory_bandwidth_bytes_per_s": 1e11}]}"#))
        #expect(clash.description.contains("several built-in devices"))
        let twice = try #require(try error(#"{"devices": [{"id": "x", "aliases": ["mine"], "peak_tops": {"fp16": 1}, "memory_bandwidth_bytes_per_s": 1}, {"id": "y", "aliases": ["mine"], "peak_tops": {"fp16": 1}, "memory_bandwidth_bytes_per_s": 1}]}"#))
        #expect(twice.description.contains("'mine'"))
        let badPrecision = try #require(try error(#"{"devices": [{"id": "x", "peak_tops": {"fp17": 10}, "memory_bandwidth_bytes_per_s": 1e11}]}"#))
        #expect(badPrecision.description.contains("peak_tops.fp17"))
        let notJSON = try #require(try error("devices: nope"))
        #expect(notJSON.description.contains("not valid JSON"))
        do {
            _ = try DeviceCatalog.builtin(mergingFile: "/no/such/devices.json")
            Issue.record("a missing file must fail")
        } catch {
            #expect(error.description == "/no/such/devices.json: cannot read devices: no such file")
        }
    }

    /// A row naming a built-in by alias overrides only the fields it gives; the table keeps one `t4`.
    @Test func overrideByAlias() throws {
        let path = try file(#"{"devices": [{"id": "my-t4", "aliases": ["t4"], "memory_bandwidth_bytes_per_s": 2e11}]}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let catalog = try DeviceCatalog.builtin(mergingFile: path)
        let t4 = try catalog.device(named: "t4")
        #expect(t4.id == "nvidia_t4")
        #expect(t4.memoryBandwidthBytesPerSecond == 2e11)
        #expect(t4.peakTOPS["int8"] == 130)
        #expect(catalog.devices.filter { $0.aliases.contains("t4") || $0.id == "my-t4" }.count == 1)
    }

    /// A device may give units × clock × ops per clock instead of a peak; the peak is derived and says so.
    @Test func peakFromDerivation() throws {
        let path = try file(#"{"devices": [{"id": "npu", "derivations": {"int8": {"units": 16, "clock_mhz": 1000, "ops_per_clock": 4096}}, "memory_bandwidth_bytes_per_s": 5e10}]}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let npu = try DeviceCatalog.builtin(mergingFile: path).device(named: "npu")
        #expect(abs((npu.peakTOPS["int8"] ?? 0) - 65.536) < 1e-9)
        #expect(npu.derived.contains("peak_tops.int8"))
    }

    /// `--device t4,a100 --device all` style lists: order kept, duplicates dropped, `all` is the table.
    @Test func deviceLists() throws {
        let catalog = try DeviceCatalog.builtin()
        #expect(try catalog.devices(named: ["t4,a100", "h100", "T4"]).map(\.shortName) == ["t4", "a100", "h100"])
        #expect(try catalog.devices(named: ["all"]).count == catalog.devices.count)
        #expect(throws: DeviceError.self) { try catalog.devices(named: ["t4,nope"]) }
    }

    /// The compiled-in table is exactly tools/devices/devices.json (regenerate with tools/gen-devices.py).
    @Test func builtinTableMatchesItsSource() throws {
        let source = Pricing.root.appendingPathComponent("tools/devices/devices.json")
        let text = try String(contentsOf: source, encoding: .utf8)
        let a = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(builtinDevicesJSON.utf8)) as? NSDictionary
        #expect(a != nil && a == b, "run tools/gen-devices.py")
    }
}
