extension OpRegistry {
    /// Every operator onnxcost ships, family by family.
    public static let builtin = OpRegistry(entries:
        ElementwiseFamily.entries
        + LogicalFamily.entries
        + ActivationFamily.entries
        + ReductionFamily.entries
        + QuantizationFamily.entries
        + ConvolutionFamily.entries
        + PoolingFamily.entries
        + NormalizationFamily.entries
        + ResizeFamily.entries
        + MatMulFamily.entries
        + RNNFamily.entries
        + ShapeOpsFamily.entries
        + IndexingFamily.entries
        + GeneratorFamily.entries
        + SequenceFamily.entries
        + TextFamily.entries
        + SignalFamily.entries
        + ImageFamily.entries
        + LossFamily.entries
        + CumProdFamily.entries
        + ContribFamily.entries
        + ContribAttentionFamily.entries
        + ContribNormFamily.entries
        + ContribElementwiseFamily.entries
        + ContribMatMulFamily.entries
        + ContribQuantizedFamily.entries
        + ContribMoEFamily.entries
        + AttentionFamily.entries
        + MLFamily.entries
        + MLTreeFamily.entries
        + ControlFlowFamily.entries
        + TrainingFamily.entries
    )
}
