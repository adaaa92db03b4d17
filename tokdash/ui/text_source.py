"""The text a page looks at: typed or pasted, a document of the sidebar's corpus, or an upload.

The choice is kept in session state under ``td_text`` and restored on every page that shows the
widget, so a text picked on *Tokens* is still there on *Regex splits*. Widget keys are per page
(``{page}_text_mode``, ``{page}_text_paste``, ``{page}_text_doc``, ``{page}_text_upload``).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from tokdash import corpus as corpus_lib
from tokdash.analysis.pretokenize import count_lines
from tokdash.ui.sidebar import selected_corpus

#: Largest text a page takes (UTF-8 bytes): all of it is counted, only a window is drawn.
MAX_TEXT_BYTES = 5_000_000

STORE_KEY = "td_text"

PASTE, CORPUS, UPLOAD = "paste", "corpus", "upload"
MODE_LABELS = {
    PASTE: "Type or paste",
    CORPUS: "Document from the corpus",
    UPLOAD: "Upload a file",
}

EXAMPLE_CODE = '''import math


class RingBuffer:
    """A fixed-size FIFO buffer; the oldest item is dropped when full."""

    def __init__(self, capacity: int = 1024) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity!r}")
        self._items: list[float | None] = [None] * capacity
        self._head = 0
        self._size = 0

    def push(self, value: float) -> None:
        self._items[(self._head + self._size) % len(self._items)] = value
        if self._size < len(self._items):
            self._size += 1
        else:
            self._head = (self._head + 1) % len(self._items)

    def mean(self) -> float:
        values = [v for v in self._items if v is not None]
        return math.fsum(values) / max(len(values), 1)


# 温度 readings in °C 🌡️, sampled every 0.25 s
THRESHOLD_CELSIUS = 37.5
buffer = RingBuffer(capacity=3_600)
\tif_tab_indented = 0xFF  # a tab
'''


@dataclass(frozen=True)
class SourceText:
    """The chosen text and a short label saying where it comes from."""

    text: str
    label: str


def _store() -> dict:
    return st.session_state.setdefault(STORE_KEY, {})


def _restore(key: str, field: str, default: object) -> None:
    """Give widget ``key`` the stored value (the store is the truth, on every page)."""
    st.session_state[key] = _store().setdefault(field, default)


def _save(key: str, field: str) -> None:
    """Widget callback: remember the new value for every page."""
    _store()[field] = st.session_state[key]


def _check_size(text: str, label: str) -> SourceText | None:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        st.error(
            f"{label} is {size / 1e6:.1f} MB; this page takes texts up to "
            f"{MAX_TEXT_BYTES / 1e6:.0f} MB. Use a smaller file, or the Compression page for "
            "whole corpora."
        )
        return None
    if not text:
        st.info("The text is empty: type or paste some code, or pick another source.")
        return None
    return SourceText(text, label)


def _pasted(page: str, default_text: str, height: int) -> SourceText | None:
    key = f"{page}_text_paste"
    _restore(key, "paste", default_text)
    text = st.text_area(
        "Code or text",
        key=key,
        height=height,
        help="Press Ctrl+Enter (or click outside the box) to apply an edit.",
        on_change=_save,
        args=(key, "paste"),
    )
    return _check_size(text, "The pasted text")


def _from_corpus(page: str) -> SourceText | None:
    corpus = selected_corpus()
    if corpus is None:
        return None
    if not corpus.documents:
        st.info("The selected corpus has no usable document: pick another one in the sidebar.")
        return None
    docs: dict[str, corpus_lib.Document] = {}
    for doc in corpus.documents:
        name, k = doc.source, 2
        while name in docs:  # two uploads with the same name
            name, k = f"{doc.source} ({k})", k + 1
        docs[name] = doc
    key = f"{page}_text_doc"
    options = list(docs)
    if _store().get("doc") not in docs:
        _store()["doc"] = options[0]
    _restore(key, "doc", options[0])
    name = st.selectbox(
        f"Document ({len(options):,} in {corpus.name})",
        options,
        key=key,
        format_func=lambda s: f"{s} · {docs[s].language} · {docs[s].n_lines:,} lines",
        on_change=_save,
        args=(key, "doc"),
    )
    return _check_size(docs[name].text, name)


def _previous_upload(store: dict) -> SourceText | None:
    """After a refused upload: the last good one stays drawn, said under the error."""
    if not store.get("upload"):
        return None
    name, text = store["upload"]
    st.caption(f"Still showing {name}, uploaded earlier.")
    return _check_size(text, name)


def _uploaded(page: str) -> SourceText | None:
    up = st.file_uploader(
        "A text file (UTF-8)",
        key=f"{page}_text_upload",
        help=f"Up to {MAX_TEXT_BYTES / 1e6:.0f} MB; binary and non-UTF-8 files are refused.",
    )
    store = _store()
    if up is None:
        if store.get("upload"):
            name, text = store["upload"]
            st.caption(f"Using {name}, uploaded earlier. Choose a file to replace it.")
            return _check_size(text, name)
        st.info("Choose a file to upload.")
        return None
    name = up.name or "upload"
    if up.size > MAX_TEXT_BYTES:
        st.error(
            f"{name} is {up.size / 1e6:.1f} MB; this page takes files up to "
            f"{MAX_TEXT_BYTES / 1e6:.0f} MB."
        )
        return _previous_upload(store)
    decoded = corpus_lib.decode_document(name, up.getvalue())
    if isinstance(decoded, corpus_lib.Skipped):
        st.error(f"Cannot show {decoded.source}: {decoded.reason}.")
        return _previous_upload(store)
    store["upload"] = (name, decoded)
    return _check_size(decoded, name)


def text_source(
    page: str, *, default_text: str = EXAMPLE_CODE, height: int = 240
) -> SourceText | None:
    """Let the user choose a text; None (with a message on the page) when there is none usable.

    ``page`` prefixes the widget keys. Uploads are decoded with `corpus.decode_document`, so a
    binary or non-UTF-8 file gives an error naming the reason instead of a traceback.
    """
    key = f"{page}_text_mode"
    _restore(key, "mode", PASTE)
    mode = st.radio(
        "Text",
        list(MODE_LABELS),
        key=key,
        horizontal=True,
        format_func=MODE_LABELS.__getitem__,
        on_change=_save,
        args=(key, "mode"),
    )
    if mode == CORPUS:
        chosen = _from_corpus(page)
    elif mode == UPLOAD:
        chosen = _uploaded(page)
    else:
        chosen = _pasted(page, default_text, height)
    if chosen is not None:
        size = len(chosen.text.encode("utf-8"))
        st.caption(f"{chosen.label}: {count_lines(chosen.text):,} lines · {size:,} bytes")
    return chosen
