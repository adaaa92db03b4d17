"""Cached steps, the embedding builder and the report sections of the Swap page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.speed import costmodel
from tokdash.tokenizers import Tokenizer
from tokdash.tokenizers.catalog import ENTRIES
from tokdash.transfer import fvt, planner, swap_io
from tokdash.ui.cache import TTL
from tokdash.ui.selection import cached_encoder
from tokdash.ui.sidebar import CUSTOM_KEY, session_dir, tokenizer_key
from tokdash.ui.widgets import table_with_download
from tokdash.viz import swap_charts

RESULT_KEY = "swap_result"
#: Largest preset built as a random-init model on this page (parameters).
MAX_RANDOM_PARAMS = 200_000_000
#: Largest safetensors file offered as a browser download (bigger ones stay on disk).
MAX_DOWNLOAD_BYTES = 300_000_000


_COUNT = st.column_config.NumberColumn(format="%,d")
_PARAMS = st.column_config.NumberColumn(format="compact", help="parameters (k, M, B)")
_RATIO = st.column_config.NumberColumn(format="%.3f")
_PERCENT = st.column_config.NumberColumn(format="percent")
#: Display formats of the Swap tables (the CSV downloads keep the exact numbers).
SIZE_COLUMNS = {
    "vocab_size": _COUNT,
    "embedding_params": _PARAMS,
    "output_params": _PARAMS,
    "body_params": _PARAMS,
    "total_params": _PARAMS,
    "vocab_share": st.column_config.NumberColumn(
        format="percent", help="embedding + output parameters / total parameters"
    ),
    "weights_mib": st.column_config.NumberColumn("weights (MiB)", format="%,.1f"),
}
GAIN_COLUMNS = {
    **{c: _COUNT for c in ("documents", "bytes", "chars", "tokens_current", "tokens_candidate")},
    "nsl": _RATIO,
    "chars_per_token_current": _RATIO,
    "chars_per_token_candidate": _RATIO,
    "chars_per_s_gain": _PERCENT,
    "context_tokens": _COUNT,
    "effective_context": st.column_config.NumberColumn(format="%,.0f"),
    "effective_context_gain": _PERCENT,
}
#: The budget table shows its rounded amounts; the CSV download also has the exact values.
BUDGET_COLUMNS = {
    "what": st.column_config.TextColumn(width="large"),
    "readable": st.column_config.TextColumn("amount", help="the CSV has the exact value"),
}
BUDGET_ORDER = ("what", "readable")


def tokenizer_options() -> list[str]:
    """Catalog ids and this session's own tokenizers (uploaded or trained)."""
    return [e.id for e in ENTRIES] + list(st.session_state.get(CUSTOM_KEY, {}))


@st.cache_resource(show_spinner=False, max_entries=8, ttl=TTL)
def _plan(_old: Tokenizer, _new: Tokenizer, old_key: str, new_key: str) -> fvt.TransferPlan:
    return fvt.build_plan(_old, _new)


def plan(old: Tokenizer, new: Tokenizer) -> fvt.TransferPlan:
    """The transfer plan of two tokenizers, computed once per pair (never mutate it)."""
    with st.spinner(f"Matching {new.id}'s {new.vocab_size:,} ids to {old.id} ..."):
        return _plan(old, new, tokenizer_key(old), tokenizer_key(new))


def comparison(old: Tokenizer, new: Tokenizer, corpus, corpus_key: str, progress=None):
    """Both tokenizers on the corpus with the current one as NSL base (cached encodings)."""
    from tokdash.analysis.compare import run_comparison

    return run_comparison(
        [old, new],
        corpus.documents,
        old,
        progress=progress,
        encode=cached_encoder(corpus_key),
    )


def random_presets(vocab_size: int) -> list[str]:
    """Presets small enough to build here as random-init models with ``vocab_size``."""
    return [
        k
        for k, s in costmodel.PRESETS.items()
        if costmodel.param_counts(s.with_vocab(vocab_size))["total"] <= MAX_RANDOM_PARAMS
    ]


def build_and_save(
    old: Tokenizer,
    new: Tokenizer,
    the_plan: fvt.TransferPlan,
    *,
    source: str,
    preset: str,
    checkpoint: str,
    mode: str,
    fallback: str,
) -> dict:
    """Embeddings for ``new`` from a preset or checkpoint, saved in this session's folder.

    Returns a summary kept in session state (tables, shapes and file paths; no matrices)."""
    with st.status("Building the new embeddings ...", expanded=True) as status:
        if source == "checkpoint":
            if not checkpoint.strip():
                raise TokdashError("Type the folder (or .safetensors file) of the checkpoint.")
            st.write(f"Reading the embedding tensors of {checkpoint} ...")
            emb = swap_io.read_checkpoint(
                checkpoint.strip(), old.vocab_size, limits=current_limits()
            )
        else:
            st.write(f"Building a random-init {preset} model with {old.vocab_size:,} ids ...")
            emb = swap_io.random_init(costmodel.get_preset(preset, old.vocab_size), seed=0)
        st.write(f"{'FVT' if mode == 'fvt' else 'Extending'}: {new.vocab_size:,} candidate ids")
        result = swap_io.build_swap(emb, the_plan, mode, fallback)
        folder = session_dir() / "swap"
        name = f"{_safe(old.id)}-to-{_safe(new.id)}-{mode}.safetensors"
        path = swap_io.save_swap(folder / name, result, emb, the_plan)
        st.write(f"Saved {path.name}; writing the candidate's tokenizer file ...")
        tok_path = swap_io.save_tokenizer(new, folder)
        status.update(label="New embeddings ready", state="complete", expanded=False)
    return {
        "pair": f"{old.id} → {new.id}",
        "mode": mode,
        "source": emb.source,
        "tied": emb.tied,
        "dtype": emb.dtype,
        "old_shape": tuple(emb.input.shape),
        "input_shape": tuple(result.input.shape),
        "output_shape": None if result.output is None else tuple(result.output.shape),
        "sources": result.sources,
        "path": str(path),
        "tokenizer_path": str(tok_path),
        "notes": list(emb.notes),
    }


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]


