from tokdash.ui.placeholder import coming

coming(
    "Swap",
    7,
    [
        "plan a tokenizer swap for a pretrained model: vocabulary overlap, expected gain on "
        "your corpus, and embeddings initialised with Fast Vocabulary Transfer.",
    ],
)
