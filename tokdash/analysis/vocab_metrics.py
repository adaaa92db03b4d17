"""Vocabulary metrics over unigram counts (occurrences per id), each with its formula:
Rényi entropy and efficiency, utilization, the Zipf curve, token lengths, whitespace share, and
the most frequent / never used tokens (drawn readable by `visible`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from tokdash.analysis.ratios import ratio


def renyi_entropy(counts: np.ndarray, alpha: float) -> float:
    """Rényi entropy of order ``alpha`` (nats) of the unigram distribution p = counts / sum.

    H_a(p) = 1/(1-a) * log(sum_i p_i^a) over the ids with p_i > 0; the limits are taken at
    a = 1 (Shannon, -sum_i p_i log p_i), a = 0 (log of the number of ids used) and a = inf
    (-log max_i p_i). NaN when no token was counted; ``alpha`` must be >= 0.
    """
    if alpha < 0 or math.isnan(alpha):
        raise ValueError(f"Rényi order alpha must be >= 0, got {alpha}")
    c = np.asarray(counts, dtype=np.float64)
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    p = c / c.sum()
    if alpha == 1:
        return float(-(p * np.log(p)).sum())
    if math.isinf(alpha):
        return float(-np.log(p.max()))
    if alpha == 0:
        return float(np.log(p.size))
    return float(np.log((p**alpha).sum()) / (1.0 - alpha))


def renyi_efficiency(counts: np.ndarray, alpha: float, vocab_size: int | None) -> float:
    """Rényi efficiency (Zouhar et al. 2023, "Tokenization and the Noiseless Channel"):

        eff_a = H_a(p) / log |V|        (any log base: it cancels)

    with H_a from `renyi_entropy` and |V| = ``vocab_size``, the tokenizer's vocabulary, as in
    the paper's definition (log |V| is the largest entropy a distribution over V can have, so
    1.0 means every id used equally often). ``vocab_size=None`` uses |V| = the number of ids
    seen at least once instead: what the reference implementation (zouharvi/tokenization-scorer,
    ``_renyi_efficiency`` without its ``vocab`` override) and the Dagan et al. 2024 code
    (gautierdag/tokenizer-bench ``utils.renyi_efficiency``, power 2.5) compute. a = 1 is the
    Shannon efficiency. NaN when |V| <= 1 or nothing was counted.
    """
    v = int((np.asarray(counts) > 0).sum()) if vocab_size is None else int(vocab_size)
    if v <= 1:
        return float("nan")
    return renyi_entropy(counts, alpha) / math.log(v)


def vocab_utilization(counts: np.ndarray, vocab_size: int) -> float:
    """Share of the vocabulary seen at least once: #{i : counts_i > 0} / |V|."""
    return ratio(int((np.asarray(counts)[:vocab_size] > 0).sum()), vocab_size)


def zipf_curve(counts: np.ndarray) -> pd.DataFrame:
    """Rank-frequency curve: columns rank (1 = most frequent), frequency, share; zeros dropped."""
    c = np.asarray(counts, dtype=np.int64)
    freq = np.sort(c[c > 0])[::-1]
    total = freq.sum()
    return pd.DataFrame(
        {
            "rank": np.arange(1, freq.size + 1),
            "frequency": freq,
            "share": freq / total if total else freq.astype(float),
        }
    )


def _lengths(vocab_bytes: list[bytes], n: int) -> np.ndarray:
    return np.fromiter(map(len, vocab_bytes[:n]), dtype=np.int64, count=n)


def token_length_histogram(
    counts: np.ndarray, vocab_bytes: list[bytes], weighted: bool
) -> pd.DataFrame:
    """Token length in bytes -> number of tokens, lengths with 0 tokens left out.

    weighted: tokens[L] = sum of counts_i over ids i with len(token_bytes(i)) == L (occurrences
    in the corpus); not weighted: tokens[L] = #{i : len(token_bytes(i)) == L} (vocabulary
    entries, whether used or not). Columns length_bytes, tokens."""
    c = np.asarray(counts, dtype=np.int64)
    n = min(len(vocab_bytes), c.size)
    lengths = _lengths(vocab_bytes, n)
    weights = c[:n] if weighted else np.ones(n, dtype=np.int64)
    hist = np.bincount(lengths, weights=weights).astype(np.int64)
    keep = hist > 0
    return pd.DataFrame({"length_bytes": np.nonzero(keep)[0], "tokens": hist[keep]})


