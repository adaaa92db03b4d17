"""Token-boundary and regex-split views as HTML: pure functions of (text, byte spans).

Spans are ``[start, end)`` offsets into ``text.encode('utf-8')``. Each token becomes a ``<span>``
whose colour is ``index % len(PALETTE)`` (deterministic), with a hover title holding its id and
bytes. The element text is the original text, escaped, so copying from the page gives the text
back: spaces, tabs and newlines stay real characters and their markers (``·``, ``→``, ``↵``) come
from CSS (see ``css()``); only control characters, which a browser cannot show, are replaced by
their Unicode control pictures (``␍`` for a carriage return).

A token that starts or ends inside a multi-byte character gets the class ``partial``: its bytes of
an unfinished character are shown as hex (``\\xe4\\xbd``) in a ``pb`` span, and the whole
character is drawn once, on the token that holds its last byte. Dropping the ``pb`` spans from the
element text therefore always gives the text back.

Put ``css()`` once on the page before the views, and show them with ``st.html`` (not
``st.markdown``, whose Markdown pass would reflow blank lines and indentation).
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence

from tokdash.analysis.pretokenize import count_lines

#: Pastel backgrounds (dark text stays readable on them in light and dark page themes).
PALETTE: tuple[str, ...] = ("#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6")

_TITLE_BYTES = 120  # longest bytes repr shown in a hover title

# Characters drawn specially: whitespace, control and invisible format characters.
_SPECIAL = re.compile(
    "[\x00-\x20\x7f-\xa0\xad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]"
)


def _special(m: re.Match[str]) -> str:
    ch = m.group()
    if ch == " ":
        return '<span class="ws sp"> </span>'
    if ch == "\t":
        return '<span class="ws tab">\t</span>'
    if ch == "\n":
        return '<span class="ws nl">\n</span>'
    if unicodedata.category(ch) == "Cc":
        code = ord(ch)
        if code < 0x20:
            shown = chr(0x2400 + code)  # control pictures: U+240D is the CR symbol
        elif code == 0x7F:
            shown = "\u2421"
        else:
            shown = f"\\x{code:02x}"  # C1 controls have no picture
        return f'<span class="ws ctl">{shown}</span>'
    # other Unicode spaces, line separators, zero-width and invisible format characters
    return f'<span class="ws uws">{ch}</span>'


def _text_html(s: str) -> str:
    """Escaped ``s`` with whitespace and invisible characters wrapped for their markers."""
    return _SPECIAL.sub(_special, html.escape(s, quote=False))


def _hex(b: bytes) -> str:
    return "".join(f"\\x{x:02x}" for x in b)


def _is_char_start(data: bytes, i: int) -> bool:
    """Whether byte offset ``i`` is on a character boundary (``len(data)`` is)."""
    return i >= len(data) or (data[i] & 0xC0) != 0x80


def _char_bounds(data: bytes, i: int) -> tuple[int, int]:
    """``[start, end)`` of the character that holds byte ``i``."""
    start = i
    while start > 0 and not _is_char_start(data, start):
        start -= 1
    end = i + 1
    while not _is_char_start(data, end):
        end += 1
    return start, end


def _piece_html(data: bytes, start: int, end: int) -> tuple[str, bool]:
    """Inner HTML of the bytes ``[start, end)``, and whether a character is cut at either end."""
    if start == end:
        return "", False
    parts: list[str] = []
    partial = False
    pos = start
    if not _is_char_start(data, start):  # begins inside a character
        partial = True
        c_start, c_end = _char_bounds(data, start)
        if c_end <= end:  # this token holds the character's last byte: draw it whole here
            parts.append(_text_html(data[c_start:c_end].decode("utf-8")))
            pos = c_end
        else:  # a middle piece of a character
            return f'<span class="pb">{_hex(data[start:end])}</span>', True
    tail = end
    if not _is_char_start(data, end):  # ends inside a character
        partial = True
        tail = _char_bounds(data, end)[0]
    if tail > pos:
        parts.append(_text_html(data[pos:tail].decode("utf-8")))
    if tail < end:
        parts.append(f'<span class="pb">{_hex(data[max(tail, pos) : end])}</span>')
    return "".join(parts), partial


def _title(label: str, piece: bytes) -> str:
    shown = repr(piece)
    if len(shown) > _TITLE_BYTES:
        shown = shown[: _TITLE_BYTES - 1] + "…"
    return html.escape(f"{label} · {shown}", quote=True)


def _render(
    text: str,
    spans: Sequence[tuple[int, int]],
    *,
    labels: Sequence[str],
    extra_classes: Sequence[str],
    css_class: str,
    max_items: int | None,
    noun: str,
) -> str:
    data = text.encode("utf-8")
    n = len(data)
    shown = len(spans) if max_items is None else max(0, min(max_items, len(spans)))
    out = ['<div class="tokdash-view">']
    cursor = 0
    for i in range(shown):
        start, end = spans[i]
        if not 0 <= start <= end <= n:
            raise ValueError(f"span {i} = ({start}, {end}) is outside the text's {n} bytes")
        if start > cursor:  # bytes no token covers: show them, flagged, rather than hide them
            gap, _ = _piece_html(data, cursor, start)
            out.append(f'<span class="gap" title="not covered by any {noun}">{gap}</span>')
        inner, partial = _piece_html(data, start, end)
        classes = [css_class, f"c{i % len(PALETTE)}", *extra_classes[i].split()]
        if partial:
            classes.append("partial")
        if start == end:
            classes.append("empty")
        title = _title(labels[i], data[start:end])
        out.append(f'<span class="{" ".join(classes)}" title="{title}">{inner}</span>')
        cursor = max(cursor, end)
    if shown < len(spans):
        more = len(spans) - shown
        plural = noun if more == 1 else noun + "s"
        out.append(f'<div class="tokdash-more">… {more:,} more {plural} not drawn</div>')
    elif cursor < n:
        gap, _ = _piece_html(data, cursor, n)
        out.append(f'<span class="gap" title="not covered by any {noun}">{gap}</span>')
    out.append("</div>")
    return "".join(out)


def render_spans(
    text: str,
    spans: Sequence[tuple[int, int]],
    *,
    ids: Sequence[int] | None = None,
    max_tokens: int | None = None,
    css_class: str = "tok",
    marks: Sequence[str] | None = None,
) -> str:
    """HTML of ``text`` cut into tokens at the byte ``spans`` (one ``<span>`` per token).

    ``ids`` (same length as ``spans``) go into the hover titles. With ``max_tokens``, only the
    first ``max_tokens`` tokens are drawn, followed by a note saying how many were left out.
    Bytes that no span covers are drawn in a ``gap`` span, never dropped. ``marks`` (same length
    as ``spans``) adds CSS classes per token, e.g. ``cut`` (a token cutting a code lexeme).
    """
    if marks is not None and len(marks) != len(spans):
        raise ValueError(f"{len(marks)} marks for {len(spans)} spans")
    if ids is not None and len(ids) != len(spans):
        raise ValueError(f"{len(ids)} ids for {len(spans)} spans")
    labels = [
        f"token {i} · id {ids[i]}" if ids is not None else f"token {i}" for i in range(len(spans))
    ]
    return _render(
        text,
        spans,
        labels=labels,
        extra_classes=list(marks) if marks is not None else [""] * len(spans),
        css_class=css_class,
        max_items=max_tokens,
        noun="token",
    )


def render_chunks(
    text: str,
    chunks: Iterable[Sequence],
    *,
    max_chunks: int | None = None,
    css_class: str = "chunk",
) -> str:
    """HTML of a regex split: ``chunks`` are ``(start, end)`` or ``(start, end, matched)``
    byte spans (e.g. ``pretokenize.Chunk``); unmatched ones get the class ``unmatched``."""
    spans: list[tuple[int, int]] = []
    labels: list[str] = []
    extra: list[str] = []
    for i, chunk in enumerate(chunks):
        start, end, *rest = chunk
        matched = bool(rest[0]) if rest else True
        spans.append((start, end))
        labels.append(f"chunk {i}" if matched else f"chunk {i} · not matched by the pattern")
        extra.append("" if matched else "unmatched")
    return _render(
        text,
        spans,
        labels=labels,
        extra_classes=extra,
        css_class=css_class,
        max_items=max_chunks,
        noun="chunk",
    )


def line_token_counts(text: str, spans: Sequence[tuple[int, int]]) -> list[int]:
    """Tokens per line of ``text`` (lines as in ``pretokenize.count_lines``).

    A token counts for the line holding its first byte, so a token that spans a line break
    (e.g. ``":\\n    "``) counts once, for the line where it starts; a line's own ``\\n``
    belongs to that line. Empty spans count for the line of their offset; an offset at the
    very end counts for the last line.
    """
    data = text.encode("utf-8")
    n_lines = max(count_lines(text), 1 if spans else 0)
    newlines = [m.start() for m in re.finditer(b"\n", data)]
    counts = [0] * n_lines
    for start, _end in spans:
        line = bisect.bisect_left(newlines, start)  # newlines strictly before `start`
        counts[min(line, n_lines - 1)] += 1
    return counts


_CSS = """
.tokdash-view {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.85rem; line-height: 1.75; tab-size: 4;
  white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word;
  padding: 0.6rem 0.75rem; border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.4rem;
}
.tokdash-view .tok, .tokdash-view .chunk {
  color: #1b1b1b; border-radius: 3px; padding: 0.1em 0;
  box-shadow: inset -1px 0 0 rgba(0, 0, 0, 0.28);
}
%PALETTE%
.tokdash-view .ws { position: relative; }
.tokdash-view .ws.sp::after, .tokdash-view .ws.tab::after {
  position: absolute; left: 0; top: 0; opacity: 0.45; pointer-events: none;
}
.tokdash-view .ws.sp::after { content: "\\00B7"; right: 0; text-align: center; }
.tokdash-view .ws.tab::after { content: "\\2192"; }
.tokdash-view .ws.nl::before { content: "\\21B5"; opacity: 0.45; }
.tokdash-view .ws.ctl { opacity: 0.7; font-size: 0.85em; }
.tokdash-view .ws.uws { outline: 1px dotted rgba(0, 0, 0, 0.55); outline-offset: -1px; }
.tokdash-view .partial { outline: 1.5px dashed #b3261e; outline-offset: -1.5px; }
.tokdash-view .pb { color: #b3261e; font-size: 0.8em; }
.tokdash-view .empty::before { content: "\\2205"; opacity: 0.6; }
.tokdash-view .chunk.unmatched {
  background: repeating-linear-gradient(45deg, #ffc9c9 0 4px, #ffe8e8 4px 8px);
  outline: 1px solid #b3261e; outline-offset: -1px;
}
.tokdash-view .gap { text-decoration: underline wavy #b3261e; }
.tokdash-view .cut { box-shadow: inset 0 -3px 0 #b3261e, inset -1px 0 0 rgba(0, 0, 0, 0.28); }
.tokdash-view .tokdash-more { white-space: normal; font-style: italic; opacity: 0.75;
  margin-top: 0.4rem; }
"""


def css() -> str:
    """The ``<style>`` block for the views (put it on the page once)."""
    palette = "\n".join(
        f".tokdash-view .c{i} {{ background: {colour}; }}" for i, colour in enumerate(PALETTE)
    )
    return "<style>" + _CSS.replace("%PALETTE%", palette) + "</style>"
