"""Spec for tokdash.analysis.pretokenize: named patterns, byte chunks, and time limits."""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path
from unittest import mock

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st
from tiktoken_ext import openai_public

from tokdash.analysis.pretokenize import (
    PATTERNS,
    Chunk,
    chunk_stats,
    chunk_strings,
    compile_pattern,
    count_lines,
    get_pattern,
    split,
)
from tokdash.errors import RegexError, RegexTimeoutError

PAPER_README = Path(__file__).resolve().parents[2] / "shared" / "paper" / "README.md"
CODE = "def foo(x):\n    return x+1"


def pieces(text: str, pattern_id: str) -> list[str]:
    return chunk_strings(text, split(text, PATTERNS[pattern_id].pattern))


# ----- the registry -------------------------------------------------------------------------


def test_registry_ids_and_fields():
    expected = {"gpt2", "gpt4", "gpt4o", "llama3", "punct", "paper-gpt4", "identity"}
    assert expected <= set(PATTERNS)
    for pid, named in PATTERNS.items():
        assert named.id == pid
        assert named.name and named.source and named.note
        if named.pattern is not None:
            compile_pattern(named.pattern)
    assert PATTERNS["identity"].pattern is None


def test_get_pattern_unknown_lists_valid_ids():
    assert get_pattern("gpt4") is PATTERNS["gpt4"]
    with pytest.raises(RegexError, match="Unknown pattern 'gpt5'.*gpt2.*punct.*identity"):
        get_pattern("gpt5")


@functools.cache
def tiktoken_patterns() -> dict[str, str]:
    """tiktoken's own pattern strings (its constructors run with the vocabulary load stubbed)."""
    with mock.patch.object(openai_public, "load_tiktoken_bpe", lambda *a, **k: {}):
        return {
            "gpt2": openai_public.r50k_pat_str,
            "gpt4": openai_public.cl100k_base()["pat_str"],
            "gpt4o": openai_public.o200k_base()["pat_str"],
        }


def test_gpt_patterns_are_tiktokens_strings():
    for pid, pat in tiktoken_patterns().items():
        assert PATTERNS[pid].pattern == pat, pid


def test_paper_patterns_match_the_authors_utils():
    if not PAPER_README.exists():
        pytest.skip(f"{PAPER_README} (the paper's artifacts) is not on this machine")
    readme = PAPER_README.read_text()
    gpt4 = re.search(r"- GPT-4 regex: `(.+)`", readme).group(1)
    punct = re.search(r"- Punct regex: `(.+)`", readme).group(1)
    assert PATTERNS["paper-gpt4"].pattern == gpt4
    assert PATTERNS["punct"].pattern == punct
    assert PATTERNS["paper-gpt4-num2"].pattern == gpt4.replace(r"\p{N}{1,3}", r"\p{N}{1,2}")
    assert PATTERNS["punct-num2"].pattern == punct.replace(r"\p{N}{1,3}", r"\p{N}{1,2}")


def test_llama3_is_the_papers_gpt4_regex():
    assert PATTERNS["llama3"].pattern == PATTERNS["paper-gpt4"].pattern


# ----- known splits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern_id", "expected"),
    [
        ("gpt2", ["def", " foo", "(", "x", "):", "\n   ", " return", " x", "+", "1"]),
        ("gpt4", ["def", " foo", "(x", "):\n", "   ", " return", " x", "+", "1"]),
        ("gpt4o", ["def", " foo", "(x", "):\n", "   ", " return", " x", "+", "1"]),
        ("punct", ["def", " foo", "(", "x", "):\n", "   ", " return", " x", "+", "1"]),
        ("identity", [CODE]),
    ],
)
def test_code_split(pattern_id, expected):
    assert pieces(CODE, pattern_id) == expected


@pytest.mark.parametrize(
    ("pattern_id", "expected"),
    [
        ("gpt2", ["I", "'m", " 12345", " years"]),
        ("gpt4", ["I", "'m", " ", "123", "45", " years"]),
        ("gpt4o", ["I'm", " ", "123", "45", " years"]),
        ("llama3", ["I", "'m", " ", "123", "45", " years"]),
        ("paper-gpt4-num2", ["I", "'m", " ", "12", "34", "5", " years"]),
        ("punct", ["I", "'", "m", " ", "123", "45", " years"]),
    ],
)
def test_digit_grouping_and_contractions(pattern_id, expected):
    assert pieces("I'm 12345 years", pattern_id) == expected


