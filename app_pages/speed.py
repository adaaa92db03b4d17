from tokdash.ui.placeholder import coming

coming(
    "Speed",
    6,
    [
        "probe generation speed (tokens/s and characters/s) of a model shape with each tokenizer, "
        "on a GPU when there is one, else the CPU;",
        "see what vocabulary size costs in parameters, FLOPs and memory, and the effective "
        "context each tokenizer gives on your code.",
    ],
)
