"""tokdash: compare, train and plan tokenizers for code LLMs (library, no UI imports)."""

__version__ = "0.1.0"
