"""Speed page helpers: pure figure builders (DataFrame in, `go.Figure` out), the probe runner."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from tokdash.errors import TokdashError
from tokdash.speed import costmodel

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
def bandwidth(device: str) -> float:
    """Measured memory bandwidth of ``device`` in bytes/s (cached per server)."""
    from tokdash.speed.probe import measure_bandwidth

    return measure_bandwidth(device)


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
        device = settings.checked().device
        rows = run_probe(
            shape,
            rates,
            settings,
            model_source=model_source,
            progress=progress,
            on_result=keep,
            bandwidth=bandwidth(device),
        )
        st.session_state[state_key]["rows"] = rows
    except TokdashError as exc:
        st.session_state[state_key]["error"] = str(exc)
    # Not in a `finally`: an interrupted run (Stop) leaves "running" set, and the page says so.
    st.session_state[state_key]["running"] = False
    bar.empty()
