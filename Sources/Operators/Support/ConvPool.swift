import ONNXGraph
import ShapeInference

/// Output-size arithmetic shared by convolutions and pools, modelled on ONNX's
/// `convPoolShapeInference` (onnx/defs/nn/defs.cc): `auto_pad` NOTSET / SAME_UPPER / SAME_LOWER /
/// VALID, `pads`, `strides`, `dilations`, `ceil_mode`, and symbolic spatial dims.
///
/// For a spatial axis with input size `in`, kernel `k`, dilation `d`, stride `s` and pads `pb`, `pe`:
/// - effective kernel `ek = (k − 1)·d + 1`;
/// - NOTSET (explicit pads): `out = ⌊(in + pb + pe − ek) / s⌋ + 1` (`⌈…⌉` with `ceil_mode`, dropping a
///   last window that would start in the right padding, as PyTorch and ONNX do);
/// - VALID: the same with zero pads;
/// - SAME_UPPER / SAME_LOWER: `out = ⌈in / s⌉` (ONNX computes the pads from the residual of `in`
///   modulo `s` when `in` is known, which gives the same size).
/// An explicit `pads` attribute wins over `auto_pad`, as in ONNX's inference.
public enum ConvPool {
    /// How padding is chosen.
    public enum AutoPad: String, Sendable, Equatable {
        case notSet = "NOTSET"
        case sameUpper = "SAME_UPPER"
        case sameLower = "SAME_LOWER"
        case valid = "VALID"
    }

    /// The conv/pool attributes of one node, parsed and validated once.
    public struct Attributes: Sendable, Equatable {
        public var autoPad: AutoPad
        public var kernelShape: [Int]?
        public var strides: [Int]?
        public var dilations: [Int]?
        /// `[x1_begin, x2_begin, …, x1_end, x2_end, …]`, `nil` when absent.
        public var pads: [Int]?
        public var ceilMode: Bool

        /// Reads `auto_pad`, `kernel_shape`, `strides`, `dilations`, `pads` and `ceil_mode`.
        /// Pass `useDilations: false` for ops whose opset has no `dilations` attribute.
        public init(node: Node, useDilations: Bool = true) throws(ShapeError) {
            let autoPadText = try node.string("auto_pad", default: "NOTSET")
            if autoPadText.isEmpty {
                autoPad = .notSet  // some old exporters write an empty string
            } else if let parsed = AutoPad(rawValue: autoPadText) {
                autoPad = parsed
            } else {
                throw .invalidAttribute(name: "auto_pad", reason: "unknown value '\(autoPadText)'")
            }
            kernelShape = try node.ints("kernel_shape")
            strides = try node.ints("strides")
            dilations = useDilations ? try node.ints("dilations") : nil
            pads = try node.ints("pads")
            ceilMode = try node.int("ceil_mode", default: 0) != 0

            if let kernelShape, kernelShape.contains(where: { $0 <= 0 }) {
                throw .invalidAttribute(name: "kernel_shape", reason: "every size must be positive, got \(kernelShape)")
            }
            if let strides, strides.contains(where: { $0 <= 0 }) {
                throw .invalidAttribute(name: "strides", reason: "every stride must be positive, got \(strides)")
            }
            if let dilations, dilations.contains(where: { $0 <= 0 }) {
                throw .invalidAttribute(name: "dilations", reason: "every dilation must be positive, got \(dilations)")
            }
            if let pads {
                if pads.count % 2 != 0 {
                    throw .invalidAttribute(name: "pads", reason: "must hold a begin and an end per axis, got \(pads.count) values")
                }
                if pads.contains(where: { $0 < 0 }) {
                    throw .invalidAttribute(name: "pads", reason: "negative pads are not allowed, got \(pads)")
                }
            }
        }

        /// Strides for `rank` spatial axes (default 1s); throws when the attribute has another length.
        public func strides(rank: Int) throws(ShapeError) -> [Int] {
            try Self.sized(strides, name: "strides", rank: rank, default: 1)
        }

