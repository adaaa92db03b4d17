"""A tokenizer swap: vocabulary overlap, FVT embedding transfer, the planner's reports, I/O."""
