// `import ONNXCost` gives the whole library: the graph model, the loader, shape inference, cost
// kernels, the operator registry, the device database and the report renderers.
@_exported import CostKernels
@_exported import DeviceDB
@_exported import ONNXGraph
@_exported import ONNXLoader
@_exported import Operators
@_exported import Report
@_exported import ShapeInference
