"""What one training run is: its knobs (`TrainConfig`), their checks, and the time estimate.

Identity (no pre-tokenization) is slow in the HF trainer: each document is one BPE "word", and
each merge rewrites every word holding the pair, so the cost grows with the words' length, not
only with the bytes (measured on the standard library, 4k vocabulary: ~100 s/MB for whole
files, ~2.5 s/MB for 4 kB pieces, 0.5 s/MB with a regex). Identity therefore cuts documents
into pieces of at most `TrainConfig.identity_piece` characters (at newlines; a merge cannot span
a cut, about one place per 4 kB); `estimate_seconds` predicts the time and `check_time` refuses
runs past ``limits.train_seconds``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from tokdash.analysis.pretokenize import compile_pattern, get_pattern
from tokdash.errors import RegexError, TokdashError, is_rust_panic, regex_engine_gave_up
from tokdash.settings import LOCAL, Limits
from tokdash.training.data import mix_label

SPECIAL_TOKENS = ("<|endoftext|>",)
BYTE_ALPHABET = 256
#: Digit handling: keep what the regex does, or split digit runs into groups of at most k.
DIGIT_MODES = {"regex": None, "single": 1, "max2": 2, "max3": 3}
#: Seconds per MB on a 2-core machine (HF tokenizers 0.23), rounded up: such a machine is often
#: shared and measured 0.3-1.2 s/MB for a regex and 16k-64k vocabularies (train_bench.py).
REGEX_S_PER_MB = 0.8
IDENTITY_S_PER_MB = 3.0
IDENTITY_LENGTH_S_PER_MB = 3.0
_FIXED_S = 0.2
#: A tokenizer name: it becomes a folder name under the output folder.
_NAME = re.compile(r"[\w+\-][\w.+\-]{0,127}")


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


def check_config(config: TrainConfig, limits: Limits = LOCAL) -> None:
    """Raise `TokdashError` with an actionable message for a knob that cannot work
    (the vocabulary size is bounded by ``limits.max_vocab``)."""
    floor = BYTE_ALPHABET + len(SPECIAL_TOKENS)
    if config.vocab_size < floor:
        raise TokdashError(
            f"vocabulary size {config.vocab_size:,} is smaller than the byte alphabet: a "
            f"byte-level BPE needs {BYTE_ALPHABET} byte tokens + {len(SPECIAL_TOKENS)} special "
            f"token(s), so at least {floor}."
        )
    if config.vocab_size > limits.max_vocab:
        raise TokdashError(
            f"vocabulary size {config.vocab_size:,} is too large: the limit here is "
            f"{limits.max_vocab:,} (the paper's largest is 80k; 256k already costs a large "
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
        hf_regex(pattern)
        if config.regex == "custom":
            check_backtracking(pattern)
    if config.name is not None and not _NAME.fullmatch(config.name):
        raise TokdashError(
            f"tokenizer name {config.name!r}: use letters, digits and . _ + - only (it names a "
            "folder), not starting with a dot"
        )
    if config.identity_piece is not None and config.identity_piece < 64:
        raise TokdashError("the Identity piece length must be at least 64 characters (or none)")


def check_time(config: TrainConfig, inputs: Sequence[str], limits: Limits = LOCAL) -> float:
    """The time estimate for training on ``inputs``; `TokdashError` past
    ``limits.train_seconds``."""
    seconds = estimate_seconds(config, inputs)
    if seconds > limits.train_seconds:
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
            f"the limit is {limits.train_seconds:.0f} s.{why}"
        )
    return seconds


def hf_regex(pattern: str):
    """``pattern`` as the HF trainer's `tokenizers.Regex`; `RegexError` if Oniguruma rejects it."""
    from tokenizers import Regex

    try:
        return Regex(pattern)
    except Exception as exc:  # Oniguruma rejects some syntax the regex module accepts
        raise RegexError(f"the HF trainer's regex engine rejects this pattern: {exc}") from None


#: What to do about a pattern the HF trainer's regex engine gives up on.
BACKTRACK_ADVICE = "simplify it, e.g. avoid nested quantifiers like (a+)+"
#: Runs of common characters, each ended by a character the run's pattern may not take: a
#: pattern with nested quantifiers (``(a+)+$``, ``(\w+\s?)+$``) makes Oniguruma hit its
#: retry limit on one of them in ~60-120 ms; a sane pattern splits all of them in ~0.1 ms.
_PROBES = tuple(
    (run, end)
    for run in ("a", "A", "1", "_", " ", "\t", "\n", ".", "a ", "a.", "\u00e9")
    for end in ("!", "\x00")
)


def check_backtracking(pattern: str) -> None:
    """`RegexError` when the HF trainer's regex engine (Oniguruma) gives up on ``pattern`` for
    one of a few short adversarial strings (runs of a character, then one that ends the run).

    Cheap (~0.1 ms for a sane pattern, answers cached) and certain when it refuses; it cannot
    prove a pattern safe on every text, so training still turns the engine giving up on the
    corpus into a `RegexError` (`regex_engine_guard`).
    """
    probe = _failing_probe(pattern)
    if probe is not None:
        run, end = probe
        raise RegexError(
            f"the pre-tokenization pattern backtracks catastrophically on a short test text "
            f"({run!r} 40 times, then {end!r}): the HF trainer's regex engine gives up on it; "
            f"{BACKTRACK_ADVICE}."
        )


@functools.lru_cache(maxsize=64)
def _failing_probe(pattern: str) -> tuple[str, str] | None:
    """The first probe (run, end) whose text Oniguruma gives up on with ``pattern``, or None."""
    from tokenizers import pre_tokenizers

    split = pre_tokenizers.Split(hf_regex(pattern), behavior="isolated")
    for run, end in _PROBES:
        try:
            split.pre_tokenize_str(run * 40 + end)
        except BaseException as exc:
            if not is_rust_panic(exc):
                raise
            return run, end
    return None


def engine_error(exc: BaseException, where: str) -> TokdashError:
    """The error to show for a Rust panic of HF ``tokenizers`` while working on ``where``."""
    text = str(exc)
    if regex_engine_gave_up(text):
        return RegexError(
            f"the pre-tokenization pattern backtracks catastrophically on {where} (the regex "
            f"engine gave up); {BACKTRACK_ADVICE}."
        )
    first = (text.strip().splitlines() or [""])[0][:300]
    return TokdashError(f"the HF tokenizers library failed on {where}: {first}")


@contextmanager
def regex_engine_guard(where: str) -> Iterator[None]:
    """Turn a Rust panic of HF ``tokenizers`` inside the block (a BaseException that
    ``except Exception`` misses) into a `TokdashError`: a `RegexError` when its regex engine
    gave up (``retry-limit-in-match over``). For HF's trainer: encoding through tokdash's
    tokenizers needs no guard, their backends already raise `EncodeError`."""
    try:
        yield
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        raise engine_error(exc, where) from None


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
