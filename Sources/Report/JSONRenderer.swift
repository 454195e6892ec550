import CostKernels
import DeviceDB
import ONNXGraph

/// The `--format json` object of DESIGN.md's output contract (snake_case keys, stable order).
public enum JSONRenderer {
    public static func render(_ report: AnalysisReport, includeNodes: Bool = true) -> JSON {
        let model = report.model
        var members: [(String, JSON)] = [("schema_version", .int(SchemaVersion.current))]
        members.append(("model", .object([
            ("path", .string(report.file.path)),
            ("ir_version", .int(model.irVersion)),
            ("producer", .string(model.producerName)),
            ("producer_version", .string(model.producerVersion)),
            ("opsets", .object(model.opsetImports.map { ($0.domain.isEmpty ? "ai.onnx" : $0.domain, .int($0.version)) })),
            ("file_bytes", .int(report.file.byteCount)),
            ("weights_external", .bool(report.weightsAreExternal)),
            ("external_data", .array(report.file.externalDataFiles.sorted { $0.key < $1.key }.map {
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
            ("fused_peak_activation_bytes", .count(report.costs.fusion.peakActivationBytes)),
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
            let perNode = report.roofline?.nodes
            members.append(("nodes", .array(report.costs.nodes.enumerated().map { index, cost in
                node(cost, roofline: perNode?[index])
            })))
        }
        members.append(("unresolved", .array(report.shapes.unresolved.map { dim in
            .object([("tensor", .string(dim.tensor)), ("dim", dim.dimIndex.map { .int($0) } ?? .null),
                     ("lost_at", dim.lostAt.map { .string($0.description) } ?? .null)])
        })))
        members.append(("warnings", .array(report.warnings.map { .string($0) })))
        if let first = report.roofline {
            members.append(("device", device(first.device)))
            members.append(("roofline", roofline(first, report: report)))
        } else if !report.rooflineErrors.isEmpty {
            members.append(("roofline", .object([("error", .string(report.rooflineErrors.joined(separator: "; ")))])))
        }
        if !report.rooflines.isEmpty || !report.rooflineErrors.isEmpty {
            members.append(("rooflines", .array(report.rooflines.map { roofline($0, report: report) })))
        }
        if let target = report.target {
            members.append(("target", .object([
                ("latency_s", number(target.latencySeconds)),
                ("required_bandwidth_bytes_per_s", number(target.requiredBandwidthBytesPerSecond)),
                ("required_peak_tops", number(target.requiredOpsPerSecond / 1e12)),
                ("bytes", number(target.bytes)), ("flops", number(target.flops)),
                ("devices", .array(target.devicesMeetingEstimate.map { .string($0) })),
                ("devices_bound", .array(target.devicesMeetingBound.map { .string($0) })),
            ])))
        }
        if !report.sweep.isEmpty {
            members.append(("sweep", .array(report.sweep.map(sweepPoint))))
        }
        if includeNodes, let first = report.roofline {
            members.append(("groups", .array(first.groups.map(group))))
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

    static func node(_ cost: NodeCost, roofline: NodeRoofline?) -> JSON {
        var members: [(String, JSON)] = [
            ("name", .string(cost.ref.name)),
            ("op", .string(cost.ref.opType)),
        ]
        if !cost.ref.domain.isEmpty { members.append(("domain", .string(cost.ref.domain))) }
        members += [
            ("output_shapes", .array(cost.outputShapes.map(JSON.shape))),
            // A node without a cost rule has unknown counts: null, never 0.
            ("macs", cost.status == .costed ? .count(cost.macs) : .null),
            ("flops", cost.status == .costed ? .count(cost.flops) : .null),
            ("transcendentals", cost.status == .costed ? .count(cost.transcendentals) : .null),
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
        if let roofline {
            members.append(("roofline", .object([
                ("time_s", .double(roofline.seconds)), ("compute_s", .double(roofline.computeSeconds)),
                ("memory_s", .double(roofline.memorySeconds)), ("bound", .string(roofline.bound.rawValue)),
                ("intensity", number(roofline.intensity)), ("group", roofline.group.map { .int($0) } ?? .null),
                ("fusion", .string(roofline.role.rawValue)),
            ])))
        }
        return .object(members)
    }

    static func number(_ value: Double?) -> JSON { value.map { $0.isFinite ? .double($0) : .null } ?? .null }

    /// One device's figures: the `roofline` / `rooflines[]` object of docs/output.md.
    public static func roofline(_ result: RooflineResult, report: AnalysisReport) -> JSON {
        let figures = result.figures
        var members: [(String, JSON)] = [
            ("device", .string(result.device.id)),
            ("dtype", .string(result.requestedPrecision?.rawValue ?? "as stored")),
            ("precisions_used", .array(result.precisionsUsed.map { .string($0.rawValue) })),
            ("fusion", .bool(result.fused)),
            ("bound_s", number(figures?.boundSeconds)),
            ("bound_limited_by", figures.map { .string($0.boundLimitedBy.rawValue) } ?? .null),
            ("compulsory_bytes", number(figures?.compulsoryBytes)),
            ("estimate_s", number(figures?.estimateSeconds)),
            ("compute_s", number(figures?.computeSeconds)),
            ("memory_s", number(figures?.memorySeconds)),
            ("bound", figures.map { .string($0.bound.rawValue) } ?? .null),
            ("batch", figures.map { .int($0.batch) } ?? .null),
            ("per_s", number(figures?.perSecond)),
            ("per_s_bound", number(figures?.perSecondBound)),
            ("flops", number(figures?.flops)),
            ("bytes_moved", number(figures?.bytesMoved)),
            ("weight_bytes", .double(result.weightBytes)),
            ("peak_activation_bytes", .double(result.peakActivationBytes)),
            ("required_memory_bytes", .double(result.requiredMemoryBytes)),
            ("fits", result.fits.map { .bool($0) } ?? .null),
            ("partial", .bool(result.isPartial)),
        ]
        members.append(("max_batch", result.maxBatch.map { .int($0) } ?? .null))
        if let note = result.maxBatchNote { members.append(("max_batch_note", .string(note))) }
        if let measured = result.measured {
            members.append(("measured", .object([
                ("latency_s", number(measured.latencySeconds)), ("achieved_tops", number(measured.achievedOpsPerSecond / 1e12)),
                ("utilization", number(measured.utilization)), ("bandwidth_utilization", number(measured.bandwidthUtilization)),
            ])))
        }
        if let t = result.training { members.append(("training", training(t))) }
        if let l = result.llm { members.append(("llm", llm(l))) }
        if result.isPartial { members.append(("partial_nodes", .array(result.partialNodes.map { .string($0.description) }))) }
        if !report.rooflineBindings.isEmpty {
            members.append(("bindings", .object(report.rooflineBindings.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })))
        }
        if let note = report.rooflineNote { members.append(("note", .string(note))) }
        return .object(members)
    }

    static func training(_ t: TrainingAnswer) -> JSON {
        .object([
            ("flops", number(t.flops)), ("forward_flops", number(t.forwardFLOPs)), ("parameters", number(t.parameters)),
            ("weight_bytes", number(t.weightBytes)), ("gradient_bytes", number(t.gradientBytes)),
            ("optimizer_state_bytes", number(t.optimizerStateBytes)), ("saved_activation_bytes", number(t.savedActivationBytes)),
            ("total_memory_bytes", number(t.totalMemoryBytes)), ("fits", t.fits.map { .bool($0) } ?? .null),
            ("allreduce_bytes_per_step", number(t.allreduceBytesPerStep)), ("allreduce_s", number(t.allreduceSeconds)),
            ("link_bytes_per_s", number(t.linkBytesPerSecond)), ("total_communication_bytes", number(t.totalCommunicationBytes)),
            ("step_bound_s", number(t.stepBoundSeconds)), ("step_estimate_s", number(t.stepEstimateSeconds)),
            ("step_overlapped_s", number(t.stepOverlappedSeconds)),
            ("zero_memory_bytes", .object(t.zeroMemoryBytes.sorted { $0.key < $1.key }.map { ("stage\($0.key)", number($0.value)) })),
            ("notes", .array(t.notes.map { .string($0) })),
        ])
    }

    static func llm(_ l: LLMAnswer) -> JSON {
        var members: [(String, JSON)] = [
            ("phase", .string(l.phase.rawValue)), ("batch", .int(l.batch)), ("tokens", .int(l.tokens)), ("context", .int(l.context)),
            ("kv_cache_bytes_per_token", number(l.kvCacheBytesPerToken)), ("kv_cache_bytes", number(l.kvCacheBytes)),
            ("time_to_first_token_bound_s", number(l.timeToFirstToken?.boundSeconds)),
            ("time_to_first_token_estimate_s", number(l.timeToFirstToken?.estimateSeconds)),
            ("time_per_output_token_bound_s", number(l.timePerOutputToken?.boundSeconds)),
            ("time_per_output_token_estimate_s", number(l.timePerOutputToken?.estimateSeconds)),
            ("tokens_per_s_bound", number(l.tokensPerSecondBound)), ("tokens_per_s_estimate", number(l.tokensPerSecondEstimate)),
            ("max_context", l.maxContext.map { .int($0) } ?? .null), ("max_batch", l.maxBatch.map { .int($0) } ?? .null),
            ("total_params", .int(l.totalParameters)), ("active_params", .int(l.activeParameters)),
            ("tensor_parallel", .int(l.tensorParallel)), ("allreduce_s", number(l.allreduceSecondsPerStep)),
        ]
        if let e = l.experts {
            members.append(("experts", .object([("count", .int(e.experts)), ("top_k", .int(e.topK)), ("expert_params", .int(e.expertParameters)),
                                                ("expected_touched_per_step", number(l.expectedExpertsTouched))])))
        }
        members.append(("notes", .array(l.notes.map { .string($0) })))
        return .object(members)
    }

    static func sweepPoint(_ point: SweepPoint) -> JSON {
        let f = point.roofline.figures
        return .object([
            (point.symbol, .int(point.value)), ("device", .string(point.roofline.device.id)),
            ("bound_s", number(f?.boundSeconds)), ("estimate_s", number(f?.estimateSeconds)), ("per_s", number(f?.perSecond)),
            ("bound", f.map { .string($0.bound.rawValue) } ?? .null),
            ("required_memory_bytes", number(point.roofline.requiredMemoryBytes)), ("fits", point.roofline.fits.map { .bool($0) } ?? .null),
        ])
    }

    static func group(_ group: GroupRoofline) -> JSON {
        .object([
            ("group", .int(group.group)), ("anchor", .string(group.anchor.name)), ("op", .string(group.anchor.opType)),
            ("nodes", .int(group.nodeCount)), ("time_s", .double(group.seconds)), ("compute_s", .double(group.computeSeconds)),
            ("memory_s", .double(group.memorySeconds)), ("bound", .string(group.bound.rawValue)),
            ("intensity", number(group.intensity)), ("flops", .double(group.flops)), ("bytes", .double(group.bytes)),
        ])
    }

    /// A device row in the schema a `--devices-file` takes (docs/devices.md), so a row can be copied and edited.
    public static func device(_ device: Device) -> JSON {
        func numbers(_ table: [String: Double]) -> JSON { .object(table.sorted { $0.key < $1.key }.map { ($0.key, number($0.value)) }) }
        func text(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
        let order = ["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "int4"]
        let peaks = device.peakTOPS.sorted { (order.firstIndex(of: $0.key) ?? 99) < (order.firstIndex(of: $1.key) ?? 99) }
        return .object([
            ("id", .string(device.id)), ("name", .string(device.name)), ("vendor", text(device.vendor)), ("category", text(device.category)),
            ("aliases", .array(device.aliases.map { .string($0) })),
            ("peak_tops", .object(peaks.map { ($0.key, number($0.value)) })),
            ("memory_bytes", number(device.memoryBytes)),
            ("memory_bandwidth_bytes_per_s", number(device.memoryBandwidthBytesPerSecond)),
            ("cache_bytes", number(device.cacheBytes)),
            ("interconnect", text(device.interconnect)),
            ("interconnect_bytes_per_s", number(device.interconnectBytesPerSecond)),
            ("host_link", text(device.hostLink)),
            ("host_link_bytes_per_s", number(device.hostLinkBytesPerSecond)),
            ("tdp_w", number(device.tdpWatts)),
            ("clocks", numbers(device.clocks)),
            ("units", numbers(device.units)),
            ("derivations", .object(device.derivations.sorted { $0.key < $1.key }.map { key, d in
                (key, .object([("units", .double(d.units)), ("unit", text(d.unit)), ("clock_mhz", .double(d.clockMHz)),
                               ("ops_per_clock", .double(d.opsPerClock))]))
            })),
            ("derived", .array(device.derived.map { .string($0) })),
            ("engines", .array(device.engines.map { engine in
                .object([("name", .string(engine.name)), ("peak_tops", numbers(engine.peakTOPS))])
            })),
            ("sources", .object(device.sources.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map { .string($0) })) })),
            ("low_confidence", .array(device.lowConfidence.map { .string($0) })),
            ("sparse_note", text(device.sparseNote)),
            ("notes", text(device.notes)),
        ])
    }

    /// The `{"error": {"kind", "message"}}` object.
    public static func error(kind: String, message: String) -> JSON {
        .object([("schema_version", .int(SchemaVersion.current)), ("error", .object([("kind", .string(kind)), ("message", .string(message))]))])
    }
}