def download_files(summary: dict) -> None:
    """Download buttons for the saved embeddings and tokenizer file (or their paths)."""
    path, tok_path = Path(summary["path"]), Path(summary["tokenizer_path"])
    size = path.stat().st_size if path.is_file() else 0
    cols = st.columns(2)
    if 0 < size <= MAX_DOWNLOAD_BYTES:
        cols[0].download_button(
            f"Download {path.name} ({size / 2**20:.1f} MiB)",
            path.read_bytes,  # read on click, not on every rerun
            file_name=path.name,
            mime="application/octet-stream",
            key="swap_dl_emb",
            on_click="ignore",
        )
    else:
        cols[0].info(f"{path.name} ({size / 2**20:,.0f} MiB) is saved at `{path}`.")
    if tok_path.is_file():
        cols[1].download_button(
            f"Download {tok_path.name}",
            tok_path.read_bytes,
            file_name=tok_path.name,
            mime="application/octet-stream",
            key="swap_dl_tok",
            on_click="ignore",
        )


def show_overlap(the_plan: fvt.TransferPlan, old: Tokenizer, new: Tokenizer) -> None:
    """Shared and own tokens as metrics, how the current tokenizer spells the candidate's."""
    overlap = planner.overlap_table(plan=the_plan)
    counts = dict(zip(overlap["what"], overlap["tokens"], strict=True))
    cols = st.columns(4)
    cols[0].metric("Shared tokens", f"{counts['shared (same bytes in both)']:,}")
    cols[1].metric(f"Only in {old.id}", f"{counts['only in current']:,}")
    cols[2].metric(f"Only in {new.id}", f"{counts['only in candidate']:,}")
    cols[3].metric(
        "Special / unused ids skipped",
        f"{the_plan.old_index.skipped:,} / {the_plan.new_index.skipped:,}",
        help="Special/control tokens, ids without bytes and duplicate byte strings (current / "
        "candidate) are left out of the comparison.",
    )
    hist = planner.pieces_histogram(the_plan)
    chart_col, table_col = st.columns([3, 2])
    chart_col.plotly_chart(swap_charts.pieces_figure(hist, old.id, new.id), width="stretch")
    with table_col:
        table_with_download(hist, "swap_pieces.csv", key="swap_dl_pieces", width="stretch")
    with st.expander("Overlap counts"):
        table_with_download(overlap, "swap_overlap.csv", key="swap_dl_overlap", width="content")


def show_gain(gain, old: Tokenizer, new: Tokenizer, context: int) -> None:
    """NSL, speed and context gains over all documents as metrics; NSL per language; table."""
    overall = gain[gain["language"] == "ALL"].iloc[0]
    cols = st.columns(3)
    cols[0].metric(
        f"NSL {new.id} / {old.id}",
        f"{overall['nsl']:.3f}",
        help="tokens(candidate) / tokens(current) on the same documents; below 1 = fewer tokens",
    )
    cols[1].metric(
        "Characters/s at equal tokens/s", f"{overall['chars_per_s_gain']:+.1%}", help="1 / NSL - 1"
    )
    cols[2].metric(
        f"A {context:,}-token window holds",
        f"{overall['effective_context']:,.0f} {old.id} tokens",
        f"{overall['effective_context_gain']:+.1%} context",
        delta_color="off",
        help="context / NSL: the text the window holds, counted in current-tokenizer tokens",
    )
    st.plotly_chart(swap_charts.nsl_figure(gain, old.id, new.id), width="stretch")
    table_with_download(
        gain, "swap_gain.csv", key="swap_dl_gain", width="stretch", column_config=GAIN_COLUMNS
    )


def show_size(shape_name: str, dtype: str, old: Tokenizer, new: Tokenizer) -> None:
    """What the swap changes in embedding and output parameters and weight bytes."""
    size = planner.size_table(costmodel.PRESETS[shape_name], old.vocab_size, new.vocab_size, dtype)
    change = size.iloc[2]
    st.markdown(
        f"With the **{shape_name}** body, swapping {old.vocab_size:,} → {new.vocab_size:,} ids "
        f"changes embedding + output parameters by "
        f"**{costmodel.format_count(change['embedding_params'] + change['output_params'])}** and "
        f"the weights by **{change['weights_mib']:+,.1f} MiB** in {dtype}."
    )
    table_with_download(
        size, "swap_size.csv", key="swap_dl_size", width="stretch", column_config=SIZE_COLUMNS
    )


def show_built(summary: dict) -> None:
    """The built embeddings: shapes, rows per source, notes and downloads."""
    table = summary["sources"]
    rows = dict(zip(table["source"], table["rows"], strict=True))
    output = (
        "tied to the input" if summary["output_shape"] is None else f"→ {summary['output_shape']}"
    )
    st.markdown(
        f"**{summary['pair']}** ({summary['mode']}) from {summary['source']}, {summary['dtype']}: "
        f"input {summary['old_shape']} → {summary['input_shape']}; output {output}"
    )
    cols = st.columns(len(rows))
    for col, (name, n) in zip(cols, rows.items(), strict=True):
        col.metric(f"Rows: {name}", f"{int(n):,}")
    table_with_download(table, "swap_rows.csv", key="swap_dl_rows", width="stretch")
    for note in summary["notes"]:
        st.caption(note)
    download_files(summary)
