"""Train: byte-level BPE on your corpus, the paper's ablations, and extending a tokenizer."""

import pandas as pd
import streamlit as st

from tokdash.errors import TokdashError
from tokdash.settings import DEFAULT_TOKENIZERS
from tokdash.tokenizers import load_path
from tokdash.training.extend import (
    export_tiktoken,
    extend_tokenizer,
    extension_table,
    tiktoken_agreement,
)
from tokdash.training.sweep import (
    doubling_chart,
    doubling_gain,
    heldout_table,
    plan,
    run_sweep,
    sweep_chart,
    sweep_configs,
)
from tokdash.training.trainer import TrainConfig, parse_mix, prepare, train_texts
from tokdash.ui import cache
from tokdash.ui import train_ui as ui
from tokdash.ui.sidebar import add_session_tokenizer, base_tokenizer, selected_corpus
from tokdash.ui.widgets import table_with_download
from tokdash.viz import charts

st.title("Train")
st.caption(
    "Train byte-level BPE tokenizers (HF `tokenizers` trainer) on the sidebar's corpus while "
    "varying what the paper varies: vocabulary size, pre-tokenization regex and data mix. The "
    "corpus is split by document with a fixed seed first; every number below is measured on the "
    "held-out documents only, never on training text. Trained tokenizers join the sidebar's "
    "picker, so every other page can use them."
)

corpus = selected_corpus()
if corpus is None:
    st.stop()
base = base_tokenizer()
ss = st.session_state
ss.setdefault(ui.RUNS, [])
st.markdown(
    f"**{corpus.name}**: {len(corpus.documents):,} documents, {corpus.n_bytes / 1e6:.2f} MB, "
    f"languages: {', '.join(corpus.languages)}. NSL base: `{base.id if base else 'none'}`."
)
baseline_ids = ui.cached_ids(list(dict.fromkeys(["llama2", "gpt2", *DEFAULT_TOKENIZERS])))
tab_one, tab_sweep, tab_extend = st.tabs(
    ["Train one tokenizer", "Sweep: vocab × regex × mix", "Extend a tokenizer"]
)

# ----- one tokenizer --------------------------------------------------------------------------
with tab_one:
    job = None
    try:
        config = ui.knob_widgets("tr", corpus, single=True)
        job = prepare(config, corpus.documents)
    except TokdashError as exc:
        ui.show_error(exc)
    chosen = st.multiselect(
        "Baselines measured on the same held-out documents",
        baseline_ids,
        default=[b for b in ("llama2", "gpt2", "cl100k_base") if b in baseline_ids],
        key="tr_baselines",
    )
    if job is not None:
        split, texts, mix, estimate = job
        train_mb = mix["train_bytes"].sum() / 1e6
        held_mb = sum(d.n_bytes for d in split.held_out) / 1e6
        why = (
            " Identity is the slow setting: without pre-tokenization each document piece is one "
            "BPE word and every merge rewrites the long words holding the pair."
            if config.resolved_pattern() is None
            else ""
        )
        st.info(
            f"Training text: {train_mb:.3f} MB from {len(split.train)} documents; "
            f"{len(split.held_out)} held-out documents ({held_mb:.3f} MB) measure it. "
            f"Estimated training time: ~{estimate:.1f} s.{why}"
        )
    if st.button("Train", key="tr_go", type="primary", disabled=job is None):
        split, texts, mix, _ = job
        bar, prog = ui.progress_bar("Training ...")
        try:
            cfg = ui.unique_name(config)
            result = train_texts(cfg, texts, ui.out_dir(), progress=prog, mix=mix)
            prog("Measuring on held-out documents ...", 0.97)
            table = heldout_table(
                [result], split.held_out, ui.baselines(chosen), base, encode=ui.heldout_encoder(cfg)
            )
            add_session_tokenizer(result.tokenizer)
            run = ui.Run(result, table, mix, corpus.name, len(split.held_out))
            try:
                run.tiktoken = export_tiktoken(
                    result.tokenizer, cfg, result.path.with_suffix(".tiktoken")
                )
                agree = tiktoken_agreement(
                    result.tokenizer,
                    load_path(run.tiktoken, pattern=cfg.resolved_pattern()),
                    [d.text for d in split.held_out],
                )
                run.notes.append(
                    f"The .tiktoken export encodes {agree['identical_share']:.0%} of the held-out "
                    f"documents exactly as tokenizer.json does (token ratio "
                    f"{agree['token_ratio']:.4f}): the HF regex engine reads $ as end of line."
                )
            except TokdashError as exc:
                run.notes.append(f"No tiktoken export: {exc}")
            ss[ui.RUNS].append(run)
            st.rerun()  # the sidebar's picker then shows the new tokenizer, selected
        except TokdashError as exc:
            ui.show_error(exc)
        bar.empty()

    if ss[ui.RUNS]:
        run = ss[ui.RUNS][-1]
        res = run.result
        st.subheader(f"Latest: {res.tokenizer.id}")
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
        st.markdown("**Held-out bytes per token**, per language (higher = fewer tokens)")
        st.plotly_chart(charts.bytes_per_token_bars(run.table), width="stretch")
        pivot = run.table.pivot_table(
            index="tokenizer", columns="language", values="bytes_per_token", sort=False
        )
        pivot = pivot[["ALL", *[c for c in pivot.columns if c != "ALL"]]].reset_index()
        table_with_download(pivot, f"{res.tokenizer.id}-bytes-per-token.csv", key="tr_dl_pivot")
        with st.expander("Full held-out table (knobs + the columns of `tokdash compare`)"):
            table_with_download(run.table, f"{res.tokenizer.id}-heldout.csv", key="tr_dl_table")
        st.markdown("**Training data mix** (bytes taken per language, held-out documents)")
        table_with_download(run.mix, f"{res.tokenizer.id}-mix.csv", key="tr_dl_mix")
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
        with st.expander(f"All tokenizers trained in this session ({len(ss[ui.RUNS])})"):
            runs = pd.DataFrame([r.result.knobs() for r in ss[ui.RUNS]])
            table_with_download(runs, "trained-runs.csv", key="tr_dl_runs")

