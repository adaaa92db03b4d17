"""The sidebar's selection, encoded: one cached encoder per corpus and the comparison the corpus
pages share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from tokdash.analysis.compare import Comparison, run_comparison
from tokdash.analysis.stats import CorpusStats
from tokdash.errors import TokdashError
from tokdash.tokenizers import Tokenizer
from tokdash.ui import cache
from tokdash.ui.sidebar import (
    base_tokenizer,
    corpus_key,
    load_selected,
    selected_corpus,
    tokenizer_key,
)


def cached_encoder(ckey: str) -> Callable[[Tokenizer, Sequence], CorpusStats]:
    """An ``encode`` for `run_comparison` that caches per (tokenizer key, corpus key)."""
    return lambda tok, docs: cache.corpus_encoding(tok, tokenizer_key(tok), docs, ckey)


def selection_comparison(*, with_base: bool, progress=None):
    """The sidebar's tokenizers on its corpus, encoded once per (tokenizer, corpus) and cached.

    Returns ``(tokenizers, corpus, comparison)``, or stops the page with a message when nothing
    usable is selected or encoding fails.
    """
    toks = load_selected()
    base = base_tokenizer() if with_base else None
    corpus = selected_corpus()
    if not toks or corpus is None:
        st.info("Pick tokenizers and a corpus in the sidebar.")
        st.stop()
    if not corpus.documents:
        st.error("The corpus has no usable document.")
        st.stop()
    try:
        cmp: Comparison = run_comparison(
            toks,
            corpus.documents,
            base,
            progress=progress,
            encode=cached_encoder(corpus_key()),
        )
    except TokdashError as exc:
        st.error(str(exc))
        st.stop()
    return toks, corpus, cmp
