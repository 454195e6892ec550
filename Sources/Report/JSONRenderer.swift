import CostKernels
import DeviceDB
import ONNXGraph
import ShapeInference

/// The `--format json` object of DESIGN.md's output contract (snake_case keys, stable order).
public enum JSONRenderer {
    public static func render(_ report: AnalysisReport, includeNodes: Bool = true) -> JSON {
        let model = report.model
        var members: [(String, JSON)] = []
        members.append(("model", .object([
            ("path", .string(report.loaded.path)),
            ("ir_version", .int(model.irVersion)),
            ("producer", .string(model.producerName)),
            ("producer_version", .string(model.producerVersion)),
            ("opsets", .object(model.opsetImports.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain, .int($0.version)) })),
            ("file_bytes", .int(report.loaded.fileByteCount)),
            ("weights_external", .bool(report.weightsAreExternal)),
            ("external_data", .array(report.loaded.externalDataFiles.sorted { $0.key < $1.key }.map {
                .object([("file", .string($0.key)), ("present", .bool($0.value))])
            })),
            ("node_count", .int(model.graph.nodes.count)),
            ("initializer_count", .int(model.graph.initializers.count)),
            ("op_histogram", .object(report.opHistogram.map { ($0.op, .int($0.count)) })),
            ("initializer_bytes_by_dtype", .object(report.initializerBytesByType.map { ($0.dtype.name, .int($0.bytes)) })),
        ])))
        members.append(("inputs", .array(report.shapes.inputs.map(valueInfo))))
        members.append(("outputs", .array(report.shapes.outputs.map(valueInfo))))
        let totals = report.costs.totals
        members.append(("totals", .object([
            ("macs", .count(totals.macs)),
            ("flops", .count(totals.flops)),
            ("transcendentals", .count(totals.transcendentals)),
            ("params", .count(totals.params)),
            ("weight_bytes", .count(totals.weightBytes)),
            ("activation_bytes", .count(totals.activationBytes)),
            ("peak_activation_bytes", .count(totals.peakActivationBytes)),
            ("memory_access_bytes", .count(totals.memoryAccessBytes)),
            ("macs_by_dtype", .object(totals.macsByType.sorted { $0.key.name < $1.key.name }.map { ($0.key.name, .count($0.value)) })),
            ("params_by_dtype", .object(totals.paramsByType.sorted { $0.key.name < $1.key.name }.map { ($0.key.name, .int($0.value)) })),
            ("weight_bytes_by_dtype", .object(totals.weightBytesByType.sorted { $0.key.name < $1.key.name }.map { ($0.key.name, .int($0.value)) })),
        ])))
        members.append(("peak_activation_node", report.costs.peakNode.map { .string($0.description) } ?? .null))
        members.append(("precision", .object([
            ("target", report.costs.targetPrecision.map { .string($0.rawValue) } ?? .null),
            ("bytes_at", .string(report.costs.targetPrecision.map { "node and total byte fields are at the target precision \($0.rawValue) for float tensors" }
                ?? "node and total byte fields are at each tensor's stored precision")),
        ])))
        let coverage = report.costs.coverage
        members.append(("coverage", .object([
            ("total_nodes", .int(coverage.totalNodes)),
            ("uncosted_nodes", .int(coverage.uncostedNodes)),
            ("uncosted_share", .double(coverage.uncostedShare)),
            ("uncosted_ops", .object(coverage.uncostedOps.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("unsupported_ops", .object(report.shapes.unsupportedOps.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
        ])))
        if includeNodes {
            members.append(("nodes", .array(report.costs.nodes.map(node))))
        }
        members.append(("unresolved", .array(report.shapes.unresolved.map { dim in
            .object([("tensor", .string(dim.tensor)), ("dim", dim.dimIndex.map { .int($0) } ?? .null),
                     ("lost_at", dim.lostAt.map { .string($0.description) } ?? .null)])
        })))
        members.append(("warnings", .array(report.warnings.map { .string($0) })))
        if let roofline = report.roofline {
            members.append(("device", device(roofline.device)))
            members.append(("roofline", .object([
                ("precision", roofline.requestedPrecision.map { .string($0.rawValue) } ?? .string("as stored")),
                ("latency_s", .double(roofline.latencySeconds)),
                ("compute_s", .double(roofline.computeSeconds)),
                ("memory_s", .double(roofline.memorySeconds)),
                ("bound", .string(roofline.bound.rawValue)),
                ("required_memory_bytes", .double(roofline.requiredMemoryBytes)),
                ("fits_in_memory", roofline.fitsInMemory.map { .bool($0) } ?? .null),
                ("note", report.rooflineNote.map { .string($0) } ?? .null),
            ])))
        } else if let note = report.rooflineNote {
            members.append(("roofline", .object([("error", .string(note))])))
        }
        return .object(members)
    }

    static func valueInfo(_ info: ValueInfo) -> JSON {
        switch info.type {
        case .tensor(let t):
            return .object([("name", .string(info.name)), ("dtype", .string(t.dtype.name)), ("shape", .shape(t.shape))])
        default:
            return .object([("name", .string(info.name)), ("dtype", .null), ("shape", .null), ("type", .string(info.type.description))])
        }
    }

    static func node(_ cost: NodeCost) -> JSON {
        var members: [(String, JSON)] = [
            ("name", .string(cost.ref.name)),
            ("op", .string(cost.ref.opType)),
        ]
        if !cost.ref.domain.isEmpty { members.append(("domain", .string(cost.ref.domain))) }
        members += [
            ("output_shapes", .array(cost.outputShapes.map(JSON.shape))),
            ("macs", .count(cost.macs)),
            ("flops", .count(cost.flops)),
            ("transcendentals", .count(cost.transcendentals)),
            ("params", .count(cost.params)),
            ("bytes_read", .count(cost.bytesRead)),
            ("bytes_written", .count(cost.bytesWritten)),
            ("compute_dtype", .string(cost.computeType.name)),
        ]
        switch cost.status {
        case .costed: break
        case .noRule: members.append(("status", .string("no_cost_rule")))
        case .failed(let reason): members.append(("status", .string("failed: \(reason)")))
        }
        return .object(members)
    }

    public static func device(_ device: Device) -> JSON {
        func number(_ value: Double?) -> JSON { value.map { .double($0) } ?? .null }
        return .object([
            ("id", .string(device.id)), ("name", .string(device.name)),
            ("fp32_tflops", number(device.fp32TFLOPS)), ("tf32_tflops", number(device.tf32TFLOPS)),
            ("fp16_tflops", number(device.fp16TFLOPS)), ("bf16_tflops", number(device.bf16TFLOPS)),
            ("fp8_tflops", number(device.fp8TFLOPS)), ("int8_tops", number(device.int8TOPS)), ("int4_tops", number(device.int4TOPS)),
            ("memory_gb", number(device.memoryGB)), ("memory_bandwidth_gbps", number(device.memoryBandwidthGBps)),
        ])
    }

    /// The `{"error": {"kind", "message"}}` object.
    public static func error(kind: String, message: String) -> JSON {
        .object([("error", .object([("kind", .string(kind)), ("message", .string(message))]))])
    }
}
