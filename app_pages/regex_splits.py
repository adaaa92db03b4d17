"""Regex splits: how each pre-tokenization regex cuts a text into the chunks BPE merges within."""

from __future__ import annotations

import numpy as np
import streamlit as st

from tokdash.analysis.pretokenize import PATTERNS, count_lines
from tokdash.ui.drawing import TIMEOUT_S, drawn, split_text
from tokdash.ui.sidebar import load_selected
from tokdash.ui.text_source import text_source
from tokdash.ui.widgets import table_with_download, view_grid
from tokdash.viz.render import css
from tokdash.viz.views import (
    DRAW_LIMIT,
    PatternChoice,
    pattern_choices,
    pattern_row,
    pattern_table,
)

MAX_DRAWN_CHUNKS = DRAW_LIMIT  # per view; everything is still counted
DEFAULT_PATTERNS = ["gpt2", "gpt4", "gpt4o", "punct", "identity"]
SCROLL_CSS = "<style>.td-scroll .tokdash-view { max-height: 30rem; overflow-y: auto; }</style>"


def _num(label: str, fmt: str = "%,d", width: int = 70):
    return st.column_config.NumberColumn(label, format=fmt, width=width)


#: Short labels and fixed widths (920 px): all nine columns fit the main column of a 1,400 px
#: window with the sidebar open; long cells end in an ellipsis (the full text on hover).
PATTERN_TABLE_COLUMNS = {
    "pattern": st.column_config.TextColumn("pattern", width=240),
    "chunks": _num("chunks"),
    "distinct_chunks": _num("distinct"),
    "chunks_per_line": _num("per line", "%.2f"),
    "longest_chunk_bytes": _num("longest (B)", width=85),
    "longest_chunk": st.column_config.TextColumn("longest chunk", width=130),
    "unmatched_chunks": _num("unmatched", width=85),
    "mean_chunk_bytes": _num("mean (B)", "%.2f"),
    "source": st.column_config.TextColumn("source", width=100),
}


def _show_error(choice: PatternChoice, message: str) -> None:
    head, _, detail = message.partition("\n")
    who = "Your custom pattern" if choice.custom else f"Pattern {choice.label}"
    st.error(f"{who} cannot be used: {head}")
    if detail:
        st.code(detail, language=None)


st.title("Regex splits")
st.markdown(
    "Before BPE merges anything, a *pre-tokenization* regex cuts the text into chunks, and BPE "
    "**never merges across a chunk boundary**: the regex decides what a token can ever be "
    "(a word with its leading space, `.append`, a run of indentation, `):\\n`). The paper "
    "(Dagan et al. 2024) finds that this choice moves compression and downstream accuracy as "
    "much as vocabulary size does."
)

source = text_source("regex")

named = st.multiselect(
    "Named patterns",
    list(PATTERNS),
    default=DEFAULT_PATTERNS,
    format_func=lambda pid: PATTERNS[pid].name,
    key="regex_named",
)
with_tokenizers = st.checkbox(
    "Add the sidebar tokenizers' own patterns",
    value=True,
    key="regex_tok_patterns",
    help="Folded into a named pattern when the text is identical.",
)
custom = st.text_input(
    "Custom pattern (Python `regex` module syntax)",
    key="regex_custom",
    placeholder=r"e.g. \s+|\w+|[^\s\w]+",
    help=f"Runs with a {TIMEOUT_S:g} s time limit; it must not match the empty string.",
)

tok_patterns: list[tuple[str, str | None]] = []
if with_tokenizers:
    tok_patterns = [(tok.id, tok.pattern) for tok in load_selected()]
    without = [tid for tid, pat in tok_patterns if pat is None]
    if without:
        st.caption(
            f"No regex of their own (SentencePiece, or not a byte-level BPE): {', '.join(without)}."
        )
choices = pattern_choices(named, tok_patterns, custom.strip())
if not choices:
    st.info("Choose at least one pattern, or type your own.")
    st.stop()
if source is None:
    st.stop()
text = source.text

results: list[tuple[PatternChoice, np.ndarray]] = []
rows = []
with st.spinner("Splitting ..."):
    for choice in choices:
        arr, stats, err = split_text(text, choice.pattern)
        if err is not None:
            _show_error(choice, err)
            continue
        results.append((choice, arr))
        rows.append(pattern_row(choice, stats))

if not results:
    st.stop()
st.subheader("Chunks per pattern")
st.caption(
    "**distinct** chunks bound the whole-chunk tokens BPE could learn from this text; "
    "**unmatched** chunks are text the pattern did not match (each kept as its own chunk); "
    "**longest chunk** shows newlines and tabs as \\n, \\t and spaces as ·. "
    "The CSV uses the full column names."
)
table_with_download(
    pattern_table(rows),
    "regex_splits.csv",
    key="regex_csv",
    width="stretch",
    column_config=PATTERN_TABLE_COLUMNS,
)

st.subheader("Chunks")
n_lines = count_lines(text)
c1, c2 = st.columns([2, 1])
with c1:
    layout = st.radio("Layout", ["Side by side", "Stacked"], horizontal=True, key="regex_layout")
with c2:
    first_line = st.number_input(
        "Draw from line", min_value=1, max_value=max(n_lines, 1), value=1, key="regex_from_line"
    )
st.caption(
    f"Each view draws at most {MAX_DRAWN_CHUNKS:,} chunks, from the chosen line on; the table "
    "counts them all. Hover a chunk for its index; hatched red = not matched by the pattern. "
    "The patterns' exact text is at the bottom of the page."
)
st.html(css() + SCROLL_CSS)
for cell, (choice, arr) in zip(view_grid(len(results), layout == "Stacked"), results, strict=True):
    html, note = drawn(text, int(first_line), pattern=choice.pattern)
    with cell:
        st.markdown(f"**{choice.label}** · {len(arr):,} chunks")
        st.html(f'<div class="td-scroll">{html}</div>')
        if note:
            st.caption(note)

st.subheader("Patterns and sources")
for choice, _arr in results:
    st.markdown(f"**{choice.label}**")
    st.code(choice.pattern or "(none: the whole text is one chunk)", language=None, wrap_lines=True)
    st.caption(f"Source: {choice.source}" + (f". {choice.note}" if choice.note else ""))
