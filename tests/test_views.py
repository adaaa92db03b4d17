"""Spec for tokdash.viz.views: compact encodings, windows, per-line and per-pattern tables."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT
from tokdash.analysis.pretokenize import PATTERNS, chunk_stats, count_lines, split
from tokdash.viz.render import line_token_counts, render_spans
from tokdash.viz.views import (
    LINE_TEXT_CHARS,
    PATTERN_COLUMNS,
    SUMMARY_COLUMNS,
    PatternChoice,
    chunk_array,
    chunks_from_array,
    encode_view,
    line_table,
    pattern_choices,
    pattern_row,
    pattern_table,
    summary_row,
    summary_table,
    text_lines,
    window,
    window_note,
)

CODE = (
    "def f(x):\n"
    "\tif x:\r\n"
    "        return '温度 🌡️'  # 注释\n"
    "\n"
    "    return 1234567\n"
    "last_line_without_newline"
)
TOKENIZERS = ["gpt2", "cl100k_base", "o200k_base", "llama3", "mistral-v1"]


@pytest.fixture(scope="module", params=TOKENIZERS)
def tok(request, catalog_tokenizer):
    return catalog_tokenizer(request.param)


# ----- encode_view --------------------------------------------------------------------------


def test_encode_view_is_compact_and_exact(tok):
    view = encode_view(tok, CODE)
    assert view.ids.dtype == np.int64 and view.spans.dtype == np.int64
    assert view.spans.shape == (view.n_tokens, 2)
    assert view.ids.tolist() == tok.encode(CODE)  # no special tokens added
    ids, spans = tok.encode_with_spans(CODE)
    assert view.spans.tolist() == [list(s) for s in spans]
    assert view.line_counts.tolist() == line_token_counts(CODE, spans)
    assert int(view.line_counts.sum()) == view.n_tokens
    assert len(view.line_counts) == count_lines(CODE)


def test_encode_view_empty_text(catalog_tokenizer):
    view = encode_view(catalog_tokenizer("gpt2"), "")
    assert view.n_tokens == 0 and view.spans.shape == (0, 2) and len(view.line_counts) == 0


# ----- window -------------------------------------------------------------------------------


def _check_window(text: str, spans: np.ndarray, win) -> None:
    data = text.encode("utf-8")
    start = int(spans[win.first, 0])
    assert win.text.encode("utf-8") == data[start : start + len(win.text.encode("utf-8"))]
    shifted = [[a + start, b + start] for a, b in win.spans]
    assert shifted == spans[win.first : win.stop].tolist()
    assert win.first_line == data.count(b"\n", 0, start) + 1
    assert win.more == len(spans) - win.stop


def test_window_whole_text(tok):
    view = encode_view(tok, CODE)
    win = window(CODE, view.spans, first_line=1, max_items=10_000)
    assert win.first == 0 and win.more == 0 and win.first_line == 1
    assert win.text == CODE
    # rendering the window equals rendering the whole text
    assert render_spans(win.text, win.spans) == render_spans(CODE, view.spans.tolist())


@pytest.mark.parametrize("line", [1, 2, 3, 4, 5, 6, 99])
def test_window_from_each_line(tok, line):
    view = encode_view(tok, CODE)
    win = window(CODE, view.spans, first_line=line, max_items=4)
    _check_window(CODE, view.spans, win)
    assert 1 <= len(win.spans) <= 4
    assert win.first_line <= min(line, count_lines(CODE))
    render_spans(win.text, win.spans)  # every drawn token is whole: the window decodes


def test_window_never_starts_inside_a_character(catalog_tokenizer):
    tok = catalog_tokenizer("gpt2")  # byte-level: CJK characters are cut into byte pieces
    text = "a\n" + "温度计" * 20 + "\n" + "🌡️" * 10 + "\nend\n"
    view = encode_view(tok, text)
    data = text.encode("utf-8")
    partial_starts = [
        i for i, (s, _) in enumerate(view.spans) if s < len(data) and data[s] >> 6 == 2
    ]
    assert partial_starts, "the test needs tokens that start inside a character"
    for line in range(1, 6):
        for max_items in (1, 3, 7):
            win = window(text, view.spans, first_line=line, max_items=max_items)
            _check_window(text, view.spans, win)
    # asking for the tokens of one character: the window widens to whole characters
    win = window(text, view.spans, first_line=3, max_items=1)
    assert win.text and win.text.encode("utf-8")


def test_window_of_chunks_and_empty():
    chunks = split(CODE, PATTERNS["gpt4"].pattern)
    arr = chunk_array(chunks)
    win = window(CODE, arr, first_line=3, max_items=2)
    _check_window(CODE, arr[:, :2], win)
    assert len(win.spans) == 2
    empty = window("", np.zeros((0, 2), dtype=np.int64))
    assert empty.text == "" and empty.spans == [] and empty.more == 0


def test_window_note_says_what_is_left_out():
    arr = chunk_array(split(CODE, PATTERNS["gpt4"].pattern))
    assert window_note(window(CODE, arr, max_items=10_000), len(arr), "chunks") == ""
    win = window(CODE, arr, first_line=3, max_items=2)
    note = window_note(win, len(arr), "chunks")
    assert note == (
        f"Drawn: chunks {win.first + 1:,}–{win.first + 2:,} of {len(arr):,}, from line "
        f"{win.first_line:,}."
    )
    assert window_note(window(CODE, arr, max_items=1), len(arr)).startswith("Drawn: tokens 1–1 ")


# ----- tables -------------------------------------------------------------------------------


def test_text_lines_agree_with_count_lines():
    for text in ["", "a", "a\n", "a\n\nb", "a\r\nb\r\n", "\n", "x\n\n"]:
        assert len(text_lines(text)) == count_lines(text), text


def test_line_table():
    text = "x = 1\n\tif_long_name:" + "y" * 100 + "\r\n\n"
    df = line_table(text, {"a": [3, 5, 1], "b": np.array([2, 9, 0])})
    assert list(df.columns) == ["line", "a", "b", "spread", "text"]
    assert df["line"].tolist() == [1, 2, 3]
    assert df["spread"].tolist() == [1, 4, 1]
    assert df["text"][0] == "x = 1"
    assert df["text"][1].startswith("    if_long_name:") and df["text"][1].endswith("…")
    assert len(df["text"][1]) == LINE_TEXT_CHARS
    assert df["text"][2] == ""
    one = line_table("a\nb\n", {"only": [1, 1]})
    assert list(one.columns) == ["line", "only", "text"]  # no spread with one tokenizer


def test_summary_table(catalog_tokenizer):
    tok = catalog_tokenizer("gpt2")
    stats = {
        "bytes": 10,
        "chars": 10,
        "lines": 1,
        "tokens": 5,
        "bytes_per_token": 2.0,
        "chars_per_token": 2.0,
        "tokens_per_line": 5.0,
        "nsl": 0.5,
    }
    df = summary_table([summary_row(tok, stats)])
    assert list(df.columns) == SUMMARY_COLUMNS
    row = df.iloc[0]
    assert row["tokenizer"] == "gpt2" and row["tokens"] == 5 and row["nsl"] == 0.5
    assert row["vocab_size"] == tok.vocab_size


# ----- patterns -----------------------------------------------------------------------------


def test_pattern_choices_fold_and_order():
    gpt4 = PATTERNS["gpt4"].pattern
    llama3 = PATTERNS["llama3"].pattern
    choices = pattern_choices(
        ["gpt2", "gpt4", "identity"],
        [("cl100k_base", gpt4), ("llama2", None), ("llama3", llama3), ("mine", r"\w+|\s+|.")],
        r"\S+|\s+",
    )
    labels = [c.label for c in choices]
    assert labels == [
        PATTERNS["gpt2"].name,
        PATTERNS["gpt4"].name + " = cl100k_base",
        PATTERNS["identity"].name,
        "llama3 (own pattern)",
        "mine (own pattern)",
        "Custom",
    ]
    assert choices[3].note == "Same text as the named pattern Llama 3."
    assert choices[4].note == "" and choices[4].source == "tokenizer mine"
    assert choices[-1].custom and choices[-1].pattern == r"\S+|\s+"
    assert choices[2].pattern is None
    assert pattern_choices([], [], "") == []


def test_chunk_array_roundtrip():
    chunks = split("a  b\x00c", r"\w+|\s+")
    assert any(not c.matched for c in chunks)
    arr = chunk_array(chunks)
    assert arr.shape == (len(chunks), 3) and arr.dtype == np.int64
    assert chunks_from_array(arr) == chunks
    assert chunk_array([]).shape == (0, 3)


def test_pattern_row_from_chunk_stats():
    text = "def foo(x):\n    return x+1\n"
    chunks = split(text, PATTERNS["gpt2"].pattern)
    stats = chunk_stats(text, chunks)
    choice = PatternChoice("GPT-2", PATTERNS["gpt2"].pattern, "tiktoken")
    df = pattern_table([pattern_row(choice, stats)])
    assert list(df.columns) == PATTERN_COLUMNS
    row = df.iloc[0]
    assert row["chunks"] == len(chunks) == stats["chunks"]
    assert row["distinct_chunks"] == len({text[c.start : c.end] for c in chunks})
    assert row["longest_chunk"] == repr(stats["longest_chunk_text"])[1:-1].replace(" ", "·")
    assert row["chunks_per_line"] == len(chunks) / 2


def test_views_import_no_streamlit():
    code = "import sys, tokdash.viz.views; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
