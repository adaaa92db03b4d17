"""The Train page's sweep tab: the paper's grid (vocab x regex x mix) trained and charted."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from tokdash.corpus import Corpus
from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.tokenizers import Tokenizer
from tokdash.training.sweep import doubling_gain, run_sweep, sweep_configs
from tokdash.training.trainer import TrainConfig, parse_mix
from tokdash.ui import train_ui as ui
from tokdash.ui.sidebar import add_session_tokenizer
from tokdash.ui.widgets import table_with_download
from tokdash.viz.training_charts import doubling_chart, sweep_chart

#: Columns of the summary table (every tokenizer on all held-out documents).
SUMMARY_COLUMNS = [
    "tokenizer", "kind", "vocab_target", "regex", "digits", "mix", "vocab_size",
    "train_seconds", "train_mb_per_s", "tokens", "bytes_per_token", "nsl",
]  # fmt: skip


def configs(
    knobs: TrainConfig, sizes: Sequence[int], regexes: Sequence[str], mixes_text: str
) -> list[TrainConfig]:
    """The grid's configs; one mix per line of ``mixes_text`` ('corpus' = as it is)."""
    mixes = [
        () if line.strip() in ("", "corpus") else parse_mix(line)
        for line in mixes_text.splitlines() or ["corpus"]
    ]
    return sweep_configs(knobs, sizes, regexes, list(dict.fromkeys(mixes)))


def run(
    jobs: list[TrainConfig],
    corpus: Corpus,
    baseline_ids: Sequence[str],
    base: Tokenizer | None,
    add_all: bool,
) -> None:
    """Train the grid with a progress bar and keep its tables in session state.

    With ``add_all`` every trained tokenizer joins the sidebar's picker (then a rerun)."""
    bar, prog = ui.progress_bar("Sweeping ...")
    try:
        out = ui.out_dir() / "sweep"
        sweep = run_sweep(
            jobs, corpus.documents, out, baselines=ui.baselines(baseline_ids), base=base,
            progress=prog, limits=current_limits(),
        )  # fmt: skip
        st.session_state[ui.SWEEP] = {"table": sweep.table, "gains": doubling_gain(sweep.table)}
        if add_all:
            for r in sweep.results:
                add_session_tokenizer(r.tokenizer)
            st.rerun()  # the sidebar's picker then lists them
    except TokdashError as exc:
        ui.show_error(exc)
    bar.empty()


def show(result: dict) -> None:
    """The last sweep: language and metric pickers, both charts, summary, full and gain tables."""
    table, gains = result["table"], result["gains"]
    c1, c2 = st.columns(2)
    langs = ["ALL", *sorted(set(table["language"]) - {"ALL"})]
    lang = c1.selectbox("Language", langs, key="sw_lang")
    metric = c2.radio(
        "Metric", ["bytes_per_token", "nsl"], horizontal=True, key="sw_metric",
        disabled=table["nsl"].isna().all(),
    )  # fmt: skip
    st.plotly_chart(sweep_chart(table, metric, lang), width="stretch")
    st.plotly_chart(doubling_chart(gains, lang), width="stretch")
    st.markdown("**Summary**: every tokenizer on all held-out documents (ALL)")
    summary = table[table["language"] == "ALL"][SUMMARY_COLUMNS]
    table_with_download(summary, "sweep-summary.csv", key="sw_dl_summary")
    with st.expander("Full sweep table (per language; knobs + the columns of `compare`)"):
        table_with_download(table, "sweep.csv", key="sw_dl_table")
    st.markdown("**Tokens saved per vocabulary doubling**: 1 - (tokens at 2V / tokens at V)")
    table_with_download(gains, "sweep-gains.csv", key="sw_dl_gains")
