import OnnxCostCLI

// The executable is only this line: every command lives in the OnnxCostCLI library.
OnnxCost.main()
