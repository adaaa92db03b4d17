"""Speed: generation speed in characters/s per tokenizer, and what vocabulary size costs."""

import pandas as pd
import streamlit as st

from tokdash.settings import current_limits
from tokdash.speed import costmodel, probe
from tokdash.ui import selection
from tokdash.ui import speed_ui as ui
from tokdash.ui.heavy import heavy_slot, page_notes
from tokdash.ui.sidebar import BASE_KEY
from tokdash.ui.widgets import progress_bar, table_with_download

STATE = "sp_probe"

st.title("Speed")
page_notes()
st.caption(
    "A tokenizer changes how fast a model writes *code*, not tokens: fewer tokens for the same "
    "code means more characters per second and more code per context window, while a larger "
    "vocabulary costs embedding and output-layer parameters, FLOPs and memory. Each tokenizer "
    "gets the same model body with its own vocabulary size."
)

with progress_bar() as progress:
    toks, cmp = selection.selection_comparison(with_base=False, progress=progress)
rates = costmodel.rates_from_table(cmp.table(), toks)
st.markdown(
    f"Compression measured on **{cmp.stats.name}** ({cmp.stats.n_documents:,} documents, "
    f"{cmp.stats.n_bytes / 1e6:.2f} MB): "
    + ", ".join(f"`{r.tokenizer}` {r.chars_per_token:.2f} chars/token" for r in rates)
)

presets = list(costmodel.PRESETS)
preset = st.sidebar.selectbox(
    "Model shape",
    presets,
    index=presets.index("125m"),
    key="sp_preset",
    format_func=lambda k: (
        f"{k} ({costmodel.format_count(costmodel.param_counts(costmodel.PRESETS[k])['total'])}"
        " params)"
    ),
    help="Llama-style shapes: tiny (tests), 125m (GPT-2 small size), 1b (Llama-3.2-1B), "
    "7b (Llama-2-7B). The vocabulary is each tokenizer's.",
)
shape = costmodel.PRESETS[preset]

probe_tab, cost_tab, ctx_tab = st.tabs(["Speed probe", "Cost of vocabulary", "Effective context"])

