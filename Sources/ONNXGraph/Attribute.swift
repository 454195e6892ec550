/// A node attribute, of every kind ONNX defines.
public struct Attribute: Hashable, Sendable {
    public var name: String
    public var value: Value
    /// For attributes inside a function body that refer to the caller's attribute (`ref_attr_name`).
    public var referencedAttribute: String?
    public var docString: String

    public init(name: String, value: Value, referencedAttribute: String? = nil, docString: String = "") {
        self.name = name
        self.value = value
        self.referencedAttribute = referencedAttribute
        self.docString = docString
    }

    public indirect enum Value: Hashable, Sendable {
        case float(Float)
        case int(Int)
        case string(String)
        case tensor(TensorData)
        case graph(Graph)
        case sparseTensor(SparseTensorData)
        case typeProto(ValueType)
        case floats([Float])
        case ints([Int])
        case strings([String])
        case tensors([TensorData])
        case graphs([Graph])
        case sparseTensors([SparseTensorData])
        case typeProtos([ValueType])
        /// An attribute whose type field is missing or unknown: kept so diagnostics can name it.
        case undefined

        /// The kind's ONNX name (`INT`, `FLOATS`, `GRAPH`, ...), for diagnostics.
        public var kindName: String {
            switch self {
            case .float: "FLOAT"
            case .int: "INT"
            case .string: "STRING"
            case .tensor: "TENSOR"
            case .graph: "GRAPH"
            case .sparseTensor: "SPARSE_TENSOR"
            case .typeProto: "TYPE_PROTO"
            case .floats: "FLOATS"
            case .ints: "INTS"
            case .strings: "STRINGS"
            case .tensors: "TENSORS"
            case .graphs: "GRAPHS"
            case .sparseTensors: "SPARSE_TENSORS"
            case .typeProtos: "TYPE_PROTOS"
            case .undefined: "UNDEFINED"
            }
        }
    }
}
