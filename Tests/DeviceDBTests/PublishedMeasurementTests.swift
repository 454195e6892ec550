import CostKernels
import DeviceDB
import Foundation
import Testing

/// The bound is a true lower bound: no published MLPerf Inference result (closed, Offline, VALID;
/// tools/validation/mlperf_published.json, each value copied from its round's mlperf_log_summary.txt)
/// may run faster than it. docs/validation.md has the table with the estimate beside it.
@Suite struct PublishedMeasurementTests {
    /// MLPerf accelerator model → device in the table (the same map as tools/validation/latency.py).
    static let devices: [String: String] = [
        "NVIDIA T4": "t4", "NVIDIA A10": "a10", "NVIDIA A30": "a30", "NVIDIA A2": "a2",
        "NVIDIA A100-SXM-80GB": "a100", "NVIDIA H100-SXM-80GB": "h100", "NVIDIA H100-PCIe-80GB": "h100-pcie",
        "NVIDIA H200-SXM-141GB": "h200", "NVIDIA GH200 Grace Hopper Superchip 96GB": "gh200", "NVIDIA L4": "l4",
        "NVIDIA L40": "l40", "NVIDIA L40S": "l40s", "NVIDIA Jetson AGX Orin 64G": "orin", "NVIDIA Orin NX": "orin-nx",
        "NVIDIA GeForce RTX 4090": "rtx4090", "QUALCOMM Cloud AI 100 PCIe/HHHL Pro": "ai100-pro",
    ]

    struct Row {
        var benchmark: String
        var accelerator: String
        var perAccelerator: Double
        var batch: Int
    }

    static func rows() throws -> [Row] {
        let url = Pricing.root.appendingPathComponent("tools/validation/mlperf_published.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let rows = try #require(object?["rows"] as? [[String: Any]])
        return rows.compactMap { row in
            guard row["representative"] as? Bool == true, row["validity"] as? String == "VALID",
                  let benchmark = row["benchmark"] as? String, let accelerator = row["accelerator_model"] as? String,
                  let value = row["per_accelerator_value"] as? Double else { return nil }
            // The submitter's gpu_batch_size: a number, or "{'resnet50': 2048}" in newer configs; 256 when unpublished.
            var batch = 256
            if let number = row["gpu_batch_size"] as? Int { batch = number }
            if let text = row["gpu_batch_size"] as? String {
                let digits = text.split { !$0.isNumber }.last.flatMap { Int($0) }
                batch = digits ?? batch
            }
            return Row(benchmark: benchmark, accelerator: accelerator, perAccelerator: value, batch: batch)
        }
    }

    /// ResNet-50 int8 at the submitter's batch: every measured throughput ≤ batch / bound_s.
    @Test func resnet50NeverBeatsTheBound() throws {
        let catalog = try DeviceCatalog.builtin()
        var checked = 0
        for row in try Self.rows() where row.benchmark == "resnet50" {
            guard let name = Self.devices[row.accelerator] else { continue }
            let costs = try Pricing.costs(fixture: "resnet50.onnx", precision: .int8, bindings: ["batch": row.batch])
            let result = try Pricing.roofline(costs, on: catalog.device(named: name), RooflineOptions(precision: .int8, batch: row.batch))
            let figures = try #require(result.figures)
            #expect(row.perAccelerator <= figures.perSecondBound, "\(row.accelerator): measured \(row.perAccelerator)/s beats the bound \(figures.perSecondBound)/s")
            checked += 1
        }
        #expect(checked >= 10)
    }

    /// BERT-Large: MLPerf harnesses skip padding, so the bound is checked at SQuAD's mean length
    /// (172 tokens; docs/validation.md cites it) — no row may beat even that.
    @Test func bertNeverBeatsTheBoundAtTheEffectiveLength() throws {
        let catalog = try DeviceCatalog.builtin()
        var checked = 0
        for row in try Self.rows() where row.benchmark == "bert-99" {
            guard let name = Self.devices[row.accelerator] else { continue }
            let costs = try Pricing.costs(fixture: "bert_large_squad.onnx", precision: .int8, bindings: ["batch": row.batch, "sequence": 172])
            let options = RooflineOptions(precision: .int8, batch: row.batch)
            let figures = try #require(try Pricing.roofline(costs, on: catalog.device(named: name), options).figures)
            #expect(row.perAccelerator <= figures.perSecondBound, "\(row.accelerator): \(row.perAccelerator)/s vs bound \(figures.perSecondBound)/s")
            checked += 1
        }
        #expect(checked >= 10)
    }
}
