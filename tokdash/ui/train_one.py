"""The Train page's first tab: train one tokenizer, measure it on held-out documents, show it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from tokdash.corpus import Corpus
from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.tokenizers import Tokenizer, load_path
from tokdash.training.extend import export_tiktoken, tiktoken_agreement
from tokdash.training.sweep import heldout_table
from tokdash.training.trainer import TrainConfig, train_texts
from tokdash.ui import train_ui as ui
from tokdash.ui.sidebar import add_session_tokenizer
from tokdash.ui.widgets import table_with_download
from tokdash.viz import charts


def job_note(config: TrainConfig, job) -> str:
    """What a prepared job will train on, what measures it, and how long it should take."""
    split, _texts, mix, estimate = job
    train_mb = mix["train_bytes"].sum() / 1e6
    held_mb = sum(d.n_bytes for d in split.held_out) / 1e6
    why = (
        " Identity is the slow setting: without pre-tokenization each document piece is one "
        "BPE word and every merge rewrites the long words holding the pair."
        if config.resolved_pattern() is None
        else ""
    )
    return (
        f"Training text: {train_mb:.3f} MB from {len(split.train)} documents; "
        f"{len(split.held_out)} held-out documents ({held_mb:.3f} MB) measure it. "
        f"Estimated training time: ~{estimate:.1f} s.{why}"
    )


def _export_note(run: ui.Run, cfg: TrainConfig, held_out_texts: list[str]) -> None:
    """Export ``run``'s tokenizer as .tiktoken and note how closely it agrees (or why not)."""
    res = run.result
    try:
        run.tiktoken = export_tiktoken(res.tokenizer, cfg, res.path.with_suffix(".tiktoken"))
        agree = tiktoken_agreement(
            res.tokenizer, load_path(run.tiktoken, pattern=cfg.resolved_pattern()), held_out_texts
        )
        run.notes.append(
            f"The .tiktoken export encodes {agree['identical_share']:.0%} of the held-out "
            f"documents exactly as tokenizer.json does (token ratio "
            f"{agree['token_ratio']:.4f}): the HF regex engine reads $ as end of line."
        )
    except TokdashError as exc:
        run.notes.append(f"No tiktoken export: {exc}")


def train(
    config: TrainConfig, job, chosen: Sequence[str], corpus: Corpus, base: Tokenizer | None
) -> None:
    """Train ``job`` with a progress bar, measure it with the baselines, keep the run, rerun.

    The new tokenizer joins the sidebar's picker, selected; errors are shown on the page."""
    split, texts, mix, _ = job
    bar, prog = ui.progress_bar("Training ...")
    try:
        cfg = ui.unique_name(config)
        result = train_texts(
            cfg, texts, ui.out_dir(), progress=prog, mix=mix, limits=current_limits()
        )
        prog("Measuring on held-out documents ...", 0.97)
        table = heldout_table(
            [result], split.held_out, ui.baselines(chosen), base, encode=ui.heldout_encoder(cfg)
        )
        add_session_tokenizer(result.tokenizer)
        run = ui.Run(result, table, mix, corpus.name, len(split.held_out))
        _export_note(run, cfg, [d.text for d in split.held_out])
        st.session_state[ui.RUNS].append(run)
        st.rerun()  # the sidebar's picker then shows the new tokenizer, selected
    except TokdashError as exc:
        ui.show_error(exc)
    bar.empty()


def heldout_pivot(table: pd.DataFrame) -> pd.DataFrame:
    """Held-out bytes per token: a row per tokenizer, a column per language, ALL first."""
    pivot = table.pivot_table(
        index="tokenizer", columns="language", values="bytes_per_token", sort=False
    )
    return pivot[["ALL", *[c for c in pivot.columns if c != "ALL"]]].reset_index()


def _metrics(run: ui.Run) -> None:
    res = run.result
    c = st.columns(4)
    c[0].metric("Vocabulary (tokens)", f"{res.tokenizer.vocab_size:,}")
    c[1].metric("Training time", f"{res.seconds:.2f} s")
    c[2].metric("Throughput", f"{res.mb_per_s:.2f} MB/s")
    mine = run.table[(run.table["tokenizer"] == res.tokenizer.id)]
    overall = mine[mine["language"] == "ALL"]
    c[3].metric("Held-out bytes/token", f"{overall['bytes_per_token'].iloc[0]:.3f}")
    short = (
        f" The vocabulary stopped at {res.tokenizer.vocab_size:,} of the "
        f"{res.config.vocab_size:,} asked: the training text ran out of pairs seen at least "
        f"{res.config.min_frequency} times."
        if res.tokenizer.vocab_size < res.config.vocab_size
        else ""
    )
    st.caption(
        f"Trained on {res.train_bytes:,} bytes of {run.corpus}; measured on "
        f"{run.held_out_docs} held-out documents. Saved as `{res.path.name}`; it is now in "
        f"the sidebar's tokenizer picker.{short}"
    )


def _downloads(run: ui.Run) -> None:
    res = run.result
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download tokenizer.json",
        res.path.read_bytes(),
        file_name=f"{res.tokenizer.id}.tokenizer.json",
        mime="application/json",
        key="tr_dl_json",
        on_click="ignore",
    )
    if run.tiktoken is not None:
        d2.download_button(
            "Download .tiktoken (ranks; load with the same regex)",
            run.tiktoken.read_bytes(),
            file_name=f"{res.tokenizer.id}.tiktoken",
            key="tr_dl_tiktoken",
            on_click="ignore",
        )
    for note in run.notes:
        d2.caption(note)


def show_runs(runs: Sequence[ui.Run]) -> None:
    """The latest run in full (metrics, chart, tables, downloads) and a table of all runs."""
    run = runs[-1]
    res = run.result
    st.subheader(f"Latest: {res.tokenizer.id}")
    _metrics(run)
    st.markdown("**Held-out bytes per token**, per language (higher = fewer tokens)")
    st.plotly_chart(charts.bytes_per_token_bars(run.table), width="stretch")
    tid = res.tokenizer.id
    table_with_download(heldout_pivot(run.table), f"{tid}-bytes-per-token.csv", key="tr_dl_pivot")
    with st.expander("Full held-out table (knobs + the columns of `tokdash compare`)"):
        table_with_download(run.table, f"{tid}-heldout.csv", key="tr_dl_table")
    st.markdown("**Training data mix** (bytes taken per language, held-out documents)")
    table_with_download(run.mix, f"{tid}-mix.csv", key="tr_dl_mix")
    _downloads(run)
    with st.expander(f"All tokenizers trained in this session ({len(runs)})"):
        table = pd.DataFrame([r.result.knobs() for r in runs])
        table_with_download(table, "trained-runs.csv", key="tr_dl_runs")