# ----- sweep ----------------------------------------------------------------------------------
with tab_sweep:
    st.markdown(
        "Train the grid in one go, all on the same split: one line per regex (and mix) "
        "against vocabulary size. Headless: `python -m tokdash train-sweep --corpus ... "
        "--vocab-size 16000 --vocab-size 32000 --regex gpt4 --regex punct --out sweep.csv`."
    )
    c1, c2 = st.columns(2)
    sizes = c1.multiselect(
        "Vocabulary sizes (tokens)",
        [500, 1000, 2000, 4000, 8000, 16000, 32000, 64000],
        default=[1000, 2000, 4000],
        key="sw_sizes",
    )
    regexes = c2.multiselect(
        "Regexes",
        ["gpt2", "gpt4", "gpt4o", "llama3", "paper-gpt4", "punct", "identity"],
        default=["gpt2", "punct", "identity"],
        key="sw_regexes",
    )
    mixes_text = st.text_area(
        "Data mixes, one per line ('corpus' = as it is; e.g. python=70, english=30)",
        "corpus",
        key="sw_mixes",
        height=80,
        help=ui.mix_help(corpus),
    )
    sweep_job = None
    try:
        knobs = ui.knob_widgets("sw", corpus, single=False)
        mixes = [
            () if line.strip() in ("", "corpus") else parse_mix(line)
            for line in mixes_text.splitlines() or ["corpus"]
        ]
        configs = sweep_configs(knobs, sizes, regexes, list(dict.fromkeys(mixes)))
        _, _, total = plan(configs, corpus.documents)
        sweep_job = configs
        st.info(f"{len(configs)} tokenizers to train; estimated time ~{total:.0f} s in all.")
    except TokdashError as exc:
        ui.show_error(exc)
    sw_base = st.multiselect(
        "Baselines", baseline_ids, default=[b for b in ("llama2",) if b in baseline_ids],
        key="sw_baselines",
    )  # fmt: skip
    add_all = st.checkbox("Add every trained tokenizer to the sidebar picker", key="sw_add")
    if st.button("Run sweep", key="sw_go", type="primary", disabled=not sweep_job):
        bar, prog = ui.progress_bar("Sweeping ...")
        try:
            out = ui.out_dir() / "sweep"
            sweep = run_sweep(
                sweep_job, corpus.documents, out, baselines=ui.baselines(sw_base), base=base,
                progress=prog,
            )  # fmt: skip
            ss[ui.SWEEP] = {"table": sweep.table, "gains": doubling_gain(sweep.table)}
            if add_all:
                for r in sweep.results:
                    add_session_tokenizer(r.tokenizer)
                st.rerun()  # the sidebar's picker then lists them
        except TokdashError as exc:
            ui.show_error(exc)
        bar.empty()
    if ui.SWEEP in ss:
        table, gains = ss[ui.SWEEP]["table"], ss[ui.SWEEP]["gains"]
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
        cols = ["tokenizer", "kind", "vocab_target", "regex", "digits", "mix", "vocab_size",
                "train_seconds", "train_mb_per_s", "tokens", "bytes_per_token", "nsl"]  # fmt: skip
        summary = table[table["language"] == "ALL"][cols]
        table_with_download(summary, "sweep-summary.csv", key="sw_dl_summary")
        with st.expander("Full sweep table (per language; knobs + the columns of `compare`)"):
            table_with_download(table, "sweep.csv", key="sw_dl_table")
        st.markdown("**Gain per doubling** of the vocabulary (bytes/token)")
        table_with_download(gains, "sweep-gains.csv", key="sw_dl_gains")

