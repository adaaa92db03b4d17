"""The Train page's extension tab: append tokens learnt on the corpus to a tokenizer's ids."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tokdash.corpus import Corpus
from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.training.extend import ExtendResult, extend_tokenizer, extension_table
from tokdash.training.trainer import TrainConfig, prepare
from tokdash.ui import cache
from tokdash.ui import train_ui as ui
from tokdash.ui.sidebar import add_session_tokenizer
from tokdash.ui.widgets import table_with_download


def extend(corpus: Corpus, base_id: str, n_new: int) -> None:
    """Extend ``base_id`` by ``n_new`` tokens learnt on the training split, measure it on the
    held-out split, keep it in session state and the sidebar's picker, then rerun."""
    bar, prog = ui.progress_bar("Extending ...")
    try:
        split, texts, _, _ = prepare(
            TrainConfig(byte_budget=10_000_000), corpus.documents, current_limits()
        )
        start = cache.tokenizer(base_id)
        result = extend_tokenizer(
            start, texts, int(n_new), ui.out_dir(), progress=prog, limits=current_limits()
        )
        st.session_state[ui.EXTEND] = {
            "result": result,
            "table": extension_table(result, split.held_out),
        }
        add_session_tokenizer(result.tokenizer)
        st.rerun()  # the sidebar's picker then shows it, selected
    except TokdashError as exc:
        ui.show_error(exc)
    bar.empty()


def gain_by_language(result: ExtendResult, table: pd.DataFrame) -> pd.DataFrame:
    """Per language: base and extended tokens, gain (%) and how much the added tokens are used."""
    mine = table[table["tokenizer"] == result.tokenizer.id].set_index("language")
    theirs = table[table["tokenizer"] == result.base.id].set_index("language")
    return pd.DataFrame(
        {
            "base_tokens": theirs["tokens"],
            "extended_tokens": mine["tokens"],
            "tokens_saved_pct": 100 * mine["tokens_saved"],
            "new_tokens_used": mine["new_tokens_used"],
            "new_token_share_pct": 100 * mine["new_token_share"],
        }
    ).reset_index()


def added_tokens(result: ExtendResult) -> pd.DataFrame:
    """The appended tokens with their ids (bytes that are not UTF-8 shown as escapes)."""
    return pd.DataFrame(
        {
            "id": range(result.first_new_id, result.first_new_id + len(result.added)),
            "token": [t.decode("utf-8", "backslashreplace") for t in result.added],
        }
    )


def show(state: dict) -> None:
    """The last extension: metrics, per-language gain, full table, added tokens, download."""
    result, table = state["result"], state["table"]
    tid = result.tokenizer.id
    ext = table[(table["tokenizer"] == tid) & (table["language"] == "ALL")]
    c = st.columns(3)
    c[0].metric("Tokens added", f"{len(result.added):,}")
    c[1].metric("Held-out tokens saved", f"{100 * ext['tokens_saved'].iloc[0]:.1f} %")
    c[2].metric("Added tokens used on held-out", f"{int(ext['new_tokens_used'].iloc[0]):,}")
    st.caption(
        "Gain = base tokens / extended tokens − 1 on the held-out documents (20 % of each "
        "language's documents, seed 0); the new tokens were learnt on the rest."
    )
    table_with_download(gain_by_language(result, table), f"{tid}-gain.csv", key="ex_dl_gain")
    with st.expander("Full held-out table (the columns of `compare`)"):
        table_with_download(table, f"{tid}-heldout.csv", key="ex_dl_table")
    with st.expander("Added tokens"):
        table_with_download(added_tokens(result), f"{tid}-added.csv", key="ex_dl_added")
    st.download_button(
        "Download .tiktoken", result.path.read_bytes(), file_name=result.path.name,
        key="ex_dl_tiktoken",
        on_click="ignore",
    )  # fmt: skip
