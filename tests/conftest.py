"""Shared fixtures: repo root, catalog tokenizers (loaded once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# The paper's tokenizers: the product reads them only from TOKDASH_PAPER_DIR (or its cache, or
# one download); the tests point it at the shared folder when this checkout sits beside one.
if "TOKDASH_PAPER_DIR" not in os.environ and (SHARED / "paper" / "tokenizers").is_dir():
    os.environ["TOKDASH_PAPER_DIR"] = str(SHARED / "paper" / "tokenizers")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def catalog_tokenizer():
    """Load a catalog tokenizer by id (fails loudly: `make test` fetches the catalog first).

    The paper's tokenizers live outside the repository; their tests skip, with the reason, when
    the folder holding them is absent."""
    from tokdash.tokenizers import load_catalog
    from tokdash.tokenizers.catalog import CATALOG
    from tokdash.tokenizers.registry import is_cached

    def load(entry_id: str):
        entry = CATALOG[entry_id]
        if entry.format == "paper" and not is_cached(entry):
            pytest.skip("the paper's tokenizers are absent (../shared/paper or TOKDASH_PAPER_DIR)")
        return load_catalog(entry_id)

    return load
