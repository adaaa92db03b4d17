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
    """Load a catalog tokenizer by id (fails loudly: `make test` fetches the catalog first)."""
    from tokdash.tokenizers import load_catalog

    return load_catalog
