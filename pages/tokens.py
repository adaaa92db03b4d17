from tokdash.ui.placeholder import coming

coming(
    "Tokens",
    3,
    ["see where each tokenizer puts its token boundaries on your code, side by side."],
)
