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
    from tokdash.analysis.encode import encode_corpus

    return encode_corpus(_tok, _documents)
