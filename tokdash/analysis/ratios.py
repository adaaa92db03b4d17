"""Ratios and gains in compression, each defined once.

Both gains are a "fraction of tokens saved" (0.05 = 5 % fewer tokens, negative = more tokens),
for any quantity proportional to the number of tokens on a fixed text: tokens, NSL, or the
inverse of bytes (characters) per token.
"""

from __future__ import annotations

import math


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0."""
    return float(num) / float(den) if den else float("nan")


def tokens_saved(base_tokens: float, tokens: float) -> float:
    """Fraction of tokens saved against a base: ``1 - tokens / base_tokens`` (NaN for a 0 base).

    E.g. 1000 base tokens, 950 tokens -> 0.05.
    """
    return 1.0 - ratio(tokens, base_tokens)


def saved_per_doubling(vocab_a: float, tokens_a: float, vocab_b: float, tokens_b: float) -> float:
    """Fraction of tokens saved per doubling of the vocabulary, from size ``vocab_a`` to a larger
    ``vocab_b`` (``tokens_*`` the tokens, or NSL, at each size on the same text):

        saved_per_doubling = 1 - (tokens_b / tokens_a) ** (1 / log2(vocab_b / vocab_a))

    the constant per-doubling saving that compounds to the measured one. E.g. 32k -> 128k
    (two doublings) with NSL 0.8 -> 0.648: 1 - 0.81 ** 0.5 = 0.1. ``ValueError`` unless
    ``vocab_b > vocab_a > 0``; NaN when a token count is not positive.
    """
    if not 0 < vocab_a < vocab_b:
        raise ValueError(f"vocabulary sizes must increase, got {vocab_a} -> {vocab_b}")
    if not (tokens_a > 0 and tokens_b > 0):
        return float("nan")
    return 1.0 - (tokens_b / tokens_a) ** (1.0 / math.log2(vocab_b / vocab_a))
