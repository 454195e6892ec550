extension OpRegistry {
    /// Every operator onnxcost ships, family by family.
    public static let builtin = OpRegistry(operators:
        ElementwiseFamily.operators
        + LogicalFamily.operators
        + ActivationFamily.operators
        + ReductionFamily.operators
        + QuantizationFamily.operators
        + ConvolutionFamily.operators
        + PoolingFamily.operators
        + NormalizationFamily.operators
        + ResizeFamily.operators
        + MatMulFamily.operators
        + RNNFamily.operators
        + ShapeOpsFamily.operators
        + IndexingFamily.operators
        + GeneratorFamily.operators
        + SequenceFamily.operators
        + MiscFamily.operators
        + ContribFamily.operators
        + ContribAttentionFamily.operators
        + ContribNormFamily.operators
        + ContribElementwiseFamily.operators
        + ContribMatMulFamily.operators
        + ContribQuantizedFamily.operators
        + ContribMoEFamily.operators
        + AttentionFamily.operators
        + MLFamily.operators
        + MLTreeFamily.operators
        + ControlFlowFamily.operators
        + TrainingFamily.operators
    )
}
