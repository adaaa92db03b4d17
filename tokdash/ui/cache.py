"""Cached wrappers around the library's heavy calls, keyed on content.

- Tokenizers: catalog ids (verified content) or, for a user's own tokenizer, its content digest
  (`tokdash.tokenizers.fingerprint`); never a name, a path or an object id.
- Corpora: sample and stdlib specs are fixed; a folder is keyed on its path *and* its signature
  (files, bytes, newest mtime), so an edited folder is reread; uploads on the sha256 of their bytes.
- Encodings: small merged statistics (per-document token counts, sparse per-language unigram
  counts), never token ids. Every cache has a ``ttl`` as well as ``max_entries``, so memory comes
  back when a server idles.
"""

from __future__ import annotations

import os
from datetime import timedelta

import streamlit as st

from tokdash import corpus as corpus_lib
from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.tokenizers import Tokenizer, get_tokenizer

#: How long an unused cached entry lives.
#: How long an unused cache entry lives (``TOKDASH_CACHE_TTL`` seconds; an hour by default).
TTL = timedelta(seconds=int(os.environ.get("TOKDASH_CACHE_TTL", "") or 3600))


@st.cache_resource(show_spinner="Loading tokenizer ...", max_entries=64, ttl=TTL)
def tokenizer(spec: str) -> Tokenizer:
    """A loaded tokenizer (shared across sessions; never mutate it)."""
    return get_tokenizer(spec)


@st.cache_resource(show_spinner="Loading corpus ...", max_entries=16, ttl=TTL)
def _corpus(spec: str, signature: tuple) -> corpus_lib.Corpus:
    return corpus_lib.resolve_corpus(spec, allow_paths=current_limits().local_paths)


@st.cache_data(ttl=timedelta(seconds=5), max_entries=16, show_spinner=False)
def folder_signature(path: str) -> tuple[int, int, int]:
    """The folder's (files, bytes, newest mtime): part of its cache key (re-read every 5 s)."""
    from tokdash.corpus.signature import folder_signature as signature

    return signature(path)


def named_corpus(spec: str) -> corpus_lib.Corpus:
    """A sample / stdlib / folder corpus by spec (shared; never mutate it). A folder is reread
    when its signature changes."""
    from pathlib import Path

    signature: tuple = ()
    if Path(spec).is_absolute():
        signature = folder_signature(spec)
    return _corpus(spec, signature)


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


@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def corpus_encoding(_tok: Tokenizer, tok_key: str, _documents, corpus_key: str):
    """The streaming encoding summary of a corpus (cached per tokenizer key and corpus key), with
    the fastest engine proven exact for the tokenizer (the numbers never depend on it)."""
    from tokdash.analysis.encode import encode_corpus
    from tokdash.analysis.engine_choice import choose_engine

    return encode_corpus(_tok, _documents, engine=choose_engine(_tok, "auto", _documents))


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def folder_stats(_toks: list[Tokenizer], tok_keys: tuple, path: str, signature: tuple, _progress):
    """The statistics of a folder under the tokenizers, streamed in this process (no file or size
    cap: the documents are never held), cached per tokenizer keys and folder signature."""
    from tokdash.corpus.units import plan_corpus
    from tokdash.scale.inprocess import choose_engines, fold_plan

    plan = plan_corpus(path)
    return fold_plan(_toks, plan, choose_engines(_toks, plan), progress=_progress)
