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


class EncodeError(TokdashError):
    """A tokenizer failed while encoding a text (e.g. its regex engine gave up on it)."""
