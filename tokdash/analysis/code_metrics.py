"""How tokens line up with a document's lexemes: pure functions of (leaves, token spans).

Token spans are byte spans ``[start, end)`` of the document's UTF-8 text, one per token, in
order; normally they tile the text. The *internal boundaries* are the distinct offsets
``end_i`` (every token but the last) and ``start_i`` (every token but the first) strictly inside
``(0, n_bytes)``; for tiling spans that is exactly the end offsets of every token but the last
(without repeats from empty tokens, e.g. SentencePiece's lone dummy-prefix piece). A boundary
``b`` *cuts* a leaf when ``leaf.start < b < leaf.end``; a token *overlaps* a leaf when their spans
have a non-empty intersection (empty tokens overlap nothing).

Per document, `document_counts` gives a `CodeCounts` of integer counts; counts merge by adding
(`CodeCounts.merge`), so a corpus, a language or a shard is the sum of its documents and every
ratio is a total over a total:

- ``lexeme_integrity`` = code lexemes no boundary cuts / code lexemes
- ``identifier_integrity`` = identifiers no boundary cuts / identifiers
- ``boundary_alignment`` = boundaries cutting no code lexeme / boundaries not strictly inside a
  comment or string leaf
- ``crossing_rate`` = tokens overlapping two or more leaves / tokens
- ``identifier_tokens_mean`` = sum over identifiers of the tokens overlapping each / identifiers
- ``indent_tokens_mean`` = tokens overlapping the indentation of each indented line / indented
  lines (indentation: the line's leading spaces and tabs, on a line with something after them)
- ``indent_single_share`` = indented lines whose indentation one token overlaps / indented lines
- ``number_tokens_mean`` = tokens overlapping each number lexeme / number lexemes
- ``digit_group_k`` = share of digit groups of length k (k = 1, 2, 3, 4 or more), a digit group
  being a maximal run of ASCII digits inside one token's part of a number lexeme
- ``partial_utf8_share`` = tokens whose bytes are not valid UTF-8 on their own / tokens
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

import numpy as np

from tokdash.analysis.lexemes import (
    CATEGORIES,
    CODE_CATEGORIES,
    COMMENT,
    IDENTIFIER,
    NUMBER,
    STRING,
    Leaves,
)

#: Longest digit-group length counted on its own; longer groups go in the last bucket.
DIGIT_BUCKETS = 4
#: How many of the most fragmented identifiers a statistic keeps.
WORST_KEEP = 25

_INDENT = re.compile(rb"(?m)^[ \t]+(?=\S)")
_DIGITS = re.compile(rb"[0-9]+")


def internal_boundaries(starts: np.ndarray, ends: np.ndarray, n_bytes: int) -> np.ndarray:
    """Distinct internal token boundaries, sorted (see the module docstring)."""
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.size < 2:
        return np.zeros(0, dtype=np.int64)
    b = np.unique(np.concatenate([ends[:-1], starts[1:]]))
    return b[(b > 0) & (b < n_bytes)]


def cut_mask(leaf_starts: np.ndarray, leaf_ends: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Per leaf: whether some boundary ``b`` has ``start < b < end`` (``boundaries`` sorted)."""
    if boundaries.size == 0:
        return np.zeros(leaf_starts.size, dtype=bool)
    idx = np.searchsorted(boundaries, leaf_starts, side="right")  # first b > start
    nxt = boundaries[np.minimum(idx, boundaries.size - 1)]
    return (idx < boundaries.size) & (nxt < leaf_ends)


