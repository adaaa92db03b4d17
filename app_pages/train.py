"""Train: byte-level BPE on your corpus, the paper's ablations, and extending a tokenizer."""

import streamlit as st

from tokdash.errors import TokdashError
from tokdash.settings import DEFAULT_TOKENIZERS, current_limits
from tokdash.training.sweep import plan
from tokdash.training.trainer import prepare
from tokdash.ui import train_extend, train_one, train_sweep
from tokdash.ui import train_ui as ui
from tokdash.ui.heavy import heavy_slot, page_notes
from tokdash.ui.sidebar import base_tokenizer, selected_corpus

st.title("Train")
page_notes()
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
        job = prepare(config, corpus.documents, current_limits())
    except TokdashError as exc:
        ui.show_error(exc)
    chosen = st.multiselect(
        "Baselines measured on the same held-out documents",
        baseline_ids,
        default=[b for b in ("llama2", "gpt2", "cl100k_base") if b in baseline_ids],
        key="tr_baselines",
    )
    if job is not None:
        st.info(train_one.job_note(config, job))
    if st.button("Train", key="tr_go", type="primary", disabled=job is None):
        with heavy_slot(f"training {config.vocab_size:,} tokens"):
            train_one.train(config, job, chosen, corpus, base)
    if ss[ui.RUNS]:
        train_one.show_runs(ss[ui.RUNS])

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
        configs = train_sweep.configs(knobs, sizes, regexes, mixes_text)
        _, _, total = plan(configs, corpus.documents, current_limits())
        sweep_job = configs
        st.info(
            f"{len(configs)} tokenizers to train; estimated time ~{total:.0f} s in all (limit "
            f"here: {current_limits().sweep_seconds:.0f} s per sweep)."
        )
    except TokdashError as exc:
        ui.show_error(exc)
    sw_base = st.multiselect(
        "Baselines", baseline_ids, default=[b for b in ("llama2",) if b in baseline_ids],
        key="sw_baselines",
    )  # fmt: skip
    add_all = st.checkbox("Add every trained tokenizer to the sidebar picker", key="sw_add")
    if st.button("Run sweep", key="sw_go", type="primary", disabled=not sweep_job):
        with heavy_slot(f"a sweep of {len(sweep_job)} tokenizers"):
            train_sweep.run(sweep_job, corpus, sw_base, base, add_all)
    if ui.SWEEP in ss:
        train_sweep.show(ss[ui.SWEEP])

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
        with heavy_slot(f"extending {ext_base}"):
            train_extend.extend(corpus, ext_base, int(n_new))
    if ui.EXTEND in ss:
        train_extend.show(ss[ui.EXTEND])
