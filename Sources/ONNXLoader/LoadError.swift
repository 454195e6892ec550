import ONNXGraph

/// Why a model file could not be read. Every case names the file; `description` is the one place
/// where the message text lives.
public enum LoadError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case cannotOpen(path: String, reason: String)
    case notARegularFile(path: String)
    case emptyFile(path: String)
    case truncated(path: String, offset: Int)
    case malformed(path: String, offset: Int)
    case nestedTooDeep(path: String, limit: Int)
    case notAModel(path: String, reason: String)
    case tensorFileNotModel(path: String)
    case noGraph(path: String)
    case unsupportedIRVersion(path: String, version: Int, supported: Int)
    case invalidTensor(path: String, tensor: String, reason: String)
    case outOfMemory(path: String)
    /// A count past what onnxcost reads (nodes, dims, attribute values, opset imports), refused
    /// before anything is allocated for it.
    case limitExceeded(path: String, what: String, limit: Int)

    /// A stable snake_case name for JSON (`{"error": {"kind": ...}}`).
    public var kind: String {
        switch self {
        case .fileNotFound: "file_not_found"
        case .cannotOpen: "cannot_open"
        case .notARegularFile: "not_a_regular_file"
        case .emptyFile: "empty_file"
        case .truncated: "truncated"
        case .malformed: "malformed"
        case .nestedTooDeep: "nested_too_deep"
        case .notAModel: "not_a_model"
        case .tensorFileNotModel: "tensor_file_not_model"
        case .noGraph: "no_graph"
        case .unsupportedIRVersion: "unsupported_ir_version"
        case .invalidTensor: "invalid_tensor"
        case .outOfMemory: "out_of_memory"
        case .limitExceeded: "limit_exceeded"
        }
    }

    public var path: String {
        switch self {
        case .fileNotFound(let p), .cannotOpen(let p, _), .notARegularFile(let p), .emptyFile(let p),
             .truncated(let p, _), .malformed(let p, _), .nestedTooDeep(let p, _), .notAModel(let p, _),
             .tensorFileNotModel(let p), .noGraph(let p), .unsupportedIRVersion(let p, _, _),
             .invalidTensor(let p, _, _), .outOfMemory(let p), .limitExceeded(let p, _, _):
            p
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): no such file"
        case .cannotOpen(let path, let reason): "\(path): cannot open: \(reason)"
        case .notARegularFile(let path): "\(path): not a regular file (a directory or device?)"
        case .emptyFile(let path): "\(path): the file is empty"
        case .truncated(let path, let offset):
            "\(path): not a complete ONNX model: a field at byte \(offset) runs past the end (truncated file?)"
        case .malformed(let path, let offset):
            "\(path): not an ONNX model: invalid protobuf data at byte \(offset)"
        case .nestedTooDeep(let path, let limit):
            "\(path): messages or subgraphs nested deeper than \(limit) levels"
        case .notAModel(let path, let reason): "\(path): not an ONNX model: \(reason)"
        case .tensorFileNotModel(let path):
            "\(path): this is a serialized TensorProto (test data), not an ONNX model"
        case .noGraph(let path): "\(path): the model has no graph"
        case .unsupportedIRVersion(let path, let version, let supported):
            "\(path): IR version \(version) is newer than the newest this build reads (\(supported))"
        case .invalidTensor(let path, let tensor, let reason): "\(path): tensor '\(tensor)': \(reason)"
        case .outOfMemory(let path): "\(path): out of memory while decoding"
        case .limitExceeded(let path, let what, let limit): "\(path): more than \(limit) \(what); onnxcost refuses the file"
        }
    }
}
