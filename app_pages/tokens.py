"""Tokens: where each selected tokenizer puts its token boundaries on one text, side by side."""

from __future__ import annotations

import math

import streamlit as st

from tokdash.analysis.metrics import snippet_stats
from tokdash.analysis.pretokenize import count_lines
from tokdash.tokenizers import Tokenizer
from tokdash.ui.drawing import drawn, encode_each, encoded, token_count
from tokdash.ui.sidebar import base_tokenizer, load_selected, tokenizer_key
from tokdash.ui.text_source import text_source
from tokdash.ui.widgets import table_with_download, view_grid
from tokdash.viz.render import css
from tokdash.viz.views import DRAW_LIMIT, TokenView, line_table, summary_row, summary_table

MAX_TOKENIZERS = 6
MAX_DRAWN_TOKENS = DRAW_LIMIT  # per view; everything is still counted
RATIO_COLUMNS = ("bytes_per_token", "chars_per_token", "tokens_per_line", "nsl")
SCROLL_CSS = "<style>.td-scroll .tokdash-view { max-height: 34rem; overflow-y: auto; }</style>"


def _base_count(base: Tokenizer | None, views: list[tuple[Tokenizer, TokenView]], text: str):
    if base is None:
        return None
    for tok, view in views:
        if tok.id == base.id:
            return view.n_tokens
    try:
        return token_count(base, tokenizer_key(base), text)
    except Exception as exc:
        st.error(f"Base tokenizer {base.id} could not encode this text: {exc}")
        return None


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _num(x, digits: int = 2) -> str:
    """A ratio for a caption; a dash when undefined (no tokens, e.g. a text a normalizer drops)."""
    return f"{x:.{digits}f}" if _finite(x) else "–"


st.title("Tokens")
st.markdown(
    "Where each tokenizer cuts the same text. Tokens alternate colours; spaces (`·`), tabs "
    "(`→`) and newlines (`↵`) are drawn faintly, so you see how indentation is split. Hover a "
    "token for its id and exact bytes; a red dashed outline marks a token that holds only part "
    "of a multi-byte character. No special tokens (BOS/EOS) are added."
)

source = text_source("tokens")
toks = load_selected()
if not toks:
    st.info("Pick one to six tokenizers in the sidebar.")
    st.stop()
if len(toks) > MAX_TOKENIZERS:
    st.warning(
        f"{len(toks)} tokenizers are selected; this page compares up to {MAX_TOKENIZERS}: "
        f"showing {', '.join(t.id for t in toks[:MAX_TOKENIZERS])}."
    )
    toks = toks[:MAX_TOKENIZERS]
elif len(toks) == 1:
    st.caption("One tokenizer selected: pick two to six in the sidebar to compare them.")
if source is None:
    st.stop()
text = source.text

with st.spinner("Encoding ..."):
    views = encode_each(toks, lambda tok: encoded(tok, tokenizer_key(tok), text))
if not views:
    st.stop()
base = base_tokenizer()
base_n = _base_count(base, views, text)

# ----- per-tokenizer numbers ----------------------------------------------------------------
st.subheader("Counts")
rows = []
cols = st.columns(len(views))
for col, (tok, view) in zip(cols, views, strict=True):
    stats = snippet_stats(text, view.n_tokens, base_n)
    rows.append(summary_row(tok, stats))
    delta = None
    if _finite(stats.get("nsl")) and base is not None:
        delta = "base (NSL 1.00)" if tok.id == base.id else f"NSL {stats['nsl']:.2f} vs {base.id}"
    with col:
        st.metric(
            f"{tok.id}: tokens", f"{view.n_tokens:,}", delta, delta_color="off", delta_arrow="off"
        )
        st.caption(
            f"{_num(stats['bytes_per_token'])} bytes/token · {_num(stats['chars_per_token'])} "
            f"chars/token · {_num(stats['tokens_per_line'], 1)} tokens/line"
        )
with st.expander("Summary table"):
    st.caption(
        "NSL (normalized sequence length) = tokens / tokens of the base tokenizer picked in the "
        "sidebar, on this text; below 1 means shorter than the base."
    )
    ratio = st.column_config.NumberColumn(format="%.3f")
    table_with_download(
        summary_table(rows),
        "tokens_summary.csv",
        key="tokens_summary_csv",
        column_config={c: ratio for c in RATIO_COLUMNS},
    )

# ----- the views ----------------------------------------------------------------------------
st.subheader("Token boundaries")
n_lines = count_lines(text)
c1, c2 = st.columns([2, 1])
with c1:
    layout = st.radio(
        "Layout",
        ["Side by side", "Stacked"],
        horizontal=True,
        key="tokens_layout",
        help="Stacked gives each view the full width, for wide code.",
    )
with c2:
    first_line = st.number_input(
        "Draw from line", min_value=1, max_value=max(n_lines, 1), value=1, key="tokens_from_line"
    )
st.caption(
    f"Each view draws at most {MAX_DRAWN_TOKENS:,} tokens, from the chosen line on; the counts "
    f"and the tables below cover the whole text ({n_lines:,} lines)."
)
st.html(css() + SCROLL_CSS)
for cell, (tok, view) in zip(view_grid(len(views), layout == "Stacked"), views, strict=True):
    html, note = drawn(text, int(first_line), _tok=tok, tok_key=tokenizer_key(tok))
    with cell:
        st.markdown(f"**{tok.id}** · {view.n_tokens:,} tokens · vocab {tok.vocab_size:,}")
        st.html(f'<div class="td-scroll">{html}</div>')
        if note:
            st.caption(note)

# ----- tokens per line ----------------------------------------------------------------------
st.subheader("Tokens per line")
st.caption(
    "A token counts for the line where it starts. Click a column header to sort: the costliest "
    "lines for one tokenizer, or `spread` (most minus fewest tokens over the tokenizers) for the "
    "lines where they differ most."
)
lines_df = line_table(text, {tok.id: view.line_counts for tok, view in views})
table_with_download(
    lines_df,
    "tokens_per_line.csv",
    key="tokens_lines_csv",
    height=420 if len(lines_df) > 11 else "auto",
    column_config={"text": st.column_config.TextColumn("text", width="large")},
)
