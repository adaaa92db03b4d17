from tokdash.ui.placeholder import coming

coming(
    "Compression",
    4,
    [
        "chart bytes per token of every selected tokenizer, per language of your corpus;",
        "see normalized sequence length (NSL) against the base tokenizer as a heatmap;",
        "see the spread over documents, and download the full table as CSV "
        "(the same CSV as `python -m tokdash compare`).",
    ],
)