def inside_mask(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per point ``b``: whether some span has ``start < b < end`` (spans sorted by start)."""
    if starts.size == 0:
        return np.zeros(points.size, dtype=bool)
    reach = np.maximum.accumulate(ends)  # furthest end among spans starting at or before each
    j = np.searchsorted(starts, points, side="left") - 1  # last span with start < b
    return (j >= 0) & (reach[np.maximum(j, 0)] > points)


def overlap_counts(
    a_starts: np.ndarray, a_ends: np.ndarray, b_starts: np.ndarray, b_ends: np.ndarray
) -> np.ndarray:
    """Per span of ``a``: how many non-empty spans of ``b`` intersect it (non-empty overlap).

    ``#{j: b_start_j < a_end} - #{j: b_end_j <= a_start}``, exact for any ``b`` whose spans are
    non-empty, in any order, overlapping or not."""
    bs = np.sort(b_starts)
    be = np.sort(b_ends)
    n = np.searchsorted(bs, a_ends, side="left") - np.searchsorted(be, a_starts, side="right")
    return np.where(a_ends > a_starts, n, 0)


def char_start_mask(data: bytes) -> np.ndarray:
    """``out[i]``: whether byte ``i`` starts a UTF-8 character (``out[len(data)]`` is True)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    return np.append((arr & 0xC0) != 0x80, True)


def cutting_tokens(leaves: Leaves, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per token: whether its start or end lies strictly inside a code lexeme."""
    code = leaves.of(*CODE_CATEGORIES)
    ls, le = leaves.starts[code], leaves.ends[code]
    return inside_mask(np.asarray(starts), ls, le) | inside_mask(np.asarray(ends), ls, le)


@dataclass
class CodeCounts:
    """Integer counts behind the code-structure metrics; merge by adding (module docstring)."""

    documents: int = 0
    skipped: int = 0
    bytes: int = 0
    error_bytes: int = 0
    tokens: int = 0
    leaves: int = 0
    code_lexemes: int = 0
    code_lexemes_intact: int = 0
    identifiers: int = 0
    identifiers_intact: int = 0
    identifier_tokens: int = 0
    boundaries: int = 0
    boundaries_scored: int = 0
    boundaries_aligned: int = 0
    crossing_tokens: int = 0
    indented_lines: int = 0
    indent_tokens: int = 0
    indent_single: int = 0
    numbers: int = 0
    number_tokens: int = 0
    partial_tokens: int = 0
    categories: np.ndarray = field(default_factory=lambda: np.zeros(len(CATEGORIES), np.int64))
    digit_groups: np.ndarray = field(default_factory=lambda: np.zeros(DIGIT_BUCKETS, np.int64))
    #: The most fragmented identifiers: ``(tokens, text, pieces)``, most tokens first.
    worst: tuple[tuple[int, str, str], ...] = ()

    def merge(self, other: CodeCounts) -> CodeCounts:
        """The counts of both (associative and commutative, up to ties in ``worst``)."""
        out = CodeCounts()
        for f in fields(self):
            if f.name == "worst":
                continue
            setattr(out, f.name, getattr(self, f.name) + getattr(other, f.name))
        out.worst = _keep_worst([*self.worst, *other.worst])
        return out

    __add__ = merge

    def metrics(self) -> dict[str, float]:
        """The ratios, totals over totals (NaN where the denominator is 0)."""
        groups = int(self.digit_groups.sum())
        out = {
            "lexeme_integrity": _ratio(self.code_lexemes_intact, self.code_lexemes),
            "identifier_integrity": _ratio(self.identifiers_intact, self.identifiers),
            "boundary_alignment": _ratio(self.boundaries_aligned, self.boundaries_scored),
            "crossing_rate": _ratio(self.crossing_tokens, self.tokens),
            "identifier_tokens_mean": _ratio(self.identifier_tokens, self.identifiers),
            "indent_tokens_mean": _ratio(self.indent_tokens, self.indented_lines),
            "indent_single_share": _ratio(self.indent_single, self.indented_lines),
            "number_tokens_mean": _ratio(self.number_tokens, self.numbers),
            "partial_utf8_share": _ratio(self.partial_tokens, self.tokens),
        }
        for k in range(DIGIT_BUCKETS):
            name = f"digit_group_{k + 1}" + ("plus" if k == DIGIT_BUCKETS - 1 else "")
            out[name] = _ratio(int(self.digit_groups[k]), groups)
        return out


def _ratio(num: int, den: int) -> float:
    return float(num) / den if den else float("nan")


def _keep_worst(items) -> tuple[tuple[int, str, str], ...]:
    """The `WORST_KEEP` items with most tokens, one per identifier text (its most tokens)."""
    best: dict[str, tuple[int, str, str]] = {}
    for item in items:
        old = best.get(item[1])
        if old is None or (item[0], item[2]) > (old[0], old[2]):
            best[item[1]] = item
    ranked = sorted(best.values(), key=lambda t: (-t[0], t[1], t[2]))
    return tuple(ranked[:WORST_KEEP])


def document_counts(
    leaves: Leaves, starts: np.ndarray, ends: np.ndarray, data: bytes
) -> CodeCounts:
    """The counts of one document: its leaves, its token spans, its UTF-8 bytes."""
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    n = len(data)
    full = ends > starts
    ts, te = starts[full], ends[full]  # non-empty tokens, in order
    ls, le, cats = leaves.starts, leaves.ends, leaves.categories
    bounds = internal_boundaries(starts, ends, n)

    code = np.isin(cats, CODE_CATEGORIES)
    ident = cats == IDENTIFIER
    cut = cut_mask(ls, le, bounds)
    quoted = np.isin(cats, (COMMENT, STRING))
    scored = ~inside_mask(bounds, ls[quoted], le[quoted])
    cuts_code = inside_mask(bounds, ls[code], le[code])
    per_ident = overlap_counts(ls[ident], le[ident], ts, te)

    out = CodeCounts(
        documents=1,
        bytes=n,
        error_bytes=leaves.error_bytes,
        tokens=int(starts.size),
        leaves=len(leaves),
        code_lexemes=int(code.sum()),
        code_lexemes_intact=int((code & ~cut).sum()),
        identifiers=int(ident.sum()),
        identifiers_intact=int((ident & ~cut).sum()),
        identifier_tokens=int(per_ident.sum()),
        boundaries=int(bounds.size),
        boundaries_scored=int(scored.sum()),
        boundaries_aligned=int((scored & ~cuts_code).sum()),
        crossing_tokens=int((overlap_counts(ts, te, ls, le) >= 2).sum()),
        categories=leaves.counts(),
    )
    _indentation(out, data, ts, te)
    _numbers(out, data, ls[cats == NUMBER], le[cats == NUMBER], ts, te)
    starts_char = char_start_mask(data)
    out.partial_tokens = int((~starts_char[ts] | ~starts_char[te]).sum())
    out.worst = _worst(data, ls[ident], le[ident], per_ident, ts, te)
    return out


def _indentation(out: CodeCounts, data: bytes, ts: np.ndarray, te: np.ndarray) -> None:
    runs = [m.span() for m in _INDENT.finditer(data)]
    if not runs:
        return
    arr = np.asarray(runs, dtype=np.int64)
    per_run = overlap_counts(arr[:, 0], arr[:, 1], ts, te)
    out.indented_lines = len(runs)
    out.indent_tokens = int(per_run.sum())
    out.indent_single = int((per_run == 1).sum())


def _numbers(
    out: CodeCounts, data: bytes, ls: np.ndarray, le: np.ndarray, ts: np.ndarray, te: np.ndarray
) -> None:
    out.numbers = int(ls.size)
    if not ls.size:
        return
    out.number_tokens = int(overlap_counts(ls, le, ts, te).sum())
    first = np.searchsorted(te, ls, side="right")  # first token ending after the leaf starts
    last = np.searchsorted(ts, le, side="left")  # tokens starting before the leaf ends
    groups = np.zeros(DIGIT_BUCKETS, dtype=np.int64)
    for s, e, a, b in zip(ls.tolist(), le.tolist(), first.tolist(), last.tolist(), strict=True):
        for j in range(a, b):
            part = data[max(int(ts[j]), s) : min(int(te[j]), e)]
            for run in _DIGITS.findall(part):
                groups[min(len(run), DIGIT_BUCKETS) - 1] += 1
    out.digit_groups = groups


def _worst(
    data: bytes,
    ls: np.ndarray,
    le: np.ndarray,
    per_ident: np.ndarray,
    ts: np.ndarray,
    te: np.ndarray,
) -> tuple[tuple[int, str, str], ...]:
    if not ls.size:
        return ()
    k = min(per_ident.size, WORST_KEEP * 4)
    top = np.argpartition(-per_ident, k - 1)[:k] if k < per_ident.size else np.arange(k)
    items = []
    for i in top.tolist():
        s, e = int(ls[i]), int(le[i])
        a = int(np.searchsorted(te, s, side="right"))
        b = int(np.searchsorted(ts, e, side="left"))
        parts = [data[max(int(ts[j]), s) : min(int(te[j]), e)] for j in range(a, b)]
        pieces = "|".join(p.decode("utf-8", errors="backslashreplace") for p in parts)
        items.append((int(per_ident[i]), data[s:e].decode("utf-8", errors="replace"), pieces))
    return _keep_worst(items)
