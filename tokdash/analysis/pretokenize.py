"""Named pre-tokenization patterns and regex splitting into byte-offset chunks.

A byte-level BPE never merges across the chunks its pre-tokenization regex cuts the text into, so
the regex bounds what a token can be. The registry below is data (like tiktoken's
``openai_public.py``): each pattern string is copied verbatim from its source, named in ``source``.

Splitting uses the ``regex`` module with the flags tiktoken uses (none): on characters assigned in
Python's Unicode database it gives the same pieces as tiktoken's own Rust splitter (checked in
``tests/test_pretokenize.py`` against ``tiktoken.Encoding`` itself).

Time limit, measured with regex 2026.11.19: ``finditer(..., timeout=t)`` counts the time spent
*inside the matching engine*, summed over the whole iteration (a text of 4M cheap matches times out
after t in total, not per match); time the caller spends between two matches does not count.
``split`` therefore also checks a wall-clock deadline every ``_BATCH`` matches, so a call is bounded
by about ``timeout`` whatever the pattern (measured: 2.001 s for ``(a|aa)+$`` on "a"*40+"b").
Note that ``regex`` defuses the textbook ``(a+)+$``: it finishes in under a millisecond.

Counted repeats are checked before compiling (`tokdash.analysis.regex_repeats`): ``regex``
unrolls them, and ``a{99999999}`` takes gigabytes.
"""

from __future__ import annotations

import functools
import itertools
import time
from dataclasses import dataclass
from typing import NamedTuple

import regex

from tokdash.analysis.regex_repeats import check_repeats
from tokdash.errors import RegexError, RegexTimeoutError

#: Longest pattern accepted from a user (a hosted-demo guard, far above any real pattern).
MAX_PATTERN_CHARS = 5_000


@dataclass(frozen=True)
class NamedPattern:
    """A pre-tokenization regex with where it comes from; ``pattern=None`` means no split."""

    id: str
    name: str
    pattern: str | None
    source: str
    note: str


_TIKTOKEN = "https://github.com/openai/tiktoken/blob/main/tiktoken_ext/openai_public.py"
_BENCH = "https://github.com/gautierdag/tokenizer-bench/blob/main/utils.py"
_LLAMA3 = "https://github.com/meta-llama/llama3/blob/main/llama/tokenizer.py"

# tiktoken_ext/openai_public.py, `r50k_pat_str` (gpt2, r50k_base, p50k_base, p50k_edit).
_GPT2 = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

# tiktoken_ext/openai_public.py, `cl100k_base()["pat_str"]`.
_GPT4 = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)

# tiktoken_ext/openai_public.py, `o200k_base()`: `pat_str = "|".join([...])`, same 7 parts.
_GPT4O = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