# ---------------------------------------------------------------- probe
with probe_tab:
    gpu = ui.cuda_available()
    limits = current_limits().probe.as_dict()
    source = "preset"
    if current_limits().local_paths:
        source = st.radio(
            "Model",
            ["preset", "checkpoint"],
            horizontal=True,
            key="sp_source",
            format_func=lambda s: {
                "preset": f"preset shape '{preset}', random weights",
                "checkpoint": "checkpoint folder (safetensors) or hub:ORG/NAME",
            }[s],
        )
    with st.form("sp_form"):
        model_path = ""
        if source == "checkpoint":
            model_path = st.text_input(
                "Checkpoint folder or hub:ORG/NAME",
                key="sp_checkpoint",
                help="Safetensors weights only; remote code is never run. The checkpoint's own "
                "vocabulary is timed once and converted with each tokenizer's chars/token.",
            )
        c1, c2, c3 = st.columns(3)
        gpus = [f"cuda:{i}" for i in range(probe.devices.cuda_count())] if gpu else []
        devices = ["auto", "cpu", *gpus] if gpu else ["cpu"]
        device = c1.selectbox("Device", devices, key="sp_device")
        dtypes = ["bfloat16", "float16", "float32"] if gpu else ["float32", "bfloat16"]
        if current_limits().hosted:  # half the memory of a probe on a shared server
            dtypes = [d for d in dtypes if d != "float32"]
        dtype = c2.selectbox("dtype", dtypes, key="sp_dtype")
        batch = c3.number_input("Batch size", 1, limits["batch"], 1, key="sp_batch")
        c4, c5, c6 = st.columns(3)
        prompt_len = c4.number_input(
            "Prompt tokens",
            1,
            limits["prompt_len"],
            min(256, limits["prompt_len"]),
            key="sp_prompt",
        )
        new_tokens = c5.number_input(
            "New tokens", 2, limits["new_tokens"], min(64, limits["new_tokens"]), key="sp_new"
        )
        repeats = c6.number_input("Repeats (median)", 1, limits["repeats"], 5, key="sp_repeats")
        decode = st.radio(
            "Decode",
            probe.DECODE_MODES,
            index=0 if gpu else 1,
            horizontal=True,
            key="sp_decode",
            format_func=lambda m: {
                "compiled": "compiled (static KV cache, torch.compile, CUDA graphs on a GPU)",
                "eager": "eager (transformers' usual loop, growing KV cache)",
            }[m],
            help="Compiled is how a serving stack decodes, and how close to the hardware's "
            "bound you can get; its compile time is reported apart. On a CPU it takes ~5-20 s "
            "per tokenizer to build (inductor compiles C++), so eager is the default there.",
        )
        run = st.form_submit_button("Run probe", type="primary")
    if not gpu:
        st.caption(
            "No GPU here: the probe runs on the CPU (fp32 or bf16). On a machine with CUDA it "
            "runs on the GPU first."
        )

    if run:
        settings = probe.ProbeSettings(
            batch=int(batch),
            prompt_len=int(prompt_len),
            new_tokens=int(new_tokens),
            repeats=int(repeats),
            device=device,
            dtype=dtype,
            decode=decode,
        )
        checkpoint = model_path if source == "checkpoint" else None
        with heavy_slot(f"a speed probe ({preset})"):
            ui.start_probe(shape, rates, settings, checkpoint, STATE)
    if st.session_state.get(STATE):
        ui.show_probe(st.session_state[STATE])
        done = pd.DataFrame(st.session_state[STATE]["rows"])
        if not done.empty and "fraction_of_bound" in done:
            st.subheader("Decode mode and compile time")
            for note in probe.run_notes(done.to_dict("records"), overhead=False):
                st.warning(note)  # (overhead-bound rows are said above the metrics)
            cols = ["tokenizer", "decode_mode", "compile_s", "decode_tokens_per_s", "itl_ms",
                    "kv_tokens_read", "bandwidth_gb_s", "spec_bandwidth_gb_s",
                    "fraction_of_bound", "decode_note"]  # fmt: skip
            table_with_download(
                done[cols],
                "speed_decode.csv",
                key="dl_speed_decode",
                column_config=ui.column_formats(done[cols]),
            )
            st.caption(
                "compile_s: compiling the decode step (dynamo, inductor, CUDA-graph recording) "
                "before the warm-up, not in decode tokens/s. A compiled step reads the whole "
                "static KV cache (prompt + new tokens), an eager one the cache so far. Spec "
                "bandwidth: the vendor's figure for this GPU (blank when not known, and on a CPU)."
            )

# ---------------------------------------------------------------- cost model
with cost_tab:
    c1, c2 = st.columns(2)
    context = c1.number_input(
        "Context (tokens)", 1, 1_048_576, 2048, step=512, key="sp_cost_context"
    )
    cost_dtype = c2.selectbox("dtype", ["bfloat16", "float16", "float32"], key="sp_cost_dtype")
    vocabs = sorted({*costmodel.VOCAB_SWEEP, *(r.vocab_size for r in rates)})
    sweep = pd.DataFrame(costmodel.vocab_sweep(shape, vocabs, int(context), cost_dtype))
    base = st.session_state.get(BASE_KEY, "")  # the sidebar's NSL base
    marks = pd.DataFrame(
        costmodel.compression_vs_cost(shape, rates, int(context), cost_dtype, base)
    )
    ui.show_cost(preset, shape, sweep, marks, int(context))

# ---------------------------------------------------------------- effective context
with ctx_tab:
    c1, c2 = st.columns(2)
    window = c1.number_input("Window (tokens)", 1, 10_000_000, 8192, step=1024, key="sp_window")
    ctx_dtype = c2.selectbox("KV-cache dtype", ["bfloat16", "float16", "float32"], key="sp_kv")
    ctx = pd.DataFrame(costmodel.effective_context(shape, rates, int(window), ctx_dtype))
    ui.show_context(preset, ctx)
