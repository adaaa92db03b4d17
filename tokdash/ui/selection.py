"""The sidebar's selection, encoded: one cached encoder per corpus and the comparison the corpus
pages share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from tokdash.analysis.compare import Comparison, run_comparison
from tokdash.analysis.stats import CorpusStats, attach_skipped
from tokdash.errors import TokdashError
from tokdash.scale.report import require_documents
from tokdash.settings import current_limits
from tokdash.tokenizers import Tokenizer
from tokdash.tokenizers.catalog import CATALOG
from tokdash.ui import cache, stats_source
from tokdash.ui.sidebar import (
    BASE_KEY,
    CORPUS_KEY,
    CUSTOM_KEY,
    FOLDER,
    base_tokenizer,
    corpus_key,
    folder_path,
    load_selected,
    selected_corpus,
    tokenizer_key,
)


def cached_encoder(ckey: str) -> Callable[[Tokenizer, Sequence], CorpusStats]:
    """An ``encode`` for `run_comparison` that caches per (tokenizer key, corpus key)."""
    return lambda tok, docs: cache.corpus_encoding(tok, tokenizer_key(tok), docs, ckey)


def selection_comparison(*, with_base: bool, progress=None, allow_stats: bool = False):
    """The sidebar's tokenizers on its corpus, encoded once per (tokenizer, corpus) and cached,
    or (``allow_stats``) the saved statistics picked as the corpus, read without encoding.

    Returns ``(tokenizers, comparison)``: the loaded tokenizers (for their vocabularies; from a
    bundle, those of its tokenizers that load here) and the comparison, whose ``stats`` also
    say what the corpus is and which files were skipped. Stops the page with a message when
    nothing usable is selected or encoding fails.
    """
    if allow_stats and st.session_state.get(CORPUS_KEY) == stats_source.STATS:
        return _bundle_comparison(with_base)
    toks = load_selected()
    base = base_tokenizer() if with_base else None
    if st.session_state.get(CORPUS_KEY) == FOLDER and current_limits().local_paths:
        return _streamed_folder(toks, base, progress)
    if not toks:
        st.info("Pick at least one tokenizer in the sidebar.")
        st.stop()
    corpus = selected_corpus()
    if corpus is None:  # selected_corpus said why
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
    cmp.stats = attach_skipped(cmp.stats, corpus.skipped)
    cmp.stats.name = corpus.name
    return toks, cmp


def _streamed_folder(toks: list[Tokenizer], base: Tokenizer | None, progress):
    """A local folder, streamed whatever its size (the corpus pages need only its statistics)."""
    path = folder_path()
    if not toks or not path:
        st.info("Pick tokenizers in the sidebar and type a folder path.")
        st.stop()
    order = [*toks, base] if base is not None and base.id not in {t.id for t in toks} else toks

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(f"Reading and encoding {path}", done / max(total, 1))

    try:
        stats = cache.folder_stats(
            order,
            tuple(tokenizer_key(t) for t in order),
            path,
            cache.folder_signature(path),
            report,
        )
    except TokdashError as exc:
        st.error(str(exc))
        st.stop()
    try:
        require_documents(stats)
    except TokdashError as exc:
        st.error(str(exc))
        st.stop()
    return toks, Comparison(stats, [t.id for t in toks], base.id if base is not None else None)


def _bundle_comparison(with_base: bool):
    stats = stats_source.selected_stats()
    if stats is None:
        st.stop()
    stats_source.caption(stats)
    ids = [t for t in stats.meta.get("shown") or stats.tokenizers if t in stats.tokenizers]
    picked = st.session_state.get(BASE_KEY)
    base = None
    if with_base:
        base = picked if picked in stats.tokenizers else stats.meta.get("base")
    toks = []
    for tid in stats.tokenizers:
        tok = st.session_state.get(CUSTOM_KEY, {}).get(tid)
        if tok is None and tid in CATALOG:
            try:
                tok = cache.tokenizer(tid)
            except TokdashError:
                tok = None
        if tok is not None:
            toks.append(tok)
    return toks, Comparison(stats, ids, base if base in stats.tokenizers else None)
