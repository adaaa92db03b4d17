"""Streamlit helpers of the Train page: knob widgets, runs with progress, results in session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from tokdash.analysis.pretokenize import PATTERNS
from tokdash.corpus import Corpus, Document
from tokdash.errors import TokdashError
from tokdash.settings import current_limits
from tokdash.tokenizers import Tokenizer
from tokdash.tokenizers.catalog import CATALOG, ENTRIES
from tokdash.tokenizers.registry import is_cached
from tokdash.training.trainer import DIGIT_MODES, TrainConfig, TrainResult, parse_mix
from tokdash.ui import cache
from tokdash.ui.selection import cached_encoder
from tokdash.ui.sidebar import corpus_key, session_dir

RUNS = "tr_runs"  # list[Run], newest last
SWEEP = "tr_sweep"  # the last sweep: dict with table, gains, mixes
EXTEND = "tr_extend"  # the last extension: dict with result and table
#: Catalog tokenizers in tiktoken form (extendable).
TIKTOKEN_FORMATS = ("tiktoken", "p50k-derived", "tekken")
DIGIT_LABELS = {
    "regex": "as the regex does",
    "single": "one digit per token",
    "max2": "groups of at most 2",
    "max3": "groups of at most 3",
}


@dataclass
class Run:
    """One training run of this session: its result, its held-out table and mix table."""

    result: TrainResult
    table: pd.DataFrame
    mix: pd.DataFrame
    corpus: str
    held_out_docs: int
    notes: list[str] = field(default_factory=list)
    tiktoken: Path | None = None


def cached_ids(ids: Sequence[str]) -> list[str]:
    """The ids among ``ids`` whose files are cached (they load offline)."""
    return [i for i in ids if i in CATALOG and is_cached(CATALOG[i])]


def extendable_ids() -> list[str]:
    """Catalog tokenizers that can be extended (tiktoken form, cached)."""
    return cached_ids([e.id for e in ENTRIES if e.format in TIKTOKEN_FORMATS])


def knob_widgets(prefix: str, corpus: Corpus, *, single: bool) -> TrainConfig:
    """The training knobs (vocab and regex only when ``single``); raises on a bad mix text."""
    c1, c2, c3 = st.columns(3)
    vocab, regex, pattern = 32_000, "gpt4", None
    if single:
        vocab = int(
            c1.number_input(
                "Vocabulary size (tokens)",
                min_value=257,
                max_value=current_limits().max_vocab,
                value=4000,
                step=1000,
                key=f"{prefix}_vocab",
                help="256 byte tokens + 1 special token at least; the paper uses 32k-80k.",
            )
        )
        regex = c2.selectbox(
            "Pre-tokenization regex",
            [*PATTERNS, "custom"],
            index=list(PATTERNS).index("gpt4"),
            format_func=lambda k: PATTERNS[k].name if k in PATTERNS else "Custom regex",
            key=f"{prefix}_regex",
        )
        if regex == "custom":
            pattern = c2.text_input("Custom regex", r" ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+",
                                    key=f"{prefix}_pattern")  # fmt: skip
    digits = (c3 if single else c1).selectbox(
        "Digits", list(DIGIT_MODES), format_func=DIGIT_LABELS.get, key=f"{prefix}_digits"
    )
    mix_text = ""
    if single:
        mix_text = st.text_input(
            "Training data mix (weights per language; empty = the corpus as it is)",
            key=f"{prefix}_mix",
            placeholder="e.g. python=70, english=30",
            help=mix_help(corpus),
        )
    c1, c2, c3, c4 = st.columns(4)
    budget_mb = c1.number_input(
        "Byte budget (MB of training text)",
        min_value=0.01,
        max_value=current_limits().train_mb,
        value=10.0,
        key=f"{prefix}_budget",
    )
    min_freq = c2.number_input("Min frequency", 1, 1000, 2, key=f"{prefix}_minfreq")
    max_len = c3.number_input(
        "Max token length (chars, 0 = none)", 0, 1000, 0, key=f"{prefix}_maxlen"
    )
    held = c4.slider("Held-out share of documents", 0.05, 0.5, 0.2, 0.05, key=f"{prefix}_held")
    c1, c2 = st.columns(2)
    seed = c1.number_input("Split seed", 0, 1_000_000, 0, key=f"{prefix}_seed")
    piece = c2.number_input(
        "Identity: piece length (chars, 0 = whole documents)",
        0,
        1_000_000,
        4096,
        step=1024,
        key=f"{prefix}_piece",
        help="The HF trainer's time grows with the length of its 'words'; without "
        "pre-tokenization a word is a whole document, so Identity cuts documents into pieces "
        "at newlines (merges cannot cross a cut).",
    )
    return TrainConfig(
        vocab_size=vocab,
        regex=regex,
        pattern=pattern,
        digits=digits,
        mix=parse_mix(mix_text or ""),
        byte_budget=int(budget_mb * 1e6),
        min_frequency=int(min_freq),
        max_token_length=int(max_len) or None,
        held_out=float(held),
        seed=int(seed),
        identity_piece=int(piece) or None,
    )


def mix_help(corpus: Corpus) -> str:
    """The data-mix help text, naming the corpus's languages."""
    return (
        f"Languages of this corpus: {', '.join(corpus.languages)}. Weights are relative; the "
        "budget is lowered when a language has too little text for its share, so the mix "
        "holds exactly."
    )


def progress_bar(text: str):
    """A progress bar and a ``progress(msg, frac)`` callback updating it."""
    bar = st.progress(0.0, text=text)
    return bar, lambda msg, frac: bar.progress(min(max(frac, 0.0), 1.0), text=msg)


def heldout_encoder(config: TrainConfig):
    """An ``encode`` for run_comparison that caches catalog baselines per held-out set."""
    key = f"{corpus_key()}|held-out|{config.seed}|{config.held_out}"

    cached = cached_encoder(key)

    def encode(tok: Tokenizer, docs: Sequence[Document]):
        if tok.id in CATALOG:
            return cached(tok, docs)
        from tokdash.analysis.encode import encode_corpus

        return encode_corpus(tok, docs)

    return encode


def baselines(specs: Sequence[str]) -> list[Tokenizer]:
    """Load the chosen baselines; failures are shown, the rest are used."""
    toks, errors = cache.try_tokenizers(list(specs))
    for msg in errors:
        st.error(msg)
    return toks


def unique_name(config: TrainConfig) -> TrainConfig:
    """``config`` with a name not yet used by a tokenizer of this session."""
    from dataclasses import replace

    taken = set(st.session_state.get("td_custom", {})) | set(CATALOG)
    label = config.label()
    if label not in taken:
        return config
    n = 2
    while f"{label}-{n}" in taken:
        n += 1
    return replace(config, name=f"{label}-{n}")


def out_dir():
    """Where this session's trained tokenizers are saved."""
    path = session_dir() / "trained"
    path.mkdir(parents=True, exist_ok=True)
    return path


def show_error(exc: TokdashError) -> None:
    """A library error as a message on the page (never a traceback)."""
    st.error(str(exc))
