"""Compression and vocabulary metrics, each a pure function with its formula in the docstring.

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
]


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0."""
    return float(num) / float(den) if den else float("nan")


def count_words(text: str) -> int:
    """Whitespace-separated words: ``len(text.split())``."""
    return len(text.split())


def text_stats(text: str) -> dict[str, int]:
    """bytes (UTF-8), chars (code points), lines (`pretokenize.count_lines`), words."""
    return {
        "bytes": len(text.encode("utf-8")),
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
    return np.fromiter((len(vocab_bytes[i]) for i in range(n)), dtype=np.int64, count=n)


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


def whitespace_share(counts: np.ndarray, vocab_bytes: list[bytes]) -> float:
    """Share of token occurrences that are pure whitespace (indentation, newlines):
    sum of counts_i over ids whose bytes are non-empty and all in b" \\t\\n\\r\\v\\f",
    divided by sum of all counts (NaN when nothing was counted)."""
    c = np.asarray(counts, dtype=np.int64)
    n = min(len(vocab_bytes), c.size)
    seen = np.flatnonzero(c[:n])  # only ids that occur can add to the sum (fast on big vocabs)
    ws = sum(int(c[i]) for i in seen if _is_whitespace(vocab_bytes[i]))
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
