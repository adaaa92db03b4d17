"""Byte-level BPE training with the HF ``tokenizers`` trainer, the way the paper ablates it.

Knobs (`TrainConfig`): vocabulary size, pre-tokenization regex (a named pattern of
`tokdash.analysis.pretokenize`, Identity included, or a custom one), digit handling, the training
data mix (a weight per language of the corpus), a byte budget, min frequency and maximum token
length.

The corpus is split by document with a fixed seed (`split_documents`) before anything is
trained: compression is reported on the held-out documents only, never on training text. The
trainer reads the selected texts straight from a list (`train_from_iterator`); tokdash adds no
Python pass over the data beyond choosing which documents (or the head of one) go in.

Knob checks and the time estimate live in `tokdash.training.config` (re-exported here).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tokdash.analysis.pretokenize import PATTERNS
from tokdash.corpus import Document
from tokdash.errors import CorpusError, TokdashError
from tokdash.paths import writable_dir
from tokdash.settings import LOCAL, Limits
from tokdash.tokenizers.base import TokenizerInfo
from tokdash.tokenizers.hf_backend import HFTokenizer, load_tokenizer_json
from tokdash.training.config import (
    BYTE_ALPHABET,
    DIGIT_MODES,
    SPECIAL_TOKENS,
    TrainConfig,
    check_config,
    check_time,
    cut_pieces,
    estimate_seconds,
    hf_regex,
    regex_engine_guard,
    training_inputs,
)
from tokdash.training.data import (
    DocumentSplit,
    mix_label,
    mix_summary,
    parse_mix,
    select_training,
    split_documents,
)

#: ``progress(message, fraction_done)``.
Progress = Callable[[str, float], None]


# ----- training ----------------------------------------------------------------------------


def build_untrained(config: TrainConfig):
    """An empty HF byte-level BPE with the config's pre-tokenizer and decoder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    steps = []
    pattern = config.resolved_pattern()
    if pattern is not None:
        steps.append(pre_tokenizers.Split(hf_regex(pattern), behavior="isolated"))
    k = DIGIT_MODES[config.digits]
    if k is not None:
        steps.append(pre_tokenizers.Split(hf_regex(rf"\p{{N}}{{1,{k}}}"), behavior="isolated"))
    steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.ByteLevel()
    return tok


def make_trainer(config: TrainConfig):
    """The `BpeTrainer` for ``config`` (byte alphabet always complete)."""
    from tokenizers import pre_tokenizers, trainers

    return trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        min_frequency=config.min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        max_token_length=config.max_token_length,
        show_progress=False,
    )


@dataclass
class TrainResult:
    """A trained tokenizer, where it is saved, and how training went."""

    config: TrainConfig
    tokenizer: HFTokenizer
    path: Path
    seconds: float
    train_bytes: int
    train_texts: int
    mix: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def mb_per_s(self) -> float:
        """Training throughput in MB (10^6 bytes) of training text per second."""
        return self.train_bytes / 1e6 / self.seconds if self.seconds > 0 else float("nan")

    def knobs(self) -> dict:
        """The knobs and the training figures, one flat dict (a sweep row's left part)."""
        c = self.config
        return {
            "tokenizer": self.tokenizer.id,
            "kind": "trained",
            "vocab_target": c.vocab_size,
            "regex": c.regex,
            "digits": c.digits,
            "mix": mix_label(c.mix) if c.mix else "corpus",
            "byte_budget": c.byte_budget,
            "min_frequency": c.min_frequency,
            "max_token_length": c.max_token_length,
            "seed": c.seed,
            "train_bytes": self.train_bytes,
            "train_seconds": self.seconds,
            "train_mb_per_s": self.mb_per_s,
        }


def _run_with_progress(fn: Callable[[], None], estimate: float, progress: Progress | None) -> None:
    """Run ``fn`` in a thread; report elapsed time against ``estimate`` every 0.2 s."""
    if progress is None:
        fn()
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        elapsed = time.perf_counter() - start
        progress(
            f"Training: {elapsed:.1f} s (estimate ~{estimate:.1f} s)",
            min(0.95, elapsed / max(estimate, 0.1)),
        )
    if errors:
        raise errors[0]


def train_texts(
    config: TrainConfig,
    texts: Sequence[str],
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    mix: pd.DataFrame | None = None,
    limits: Limits = LOCAL,
) -> TrainResult:
    """Train on ``texts``, save ``out_dir/<label>/tokenizer.json`` and load it back with
    tokdash's own HF loader, so the result is an ordinary tokdash tokenizer (knobs and time
    checked against ``limits``; ``out_dir`` is checked writable before training)."""
    check_config(config, limits)
    if not texts:
        raise CorpusError("no training text: the corpus (after the mix and budget) is empty")
    inputs = training_inputs(config, texts)
    estimate = check_time(config, inputs, limits)
    out = writable_dir(out_dir, "output folder")
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    hf = build_untrained(config)
    trainer = make_trainer(config)
    start = time.perf_counter()
    with regex_engine_guard("the training text"):
        _run_with_progress(
            lambda: hf.train_from_iterator(inputs, trainer, length=len(inputs)), estimate, progress
        )
    seconds = time.perf_counter() - start
    label = config.label()
    path = out / label / "tokenizer.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        hf.save(str(path))
    except (OSError, ValueError) as exc:
        raise TokdashError(
            f"cannot save the trained tokenizer as {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    info = TokenizerInfo(
        id=label,
        name=label,
        backend="hf-json",
        source=str(path),
        family="trained here",
        pattern=config.resolved_pattern(),
        notes=(f"trained on {n_bytes:,} bytes in {seconds:.2f} s",),
    )
    tok = load_tokenizer_json(path, info)
    if progress:
        progress(f"Trained {label} in {seconds:.2f} s", 1.0)
    mix = mix if mix is not None else pd.DataFrame()
    return TrainResult(config, tok, path, seconds, n_bytes, len(texts), mix)


def prepare(
    config: TrainConfig, docs: Sequence[Document], limits: Limits = LOCAL
) -> tuple[DocumentSplit, list[str], pd.DataFrame, float]:
    """Split ``docs``, select the training texts, check every knob and the time estimate
    against ``limits``.

    Returns the split, the texts, the mix table and the estimated seconds; nothing is trained.
    """
    check_config(config, limits)
    split = split_documents(docs, config.held_out, config.seed)
    texts, taken = select_training(split.train, config.mix, config.byte_budget)
    seconds = check_time(config, training_inputs(config, texts), limits)
    return split, texts, mix_summary(split, taken), seconds


def train_tokenizer(
    config: TrainConfig,
    docs: Sequence[Document],
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
    limits: Limits = LOCAL,
) -> tuple[TrainResult, DocumentSplit]:
    """Split, select, train and save one tokenizer; returns it with the held-out split."""
    split, texts, mix, _ = prepare(config, docs, limits)
    result = train_texts(config, texts, out_dir, progress=progress, mix=mix, limits=limits)
    return result, split


__all__ = [
    "BYTE_ALPHABET",
    "DIGIT_MODES",
    "PATTERNS",
    "SPECIAL_TOKENS",
    "DocumentSplit",
    "TrainConfig",
    "TrainResult",
    "build_untrained",
    "check_config",
    "check_time",
    "cut_pieces",
    "estimate_seconds",
    "make_trainer",
    "mix_label",
    "mix_summary",
    "parse_mix",
    "prepare",
    "select_training",
    "split_documents",
    "train_texts",
    "train_tokenizer",
    "training_inputs",
]
