"""Byte-level BPE training with the HF ``tokenizers`` trainer, the way the paper ablates it.

Knobs (`TrainConfig`): vocabulary size, pre-tokenization regex (a named pattern of
`tokdash.analysis.pretokenize`, Identity included, or a custom one), digit handling, the training
data mix (a weight per language of the corpus), a byte budget, min frequency and maximum token
length.

The corpus is split by document with a fixed seed (`split_documents`) before anything is
trained: compression is reported on the held-out documents only, never on training text. The
trainer reads the selected texts straight from a list (`train_from_iterator`); tokdash adds no
Python pass over the data beyond choosing which documents (or the head of one) go in.

Identity (no pre-tokenization) is slow in the HF trainer: each document is one BPE "word", and
each merge rewrites every word holding the pair, so the cost grows with the words' length, not
only with the bytes (measured on the standard library, 4k vocabulary: ~100 s/MB for whole
files, ~2.5 s/MB for 4 kB pieces, 0.5 s/MB with a regex). Identity therefore cuts documents
into pieces of at most `TrainConfig.identity_piece` characters (at newlines; a merge cannot span
a cut, about one place per 4 kB); `estimate_seconds` predicts the time and `check_time` refuses
runs past `max_train_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tokdash.analysis.pretokenize import PATTERNS, compile_pattern, get_pattern
from tokdash.corpus import Document
from tokdash.errors import CorpusError, RegexError, TokdashError
from tokdash.settings import hosted_mode
from tokdash.tokenizers.base import TokenizerInfo
from tokdash.tokenizers.hf_backend import HFTokenizer, load_tokenizer_json
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

SPECIAL_TOKENS = ("<|endoftext|>",)
BYTE_ALPHABET = 256
MAX_VOCAB = 1_048_576
MAX_VOCAB_HOSTED = 262_144
#: Digit handling: keep what the regex does, or split digit runs into groups of at most k.
DIGIT_MODES = {"regex": None, "single": 1, "max2": 2, "max3": 3}
#: Seconds per MB on a 2-core machine (HF tokenizers 0.23), rounded up: such a machine is often
#: shared and measured 0.3-1.2 s/MB for a regex and 16k-64k vocabularies (train_bench.py).
REGEX_S_PER_MB = 0.8
IDENTITY_S_PER_MB = 3.0
IDENTITY_LENGTH_S_PER_MB = 3.0
_FIXED_S = 0.2


def max_train_seconds() -> float:
    """Longest estimated training accepted for one tokenizer (smaller in hosted mode)."""
    return 30.0 if hosted_mode() else 120.0


@dataclass(frozen=True)
class TrainConfig:
    """One tokenizer to train. ``mix``: ``(language, weight)`` pairs; empty = the corpus as is."""

    vocab_size: int = 32_000
    regex: str = "gpt4"
    pattern: str | None = None  # the custom regex when regex == "custom"
    digits: str = "regex"
    mix: tuple[tuple[str, float], ...] = ()
    byte_budget: int | None = 10_000_000
    min_frequency: int = 2
    max_token_length: int | None = None
    held_out: float = 0.2
    seed: int = 0
    name: str | None = None
    identity_piece: int | None = 4096  # Identity only: cut documents into pieces of <= N chars

    def resolved_pattern(self) -> str | None:
        """The split regex (None for Identity); `RegexError` for an unknown or bad one."""
        if self.regex == "custom":
            if not self.pattern:
                raise RegexError("Custom regex chosen but no pattern given: type one.")
            compile_pattern(self.pattern)
            return self.pattern
        return get_pattern(self.regex).pattern

    def label(self) -> str:
        """A short id such as ``bpe-32k-gpt4`` or ``bpe-2k-identity-num2-python70-english30``."""
        if self.name:
            return self.name
        size = (
            f"{self.vocab_size // 1000}k" if self.vocab_size % 1000 == 0 else str(self.vocab_size)
        )
        parts = ["bpe", size, self.regex]
        if self.digits != "regex":
            parts.append(f"num{DIGIT_MODES.get(self.digits, '')}")
        if self.mix:
            parts.append(mix_label(self.mix))
        return "-".join(parts)


def max_vocab() -> int:
    """The largest vocabulary accepted here."""
    return MAX_VOCAB_HOSTED if hosted_mode() else MAX_VOCAB


def check_config(config: TrainConfig) -> None:
    """Raise `TokdashError` with an actionable message for a knob that cannot work."""
    floor = BYTE_ALPHABET + len(SPECIAL_TOKENS)
    if config.vocab_size < floor:
        raise TokdashError(
            f"vocabulary size {config.vocab_size:,} is smaller than the byte alphabet: a "
            f"byte-level BPE needs {BYTE_ALPHABET} byte tokens + {len(SPECIAL_TOKENS)} special "
            f"token(s), so at least {floor}."
        )
    if config.vocab_size > max_vocab():
        raise TokdashError(
            f"vocabulary size {config.vocab_size:,} is too large: the limit here is "
            f"{max_vocab():,} (the paper's largest is 80k; 256k already costs a large "
            "embedding matrix)."
        )
    if config.digits not in DIGIT_MODES:
        raise TokdashError(
            f"unknown digit handling {config.digits!r}; choose one of {', '.join(DIGIT_MODES)}"
        )
    if config.min_frequency < 1:
        raise TokdashError("min frequency must be at least 1")
    if config.max_token_length is not None and config.max_token_length < 1:
        raise TokdashError("max token length must be at least 1 character (or none)")
    if not 0 < config.held_out < 1:
        raise TokdashError(
            f"held-out share {config.held_out} must be between 0 and 1 (exclusive): compression "
            "is only ever measured on documents the tokenizer was not trained on."
        )
    if config.byte_budget is not None and config.byte_budget < 1000:
        raise TokdashError("byte budget must be at least 1,000 bytes (or none for all)")
    pattern = config.resolved_pattern()
    if pattern is not None:
        _hf_regex(pattern)
    if config.identity_piece is not None and config.identity_piece < 64:
        raise TokdashError("the Identity piece length must be at least 64 characters (or none)")


def check_time(config: TrainConfig, inputs: Sequence[str]) -> float:
    """The time estimate for training on ``inputs``; `TokdashError` past `max_train_seconds`."""
    seconds = estimate_seconds(config, inputs)
    if seconds > max_train_seconds():
        mb = sum(len(t) for t in inputs) / 1e6
        why = (
            " Identity is slow in the HF trainer: without pre-tokenization each document (or "
            "piece) is one BPE word, and each merge rewrites every long word that holds the "
            "pair, so the cost grows with words' length as well as with bytes. Lower the byte "
            "budget or the Identity piece length."
            if config.resolved_pattern() is None
            else " Lower the byte budget."
        )
        raise TokdashError(
            f"training {config.label()} on {mb:.1f} MB would take about {seconds:.0f} s here; "
            f"the limit is {max_train_seconds():.0f} s.{why}"
        )
    return seconds


def _hf_regex(pattern: str):
    from tokenizers import Regex

    try:
        return Regex(pattern)
    except Exception as exc:  # Oniguruma rejects some syntax the regex module accepts
        raise RegexError(f"the HF trainer's regex engine rejects this pattern: {exc}") from None


def cut_pieces(texts: Sequence[str], max_chars: int) -> list[str]:
    """Each text cut into pieces of at most ``max_chars`` characters, at a newline when one is
    in the window; the pieces of a text concatenate back to it."""
    out: list[str] = []
    for text in texts:
        i, n = 0, len(text)
        while i < n:
            end = i + max_chars
            if end < n:
                nl = text.rfind("\n", i, end)
                end = nl + 1 if nl >= i else end
            out.append(text[i:end])
            i = end
    return out


def training_inputs(config: TrainConfig, texts: Sequence[str]) -> list[str]:
    """What the trainer is fed: the texts, or for Identity their pieces (`identity_piece`)."""
    if config.resolved_pattern() is None and config.identity_piece:
        return cut_pieces(texts, config.identity_piece)
    return list(texts)


def estimate_seconds(config: TrainConfig, inputs: Sequence[str]) -> float:
    """Predicted training time (s) on a 2-core reference machine, from the measured rates.

    With a regex: ``0.2 + 0.8 x MB``. Identity: ``0.2 + MB x (3 + 3 x (L / 4096) ** 1.5)``
    where L is the byte-weighted mean word (piece) length in characters. Measured for Identity:
    1.9 s/MB with 1 kB pieces, 2.5-8 s/MB with 4 kB pieces, ~100 s/MB with whole standard-
    library files (the trainer's cost grows faster than linearly with a word's length).
    """
    total = sum(len(t) for t in inputs)
    mb = total / 1e6
    if config.resolved_pattern() is not None:
        return _FIXED_S + REGEX_S_PER_MB * mb
    mean_len = sum(len(t) ** 2 for t in inputs) / total if total else 0.0
    return _FIXED_S + mb * (IDENTITY_S_PER_MB + IDENTITY_LENGTH_S_PER_MB * (mean_len / 4096) ** 1.5)


# ----- training ----------------------------------------------------------------------------


def build_untrained(config: TrainConfig):
    """An empty HF byte-level BPE with the config's pre-tokenizer and decoder."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    steps = []
    pattern = config.resolved_pattern()
    if pattern is not None:
        steps.append(pre_tokenizers.Split(_hf_regex(pattern), behavior="isolated"))
    k = DIGIT_MODES[config.digits]
    if k is not None:
        steps.append(pre_tokenizers.Split(_hf_regex(rf"\p{{N}}{{1,{k}}}"), behavior="isolated"))
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
) -> TrainResult:
    """Train on ``texts``, save ``out_dir/<label>/tokenizer.json`` and load it back with
    tokdash's own HF loader, so the result is an ordinary tokdash tokenizer."""
    check_config(config)
    if not texts:
        raise CorpusError("no training text: the corpus (after the mix and budget) is empty")
    inputs = training_inputs(config, texts)
    estimate = check_time(config, inputs)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    hf = build_untrained(config)
    trainer = make_trainer(config)
    start = time.perf_counter()
    _run_with_progress(
        lambda: hf.train_from_iterator(inputs, trainer, length=len(inputs)), estimate, progress
    )
    seconds = time.perf_counter() - start
    label = config.label()
    path = Path(out_dir) / label / "tokenizer.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    hf.save(str(path))
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
    config: TrainConfig, docs: Sequence[Document]
) -> tuple[DocumentSplit, list[str], pd.DataFrame, float]:
    """Split ``docs``, select the training texts, check every knob and the time estimate.

    Returns the split, the texts, the mix table and the estimated seconds; nothing is trained.
    """
    check_config(config)
    split = split_documents(docs, config.held_out, config.seed)
    texts, taken = select_training(split.train, config.mix, config.byte_budget)
    seconds = check_time(config, training_inputs(config, texts))
    return split, texts, mix_summary(split, taken), seconds


def train_tokenizer(
    config: TrainConfig,
    docs: Sequence[Document],
    out_dir: str | Path,
    *,
    progress: Progress | None = None,
) -> tuple[TrainResult, DocumentSplit]:
    """Split, select, train and save one tokenizer; returns it with the held-out split."""
    split, texts, mix, _ = prepare(config, docs)
    return train_texts(config, texts, out_dir, progress=progress, mix=mix), split


__all__ = [
    "DIGIT_MODES",
    "PATTERNS",
    "DocumentSplit",
    "TrainConfig",
    "TrainResult",
    "build_untrained",
    "check_config",
    "check_time",
    "cut_pieces",
    "estimate_seconds",
    "make_trainer",
    "max_train_seconds",
    "max_vocab",
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
