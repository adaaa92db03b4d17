"""Exception types the library raises; pages and the CLI show their message to the user."""

from __future__ import annotations


class TokdashError(Exception):
    """Base class: the message is written for the user and says what to do."""


class TokenizerLoadError(TokdashError):
    """A tokenizer file, folder or name could not be loaded."""


class UnknownTokenizerError(TokdashError):
    """A tokenizer id that is neither in the catalog nor a readable path."""


class TokenizerUnavailableError(TokdashError):
    """A catalog tokenizer whose files are not cached and cannot be fetched now."""


class CorpusError(TokdashError):
    """A corpus that cannot be read, or that has no usable document."""


class RegexError(TokdashError):
    """A pre-tokenization pattern that does not compile or that ran past its time limit."""


class RegexTimeoutError(RegexError):
    """A split that ran past its time limit: it depends on the machine's load, so unlike a
    pattern that does not compile it must not be cached as this pattern's answer."""


class EngineUnavailable(TokdashError):
    """A fast encoding engine cannot be built for a tokenizer (the message says why)."""


class EncodeError(TokdashError):
    """A tokenizer failed while encoding a text (e.g. its regex engine gave up on it)."""


class NoGrammarError(TokdashError):
    """A language with no tree-sitter grammar here (code structure cannot be measured)."""


class CodeParseError(TokdashError):
    """A document its language's grammar cannot parse (mostly ERROR nodes, or a parser failure)."""


def is_rust_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a Rust panic surfaced by pyo3 (``pyo3_runtime.PanicException``: HF
    tokenizers' regex engine giving up, tiktoken refusing a rank table). It derives from
    BaseException, so ``except Exception`` does not catch it."""
    return type(exc).__name__ == "PanicException"


def regex_engine_gave_up(message: str) -> bool:
    """Whether a Rust panic's ``message`` is a regex engine giving up on backtracking
    (Oniguruma's ``retry-limit-in-match over``, fancy-regex's ``BacktrackLimitExceeded``)."""
    return "retry-limit" in message or "BacktrackLimit" in message


def unexpected_message(exc: BaseException) -> str:
    """One line for a failure no check foresaw: its type and the first line of its message."""
    if isinstance(exc, MemoryError):
        return "ran out of memory: try a smaller corpus, fewer tokenizers or a smaller model"
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    kind = "the Rust library panicked" if is_rust_panic(exc) else type(exc).__name__
    return f"unexpected failure ({kind}: {first})" if first else f"unexpected failure ({kind})"
