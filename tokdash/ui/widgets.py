"""Small shared widgets: CSV downloads next to every table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st


@contextmanager
def progress_bar() -> Iterator[Callable[[str, float], None]]:
    """A progress callback ``(message, fraction)`` whose bar appears at its first call and is
    gone when the block ends, however it ends (a page stopped with a message before any work,
    or by an error, leaves no empty "Encoding ..." bar behind)."""
    holder = st.empty()

    def update(message: str, fraction: float) -> None:
        holder.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    try:
        yield update
    finally:
        holder.empty()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The CSV text of a table, as the CLI writes it (no index, UTF-8)."""
    return df.to_csv(index=False).encode("utf-8")


#: Rows a table shows on the page; the CSV download always holds every row.
SHOWN_ROWS = 2_000


def count_columns(df: pd.DataFrame) -> list[str]:
    """The integer columns of ``df`` that are counts (not ids, seeds or ranks): shown with
    thousands separators."""
    idish = ("id", "seed", "rank", "year")
    return [
        str(c)
        for c in df.columns
        if pd.api.types.is_integer_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and not any(str(c) == w or str(c).endswith(f"_{w}") for w in idish)
    ]


def table_with_download(df: pd.DataFrame, filename: str, *, key: str, **kwargs) -> None:
    """Show ``df`` (its first `SHOWN_ROWS` rows: a 200k-row table costs seconds to send and
    draw), counts with thousands separators unless ``column_config`` says otherwise, and a
    button that downloads exactly all of it as CSV, built only when clicked."""
    config = {c: st.column_config.NumberColumn(format="localized") for c in count_columns(df)}
    kwargs["column_config"] = {**config, **(kwargs.get("column_config") or {})}
    st.dataframe(df.head(SHOWN_ROWS), hide_index=True, **kwargs)
    if len(df) > SHOWN_ROWS:
        st.caption(f"Showing the first {SHOWN_ROWS:,} of {len(df):,} rows; the CSV has them all.")
    st.download_button(
        f"Download {filename}",
        lambda: csv_bytes(df),
        file_name=filename,
        mime="text/csv",
        key=key,
        on_click="ignore",  # a download needs no rerun (a rerun could retire the file mid-fetch)
    )


def view_grid(n: int, stacked: bool) -> list:
    """One container per view: full width when stacked, else rows of at most 3 columns."""
    if stacked:
        return [st.container() for _ in range(n)]
    per_row = n if n <= 3 else (2 if n == 4 else 3)
    cells: list = []
    while len(cells) < n:
        cells.extend(st.columns(per_row, gap="small"))
    return cells[:n]
