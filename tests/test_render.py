"""Spec for tokdash.viz.render: token and chunk views as HTML, and tokens per line."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdash.analysis.pretokenize import PATTERNS, split
from tokdash.viz.render import PALETTE, css, line_token_counts, render_chunks, render_spans


class _Visible(HTMLParser):
    """Element text of a view, as a browser would hold it (entities decoded).

    Control pictures in ``ctl`` spans are mapped back to their control character; the hex of
    partial bytes (``pb``) and the "more tokens" note are left out.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(dict(attrs).get("class") or "")

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        classes = " ".join(self.stack).split()
        if "pb" in classes or "tokdash-more" in classes:
            return
        if "ctl" in classes:
            data = "".join(_unpicture(c) for c in re.findall(r"\\x[0-9a-f]{2}|.", data, re.S))
        self.parts.append(data)


def _unpicture(shown: str) -> str:
    if shown.startswith("\\x"):
        return chr(int(shown[2:], 16))
    if shown == "\u2421":
        return "\x7f"
    return chr(ord(shown) - 0x2400)


def visible(html_text: str) -> str:
    parser = _Visible()
    parser.feed(html_text)
    parser.close()
    assert not parser.stack, "unbalanced tags"
    return "".join(parser.parts)


def token_spans(html_text: str) -> list[str]:
    """The opening tag of each token span."""
    return re.findall(r'<span class="tok[^"]*"[^>]*>', html_text)