def test_o200k_splits_camel_case():
    text = "getHTTPResponseCode fooBar"
    assert pieces(text, "gpt4o") == ["get", "HTTPResponse", "Code", " foo", "Bar"]
    assert pieces(text, "gpt4") == ["getHTTPResponseCode", " fooBar"]


def test_contraction_case():
    assert pieces("DON'T", "gpt2") == ["DON", "'", "T"]  # case-sensitive
    assert pieces("DON'T", "gpt4") == ["DON", "'T"]  # (?i:...)


def test_crlf_and_tabs():
    text = "x = 1\r\n\r\n\tif  a:\n\n"
    assert pieces(text, "gpt4") == ["x", " =", " ", "1", "\r\n\r\n", "\tif", " ", " a", ":\n\n"]
    assert pieces(text, "punct") == [
        "x",
        " =",
        " ",
        "1",
        "\r\n\r\n",
        "\t",
        "if",
        " ",
        " a",
        ":\n\n",
    ]


def test_llama3_differs_from_cl100k_only_at_trailing_whitespace():
    text = "a:\n  "
    assert pieces(text, "gpt4") == ["a", ":\n", "  "]
    assert pieces(text, "llama3") == ["a", ":\n", "  "]
    assert pieces("a\n \u3000", "gpt4") == ["a", "\n \u3000"]  # \s++$
    assert pieces("a\n \u3000", "llama3") == ["a", "\n", " \u3000"]


def test_byte_offsets_for_non_ascii():
    text = "héllo 你好"
    chunks = split(text, PATTERNS["gpt4"].pattern)
    assert chunks == [Chunk(0, 6, True), Chunk(6, 13, True)]
    assert chunk_strings(text, chunks) == ["héllo", " 你好"]


def test_unmatched_text_becomes_flagged_chunks():
    assert split("ab12cd", r"\d+") == [Chunk(0, 2, False), Chunk(2, 4, True), Chunk(4, 6, False)]
    assert split("é1é", r"\d") == [Chunk(0, 2, False), Chunk(2, 3, True), Chunk(3, 5, False)]
    assert split("abc", r"\d") == [Chunk(0, 3, False)]


def test_identity_and_empty_text():
    assert split("a b\n", None) == [Chunk(0, 4, True)]
    assert split("", None) == []
    assert split("", PATTERNS["gpt4"].pattern) == []


# ----- agreement with tiktoken's own splitter -----------------------------------------------


def tiktoken_pieces(pattern: str, text: str) -> list[bytes]:
    """tiktoken's pieces: with every byte substring of the text in the vocabulary, BPE merges each
    regex piece into exactly one token and never merges across pieces."""
    data = text.encode("utf-8")
    ranks = {bytes([i]): i for i in range(256)}
    for i in range(len(data)):
        for j in range(i + 2, len(data) + 1):
            ranks.setdefault(data[i:j], len(ranks))
    enc = tiktoken.Encoding("probe", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    return [enc.decode_single_token_bytes(t) for t in enc.encode_ordinary(text)]


# Characters assigned in this Python's Unicode database: the regex module and tiktoken's Rust
# regex may use newer Unicode versions than each other for characters not yet assigned here.
ASSIGNED = st.characters(exclude_categories=("Cn", "Cs"))
CODEY = st.sampled_from(list("aZé你 \t\n\r'sStTlL1234_.,()[]{}:;/\\\"#-+=*😀\u0301\xa0\u3000٣Ⅻǅ"))


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.one_of(CODEY, ASSIGNED), max_size=24))
def test_same_pieces_as_tiktoken(text):
    data = text.encode("utf-8")
    for pat in tiktoken_patterns().values():
        ours = [data[c.start : c.end] for c in split(text, pat)]
        assert ours == tiktoken_pieces(pat, text)


# ----- tiling -------------------------------------------------------------------------------

TILING_TEXT = st.lists(
    st.one_of(
        st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "😀", "👩\u200d💻", "你好", "é", "\u0301"]),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    text=TILING_TEXT,
    pattern=st.sampled_from([*(p.pattern for p in PATTERNS.values()), r"\d+", r"[a-z]+|\s"]),
)
def test_chunks_tile_the_bytes(text, pattern):
    data = text.encode("utf-8")
    chunks = split(text, pattern)
    pos = 0
    for c in chunks:
        assert c.start == pos and c.end > c.start
        data[c.start : c.end].decode("utf-8")  # chunks fall on character boundaries
        pos = c.end
    assert pos == len(data)
    assert "".join(chunk_strings(text, chunks)) == text
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.matched or b.matched  # a gap is one chunk, never two in a row


# ----- errors and time limits ---------------------------------------------------------------


