"""Pure helpers behind the Tokens and Regex splits pages: compact encodings, tables, windows.

Nothing here imports streamlit: the pages cache these results (numpy arrays pickle fast) and
draw them. Token spans are ``[start, end)`` byte offsets into ``text.encode('utf-8')`` as in
`tokdash.viz.render`; lines are counted as in `tokdash.analysis.pretokenize.count_lines`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tokdash.analysis.pretokenize import PATTERNS, Chunk
from tokdash.tokenizers.base import Tokenizer
from tokdash.viz.render import line_token_counts

#: Longest line text shown in the per-line table (characters).
LINE_TEXT_CHARS = 80
#: Longest chunk text shown in the pattern table (characters).
CHUNK_TEXT_CHARS = 40
#: Most tokens (or chunks) one view draws; everything is still counted.
DRAW_LIMIT = 5_000


@dataclass(frozen=True)
class TokenView:
    """One tokenizer's encoding of one text, as compact arrays.

    ``ids``: int64 token ids (no special tokens); ``spans``: int64 ``(n, 2)`` byte spans;
    ``line_counts``: int32 tokens per line (a token counts for the line of its first byte).
    """

    ids: np.ndarray
    spans: np.ndarray
    line_counts: np.ndarray

    @property
    def n_tokens(self) -> int:
        """Number of tokens of the whole text."""
        return int(self.ids.shape[0])


def encode_view(tok: Tokenizer, text: str) -> TokenView:
    """Encode ``text`` with ``tok`` (never adding special tokens) into a `TokenView`."""
    ids, spans = tok.encode_with_spans(text)
    span_arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    counts = np.asarray(line_token_counts(text, spans), dtype=np.int32)
    return TokenView(np.asarray(ids, dtype=np.int64), span_arr, counts)


# ----- drawing a window of a long text ------------------------------------------------------


def _line_start_byte(data: bytes, line: int) -> int:
    """Byte offset where 1-based ``line`` starts (``len(data)`` past the last line)."""
    pos = 0
    for _ in range(line - 1):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        pos = nl + 1
    return pos


def _is_char_start(data: bytes, i: int) -> bool:
    return i >= len(data) or (data[i] & 0xC0) != 0x80


@dataclass(frozen=True)
class Window:
    """A piece of a text to draw: ``text`` and the spans of items ``first .. first+len(spans)``
    (tokens or chunks), made relative to ``text``.

    ``first_line`` is the 1-based line where ``text`` begins; ``more`` counts the items after
    the window, not drawn.
    """

    text: str
    spans: list[tuple[int, int]]
    first: int
    first_line: int
    more: int

    @property
    def stop(self) -> int:
        """Index after the last drawn item."""
        return self.first + len(self.spans)


def window(
    text: str, spans: np.ndarray, *, first_line: int = 1, max_items: int = DRAW_LIMIT
) -> Window:
    """The items (token or chunk spans, an ``(n, 2+)`` array that tiles the text's bytes) to
    draw from ``first_line`` on: at most ``max_items`` of them.

    The window starts at the item that holds the first byte of ``first_line`` (stepping back
    while that item starts inside a multi-byte character), so every drawn item is whole; it may
    therefore begin on the line before, and ``first_line`` says where it really begins.
    """
    data = text.encode("utf-8")
    spans = np.asarray(spans, dtype=np.int64)
    first_line = max(1, int(first_line))
    if spans.size == 0:
        return Window("", [], 0, 1, 0)
    spans = spans.reshape(len(spans), -1)[:, :2]
    n = len(spans)
    target = _line_start_byte(data, first_line)
    # the first item that ends after `target` holds it; empty items at `target` come with it
    i = int(np.searchsorted(spans[:, 1], target, side="right"))
    while i > 0 and spans[i - 1, 0] == spans[i - 1, 1] == target:
        i -= 1
    i = min(i, n - 1)
    while i > 0 and not _is_char_start(data, int(spans[i, 0])):
        i -= 1
    start_byte = int(spans[i, 0])
    stop = min(n, i + max(1, int(max_items)))
    end_byte = int(spans[stop - 1, 1])
    while not _is_char_start(data, end_byte):  # the last item ends inside a character
        end_byte += 1
    piece = data[start_byte:end_byte].decode("utf-8")
    rel = [(a, b) for a, b in (spans[i:stop] - start_byte).tolist()]
    line = data.count(b"\n", 0, start_byte) + 1
    return Window(piece, rel, i, line, n - stop)


def window_note(win: Window, total: int, noun: str = "tokens") -> str:
    """What a window leaves out, as a caption (``""`` when it draws every item from line 1).

    ``total`` counts the items of the whole text; ``noun`` names them (tokens, chunks)."""
    if not (win.first or win.more):
        return ""
    return (
        f"Drawn: {noun} {win.first + 1:,}–{win.stop:,} of {total:,}, from line {win.first_line:,}."
    )


# ----- tables -------------------------------------------------------------------------------


def _shown_line(line: str, limit: int = LINE_TEXT_CHARS) -> str:
    line = line.rstrip("\r\n").expandtabs(4)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def text_lines(text: str) -> list[str]:
    """The lines of ``text`` as `count_lines` counts them (each without its newline)."""
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def line_table(text: str, counts: Mapping[str, Sequence[int] | np.ndarray]) -> pd.DataFrame:
    """Tokens per line for each tokenizer: ``line``, one column per tokenizer id, ``spread``
    (max - min over tokenizers, with two or more), and the line ``text`` (tabs expanded,
    cut at `LINE_TEXT_CHARS`)."""
    lines = text_lines(text)
    n = len(lines)
    df = pd.DataFrame({"line": np.arange(1, n + 1, dtype=np.int64)})
    for name, col in counts.items():
        arr = np.zeros(n, dtype=np.int64)
        col = np.asarray(col, dtype=np.int64)[:n]
        arr[: len(col)] = col
        df[name] = arr
    if len(counts) >= 2:
        df["spread"] = df[list(counts)].max(axis=1) - df[list(counts)].min(axis=1)
    df["text"] = [_shown_line(s) for s in lines]
    return df


SUMMARY_COLUMNS = [
    "tokenizer",
    "name",
    "vocab_size",
    "tokens",
    "bytes_per_token",
    "chars_per_token",
    "tokens_per_line",
    "nsl",
]


def summary_row(tok: Tokenizer, stats: Mapping[str, object]) -> dict:
    """One row of the per-tokenizer summary from ``metrics.snippet_stats``'s dict."""
    return {
        "tokenizer": tok.id,
        "name": tok.name,
        "vocab_size": tok.vocab_size,
        **{k: stats.get(k) for k in SUMMARY_COLUMNS[3:]},
    }


def summary_table(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The per-tokenizer summary (columns `SUMMARY_COLUMNS`)."""
    return pd.DataFrame(list(rows), columns=SUMMARY_COLUMNS)


# ----- patterns for the regex page ----------------------------------------------------------


@dataclass(frozen=True)
class PatternChoice:
    """A pattern to split with: a label, the pattern (None = identity), and where it is from."""

    label: str
    pattern: str | None
    source: str
    note: str = ""
    custom: bool = False


def pattern_choices(
    named: Sequence[str],
    tokenizer_patterns: Sequence[tuple[str, str | None]] = (),
    custom: str = "",
) -> list[PatternChoice]:
    """The patterns to show, in order: named ones, the tokenizers' own, then the custom one.

    A tokenizer whose pattern is already listed is folded into that entry's label rather than
    shown twice; tokenizers without a pattern are skipped. ``custom`` is kept even when it
    repeats a listed pattern (the user typed it), and validated later.
    """
    out: list[PatternChoice] = []
    index: dict[str | None, int] = {}
    for pid in named:
        p = PATTERNS[pid]
        index[p.pattern] = len(out)
        out.append(PatternChoice(p.name, p.pattern, p.source, p.note))
    for tok_id, pat in tokenizer_patterns:
        if pat is None:
            continue
        if pat in index:
            prev = out[index[pat]]
            out[index[pat]] = PatternChoice(
                f"{prev.label} = {tok_id}", prev.pattern, prev.source, prev.note
            )
            continue
        same = next((p for p in PATTERNS.values() if p.pattern == pat), None)
        note = f"Same text as the named pattern {same.name}." if same else ""
        index[pat] = len(out)
        out.append(PatternChoice(f"{tok_id} (own pattern)", pat, f"tokenizer {tok_id}", note))
    if custom:
        out.append(PatternChoice("Custom", custom, "typed on this page", custom=True))
    return out


def chunk_array(chunks: Sequence[Chunk]) -> np.ndarray:
    """Chunks as an int64 ``(n, 3)`` array: start, end, matched (1/0)."""
    return np.asarray([tuple(c) for c in chunks], dtype=np.int64).reshape(-1, 3)


def chunks_from_array(arr: np.ndarray) -> list[Chunk]:
    """The inverse of `chunk_array`."""
    return [Chunk(int(a), int(b), bool(m)) for a, b, m in arr.tolist()]


def _shown_chunk(s: str, limit: int = CHUNK_TEXT_CHARS) -> str:
    # newlines, tabs and control characters as escapes (\n, \t), spaces as middle dots
    shown = repr(s)[1:-1].replace(" ", "·")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


PATTERN_COLUMNS = [
    "pattern",
    "chunks",
    "distinct_chunks",
    "chunks_per_line",
    "longest_chunk_bytes",
    "longest_chunk",
    "unmatched_chunks",
    "mean_chunk_bytes",
    "source",
]


def pattern_row(choice: PatternChoice, stats: Mapping[str, object]) -> dict:
    """One row of the pattern table from `pretokenize.chunk_stats`'s dict."""
    return {
        "pattern": choice.label,
        "chunks": stats["chunks"],
        "chunks_per_line": stats["chunks_per_line"],
        "longest_chunk_bytes": stats["longest_chunk_bytes"],
        "longest_chunk": _shown_chunk(stats["longest_chunk_text"]),
        "distinct_chunks": stats["distinct_chunks"],
        "unmatched_chunks": stats["unmatched_chunks"],
        "mean_chunk_bytes": stats["mean_chunk_bytes"],
        "source": choice.source,
    }


def pattern_table(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The per-pattern table (columns `PATTERN_COLUMNS`)."""
    return pd.DataFrame(list(rows), columns=PATTERN_COLUMNS)
