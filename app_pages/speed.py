"""Speed: generation speed in characters/s per tokenizer, and what vocabulary size costs."""

import pandas as pd
import streamlit as st

from tokdash.settings import hosted_mode
from tokdash.speed import costmodel, probe
from tokdash.ui import selection
from tokdash.ui import speed_ui as ui
from tokdash.ui.widgets import table_with_download
from tokdash.viz import speed_charts

STATE = "sp_probe"

st.title("Speed")
st.caption(
    "A tokenizer changes how fast a model writes *code*, not tokens: fewer tokens for the same "
    "code means more characters per second and more code per context window, while a larger "
    "vocabulary costs embedding and output-layer parameters, FLOPs and memory. Each tokenizer "
    "gets the same model body with its own vocabulary size."
)

bar = st.progress(0.0, text="Measuring characters/token on the corpus ...")
toks, corpus, cmp = selection.selection_comparison(
    with_base=False, progress=lambda msg, frac: bar.progress(min(frac, 1.0), text=msg)
)
bar.empty()
rates = costmodel.rates_from_table(cmp.table(), toks)
st.markdown(
    f"Compression measured on **{corpus.name}** ({len(corpus.documents):,} documents, "
    f"{corpus.n_bytes / 1e6:.2f} MB): "
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
    limits = probe.LIMITS_HOSTED if hosted_mode() else probe.LIMITS
    source = "preset"
    if not hosted_mode():
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
        devices = ["auto", "cpu", "cuda"] if gpu else ["cpu"]
        device = c1.selectbox("Device", devices, key="sp_device")
        dtypes = ["bfloat16", "float16", "float32"] if gpu else ["float32", "bfloat16"]
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
        )
        st.button("Stop", key="sp_stop", help="Stops the run; finished tokenizers stay.")
        if source == "checkpoint" and not model_path.strip():
            st.session_state[STATE] = {"rows": [], "running": False, "error": "Give a folder."}
        else:
            ui.run_probe_into_state(
                shape,
                rates,
                settings,
                model_path.strip() if source == "checkpoint" else None,
                STATE,
            )

    state = st.session_state.get(STATE)
    if state:
        if state["error"]:
            st.error(state["error"])
        if state["running"]:
            st.warning(
                f"The last run was stopped: {len(state['rows'])} of the tokenizers finished."
            )
            state["running"] = False
        if state["rows"]:
            res = pd.DataFrame(state["rows"])
            if res["overhead_bound"].any():
                st.info(
                    "Models below ~10M parameters measure framework overhead (about 1 ms per "
                    "step), not the hardware: use the 125m preset or larger for real figures."
                )
            cols = st.columns(min(len(res), 4))
            for i, row in res.iterrows():
                cols[i % len(cols)].metric(
                    f"{row['tokenizer']}: characters/s",
                    f"{row['chars_per_s']:,.0f}",
                    f"{row['decode_tokens_per_s']:,.1f} tokens/s",
                    delta_color="off",
                    delta_arrow="off",
                )
            st.plotly_chart(speed_charts.speed_scatter(res), width="stretch")
            shown = [c for c in ui.PROBE_COLUMNS if c in res.columns]
            table_with_download(
                res[shown],
                "speed.csv",
                key="dl_speed",
                width="stretch",
                column_config=ui.column_formats(res[shown]),
            )
            st.caption(
                "ttft = time to first token (prefill of the prompt); decode tokens/s = batch x "
                "(new tokens - 1) / decode time; itl = per-token latency (median, p90); "
                "characters/s = tokens/s x characters/token on the corpus. Medians over the "
                f"repeats after a warm-up. Peak memory: {res['memory_source'].iloc[0]}."
            )
            if "bound_tokens_per_s" in res.columns:
                st.subheader("Memory-bandwidth bound")
                where = "GPU" if str(res["device"].iloc[0]).startswith("cuda") else "CPU"
                st.caption(
                    f"{where} memory bandwidth, the best of a large tensor copy and a large "
                    "matrix-vector product (the decode's access pattern): "
                    f"{res['bandwidth_gb_s'].iloc[0]:.1f} GB/s. Bound = bandwidth / (weight bytes "
                    "+ KV-cache bytes read per decode step), x batch. Decode is memory-bound at "
                    "batch 1, so the bound is the speed limit of the hardware."
                    + (" (On a CPU this is informative only.)" if where == "CPU" else "")
                )
                st.plotly_chart(speed_charts.bound_bars(res), width="stretch")
                bound_cols = [
                    "tokenizer",
                    "vocab_size",
                    "decode_mib_per_step",
                    "bandwidth_gb_s",
                    "bound_tokens_per_s",
                    "decode_tokens_per_s",
                    "fraction_of_bound",
                ]
                table_with_download(
                    res[bound_cols],
                    "speed_bound.csv",
                    key="dl_speed_bound",
                    column_config=ui.column_formats(res[bound_cols]),
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
    marks = pd.DataFrame(
        costmodel.compression_vs_cost(shape, rates, int(context), cost_dtype, base="llama2")
    )
    p = costmodel.param_counts(shape)
    st.markdown(
        f"**{preset}** body: {shape.n_layers} layers, d_model {shape.d_model}, "
        f"{shape.n_heads} heads ({shape.n_kv_heads} KV), d_ff {shape.d_ff}, "
        f"{'tied' if shape.tie_embeddings else 'untied'} embeddings: "
        f"{costmodel.format_count(p['body'])} body parameters."
    )
    left, right = st.columns(2)
    left.plotly_chart(speed_charts.params_chart(sweep, marks), width="stretch")
    right.plotly_chart(speed_charts.share_chart(sweep), width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(speed_charts.memory_chart(sweep, int(context)), width="stretch")
    if not marks.empty:
        right.plotly_chart(speed_charts.compression_chart(marks), width="stretch")
    st.caption(
        "Parameters: embedding V x d, output V x d (0 when tied), attention, SwiGLU MLP and "
        "norms as in transformers' LlamaForCausalLM. FLOPs: 2 per multiply-add, forward, one "
        "token attending to the context; the embedding lookup costs none."
    )
    table_with_download(
        sweep,
        "vocab_cost.csv",
        key="dl_vocab_cost",
        width="stretch",
        column_config=ui.column_formats(sweep),
    )
    if not marks.empty:
        st.markdown(
            f"Compression gain of each tokenizer over `{marks['base'].iloc[0]}` "
            "(bytes/token ratio - 1), next to the cost of its vocabulary on this shape:"
        )
        table_with_download(
            marks,
            "compression_vs_cost.csv",
            key="dl_cmp_cost",
            width="stretch",
            column_config=ui.column_formats(marks),
        )

# ---------------------------------------------------------------- effective context
with ctx_tab:
    c1, c2 = st.columns(2)
    window = c1.number_input("Window (tokens)", 1, 10_000_000, 8192, step=1024, key="sp_window")
    ctx_dtype = c2.selectbox("KV-cache dtype", ["bfloat16", "float16", "float32"], key="sp_kv")
    ctx = pd.DataFrame(costmodel.effective_context(shape, rates, int(window), ctx_dtype))
    st.plotly_chart(speed_charts.context_chart(ctx), width="stretch")
    st.caption(
        "window KiB = window x bytes/token; lines = window / tokens per line; KV cache per "
        f"1,000 lines of code on the {preset} shape = 1,000 x tokens/line x 2 x layers x KV "
        "heads x head dim x dtype bytes."
    )
    table_with_download(
        ctx,
        "effective_context.csv",
        key="dl_context",
        width="stretch",
        column_config=ui.column_formats(ctx),
    )
