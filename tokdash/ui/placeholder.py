"""A page that is not built yet says what it will do, with no numbers."""

from __future__ import annotations

import streamlit as st


def coming(title: str, issue: int, what: list[str]) -> None:
    """Render a 'coming next' page for ``title`` (tracked as issue ``issue``)."""
    st.title(title)
    st.info(f"This page is being built (issue #{issue}). It will let you:")
    st.markdown("\n".join(f"- {w}" for w in what))
