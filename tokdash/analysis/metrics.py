"""Compression metrics and the corpus tables, each a pure function with its formula in the
docstring; the vocabulary metrics live in `tokdash.analysis.vocab_metrics` (re-exported here).

Corpus-level ratios are total over total (sum of bytes / sum of tokens), never a mean of
per-document ratios; the spread over documents is reported separately.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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
    zipf_curve,
)
from tokdash.errors import TokdashError

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


def document_table(documents: Iterable) -> pd.DataFrame:
    """One row per document (objects with ``.text``, ``.language`` and optionally ``.source``).

    Columns: doc (position in the corpus, 0-based), language, source ("" when absent),
    bytes = ``len(text.encode("utf-8"))``, chars = ``len(text)`` (code points),
    lines = ``text.count("\\n") + (1 if text and not text.endswith("\\n") else 0)`` (``""`` has 0
    lines, ``"a"`` 1, ``"a\\n"`` 1, ``"a\\nb"`` 2; ``"\\r"`` alone does not end a line),
    words = ``len(text.split())``: maximal runs of characters that are not whitespace in the
    sense of ``str.isspace`` (Unicode whitespace, so a no-break space separates words).
    """
    rows = []
    for i, d in enumerate(documents):
        source = getattr(d, "source", "")
        rows.append({"doc": i, "language": d.language, "source": source, **text_stats(d.text)})
    cols = ["doc", "language", "source", "bytes", "chars", "lines", "words"]
    return pd.DataFrame(rows, columns=cols)


def _sum_counts(unigram: Mapping[str, np.ndarray], langs: Iterable[str], size: int) -> np.ndarray:
    """Element-wise sum of ``unigram[lang]`` over ``langs`` (missing languages count 0)."""
    arrays = [np.asarray(unigram[lang]) for lang in langs if lang in unigram]
    total = np.zeros(max([size, *(a.size for a in arrays)]), dtype=np.int64)
    for a in arrays:
        total[: a.size] += a
    return total


def _check_aligned(docs: pd.DataFrame, encodings: Mapping) -> None:
    for tid, enc in encodings.items():
        if len(enc.doc_tokens) != len(docs):
            raise TokdashError(
                f"The encoding of {tid} has {len(enc.doc_tokens)} documents but the corpus has "
                f"{len(docs)}: encode the same corpus again."
            )


def compression_table(
    docs: pd.DataFrame,
    encodings: Mapping,
    base: str | None,
    alpha: float = 2.5,
    *,
    renyi_vocab: Literal["vocab", "observed"] = "vocab",
) -> pd.DataFrame:
    """One row per tokenizer x language (sorted), then ``ALL`` per tokenizer; TABLE_COLUMNS.

    ``docs`` is `document_table` of the corpus, ``encodings`` maps tokenizer id ->
    `CorpusEncoding` of the same documents (rows keep its order). Over the documents of a group:

    - documents, bytes, chars, lines, tokens: sums (``ALL`` = the sums over every language);
    - bytes_per_token = sum bytes / sum tokens; chars_per_token = sum chars / sum tokens
      (total over total, never a mean of per-document ratios);
    - tokens_per_line = sum tokens / sum lines; fertility = sum tokens / sum words
      (whitespace words; meaningful for prose, computed for every language);
    - nsl = sum tokens(T) / sum tokens(base), same documents (NaN with no base, or a base
      absent from ``encodings``); lower is better, 1.0 for the base itself;
    - vocab_used = #{i : count_i > 0}; vocab_utilization = vocab_used / vocab_size;
    - renyi_efficiency = `renyi_efficiency` of the group's unigram counts with order ``alpha``
      (2.5 as in Zouhar et al. and Dagan et al.), normalised by log vocab_size
      (``renyi_vocab="vocab"``, the paper's formula) or by log vocab_used (``"observed"``, what
      the authors' code computes).
    Ratios with a zero denominator are NaN.
    """
    _check_aligned(docs, encodings)
    languages = sorted(docs["language"].unique()) if len(docs) else []
    lang_of = docs["language"].to_numpy()
    base_tokens = (
        np.asarray(encodings[base].doc_tokens) if base is not None and base in encodings else None
    )
    rows = []
    for tid, enc in encodings.items():
        tokens = np.asarray(enc.doc_tokens)
        for lang in [*languages, ALL]:
            mask = np.ones(len(docs), dtype=bool) if lang == ALL else lang_of == lang
            sub = docs[mask]
            n_tok = int(tokens[mask].sum())
            counts = _sum_counts(enc.unigram, languages if lang == ALL else [lang], enc.vocab_size)
            used = int((counts > 0).sum())
            n_bytes, n_chars = int(sub["bytes"].sum()), int(sub["chars"].sum())
            n_lines, n_words = int(sub["lines"].sum()), int(sub["words"].sum())
            rows.append(
                {
                    "tokenizer": tid,
                    "language": lang,
                    "documents": int(mask.sum()),
                    "bytes": n_bytes,
                    "chars": n_chars,
                    "lines": n_lines,
                    "tokens": n_tok,
                    "bytes_per_token": ratio(n_bytes, n_tok),
                    "chars_per_token": ratio(n_chars, n_tok),
                    "tokens_per_line": ratio(n_tok, n_lines),
                    "fertility": ratio(n_tok, n_words),
                    "nsl": ratio(n_tok, int(base_tokens[mask].sum()))
                    if base_tokens is not None
                    else float("nan"),
                    "vocab_size": int(enc.vocab_size),
                    "vocab_used": used,
                    "vocab_utilization": ratio(used, enc.vocab_size),
                    "renyi_efficiency": renyi_efficiency(
                        counts, alpha, enc.vocab_size if renyi_vocab == "vocab" else None
                    ),
                    "engine": getattr(enc, "engine", "reference"),
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


def document_metrics(docs: pd.DataFrame, encodings: Mapping, base: str | None) -> pd.DataFrame:
    """Per tokenizer x document (tokenizers in ``encodings`` order, documents in corpus order),
    each document's own ratios, for the spread over documents (box / violin plots):

    bytes_per_token = bytes / tokens; chars_per_token = chars / tokens;
    tokens_per_line = tokens / lines; nsl = tokens(T) / tokens(base) of that document.
    NaN where the denominator is 0 or there is no base. Columns DOCUMENT_COLUMNS.
    """
    _check_aligned(docs, encodings)
    base_tokens = (
        np.asarray(encodings[base].doc_tokens, dtype=np.float64)
        if base is not None and base in encodings
        else None
    )
    n_bytes = docs["bytes"].to_numpy(dtype=np.float64)
    n_chars = docs["chars"].to_numpy(dtype=np.float64)
    n_lines = docs["lines"].to_numpy(dtype=np.float64)
    frames = []
    for tid, enc in encodings.items():
        tokens = np.asarray(enc.doc_tokens, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = pd.DataFrame(
                {
                    "tokenizer": tid,
                    "doc": docs["doc"].to_numpy(),
                    "language": docs["language"].to_numpy(),
                    "source": docs["source"].to_numpy(),
                    "bytes": docs["bytes"].to_numpy(),
                    "tokens": np.asarray(enc.doc_tokens, dtype=np.int64),
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
