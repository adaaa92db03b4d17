"""Swap: what changes when a pretrained model gets a new tokenizer (overlap, gain, FVT init)."""

import streamlit as st

from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.speed import costmodel
from tokdash.transfer import fvt, planner
from tokdash.ui import swap_ui as ui
from tokdash.ui.heavy import heavy_slot, page_notes
from tokdash.ui.sidebar import BASE_KEY, corpus_key, load_selected, selected_corpus
from tokdash.ui.widgets import progress_bar, table_with_download

st.title("Swap")
page_notes()
st.caption(
    "Plan a tokenizer swap for a pretrained model: which tokens the two vocabularies share, what "
    "the candidate buys on your corpus, and new embedding matrices initialised with Fast "
    "Vocabulary Transfer (FVT: a new token's row is the mean of the old rows of the old tokens "
    "that spell it), ready for fine-tuning. Tokens are compared by their exact bytes."
)

options = ui.tokenizer_options()
ss = st.session_state
ss.setdefault("swap_current", ss.get(BASE_KEY, "llama2"))
if ss["swap_current"] not in options:
    ss["swap_current"] = options[0]
if ss.get("swap_candidate") not in options:
    picked = [t for t in ss.get("td_tokenizers", []) if t != ss["swap_current"]]
    ss["swap_candidate"] = picked[0] if picked else options[1]
left, right = st.columns(2)
left.selectbox("Model's current tokenizer", options, key="swap_current")
right.selectbox(
    "Candidate tokenizer",
    options,
    key="swap_candidate",
    help="A catalog tokenizer, or one uploaded or trained in this session (sidebar).",
)
loaded = load_selected([ss["swap_current"], ss["swap_candidate"]])
if len(loaded) != 2:
    st.stop()
old, new = loaded
if old.id == new.id:
    st.info("Pick two different tokenizers.")
    st.stop()

try:
    the_plan = ui.plan(old, new)
except TokdashError as exc:
    st.error(str(exc))
    st.stop()

# ---------------------------------------------------------------- overlap
st.header("Vocabulary overlap")
ui.show_overlap(the_plan, old, new)

# ---------------------------------------------------------------- gain
st.header("Expected gain on your corpus")
corpus = selected_corpus()
if corpus is None:  # selected_corpus said why
    st.stop()
if not corpus.documents:
    st.info("Pick a corpus with at least one document in the sidebar.")
    st.stop()
try:
    with progress_bar() as progress:
        cmp = ui.comparison(old, new, corpus, corpus_key(), progress)
except TokdashError as exc:
    st.error(str(exc))
    st.stop()
context = st.columns(3)[0].number_input(
    "Context window (tokens)",
    min_value=128,
    max_value=1_048_576,
    value=4096,
    step=1024,
    key="swap_context",
)
cmp_table = cmp.table()
gain = planner.gain_table(cmp_table, old.id, new.id, int(context))
ui.show_gain(gain, old, new, int(context))

usage = cmp.encodings[new.id].counts()
st.subheader(f"Longest new tokens in your code ({new.id} tokens {old.id} lacks)")
words_only = st.toggle(
    "Only tokens with a letter or digit",
    value=True,
    key="swap_words_only",
    help="Hide runs of spaces and punctuation (shown as ␣ ↵ → in the table).",
)
examples = planner.new_token_examples(the_plan, usage, n=20, words_only=words_only)
if examples.empty:
    st.info(f"No token of {new.id} that {old.id} lacks occurs in this corpus.")
else:
    table_with_download(examples, "swap_new_tokens.csv", key="swap_dl_examples", width="stretch")

st.subheader("Embedding and output-layer size")
presets = list(costmodel.PRESETS)
c1, c2 = st.columns(2)
shape_name = c1.selectbox(
    "Model shape",
    presets,
    index=presets.index("7b"),
    key="swap_shape",
    help="Llama-style shapes from the Speed page's cost model; the body stays the same.",
)
dtype = c2.selectbox("Weights dtype", list(costmodel.DTYPE_BYTES), index=1, key="swap_dtype")
ui.show_size(shape_name, dtype, old, new)

# ---------------------------------------------------------------- FVT
st.header("Initialise the new embeddings")
sources = ["preset", "checkpoint"] if current_limits().local_paths else ["preset"]
with st.form("swap_build"):
    source = st.radio(
        "Model",
        sources,
        horizontal=True,
        key="swap_source",
        format_func=lambda s: {
            "preset": "random-init preset",
            "checkpoint": "local checkpoint (safetensors)",
        }[s],
    )
    f1, f2, f3 = st.columns(3)
    small = ui.random_presets(old.vocab_size)
    preset = f1.selectbox("Preset (random init)", small, key="swap_preset")
    mode = f2.radio(
        "Mode",
        list(fvt.MODES),
        key="swap_mode",
        format_func=lambda m: f"{m}: {fvt.MODES[m]}",
    )
    fallback = f3.selectbox(
        "Fallback for unspellable tokens",
        list(fvt.FALLBACKS),
        key="swap_fallback",
        format_func=lambda k: fvt.FALLBACKS[k],
    )
    checkpoint = ""
    if "checkpoint" in sources:
        checkpoint = st.text_input(
            "Checkpoint folder or .safetensors file (its current tokenizer must be the one "
            "picked above; only the embedding tensors are read)",
            key="swap_checkpoint",
        )
    submitted = st.form_submit_button("Build embeddings", type="primary", key="swap_build_btn")
if submitted:
    try:
        with heavy_slot(f"building {new.id} embeddings"):
            ss[ui.RESULT_KEY] = ui.build_and_save(
                old,
                new,
                the_plan,
                source=source,
                preset=preset,
                checkpoint=checkpoint,
                mode=mode,
                fallback=fallback,
            )
    except TokdashError as exc:
        st.error(str(exc))
if ss.get(ui.RESULT_KEY):
    ui.show_built(ss[ui.RESULT_KEY])

# ---------------------------------------------------------------- budget
st.header("Data budget")
st.info(planner.PAPER_FINDING)
planned = st.columns(3)[0].number_input(
    "Your planned fine-tuning (billions of tokens)",
    min_value=0.0,
    value=10.0,
    step=5.0,
    key="swap_planned",
)
bpt = cmp_table[cmp_table["language"] == "ALL"].set_index("tokenizer")["bytes_per_token"]
budget = planner.budget_table(float(bpt[old.id]), float(bpt[new.id]), planned * 1e9)
table_with_download(
    budget,
    "swap_budget.csv",
    key="swap_dl_budget",
    width="stretch",
    column_config=ui.BUDGET_COLUMNS,
    column_order=ui.BUDGET_ORDER,
)