# meta-llama/llama3 llama/tokenizer.py, `Tokenizer.pat_str`.
_LLAMA3_PAT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# gautierdag/tokenizer-bench utils.py, get_regex_from_normalization_rule_name("gpt").
_PAPER_GPT4 = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"""
    r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# same file, rule "gpt-num2".
_PAPER_GPT4_NUM2 = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,2}"""
    r"""| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# same file, rule "punct".
_PUNCT = r""" ?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# same file, rule "punct-num2".
_PUNCT_NUM2 = r""" ?\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

_NUM2_NOTE = (
    " Digits in runs of at most 2: the authors advise it below ~50k vocabulary, so that every "
    "digit group has its own token."
)

PATTERNS: dict[str, NamedPattern] = {
    p.id: p
    for p in (
        NamedPattern(
            "gpt2",
            "GPT-2 (r50k / p50k)",
            _GPT2,
            f"{_TIKTOKEN} : r50k_pat_str",
            "Letters, digits (any run length) and punctuation runs, each with an optional "
            "leading space; contractions split off case-sensitively.",
        ),
        NamedPattern(
            "gpt4",
            "GPT-4 (cl100k_base)",
            _GPT4,
            f"{_TIKTOKEN} : cl100k_base()['pat_str']",
            "Digits in groups of at most 3; a word may take one leading non-letter (so '.foo' "
            "and '_bar' stay whole); newlines are kept apart from other whitespace.",
        ),
        NamedPattern(
            "gpt4o",
            "GPT-4o (o200k_base)",
            _GPT4O,
            f"{_TIKTOKEN} : o200k_base() pat_str",
            "Like GPT-4 but words split at case changes (camelCase -> camel|Case), "
            "contractions stay attached, and '/' may follow punctuation.",
        ),
        NamedPattern(
            "llama3",
            "Llama 3",
            _LLAMA3_PAT,
            f"{_LLAMA3} : Tokenizer.pat_str",
            "The GPT-4 regex without possessive quantifiers; identical to the paper's GPT-4 "
            "regex. Differs from cl100k only for whitespace after a newline at the very end of "
            "the text (cl100k's \\s++$ keeps it in one chunk).",
        ),
        NamedPattern(
            "paper-gpt4",
            "GPT-4 (paper, utils.py)",
            _PAPER_GPT4,
            f"{_BENCH} : get_regex_from_normalization_rule_name('gpt')",
            "The GPT-4 regex as the paper's authors wrote it (Dagan et al. 2024); the paper's "
            "'gpt' tokenizers were trained with it.",
        ),
        NamedPattern(
            "paper-gpt4-num2",
            "GPT-4, 2-digit numbers (paper)",
            _PAPER_GPT4_NUM2,
            f"{_BENCH} : get_regex_from_normalization_rule_name('gpt-num2')",
            "The paper's GPT-4 regex with \\p{N}{1,2}." + _NUM2_NOTE,
        ),
        NamedPattern(
            "punct",
            "Punct (paper)",
            _PUNCT,
            f"{_BENCH} : get_regex_from_normalization_rule_name('punct')",
            "The paper's Punct: a word takes at most a leading space, never punctuation, so "
            "punctuation and words never share a token. Compresses less than GPT-4's regex.",
        ),
        NamedPattern(
            "punct-num2",
            "Punct, 2-digit numbers (paper)",
            _PUNCT_NUM2,
            f"{_BENCH} : get_regex_from_normalization_rule_name('punct-num2')",
            "The paper's Punct with \\p{N}{1,2}." + _NUM2_NOTE,
        ),
        NamedPattern(
            "identity",
            "Identity (no pre-tokenization)",
            None,
            "Dagan et al. 2024, 'identity' tokenizers: no pre-tokenizer",
            "The whole text is one chunk: BPE may merge across words, spaces and lines. Best "
            "compression in the paper, but tokens like ' = self.' hurt generalisation.",
        ),
    )
}


def get_pattern(pattern_id: str) -> NamedPattern:
    """The named pattern ``pattern_id``; ``RegexError`` listing the valid ids otherwise."""
    try:
        return PATTERNS[pattern_id]
    except KeyError:
        valid = ", ".join(PATTERNS)
        raise RegexError(f"Unknown pattern {pattern_id!r}; choose one of: {valid}.") from None


# ----- compiling ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def compile_pattern(pattern: str) -> regex.Pattern:
    """Compile ``pattern`` (cached); ``RegexError`` on bad syntax or an empty-string match."""
    if not isinstance(pattern, str):
        raise RegexError(f"A pattern must be a string, not {type(pattern).__name__}.")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RegexError(
            f"Pattern is {len(pattern):,} characters long; the limit is {MAX_PATTERN_CHARS:,}."
        )
    try:
        check_repeats(pattern)
        compiled = regex.compile(pattern)
    except regex.error as exc:
        pos = exc.pos if exc.pos is not None else len(pattern)
        raise RegexError(
            f"Invalid regex at position {pos}: {exc.msg}.\n  {pattern}\n  {' ' * pos}^"
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:  # e.g. a{99999999999}
        raise RegexError(f"Invalid regex: {exc}.") from None
    try:
        empty = compiled.fullmatch("", timeout=1.0) is not None
    except TimeoutError:  # pragma: no cover - an empty string cannot take a second
        empty = False
    if empty:
        raise RegexError(
            "The pattern matches the empty string, so it would cut zero-length chunks forever: "
            "make every alternative consume at least one character (use + instead of *)."
        )
    return compiled


# ----- splitting ----------------------------------------------------------------------------


class Chunk(NamedTuple):
    """A piece of the text, ``[start, end)`` in UTF-8 byte offsets.

    ``matched`` is False for text that no match of the pattern covered: it is still a chunk, so
    that the chunks of a text always tile its bytes.
    """

    start: int
    end: int
    matched: bool = True

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


#: The registry's own patterns, run without the engine clock (see ``split``).
_TRUSTED = frozenset(p.pattern for p in PATTERNS.values() if p.pattern is not None)
_BATCH = 1024  # matches between two wall-clock checks


def _timed_out(timeout: float) -> RegexTimeoutError:
    return RegexTimeoutError(
        f"The pattern ran longer than {float(timeout)} s: catastrophic backtracking? Look for "
        "nested or overlapping quantifiers such as (a|aa)+, or split a shorter text."
    )


def split(text: str, pattern: str | None, *, timeout: float = 2.0) -> list[Chunk]:
    """Split ``text`` with ``pattern`` into chunks that tile ``text.encode('utf-8')``.

    ``pattern=None`` (identity) gives one chunk; an empty text gives no chunk. Text between
    matches becomes an unmatched chunk (``matched=False``). Raises ``RegexError`` for a bad
    pattern or a zero-length match, and its subclass ``RegexTimeoutError`` when the split takes
    longer than ``timeout`` seconds (a result of the machine's load as much as of the pattern:
    callers that cache answers must not cache this one).
    """
    if pattern is None:
        n = len(text.encode("utf-8"))
        return [Chunk(0, n, True)] if n else []
    compiled = compile_pattern(pattern)
    if not text:
        return []
    deadline = time.monotonic() + timeout
    # The engine's own clock costs ~0.7 us a match; the registry's patterns cannot backtrack
    # catastrophically, so they run without it (the wall-clock deadline below still holds).
    engine_timeout = None if pattern in _TRUSTED else timeout
    spans: list[tuple[int, int]] = []
    try:
        matches = compiled.finditer(text, timeout=engine_timeout)
        while batch := [m.span() for m in itertools.islice(matches, _BATCH)]:
            spans.extend(batch)
            if time.monotonic() > deadline:
                raise _timed_out(timeout)
    except TimeoutError:
        raise _timed_out(timeout) from None
    return _spans_to_chunks(text, spans)


def _spans_to_chunks(text: str, spans: list[tuple[int, int]]) -> list[Chunk]:
    """Character spans of matches -> byte-offset chunks, gaps filled with unmatched chunks."""
    chunks: list[Chunk] = []
    append = chunks.append
    ascii_only = text.isascii()
    char_pos = 0  # end of the previous chunk, in characters
    byte_pos = 0  # the same place, in bytes
    for start, end in spans:
        if start == end:
            raise RegexError(
                f"The pattern matched an empty string at character {start}: make every "
                "alternative consume at least one character."
            )
        if ascii_only:
            if start > char_pos:
                append(Chunk(char_pos, start, False))
            append(Chunk(start, end, True))
        else:
            if start > char_pos:
                gap_end = byte_pos + len(text[char_pos:start].encode("utf-8"))
                append(Chunk(byte_pos, gap_end, False))
                byte_pos = gap_end
            match_end = byte_pos + len(text[start:end].encode("utf-8"))
            append(Chunk(byte_pos, match_end, True))
            byte_pos = match_end
        char_pos = end
    if char_pos < len(text):
        if ascii_only:
            append(Chunk(char_pos, len(text), False))
        else:
            append(Chunk(byte_pos, byte_pos + len(text[char_pos:].encode("utf-8")), False))
    return chunks


def chunk_strings(text: str, chunks: list[Chunk]) -> list[str]:
    """The text of each chunk (chunks from ``split`` always fall on character boundaries)."""
    data = text.encode("utf-8")
    return [data[c.start : c.end].decode("utf-8", errors="replace") for c in chunks]


def count_lines(text: str) -> int:
    """Lines of ``text``: pieces ended by '\\n', plus a last one without it (0 for '')."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def chunk_stats(text: str, chunks: list[Chunk]) -> dict:
    """Summary of a split, for the regex page.

    Keys: ``chunks``, ``unmatched_chunks``, ``unmatched_bytes``, ``bytes``, ``lines``,
    ``chunks_per_line`` (lines as in ``count_lines``), ``mean_chunk_bytes``,
    ``longest_chunk_bytes``, ``longest_chunk_text``, ``distinct_chunks`` (the number of distinct
    chunk strings: BPE merges only inside chunks, so this bounds the whole-chunk tokens that
    could ever be learnt from this text).
    """
    data = text.encode("utf-8")
    pieces = [data[c.start : c.end] for c in chunks]
    longest = max(range(len(chunks)), key=lambda i: len(pieces[i]), default=None)
    unmatched = [c for c in chunks if not c.matched]
    lines = count_lines(text)
    return {
        "chunks": len(chunks),
        "unmatched_chunks": len(unmatched),
        "unmatched_bytes": sum(c.end - c.start for c in unmatched),
        "bytes": len(data),
        "lines": lines,
        "chunks_per_line": len(chunks) / lines if lines else 0.0,
        "mean_chunk_bytes": len(data) / len(chunks) if chunks else 0.0,
        "longest_chunk_bytes": len(pieces[longest]) if longest is not None else 0,
        "longest_chunk_text": (
            pieces[longest].decode("utf-8", errors="replace") if longest is not None else ""
        ),
        "distinct_chunks": len(set(pieces)),
    }
