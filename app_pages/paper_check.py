from tokdash.ui.placeholder import coming

coming(
    "Paper check",
    9,
    [
        "put the paper's own tokenizers next to yours and check its findings on your corpus.",
    ],
)
