import CostKernels
import DeviceDB
import ONNXGraph
import ONNXLoader
import Operators
import Report
import ShapeInference

extension Analyzer {
    /// `--training`: the step on every device, from the forward priced at the training precision.
    static func answerTraining(_ report: inout AnalysisReport, priced: (shapes: ShapeInferenceResult, costs: CostReport), options: TrainingOptions) {
        for index in report.rooflines.indices {
            do {
                report.rooflines[index].training = try Training.step(costs: priced.costs, forward: report.rooflines[index],
                                                                     device: report.rooflines[index].device, options: options)
            } catch {
                report.modeError = error.description
                return
            }
        }
    }

    /// `--prefill S` / `--decode S`: both phases priced (the requested one is the report's totals),
    /// then per device time to first token, time per output token, KV cache and what fits.
    static func answerLLM(_ report: inout AnalysisReport, loaded: LoadedModel, options: AnalysisOptions, llm: LLMOptions,
                          signature: DecoderSignature, priced: (shapes: ShapeInferenceResult, costs: CostReport), registry: OpRegistry) {
        let prefillBindings = signature.bindings(batch: llm.batch, tokens: llm.context, context: 0)
        let decodeBindings = signature.bindings(batch: llm.batch, tokens: 1, context: llm.context)
        let other = price(loaded, options, binding: llm.phase == .prefill ? decodeBindings : prefillBindings, registry: registry)
        let prefill = llm.phase == .prefill ? priced : other
        let decode = llm.phase == .decode ? priced : other
        var errors: [String] = []
        let devices = report.rooflines.map(\.device)
        let prefillRooflines = rooflines(prefill, devices: devices, options: options, errors: &errors)
        let decodeRooflines = rooflines(decode, devices: devices, options: options, errors: &errors)

        // The cache is stored at --kv-dtype, else at --dtype (float tensors take it), else as the graph says.
        let kvPrecision = llm.kvPrecision ?? options.precision.flatMap { $0.storageType.isFloatingPoint ? $0 : nil }
        let kvPerToken = LLM.kvBytesPerToken(outputs: decode.shapes.outputs, inputs: decode.shapes.inputs, signature: signature,
                                             batch: llm.batch, context: llm.context, kvPrecision: kvPrecision)
        // The decode step's activations other than the cache it reads and writes.
        let decodePeak = Double(decode.costs.fusion.peakActivationBytes.intValue ?? 0)
        let kvInStep = kvPerToken * Double(llm.batch) * Double(2 * llm.context + 1)
        let workspace = max(0, decodePeak - kvInStep)
        var constants: [String: TensorData] = [:]
        for tensor in loaded.model.graph.initializers { constants[tensor.name] = tensor }
        let experts = MixtureOfExperts.detect(decode.shapes.main, constants: constants)
        let hidden = hiddenSize(decode.costs)
        let layers = signature.cacheOutputs.isEmpty ? decode.costs.nodes.filter { $0.ref.opType == "Softmax" }.count
            : signature.cacheOutputs.count / 2
        let weights = Double(decode.costs.totals.weightBytes.intValue ?? 0)
        let total = decode.costs.totals.params.intValue ?? 0
        // Without a cache the memory a step needs is a polynomial in the sequence (attention is
        // quadratic): solve it for the longest context and the largest batch.
        var contextMemory: SymbolicInt?, batchMemory: SymbolicInt?
        if !signature.hasCache {
            var bindings = prefillBindings
            bindings[signature.sequenceSymbol] = nil
            let free = price(loaded, options, binding: bindings, without: [signature.sequenceSymbol], registry: registry).costs
            contextMemory = free.totals.weightBytes + free.fusion.peakActivationBytes
            if let batchSymbol = signature.batchSymbol {
                var byBatch = decodeBindings
                byBatch[batchSymbol] = nil
                let perBatch = price(loaded, options, binding: byBatch, without: [batchSymbol], registry: registry).costs
                batchMemory = perBatch.totals.weightBytes + perBatch.fusion.peakActivationBytes
            }
        }
        for index in report.rooflines.indices {
            let device = report.rooflines[index].device
            var answer = LLM.answer(
                options: llm, signature: signature, prefill: prefillRooflines.first { $0.device.id == device.id },
                decode: decodeRooflines.first { $0.device.id == device.id }, kvPerToken: kvPerToken, decodeWorkspaceBytes: workspace,
                weightBytes: weights, hiddenSize: hidden, layers: layers, totalParameters: total, experts: experts, device: device)
            if let capacity = device.memoryBytes {
                if let contextMemory {
                    let solved = Capacity.largestFitting(contextMemory, symbol: signature.sequenceSymbol, capacity: capacity * Double(llm.tensorParallel))
                    answer.maxContext = solved.value.map { max($0 - 1, 0) }
                    if let note = solved.note { answer.notes.append("longest context: \(note)") }
                }
                if let batchMemory, let batchSymbol = signature.batchSymbol {
                    answer.maxBatch = Capacity.largestFitting(batchMemory, symbol: batchSymbol, capacity: capacity * Double(llm.tensorParallel)).value
                }
            }
            report.rooflines[index].llm = answer
        }
    }

    /// The model width: the last dim of the first Gather from a constant table (the token embedding).
    static func hiddenSize(_ costs: CostReport) -> Int? {
        for node in costs.nodes where node.ref.opType == "Gather" {
            if let shape = node.outputShapes.first ?? nil, shape.count == 3, let hidden = shape.last?.intValue { return hidden }
        }
        return nil
    }
}
