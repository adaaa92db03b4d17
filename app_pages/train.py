from tokdash.ui.placeholder import coming

coming(
    "Train",
    5,
    [
        "train byte-level BPE tokenizers on your corpus, varying vocabulary size, "
        "pre-tokenization regex and data mix as the paper does;",
        "compare them on held-out documents, and use them on every other page.",
    ],
)