# ----- extension ------------------------------------------------------------------------------
with tab_extend:
    st.markdown(
        "The paper's *extend* setting: keep a tokenizer's ids and append new tokens learnt on "
        "your corpus. Method: a BPE is trained on the training documents with the base's own "
        "regex; its merges are walked in order and each one whose two halves are already tokens "
        "(base or added) and whose result is new is appended, until N are added. New tokens "
        "rank after every base merge, so some may never be produced: the table says how many "
        "are used on held-out text."
    )
    ext_ids = ui.extendable_ids()
    c1, c2 = st.columns(2)
    ext_base = c1.selectbox("Tokenizer to extend", ext_ids, key="ex_base")
    n_new = c2.number_input("New tokens", 1, 100_000, 1000, step=500, key="ex_n")
    if st.button("Extend", key="ex_go", type="primary", disabled=not ext_ids):
        bar, prog = ui.progress_bar("Extending ...")
        try:
            split, texts, _, _ = prepare(TrainConfig(byte_budget=10_000_000), corpus.documents)
            start = cache.tokenizer(ext_base)
            result = extend_tokenizer(start, texts, int(n_new), ui.out_dir(), progress=prog)
            ss[ui.EXTEND] = {"result": result, "table": extension_table(result, split.held_out)}
            add_session_tokenizer(result.tokenizer)
            st.rerun()  # the sidebar's picker then shows it, selected
        except TokdashError as exc:
            ui.show_error(exc)
        bar.empty()
    if ui.EXTEND in ss:
        result, table = ss[ui.EXTEND]["result"], ss[ui.EXTEND]["table"]
        ext = table[(table["tokenizer"] == result.tokenizer.id) & (table["language"] == "ALL")]
        c = st.columns(3)
        c[0].metric("Tokens added", f"{len(result.added):,}")
        c[1].metric("Held-out gain (fewer tokens)", f"{100 * ext['gain'].iloc[0]:.1f} %")
        c[2].metric("Added tokens used on held-out", f"{int(ext['new_tokens_used'].iloc[0]):,}")
        st.caption(
            "Gain = base tokens / extended tokens − 1 on the held-out documents (20 % of each "
            "language's documents, seed 0); the new tokens were learnt on the rest."
        )
        mine = table[table["tokenizer"] == result.tokenizer.id].set_index("language")
        by_lang = pd.DataFrame(
            {
                "base_tokens": table[table["tokenizer"] == result.base.id].set_index("language")[
                    "tokens"
                ],
                "extended_tokens": mine["tokens"],
                "gain_pct": 100 * mine["gain"],
                "new_tokens_used": mine["new_tokens_used"],
                "new_token_share_pct": 100 * mine["new_token_share"],
            }
        ).reset_index()
        table_with_download(by_lang, f"{result.tokenizer.id}-gain.csv", key="ex_dl_gain")
        with st.expander("Full held-out table (the columns of `compare`)"):
            table_with_download(table, f"{result.tokenizer.id}-heldout.csv", key="ex_dl_table")
        added = pd.DataFrame(
            {
                "id": range(result.first_new_id, result.first_new_id + len(result.added)),
                "token": [t.decode("utf-8", "backslashreplace") for t in result.added],
            }
        )
        with st.expander("Added tokens"):
            table_with_download(added, f"{result.tokenizer.id}-added.csv", key="ex_dl_added")
        st.download_button(
            "Download .tiktoken", result.path.read_bytes(), file_name=result.path.name,
            key="ex_dl_tiktoken",
            on_click="ignore",
        )  # fmt: skip