        /// Dilations for `rank` spatial axes (default 1s).
        public func dilations(rank: Int) throws(ShapeError) -> [Int] {
            try Self.sized(dilations, name: "dilations", rank: rank, default: 1)
        }

        /// Pads for `rank` spatial axes (`2·rank` values, default 0s).
        public func pads(rank: Int) throws(ShapeError) -> [Int] {
            guard let pads else { return Array(repeating: 0, count: 2 * rank) }
            guard pads.count == 2 * rank else {
                throw .invalidAttribute(name: "pads", reason: "expected \(2 * rank) values for \(rank) spatial axes, got \(pads.count)")
            }
            return pads
        }

        /// `values` checked to hold one entry per spatial axis, or `rank` copies of `value` when absent.
        public static func sized(_ values: [Int]?, name: String, rank: Int, default value: Int) throws(ShapeError) -> [Int] {
            guard let values else { return Array(repeating: value, count: rank) }
            guard values.count == rank else {
                throw .invalidAttribute(name: name, reason: "expected \(rank) values for \(rank) spatial axes, got \(values.count)")
            }
            return values
        }
    }

    /// The output spatial sizes for `input` spatial sizes and `kernel` sizes (`kernel_shape`, or the
    /// weight's spatial dims). A `nil` kernel entry (a symbolic weight dim) gives an unknown size.
    public static func outputSpatial(input: [Dim], kernel: [Int?], attributes: Attributes) throws(ShapeError) -> [Dim] {
        let rank = input.count
        guard kernel.count == rank else {
            throw .invalidAttribute(name: "kernel_shape", reason: "expected \(rank) values for \(rank) spatial axes, got \(kernel.count)")
        }
        let strides = try attributes.strides(rank: rank)
        let dilations = try attributes.dilations(rank: rank)
        let explicitPads = attributes.pads != nil ? try attributes.pads(rank: rank) : nil
        var output: [Dim] = []
        output.reserveCapacity(rank)
        for axis in 0..<rank {
            guard let k = kernel[axis] else { output.append(.unknown); continue }
            guard k > 0 else {
                throw .invalidAttribute(name: "kernel_shape", reason: "every size must be positive, got \(k)")
            }
            let stride = strides[axis]
            let effectiveKernel = Dim.value(k - 1) * .value(dilations[axis]) + 1
            let inSize = input[axis]
            var padBegin = 0, padEnd = 0
            if let explicitPads {
                padBegin = explicitPads[axis]
                padEnd = explicitPads[axis + rank]
            } else if attributes.autoPad == .sameUpper || attributes.autoPad == .sameLower {
                guard let known = inSize.intValue, let ek = effectiveKernel.intValue else {
                    output.append(inSize.ceilDivided(by: .value(stride)))
                    continue
                }
                let residual = known % stride
                let total = max(residual == 0 ? ek - stride : ek - residual, 0)
                let small = total / 2, big = total - small
                (padBegin, padEnd) = attributes.autoPad == .sameUpper ? (small, big) : (big, small)
            }
            let span = inSize + .value(padBegin) + .value(padEnd) - effectiveKernel
            var size: Dim = attributes.ceilMode
                ? span.ceilDivided(by: .value(stride)) + 1
                : span.floorDivided(by: .value(stride)) + 1
            if attributes.ceilMode, let out = size.intValue,
               let lastStart = (Dim.value(out - 1) * .value(stride)).intValue,
               let rightPadStart = (inSize + .value(padBegin)).intValue, lastStart >= rightPadStart {
                size = .value(out - 1)  // a window starting in the right padding is dropped
            }
            if let out = size.intValue, out <= 0 {
                throw .incompatibleDims("spatial axis \(axis): input \(inSize) with pads \(padBegin)+\(padEnd) is smaller than the effective kernel \(effectiveKernel)")
            }
            output.append(size)
        }
        return output
    }
}
