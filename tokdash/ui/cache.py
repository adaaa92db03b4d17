"""Cached wrappers around the library's heavy calls (tokenizers, corpora)."""

from __future__ import annotations

import streamlit as st

from tokdash import corpus as corpus_lib
from tokdash.errors import TokdashError
from tokdash.tokenizers import Tokenizer, get_tokenizer


@st.cache_resource(show_spinner="Loading tokenizer ...", max_entries=64)
def tokenizer(spec: str) -> Tokenizer:
    """A loaded tokenizer (shared across sessions; never mutate it)."""
    return get_tokenizer(spec)


@st.cache_resource(show_spinner="Loading corpus ...", max_entries=16)
def named_corpus(spec: str) -> corpus_lib.Corpus:
    """A sample / stdlib / folder corpus by spec (shared; never mutate it)."""
    from tokdash.settings import hosted_mode

    return corpus_lib.resolve_corpus(spec, allow_paths=not hosted_mode())


def try_tokenizers(specs: list[str]) -> tuple[list[Tokenizer], list[str]]:
    """Load what loads; return the tokenizers and one message per failure."""
    toks: list[Tokenizer] = []
    errors: list[str] = []
    for spec in specs:
        try:
            toks.append(tokenizer(spec))
        except TokdashError as exc:
            errors.append(str(exc))
    return toks, errors


@st.cache_data(max_entries=128, show_spinner=False)
def corpus_encoding(_tok: Tokenizer, tok_key: str, _documents, corpus_key: str):
    """The streaming encoding summary of a corpus (cached per tokenizer and corpus key)."""
    from tokdash.encode import encode_corpus

    return encode_corpus(_tok, _documents)


def selection_comparison(*, with_base: bool, progress=None):
    """The sidebar's tokenizers on its corpus, encoded once per (tokenizer, corpus) and cached.

    Returns ``(tokenizers, corpus, comparison)``, or stops the page with a message when nothing
    usable is selected or encoding fails.
    """
    from tokdash.compare import run_comparison
    from tokdash.ui.sidebar import (
        base_tokenizer,
        corpus_key,
        load_selected,
        selected_corpus,
        tokenizer_key,
    )

    toks = load_selected()
    base = base_tokenizer() if with_base else None
    corpus = selected_corpus()
    if not toks or corpus is None:
        st.info("Pick tokenizers and a corpus in the sidebar.")
        st.stop()
    if not corpus.documents:
        st.error("The corpus has no usable document.")
        st.stop()
    ckey = corpus_key()
    try:
        cmp = run_comparison(
            toks,
            corpus.documents,
            base,
            progress=progress,
            encode=lambda tok, docs: corpus_encoding(tok, tokenizer_key(tok), docs, ckey),
        )
    except TokdashError as exc:
        st.error(str(exc))
        st.stop()
    return toks, corpus, cmp
