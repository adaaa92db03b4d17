"""App-wide CSS, injected once per page run from app.py."""

from __future__ import annotations

import streamlit as st

#: Text areas hold code: a monospace font keeps pasted indentation aligned (the theme's
#: ``codeFont`` is the one `st.code` uses). ``tab-size`` matches the usual 4-space indent.
CSS = """<style>
.stTextArea textarea {
  font-family: "Source Code Pro", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.875rem;
  tab-size: 4;
}
</style>"""


def inject_css() -> None:
    """Add `CSS` to the page (call once per run, right after ``st.set_page_config``)."""
    st.html(CSS)
