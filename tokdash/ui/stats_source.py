"""Saved statistics as a corpus: a bundle folder on this machine (local mode) or the zip of one
(uploaded; the only way in hosted mode). Compression and Vocabulary draw from it without
encoding anything; pages that need the documents themselves say so."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from tokdash.analysis.stats import CorpusStats
from tokdash.errors import TokdashError
from tokdash.paths import resolved_or_raw
from tokdash.settings import current_limits, max_upload_bytes
from tokdash.ui.cache import TTL

STATS = "stats"
FOLDER_KEY = "td_stats_folder"
ZIP_KEY = "td_stats_zip"
LABEL = "Saved statistics (folder or zip)"
NEEDS_DOCUMENTS = (
    "Saved statistics hold counts, not the documents this page needs: pick a corpus in the "
    "sidebar. Compression and Vocabulary read the statistics directly."
)


def picker() -> None:
    """The sidebar inputs for a bundle: a folder path (local mode) and a zip upload."""
    if current_limits().local_paths:
        st.sidebar.text_input(
            "Statistics folder",
            key=FOLDER_KEY,
            help="What `python -m tokdash compare ... --stats-dir DIR` wrote (DIR or DIR/bundle).",
        )
    st.sidebar.caption(
        "The statistics carry their own tokenizers: the picker above does not apply to them."
    )
    st.sidebar.file_uploader(
        "…or the zip of one",
        type=["zip"],
        key=ZIP_KEY,
        max_upload_size=max(1, max_upload_bytes() // 1_000_000),
    )


def _folder() -> str:
    path = (st.session_state.get(FOLDER_KEY) or "").strip()
    return resolved_or_raw(path)


def _mtime(folder: str) -> float:
    from tokdash.analysis.stats_io import is_bundle

    root = Path(folder) if is_bundle(folder) else Path(folder) / "bundle"
    try:
        return os.stat(root / "stats.json").st_mtime
    except (OSError, ValueError):
        return 0.0


@st.cache_data(max_entries=8, ttl=TTL, show_spinner="Reading statistics ...")
def _load_folder(folder: str, _mtime: float) -> CorpusStats:
    from tokdash.analysis.stats_io import load_stats

    return load_stats(folder)


@st.cache_data(max_entries=8, ttl=TTL, show_spinner="Reading statistics ...")
def _load_zip(_data: bytes, file_id: str) -> CorpusStats:
    """The bundle in an uploaded zip, cached by the upload's id (hashing its bytes on every
    rerun would cost more than the page)."""
    from tokdash.analysis.stats_io import load_bundle_zip

    return load_bundle_zip(_data, max_bytes=max(200_000_000, max_upload_bytes() * 10))


def key() -> str:
    """A cache key for the chosen bundle."""
    upload = st.session_state.get(ZIP_KEY)
    if upload is not None:
        return f"stats-zip:{upload.file_id}"
    folder = _folder()
    return f"stats:{folder}:{_mtime(folder)}" if folder else "stats:"


def selected_stats() -> CorpusStats | None:
    """The chosen bundle (an uploaded zip wins over the folder); None with a message when none
    is chosen or it cannot be read."""
    upload = st.session_state.get(ZIP_KEY)
    try:
        if upload is not None:
            return _load_zip(upload.getvalue(), upload.file_id)
        folder = _folder()
        if folder:
            return _load_folder(folder, _mtime(folder))
    except TokdashError as exc:
        st.error(str(exc))
        return None
    hint = "type the folder" if current_limits().local_paths else "upload the zip"
    st.info(
        f"Saved statistics: {hint} of a bundle in the sidebar (write one with "
        "`python -m tokdash compare -t ... --corpus DIR --stats-dir OUT`)."
    )
    return None


def caption(stats: CorpusStats) -> None:
    """Which corpus, tokenizers and date the bundle holds."""
    from tokdash.scale.report import describe

    st.info(f"From saved statistics, nothing encoded: {describe(stats)}.")
