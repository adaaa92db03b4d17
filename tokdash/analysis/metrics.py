"""Compression metrics and the corpus tables, each a pure function with its formula in the
docstring; the vocabulary metrics live in `tokdash.analysis.vocab_metrics` (re-exported here).

Corpus-level ratios are total over total (sum of bytes / sum of tokens), never a mean of
per-document ratios; the spread over documents is reported separately.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from tokdash.analysis.pretokenize import count_lines
from tokdash.analysis.ratios import ratio
from tokdash.analysis.vocab_metrics import (  # noqa: F401  (re-exported: metrics.<name>)
    renyi_efficiency,
    renyi_entropy,
    token_length_histogram,
    top_tokens,
    unused_tokens,
    visible,
    vocab_utilization,
    whitespace_share,
    whitespace_share_of,
    zipf_curve,
)

ALL = "ALL"

TABLE_COLUMNS = [
    "tokenizer",
    "language",
    "documents",
    "bytes",
    "chars",
    "lines",
    "tokens",
    "bytes_per_token",
    "chars_per_token",
    "tokens_per_line",
    "fertility",
    "nsl",
    "vocab_size",
    "vocab_used",
    "vocab_utilization",
    "renyi_efficiency",
    "engine",
]


#: ASCII bytes ``str.split()`` splits on (``str.isspace``: the six usual ones and \x1c-\x1f).
_ASCII_SPACE = np.array([chr(i).isspace() for i in range(128)] + [False] * 128)


def count_words(text: str) -> int:
    """Whitespace-separated words: ``len(text.split())``.

    A long ASCII text is counted without building the words: a word starts at each
    non-space byte that follows a space (or starts the text)."""
    if len(text) < 4096 or not text.isascii():
        return len(text.split())
    space = _ASCII_SPACE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    return int(np.count_nonzero(~space[1:] & space[:-1]) + (not space[0]))


def text_stats(text: str) -> dict[str, int]:
    """bytes (UTF-8), chars (code points), lines (`pretokenize.count_lines`), words."""
    return {
        "bytes": len(text) if text.isascii() else len(text.encode("utf-8")),
        "chars": len(text),
        "lines": count_lines(text),
        "words": count_words(text),
    }


def snippet_stats(text: str, n_tokens: int, base_tokens: int | None) -> dict:
    """Numbers for one text: bytes/token = bytes / tokens, chars/token, tokens/line and
    NSL = tokens / base tokens (None without a base)."""
    s = text_stats(text)
    return {
        **s,
        "tokens": n_tokens,
        "bytes_per_token": ratio(s["bytes"], n_tokens),
        "chars_per_token": ratio(s["chars"], n_tokens),
        "tokens_per_line": ratio(n_tokens, s["lines"]),
        "nsl": ratio(n_tokens, base_tokens) if base_tokens is not None else None,
    }


def compression_table(
    stats,
    base: str | None,
    alpha: float = 2.5,
    *,
    renyi_vocab: Literal["vocab", "observed"] = "vocab",
) -> pd.DataFrame:
    """One row per tokenizer x language (sorted), then ``ALL`` per tokenizer; TABLE_COLUMNS.

    ``stats`` is the `tokdash.analysis.stats.CorpusStats` of a corpus (tokenizers in its order).
    Over the documents of a group:

    - documents, bytes, chars, lines, tokens: sums (``ALL`` = the sums over every language);
    - bytes_per_token = sum bytes / sum tokens; chars_per_token = sum chars / sum tokens
      (total over total, never a mean of per-document ratios);
    - tokens_per_line = sum tokens / sum lines; fertility = sum tokens / sum words
      (whitespace words; meaningful for prose, computed for every language);
    - nsl = sum tokens(T) / sum tokens(base), same documents (NaN with no base, or a base
      absent from ``stats``); lower is better, 1.0 for the base itself;
    - vocab_used = #{i : count_i > 0}; vocab_utilization = vocab_used / vocab_size;
    - renyi_efficiency = `renyi_efficiency` of the group's unigram counts with order ``alpha``
      (2.5 as in Zouhar et al. and Dagan et al.), normalised by log vocab_size
      (``renyi_vocab="vocab"``, the paper's formula) or by log vocab_used (``"observed"``, what
      the authors' code computes).
    Ratios with a zero denominator are NaN.
    """
    languages = stats.languages
    base_stats = stats.tokenizers.get(base) if base is not None else None
    rows = []
    for tid, enc in stats.tokenizers.items():
        for lang in [*languages, ALL]:
            group = None if lang == ALL else lang
            text = stats.text_totals(group)
            n_tok = enc.total_tokens if group is None else int(enc.tokens.get(group, 0))
            counts = enc.counts(group)
            used = int(np.count_nonzero(counts))
            if base_stats is None:
                nsl = float("nan")
            else:
                base_tok = (
                    base_stats.total_tokens if group is None else base_stats.tokens.get(group, 0)
                )
                nsl = ratio(n_tok, int(base_tok))
            rows.append(
                {
                    "tokenizer": tid,
                    "language": lang,
                    "documents": text["documents"],
                    "bytes": text["bytes"],
                    "chars": text["chars"],
                    "lines": text["lines"],
                    "tokens": n_tok,
                    "bytes_per_token": ratio(text["bytes"], n_tok),
                    "chars_per_token": ratio(text["chars"], n_tok),
                    "tokens_per_line": ratio(n_tok, text["lines"]),
                    "fertility": ratio(n_tok, text["words"]),
                    "nsl": nsl,
                    "vocab_size": int(enc.vocab_size),
                    "vocab_used": used,
                    "vocab_utilization": ratio(used, enc.vocab_size),
                    "renyi_efficiency": renyi_efficiency(
                        counts, alpha, enc.vocab_size if renyi_vocab == "vocab" else None
                    ),
                    "engine": enc.engine,
                }
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


DOCUMENT_COLUMNS = [
    "tokenizer",
    "doc",
    "language",
    "source",
    "bytes",
    "tokens",
    "bytes_per_token",
    "chars_per_token",
    "tokens_per_line",
    "nsl",
]


def document_metrics(stats, base: str | None) -> pd.DataFrame:
    """Per tokenizer x sampled document (tokenizers in ``stats`` order, documents in corpus
    order), each document's own ratios, for the spread over documents (box / violin plots):

    bytes_per_token = bytes / tokens; chars_per_token = chars / tokens;
    tokens_per_line = tokens / lines; nsl = tokens(T) / tokens(base) of that document.
    NaN where the denominator is 0 or there is no base. Columns DOCUMENT_COLUMNS. The documents
    are the statistics' seeded sample (all of them when the corpus is no larger than the sample).
    """
    docs = stats.documents()
    base_col = f"tokens:{base}" if base is not None else None
    base_tokens = (
        docs[base_col].to_numpy(dtype=np.float64)
        if base_col is not None and base_col in docs
        else None
    )
    n_bytes = docs["bytes"].to_numpy(dtype=np.float64)
    n_chars = docs["chars"].to_numpy(dtype=np.float64)
    n_lines = docs["lines"].to_numpy(dtype=np.float64)
    frames = []
    for tid in stats.tokenizers:
        raw = docs[f"tokens:{tid}"].to_numpy(dtype=np.int64)
        tokens = raw.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = pd.DataFrame(
                {
                    "tokenizer": tid,
                    "doc": docs["doc"].to_numpy(),
                    "language": docs["language"].to_numpy(),
                    "source": docs["source"].to_numpy(),
                    "bytes": docs["bytes"].to_numpy(),
                    "tokens": raw,
                    "bytes_per_token": np.where(tokens > 0, n_bytes / tokens, np.nan),
                    "chars_per_token": np.where(tokens > 0, n_chars / tokens, np.nan),
                    "tokens_per_line": np.where(n_lines > 0, tokens / n_lines, np.nan),
                    "nsl": (
                        np.where(base_tokens > 0, tokens / base_tokens, np.nan)
                        if base_tokens is not None
                        else np.full(len(tokens), np.nan)
                    ),
                },
                columns=DOCUMENT_COLUMNS,
            )
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=DOCUMENT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def nsl_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """`compression_table`'s nsl pivoted for a heatmap: one row per tokenizer (table order),
    one column per language (sorted, ``ALL`` last)."""
    m = table.pivot(index="tokenizer", columns="language", values="nsl")
    langs = sorted(c for c in m.columns if c != ALL) + ([ALL] if ALL in m.columns else [])
    order = list(dict.fromkeys(table["tokenizer"]))
    m = m.loc[order, langs]
    m.columns.name = "language"
    return m


def nsl_paper_average(nsl_by_dataset: Mapping[str, float], category_of: Mapping[str, str]) -> dict:
    """The paper authors' way of averaging NSL (Dagan et al. 2024, tokenizer-bench
    ``process_evals.ipynb``), not a token-weighted average:

    1. NSL per dataset d: tokens_d(T) / tokens_d(base) (``nsl_by_dataset``, e.g. the per-language
       rows of `compression_table` with the datasets as languages);
    2. mean_c = unweighted mean of the NSL of the datasets in category c (``category_of[d]``,
       e.g. code, english, multilingual), NaN values skipped as pandas' ``mean`` does;
    3. average = unweighted mean of the category means.

    Returns ``{category: mean_c, ..., "average": average}`` (categories in first-seen order).
    """
    groups: dict[str, list[float]] = {}
    for dataset, value in nsl_by_dataset.items():
        groups.setdefault(category_of[dataset], []).append(float(value))
    out = {cat: _mean_skipna(vals) for cat, vals in groups.items()}
    out["average"] = _mean_skipna(list(out.values()))
    return out


def _mean_skipna(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else float("nan")