def tiles(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    n = len(text.encode("utf-8"))
    points = [0, *sorted(cuts), n]
    return list(zip(points, points[1:], strict=False))


# ----- escaping and markers -----------------------------------------------------------------


def test_script_renders_as_text():
    text = "<script>alert('x')</script> & \"q\""
    out = render_spans(text, tiles(text, [8]), ids=[1, 2])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert visible(out) == text


def test_title_carries_id_and_escaped_bytes():
    text = 'a"<b'
    out = render_spans(text, [(0, 4)], ids=[1234])
    title = re.search(r'title="([^"]*)"', out).group(1)
    assert title == "token 0 · id 1234 · b&#x27;a&quot;&lt;b&#x27;"


def test_whitespace_markers_keep_the_real_characters():
    text = "a b\tc\nd"
    out = render_spans(text, [(0, len(text))])
    assert '<span class="ws sp"> </span>' in out
    assert '<span class="ws tab">\t</span>' in out
    assert '<span class="ws nl">\n</span>' in out  # a real line break, marker from CSS
    style = css()
    for marker in ("\\00B7", "\\2192", "\\21B5"):  # · → ↵
        assert marker in style
    assert visible(out) == text


def test_control_characters_become_pictures():
    text = "x\r\n\x1b\x85"
    out = render_spans(text, [(0, len(text.encode()))])
    assert '<span class="ws ctl">\u240d</span>' in out  # ␍
    assert '<span class="ws ctl">\u241b</span>' in out  # ␛
    assert '<span class="ws ctl">\\x85</span>' in out
    assert visible(out) == text


def test_structure_and_colours_are_deterministic():
    text = "abcdefgh"
    spans = [(i, i + 1) for i in range(8)]
    out = render_spans(text, spans)
    assert out.startswith('<div class="tokdash-view">') and out.endswith("</div>")
    classes = [re.search(r'class="([^"]*)"', t).group(1) for t in token_spans(out)]
    assert classes == [f"tok c{i % len(PALETTE)}" for i in range(8)]
    assert render_spans(text, spans) == out
    assert len(set(PALETTE)) == len(PALETTE) >= 5


def test_css_block():
    style = css()
    assert style.startswith("<style>") and style.endswith("</style>")
    assert "white-space: pre-wrap" in style and "monospace" in style
    for i, colour in enumerate(PALETTE):
        assert f".c{i} {{ background: {colour}; }}" in style


def test_custom_css_class():
    out = render_spans("ab", [(0, 1), (1, 2)], css_class="tk")
    assert '<span class="tk c0"' in out and '<span class="tk c1"' in out


# ----- partial characters -------------------------------------------------------------------


def test_split_cjk_character_is_marked_and_drawn_once():
    text = "你"  # e4 bd a0
    out = render_spans(text, [(0, 2), (2, 3)], ids=[10, 11])
    first, second = token_spans(out)
    assert "partial" in first and "partial" in second
    assert '<span class="pb">\\xe4\\xbd</span>' in out
    assert out.count("你") == 1  # whole, on the token holding the last byte
    assert visible(out) == text


def test_emoji_in_three_pieces_and_a_shared_token():
    text = "a😀b"  # 😀 = f0 9f 98 80 at bytes 1..5
    out = render_spans(text, [(0, 2), (2, 3), (3, 6)])
    assert '<span class="pb">\\xf0</span>' in out
    assert '<span class="pb">\\x9f</span>' in out
    assert out.count("😀") == 1
    assert visible(out) == text
    # the last token finishes the emoji and also holds a whole 'b'
    assert re.search(r'class="tok c2 partial"[^>]*>😀b</span>', out)


def test_whole_characters_are_not_partial():
    out = render_spans("你好", [(0, 3), (3, 6)])
    assert "partial" not in out and "pb" not in out


# ----- limits, gaps, empty spans, bad input -------------------------------------------------


def test_max_tokens_note():
    text = "abcdef"
    out = render_spans(text, [(i, i + 1) for i in range(6)], max_tokens=2)
    assert len(token_spans(out)) == 2
    assert "… 4 more tokens not drawn" in out
    one = render_spans(text, [(0, 5), (5, 6)], max_tokens=1)
    assert "… 1 more token not drawn" in one
    assert "not drawn" not in render_spans(text, [(0, 6)], max_tokens=1)


def test_empty_span_is_drawn_as_an_empty_token():
    out = render_spans("ab", [(0, 0), (0, 2)], ids=[1, 5])
    assert '<span class="tok c0 empty" title="token 0 · id 1 · b&#x27;&#x27;"></span>' in out
    assert visible(out) == "ab"


def test_uncovered_bytes_are_shown_as_a_gap():
    out = render_spans("abcd", [(1, 2)])
    assert out.count('class="gap"') == 2
    assert visible(out) == "abcd"


def test_bad_spans_and_ids():
    with pytest.raises(ValueError, match="outside"):
        render_spans("ab", [(0, 3)])
    with pytest.raises(ValueError, match="outside"):
        render_spans("ab", [(2, 1)])
    with pytest.raises(ValueError, match="2 ids for 1 spans"):
        render_spans("ab", [(0, 2)], ids=[1, 2])


# ----- chunks -------------------------------------------------------------------------------


def test_render_chunks_marks_unmatched():
    text = "ab12cd"
    chunks = split(text, r"\d+")
    out = render_chunks(text, chunks)
    tags = re.findall(r'<span class="chunk[^"]*"[^>]*>', out)
    assert [re.search(r'class="([^"]*)"', t).group(1) for t in tags] == [
        "chunk c0 unmatched",
        "chunk c1",
        "chunk c2 unmatched",
    ]
    assert "not matched by the pattern" in tags[0]
    assert visible(out) == text
    assert render_chunks("ab", [(0, 1), (1, 2)]).count("unmatched") == 0
    assert "… 2 more chunks not drawn" in render_chunks(text, chunks, max_chunks=1)


def test_render_chunks_of_a_named_pattern():
    text = "def foo(x):\n    return x+1"
    out = render_chunks(text, split(text, PATTERNS["gpt4"].pattern))
    assert len(re.findall(r'<span class="chunk ', out)) == 9
    assert visible(out) == text


# ----- tokens per line ----------------------------------------------------------------------


def test_line_token_counts_hand_checked():
    text = "def f():\n    return 1\n\nx = 2"
    # bytes: "def f():\n" 0..9, "    return 1\n" 9..22, "\n" 22..23, "x = 2" 23..28
    spans = [(0, 3), (3, 5), (5, 9), (9, 12), (12, 19), (19, 21), (21, 23), (23, 24), (24, 28)]
    assert [text.encode()[s:e] for s, e in spans][2] == b"():\n"
    # (21, 23) = "1\n\n" starts on line 2 and ends on line 3: it counts for line 2 only
    assert line_token_counts(text, spans) == [3, 4, 0, 2]


def test_line_token_counts_edges():
    assert line_token_counts("", []) == []
    assert line_token_counts("", [(0, 0)]) == [1]  # e.g. a BOS token on an empty text
    assert line_token_counts("a\n", [(0, 1), (1, 2), (2, 2)]) == [3]  # EOS at the very end
    assert line_token_counts("a\nb", [(0, 2), (2, 3)]) == [1, 1]


# ----- properties ---------------------------------------------------------------------------

TEXT = st.lists(
    st.one_of(
        st.sampled_from(["<", ">", "&", '"', "'", " ", "\t", "\n", "\r\n", "你", "😀", "é"]),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=30,
).map("".join)


@st.composite
def text_and_tiling(draw, *, whole_chars: bool):
    text = draw(TEXT)
    data = text.encode("utf-8")
    if whole_chars:
        candidates = [i for i in range(len(data) + 1) if i == len(data) or data[i] & 0xC0 != 0x80]
    else:
        candidates = list(range(len(data) + 1))
    cuts = draw(st.lists(st.sampled_from(candidates), max_size=12))  # repeats = empty spans
    return text, tiles(text, cuts)


@settings(max_examples=200, deadline=None)
@given(case=text_and_tiling(whole_chars=True))
def test_round_trip_without_partial_characters(case):
    text, spans = case
    out = render_spans(text, spans, ids=list(range(len(spans))))
    assert "partial" not in out
    assert visible(out) == text
    assert len(token_spans(out)) == len(spans)


@settings(max_examples=200, deadline=None)
@given(case=text_and_tiling(whole_chars=False))
def test_any_byte_tiling_renders_each_character_once(case):
    text, spans = case
    out = render_spans(text, spans)
    assert visible(out) == text  # partial bytes as hex aside, every character drawn once
    assert len(token_spans(out)) == len(spans)
    # each token counts once, for the line of its first byte (newlines before it, counted here)
    counts = line_token_counts(text, spans)
    data = text.encode("utf-8")
    lines = text.count("\n") + (text != "" and not text.endswith("\n"))
    assert len(counts) == max(lines, 1 if spans else 0)
    expected = [0] * len(counts)
    for start, _end in spans:
        expected[min(data.count(b"\n", 0, start), len(counts) - 1)] += 1
    assert counts == expected and sum(counts) == len(spans)


def test_pure_modules_do_not_import_streamlit():
    code = (
        "import sys, tokdash.viz.render, tokdash.analysis.pretokenize; "
        "assert 'streamlit' not in sys.modules, 'streamlit imported'"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