def _is_whitespace(b: bytes) -> bool:
    return bool(b) and all(ch in b" \t\n\r\x0b\x0c" for ch in b)


def whitespace_ids(vocab_bytes: list[bytes]) -> np.ndarray:
    """Ids whose bytes are non-empty and all in b" \\t\\n\\r\\v\\f" (int64, sorted)."""
    return np.asarray([i for i, b in enumerate(vocab_bytes) if _is_whitespace(b)], np.int64)


def whitespace_share(counts: np.ndarray, vocab_bytes: list[bytes]) -> float:
    """Share of token occurrences that are pure whitespace (indentation, newlines):
    sum of counts_i over ids whose bytes are non-empty and all in b" \\t\\n\\r\\v\\f",
    divided by sum of all counts (NaN when nothing was counted). See `whitespace_share_of`."""
    c = np.asarray(counts, dtype=np.int64)
    n = min(len(vocab_bytes), c.size)
    seen = np.flatnonzero(c[:n])  # only ids that occur can add to the sum (fast on big vocabs)
    ids = np.asarray([i for i in seen.tolist() if _is_whitespace(vocab_bytes[i])], np.int64)
    return whitespace_share_of(c, ids)


def whitespace_share_of(counts: np.ndarray, ids: np.ndarray) -> float:
    """`whitespace_share` given the pure-whitespace ids (`whitespace_ids`; ids past the end of
    ``counts`` count 0)."""
    c = np.asarray(counts, dtype=np.int64)
    ids = np.asarray(ids, dtype=np.int64)
    ws = int(c[ids[ids < c.size]].sum())
    return ratio(ws, int(c.sum()))


def visible(b: bytes) -> str:
    """A token's bytes made readable: space ·, tab →, newline ↵, invalid UTF-8 as \\xNN."""
    s = b.decode("utf-8", errors="backslashreplace")
    return s.replace(" ", "·").replace("\t", "→").replace("\n", "↵").replace("\r", "␍")


def top_tokens(counts: np.ndarray, vocab_bytes: list[bytes], n: int) -> pd.DataFrame:
    """The ``n`` most frequent ids (ties by id), ids never seen left out: id, token (`visible`),
    count, share = count / sum of all counts."""
    c = np.asarray(counts, dtype=np.int64)
    total = int(c.sum())
    order = np.argsort(-c, kind="stable")[:n]
    order = order[c[order] > 0]
    return pd.DataFrame(
        {
            "id": order,
            "token": [visible(vocab_bytes[i]) if i < len(vocab_bytes) else "" for i in order],
            "count": c[order],
            "share": c[order] / total if total else np.zeros(len(order)),
        }
    )


def unused_tokens(
    counts: np.ndarray, vocab_bytes: list[bytes], special_ids: Iterable[int] = ()
) -> pd.DataFrame:
    """Ids never seen (special tokens excluded): id, token, length_bytes; longest first."""
    c = np.asarray(counts, dtype=np.int64)
    n = len(vocab_bytes)
    seen = np.zeros(n, dtype=bool)
    seen[: min(n, c.size)] = c[:n] > 0
    special = np.zeros(n, dtype=bool)
    for i in special_ids:
        if 0 <= i < n:
            special[i] = True
    ids = np.nonzero(~seen & ~special)[0]
    lengths = _lengths(vocab_bytes, n)[ids]
    df = pd.DataFrame(
        {"id": ids, "token": [visible(vocab_bytes[i]) for i in ids], "length_bytes": lengths}
    )
    df = df.sort_values(["length_bytes", "id"], ascending=[False, True], kind="stable")
    return df.reset_index(drop=True)