def test_syntax_error_names_the_position():
    with pytest.raises(RegexError) as info:
        compile_pattern(r"foo(bar|baz")
    msg = str(info.value)
    assert "position 11" in msg and "missing )" in msg
    assert msg.splitlines()[-1] == " " * 13 + "^"  # caret under the position
    with pytest.raises(RegexError, match="unknown property"):
        split("x", r"\p{Nope}")


@pytest.mark.parametrize("pattern", [r"a*", r"\s*|x", r"$", r"(?:)"])
def test_empty_match_pattern_rejected(pattern):
    with pytest.raises(RegexError, match="matches the empty string"):
        compile_pattern(pattern)


def test_context_empty_match_rejected_at_split():
    with pytest.raises(RegexError, match="empty string at character 0"):
        split("ab cd", r"\b")


def test_catastrophic_pattern_times_out():
    timeout = 0.3
    t0 = time.monotonic()
    with pytest.raises(RegexError, match=r"ran longer than 0.3 s: catastrophic backtracking"):
        split("a" * 40 + "b", r"(a|aa)+$", timeout=timeout)
    assert time.monotonic() - t0 < 3 * timeout


def test_textbook_nested_quantifier_is_defused_by_regex():
    # `regex` optimises (a+)+$ (unlike `re`): it finishes at once and is not an error.
    chunks = split("a" * 40 + "b", r"(a+)+$", timeout=0.5)
    assert chunks == [Chunk(0, 41, False)]


def test_timeout_bounds_the_whole_split_not_one_match():
    # Each match is instant; only their sum is long.
    t0 = time.monotonic()
    with pytest.raises(RegexError, match="ran longer than"):
        split("ab " * 1_000_000, r"\S+|\s+", timeout=0.05)
    assert time.monotonic() - t0 < 1.0


def test_trusted_patterns_still_respect_the_deadline():
    with pytest.raises(RegexTimeoutError, match="ran longer than"):
        split("ab " * 1_000_000, PATTERNS["gpt4"].pattern, timeout=0.02)
    # a timeout is this call's answer, not the pattern's: the same split with time succeeds
    assert len(split("ab " * 1_000, PATTERNS["gpt4"].pattern, timeout=5.0)) == 1_001  # " ab"


def test_a_bad_pattern_is_not_a_timeout():
    with pytest.raises(RegexError) as info:
        split("ab", "(a")
    assert not isinstance(info.value, RegexTimeoutError)


def test_compile_is_cached():
    assert compile_pattern(r"\w+|\W") is compile_pattern(r"\w+|\W")


def test_pattern_length_limit():
    with pytest.raises(RegexError, match="limit"):
        compile_pattern("a" * 10_000)


# ----- statistics ---------------------------------------------------------------------------


def test_chunk_stats():
    text = "a = a\nb = a\n"
    chunks = split(text, PATTERNS["gpt4"].pattern)
    assert chunk_strings(text, chunks) == ["a", " =", " a", "\n", "b", " =", " a", "\n"]
    stats = chunk_stats(text, chunks)
    assert stats["chunks"] == 8
    assert stats["lines"] == 2
    assert stats["chunks_per_line"] == 4.0
    assert stats["distinct_chunks"] == 5  # a, " =", " a", "\n", b
    assert stats["longest_chunk_bytes"] == 2 and stats["longest_chunk_text"] == " ="
    assert stats["unmatched_chunks"] == 0 and stats["bytes"] == 12


def test_chunk_stats_unmatched_and_empty():
    stats = chunk_stats("ab12", split("ab12", r"\d"))
    assert (stats["chunks"], stats["unmatched_chunks"], stats["unmatched_bytes"]) == (3, 1, 2)
    empty = chunk_stats("", [])
    assert empty["chunks"] == 0 and empty["chunks_per_line"] == 0.0
    assert empty["longest_chunk_text"] == ""


def test_count_lines():
    assert [count_lines(t) for t in ["", "a", "a\n", "a\nb", "\n\n", "a\r\nb\r\n"]] == [
        0,
        1,
        1,
        2,
        2,
        2,
    ]


def test_tiktoken_oracle_is_sensitive():
    # the probe tells cl100k's pattern from Llama 3's on the one place they differ
    cl100k = tiktoken_patterns()["gpt4"]
    assert tiktoken_pieces(cl100k, "a\n \u3000") == [b"a", "\n \u3000".encode()]
    assert tiktoken_pieces(PATTERNS["llama3"].pattern, "a\n \u3000") == [
        b"a",
        b"\n",
        " \u3000".encode(),
    ]
