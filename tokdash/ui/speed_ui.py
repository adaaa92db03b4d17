"""Speed page helpers: the probe runner and the views of its results, the cost model and the
effective context (figures from `tokdash.viz.speed_charts`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.speed import costmodel
from tokdash.ui.widgets import table_with_download
from tokdash.viz import speed_charts

#: Columns of the probe table shown on the page (the CSV has all of them).
PROBE_COLUMNS = [
    "tokenizer",
    "vocab_size",
    "model",
    "params",
    "device",
    "dtype",
    "batch",
    "prompt_tokens",
    "new_tokens",
    "ttft_ms",
    "decode_tokens_per_s",
    "itl_ms",
    "itl_p90_ms",
    "chars_per_token",
    "chars_per_s",
    "bytes_per_s",
    "peak_memory_mib",
    "memory_source",
]
#: Columns of the memory-bandwidth bound table.
BOUND_COLUMNS = [
    "tokenizer",
    "vocab_size",
    "decode_mib_per_step",
    "bandwidth_gb_s",
    "bound_tokens_per_s",
    "decode_tokens_per_s",
    "fraction_of_bound",
]


def column_formats(df: pd.DataFrame) -> dict:
    """Display formats for a results table: shares to 4 decimals, other floats to 2."""
    out = {}
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col]):
            fine = "share" in col or "fraction" in col or "gflops" in col
            out[col] = st.column_config.NumberColumn(format="%.4f" if fine else "%.2f")
    return out


@st.cache_resource(show_spinner=False)
def cuda_available() -> bool:
    """Whether torch sees a GPU (asked once per server)."""
    from tokdash.speed.probe import cuda_available as _available

    return _available()


@st.cache_data(show_spinner=False, max_entries=8)
def bandwidth(device: str, dtype: str = "float32") -> float:
    """Measured memory bandwidth of ``device`` in bytes/s, on buffers in the probe's ``dtype``
    (cached per server)."""
    from tokdash.speed.probe import measure_bandwidth

    return measure_bandwidth(device, dtype=dtype, limits=current_limits())


def run_probe_into_state(
    shape: costmodel.ModelShape,
    rates: list[costmodel.TokenizerRate],
    settings: Any,
    model_source: str | None,
    state_key: str,
) -> None:
    """Run the probe with a progress bar; each finished row lands in ``st.session_state``.

    A click on any widget (the Stop button) interrupts the script; the rows finished before
    stay in ``st.session_state[state_key]`` and the page shows them on the next run.
    """
    from tokdash.speed.probe import run_probe

    st.session_state[state_key] = {"rows": [], "running": True, "error": None}
    bar = st.progress(0.0, text="Starting the probe ...")

    def progress(msg: str, frac: float) -> None:
        bar.progress(min(max(frac, 0.0), 1.0), text=msg)

    def keep(row: dict) -> None:
        st.session_state[state_key]["rows"].append(row)

    try:
        checked = settings.checked(current_limits())
        device = checked.device
        rows = run_probe(
            shape,
            rates,
            settings,
            model_source=model_source,
            progress=progress,
            on_result=keep,
            bandwidth=bandwidth(device, checked.dtype),
            limits=current_limits(),
        )
        st.session_state[state_key]["rows"] = rows
    except TokdashError as exc:
        st.session_state[state_key]["error"] = str(exc)
    # Not in a `finally`: an interrupted run (Stop) leaves "running" set, and the page says so.
    st.session_state[state_key]["running"] = False
    bar.empty()


def start_probe(
    shape: costmodel.ModelShape,
    rates: list[costmodel.TokenizerRate],
    settings: Any,
    checkpoint: str | None,
    state_key: str,
) -> None:
    """A Stop button, then the probe on the preset (``checkpoint`` None) or on a checkpoint."""
    st.button("Stop", key="sp_stop", help="Stops the run; finished tokenizers stay.")
    if checkpoint is not None and not checkpoint.strip():
        st.session_state[state_key] = {"rows": [], "running": False, "error": "Give a folder."}
        return
    source = checkpoint.strip() if checkpoint is not None else None
    run_probe_into_state(shape, rates, settings, source, state_key)


def _probe_metrics(res: pd.DataFrame) -> None:
    cols = st.columns(min(len(res), 4))
    for i, row in res.iterrows():
        cols[i % len(cols)].metric(
            f"{row['tokenizer']}: characters/s",
            f"{row['chars_per_s']:,.0f}",
            f"{row['decode_tokens_per_s']:,.1f} tokens/s",
            delta_color="off",
            delta_arrow="off",
        )


def _bound(res: pd.DataFrame) -> None:
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
    table = res[BOUND_COLUMNS]
    table_with_download(
        table, "speed_bound.csv", key="dl_speed_bound", column_config=column_formats(table)
    )


def show_probe(state: dict) -> None:
    """The last probe run: its error, a note if it was stopped, metrics, chart, tables."""
    if state["error"]:
        st.error(state["error"])
    if state["running"]:
        st.warning(f"The last run was stopped: {len(state['rows'])} of the tokenizers finished.")
        state["running"] = False
    if not state["rows"]:
        return
    res = pd.DataFrame(state["rows"])
    if res["overhead_bound"].any():
        st.info(
            "Decode reaches under half of the memory-bandwidth bound (or the model is under 10M "
            "parameters): framework overhead, not reading the weights, sets the pace. Compiled "
            "decode and the 125m preset or larger give figures closer to the hardware."
        )
    _probe_metrics(res)
    st.plotly_chart(speed_charts.speed_scatter(res), width="stretch")
    shown = res[[c for c in PROBE_COLUMNS if c in res.columns]]
    table_with_download(
        shown, "speed.csv", key="dl_speed", width="stretch", column_config=column_formats(shown)
    )
    st.caption(
        "ttft = time to first token (prefill of the prompt); decode tokens/s = batch x "
        "(new tokens - 1) / decode time; itl = per-token latency (median, p90); "
        "characters/s = tokens/s x characters/token on the corpus. Medians over the "
        f"repeats after a warm-up. Peak memory: {res['memory_source'].iloc[0]}."
    )
    if "bound_tokens_per_s" in res.columns:
        _bound(res)


def _wide_table(df: pd.DataFrame, filename: str, key: str) -> None:
    table_with_download(df, filename, key=key, width="stretch", column_config=column_formats(df))


def show_cost(
    preset: str, shape: costmodel.ModelShape, sweep: pd.DataFrame, marks: pd.DataFrame, context: int
) -> None:
    """The cost of vocabulary on ``shape``: the body, four charts, the sweep and marks tables."""
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
    left.plotly_chart(speed_charts.memory_chart(sweep, context), width="stretch")
    if not marks.empty:
        right.plotly_chart(speed_charts.compression_chart(marks), width="stretch")
    st.caption(
        "Parameters: embedding V x d, output V x d (0 when tied), attention, SwiGLU MLP and "
        "norms as in transformers' LlamaForCausalLM. FLOPs: 2 per multiply-add, forward, one "
        "token attending to the context; the embedding lookup costs none."
    )
    _wide_table(sweep, "vocab_cost.csv", "dl_vocab_cost")
    if not marks.empty:
        st.markdown(
            f"Compression gain of each tokenizer over `{marks['base'].iloc[0]}` "
            "(bytes/token ratio - 1), next to the cost of its vocabulary on this shape:"
        )
        _wide_table(marks, "compression_vs_cost.csv", "dl_cmp_cost")


def show_context(preset: str, ctx: pd.DataFrame) -> None:
    """What a window holds per tokenizer: chart, formula, table."""
    st.plotly_chart(speed_charts.context_chart(ctx), width="stretch")
    st.caption(
        "window KiB = window x bytes/token; lines = window / tokens per line; KV cache per "
        f"1,000 lines of code on the {preset} shape = 1,000 x tokens/line x 2 x layers x KV "
        "heads x head dim x dtype bytes."
    )
    _wide_table(ctx, "effective_context.csv", "dl_context")
