"""Compression and vocabulary metrics, each a pure function with its formula in the docstring.

Corpus-level ratios are total over total (sum of bytes / sum of tokens), never a mean of
per-document ratios; the spread over documents is reported separately.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from tokdash.pretokenize import count_lines

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
    """One row per document: doc (index), language, source, bytes, chars, lines, words.

    lines = number of ``\\n``-terminated pieces plus a last unterminated one (``""`` has 0).
    """
    rows = []
    for i, d in enumerate(documents):
        rows.append({"doc": i, "language": d.language, "source": d.source, **text_stats(d.text)})
    cols = ["doc", "language", "source", "bytes", "chars", "lines", "words"]
    return pd.DataFrame(rows, columns=cols)


def renyi_entropy(counts: np.ndarray, alpha: float) -> float:
    """Rényi entropy (nats) of the unigram distribution p = counts / sum(counts).

    H_a(p) = 1/(1-a) * log(sum_i p_i^a); a = 1 is Shannon's -sum p log p, a = 0 is
    log(#types used), a = inf is -log(max p).
    """
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


def renyi_efficiency(counts: np.ndarray, alpha: float, vocab_size: int) -> float:
    """Rényi efficiency (Zouhar et al. 2023, "Tokenization and the Noiseless Channel"):
    H_a(p) / log |V|, with |V| the vocabulary size; 1.0 for a uniform use of the vocabulary."""
    if vocab_size <= 1:
        return float("nan")
    return renyi_entropy(counts, alpha) / math.log(vocab_size)


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
    """Token length in bytes -> number of tokens: occurrences in the corpus (``weighted``) or
    vocabulary entries (not weighted). Columns length_bytes, tokens."""
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
    """Share of token occurrences whose bytes are non-empty and all ASCII whitespace."""
    c = np.asarray(counts, dtype=np.int64)
    n = min(len(vocab_bytes), c.size)
    mask = np.fromiter((_is_whitespace(vocab_bytes[i]) for i in range(n)), dtype=bool, count=n)
    return ratio(int(c[:n][mask].sum()), int(c.sum()))


def visible(b: bytes) -> str:
    """A token's bytes made readable: space ·, tab →, newline ↵, invalid UTF-8 as \\xNN."""
    s = b.decode("utf-8", errors="backslashreplace")
    return s.replace(" ", "·").replace("\t", "→").replace("\n", "↵").replace("\r", "␍")


def top_tokens(counts: np.ndarray, vocab_bytes: list[bytes], n: int) -> pd.DataFrame:
    """The ``n`` most frequent ids: id, token (visible whitespace), count, share of all tokens."""
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
    return df.sort_values(["length_bytes", "id"], ascending=[False, True], kind="stable")


def _sum_counts(unigram: Mapping[str, np.ndarray], langs: Iterable[str], size: int) -> np.ndarray:
    total = np.zeros(size, dtype=np.int64)
    for lang in langs:
        c = unigram.get(lang)
        if c is not None:
            m = min(size, c.size)
            total[:m] += c[:m]
    return total


def compression_table(
    docs: pd.DataFrame, encodings: Mapping, base: str | None, alpha: float = 2.5
) -> pd.DataFrame:
    """One row per tokenizer x language, plus ``ALL`` per tokenizer (columns TABLE_COLUMNS).

    bytes_per_token = sum bytes / sum tokens; chars_per_token = sum chars / sum tokens;
    tokens_per_line = sum tokens / sum lines; fertility = sum tokens / sum words;
    nsl = sum tokens(T) / sum tokens(base) over the same documents (NaN without a base);
    vocab_used = #ids seen; vocab_utilization = vocab_used / vocab_size;
    renyi_efficiency = H_alpha(unigram) / log(vocab_size).
    """
    languages = sorted(docs["language"].unique()) if len(docs) else []
    base_tokens = (
        np.asarray(encodings[base].doc_tokens) if base is not None and base in encodings else None
    )
    rows = []
    for tid, enc in encodings.items():
        tokens = np.asarray(enc.doc_tokens)
        for lang in [*languages, ALL]:
            mask = np.ones(len(docs), dtype=bool) if lang == ALL else (docs["language"] == lang)
            mask = np.asarray(mask)
            sub = docs[mask]
            n_tok = int(tokens[mask].sum())
            counts = _sum_counts(enc.unigram, languages if lang == ALL else [lang], enc.vocab_size)
            used = int((counts > 0).sum())
            rows.append(
                {
                    "tokenizer": tid,
                    "language": lang,
                    "documents": int(mask.sum()),
                    "bytes": int(sub["bytes"].sum()),
                    "chars": int(sub["chars"].sum()),
                    "lines": int(sub["lines"].sum()),
                    "tokens": n_tok,
                    "bytes_per_token": ratio(sub["bytes"].sum(), n_tok),
                    "chars_per_token": ratio(sub["chars"].sum(), n_tok),
                    "tokens_per_line": ratio(n_tok, sub["lines"].sum()),
                    "fertility": ratio(n_tok, sub["words"].sum()),
                    "nsl": ratio(n_tok, base_tokens[mask].sum())
                    if base_tokens is not None
                    else float("nan"),
                    "vocab_size": int(enc.vocab_size),
                    "vocab_used": used,
                    "vocab_utilization": ratio(used, enc.vocab_size),
                    "renyi_efficiency": renyi_efficiency(counts, alpha, enc.vocab_size),
                }
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def document_metrics(docs: pd.DataFrame, encodings: Mapping, base: str | None) -> pd.DataFrame:
    """Per document x tokenizer: tokens, bytes_per_token, chars_per_token, tokens_per_line,
    nsl (document level: each document's own ratios)."""
    base_tokens = (
        np.asarray(encodings[base].doc_tokens, dtype=np.float64)
        if base is not None and base in encodings
        else None
    )
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
                    "tokens": tokens.astype(np.int64),
                    "bytes_per_token": np.where(tokens > 0, docs["bytes"] / tokens, np.nan),
                    "chars_per_token": np.where(tokens > 0, docs["chars"] / tokens, np.nan),
                    "tokens_per_line": np.where(
                        docs["lines"] > 0, tokens / docs["lines"].to_numpy(), np.nan
                    ),
                    "nsl": (
                        np.where(base_tokens > 0, tokens / base_tokens, np.nan)
                        if base_tokens is not None
                        else np.nan
                    ),
                }
            )
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def nsl_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """NSL pivoted to tokenizer (rows, in table order) x language (columns, ALL last)."""
    m = table.pivot(index="tokenizer", columns="language", values="nsl")
    langs = [c for c in m.columns if c != ALL] + ([ALL] if ALL in m.columns else [])
    order = list(dict.fromkeys(table["tokenizer"]))
    return m.loc[order, langs]


def nsl_paper_average(nsl_by_dataset: Mapping[str, float], category_of: Mapping[str, str]) -> dict:
    """The paper authors' average: NSL per dataset, unweighted mean within each category, then
    "average" = the unweighted mean of the category means. Returns {category: mean, "average"}."""
    groups: dict[str, list[float]] = {}
    for dataset, value in nsl_by_dataset.items():
        groups.setdefault(category_of[dataset], []).append(float(value))
    out = {cat: float(np.mean(vals)) for cat, vals in groups.items()}
    out["average"] = float(np.mean(list(out.values()))) if out else float("nan")
    return out
