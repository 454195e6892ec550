@_exported import ONNXGraph
@_exported import ONNXLoader
@_exported import ShapeInference
@_exported import CostKernels
@_exported import Operators
