"""One interface over tiktoken, HF tokenizers, transformers and SentencePiece tokenizers."""

from tokdash.tokenizers.base import Span, Tokenizer, TokenizerInfo
from tokdash.tokenizers.registry import get_tokenizer, load_catalog, load_path

__all__ = ["Span", "Tokenizer", "TokenizerInfo", "get_tokenizer", "load_catalog", "load_path"]
