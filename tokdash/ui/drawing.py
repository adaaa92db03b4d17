"""Cached encodings, regex splits and drawn windows of one text, shared by the Tokens and Regex
splits pages (and the failures of one tokenizer shown without hiding the others)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import streamlit as st

from tokdash.analysis import pretokenize
from tokdash.errors import RegexError, RegexTimeoutError, TokdashError, is_rust_panic
from tokdash.tokenizers import Tokenizer
from tokdash.ui.cache import TTL
from tokdash.viz.render import render_chunks, render_spans
from tokdash.viz.views import (
    DRAW_LIMIT,
    TokenView,
    chunk_array,
    chunks_from_array,
    encode_view,
    window,
    window_note,
)

#: Time limit of a user's pattern (a catalog pattern from an uploaded tokenizer too), seconds.
TIMEOUT_S = 2.0

T = TypeVar("T")


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def encoded(_tok: Tokenizer, tok_key: str, text: str) -> TokenView:
    """Ids, byte spans and tokens per line of ``text`` (cached per tokenizer key and text)."""
    return encode_view(_tok, text)


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def token_count(_tok: Tokenizer, tok_key: str, text: str) -> int:
    """Number of tokens of ``text`` (no special tokens), for a base not otherwise shown."""
    return len(_tok.encode(text))


@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def _split_cached(text: str, pattern: str | None):
    """Chunks and stats, or a syntax error's message (deterministic, so cached); a time-out
    raises `RegexTimeoutError`, which is not cached: it depends on the server's load."""
    try:
        chunks = pretokenize.split(text, pattern, timeout=TIMEOUT_S)
    except RegexTimeoutError:
        raise
    except RegexError as exc:
        return None, None, str(exc)
    return chunk_array(chunks), pretokenize.chunk_stats(text, chunks), None


def split_text(text: str, pattern: str | None) -> tuple[np.ndarray | None, dict | None, str | None]:
    """Chunks (an ``(n, 3)`` array), their `chunk_stats`, or the error message.

    A pattern that timed out on this text is remembered in this session only (so a
    catastrophic custom pattern costs its time limit once per session, and a built-in pattern
    that timed out under load is tried again by the next session)."""
    timed_out = st.session_state.setdefault("td_regex_timeouts", {})
    key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), pattern)
    if key in timed_out:
        return None, None, timed_out[key]
    try:
        return _split_cached(text, pattern)
    except RegexTimeoutError as exc:
        timed_out[key] = str(exc)
        return None, None, str(exc)


@st.cache_data(max_entries=256, ttl=TTL, show_spinner=False)
def drawn(
    text: str,
    first_line: int,
    *,
    pattern: str | None = None,
    _tok: Tokenizer | None = None,
    tok_key: str | None = None,
) -> tuple[str, str]:
    """The HTML view of ``text`` from ``first_line`` (at most `DRAW_LIMIT` items) and a note on
    what it leaves out: the tokens of ``_tok`` (cached under ``tok_key``) when a key is given,
    else the chunks of ``pattern`` (None = the whole text, one chunk)."""
    if tok_key is not None:
        view = encoded(_tok, tok_key, text)
        win = window(text, view.spans, first_line=first_line, max_items=DRAW_LIMIT)
        html = render_spans(win.text, win.spans, ids=view.ids[win.first : win.stop].tolist())
        return html, window_note(win, view.n_tokens, "tokens")
    arr, _stats, _err = split_text(text, pattern)
    win = window(text, arr, first_line=first_line, max_items=DRAW_LIMIT)
    part = chunks_from_array(arr[win.first : win.stop])
    rel = [(a, b, c.matched) for (a, b), c in zip(win.spans, part, strict=True)]
    return render_chunks(win.text, rel), window_note(win, len(arr), "chunks")


def encode_each(
    toks: Sequence[Tokenizer], encode: Callable[[Tokenizer], T]
) -> list[tuple[Tokenizer, T]]:
    """``encode(tok)`` for each tokenizer; one that fails is named in an error on the page and
    left out, the others are kept."""
    out = []
    for tok in toks:
        try:
            out.append((tok, encode(tok)))
        except TokdashError as exc:
            msg = str(exc)
            st.error(msg if msg.startswith(tok.id) else f"{tok.id}: {msg}")
        except Exception as exc:  # a backend failing on odd input must not kill the page
            st.error(f"{tok.id} could not encode this text ({type(exc).__name__}: {exc}).")
        except BaseException as exc:
            if not is_rust_panic(exc):
                raise
            st.error(f"{tok.id} could not encode this text (its Rust library panicked: {exc}).")
    return out
