"""Shared fixtures: repo root, catalog tokenizers (loaded once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def catalog_tokenizer():
    """Load a catalog tokenizer by id (fails loudly: `make test` fetches the catalog first).

    The paper's tokenizers live outside the repository; their tests skip, with the reason, when
    the folder holding them is absent."""
    from tokdash.catalog import CATALOG
    from tokdash.tokenizers import load_catalog
    from tokdash.tokenizers.registry import is_cached

    def load(entry_id: str):
        entry = CATALOG[entry_id]
        if entry.format == "paper" and not is_cached(entry):
            pytest.skip("the paper's tokenizers are absent (../shared/paper or TOKDASH_PAPER_DIR)")
        return load_catalog(entry_id)

    return load


@pytest.fixture(autouse=True)
def _streamlit_navigation_mode(monkeypatch):
    """Make AppTest behave like the real server for an app with a `pages/` folder.

    The real server decides once that the app uses `st.navigation` (the first run sets
    `PagesManager.uses_pages_directory = False` for good). AppTest resets that flag before every
    run, sees `pages/`, and reruns the current page file alone (without app.py's sidebar) after a
    widget interaction. Keep the flag as the server has it.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
