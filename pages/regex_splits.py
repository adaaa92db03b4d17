from tokdash.ui.placeholder import coming

coming(
    "Regex splits",
    3,
    ["see how each pre-tokenization regex cuts your code into the chunks BPE merges within."],
)
