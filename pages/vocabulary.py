from tokdash.ui.placeholder import coming

coming(
    "Vocabulary",
    4,
    [
        "see how much of each vocabulary your corpus uses, and which tokens it never uses;",
        "overlay rank-frequency (Zipf) curves and token-length histograms;",
        "list the top tokens per language, with CSV downloads.",
    ],
)
