"""Several browser sessions at once against one server: each finishes with its own, correct
numbers, and one session's uploads never show up in another's."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import (
    assert_no_exception,
    new_context,
    rerun,
    runs_ended,
    wait_idle,
    wait_runs,
)
from tokdash.analysis.compare import run_comparison
from tokdash.corpus import resolve_corpus
from tokdash.settings import DEFAULT_TOKENIZERS
from tokdash.tokenizers import get_tokenizer, load_catalog

pytestmark = pytest.mark.browser

SESSIONS = {"Sample: rust": "sample:rust", "Sample: go": "sample:go", "Local code": "stdlib"}


def pick_corpus(page, label: str) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stSelectbox").filter(has_text="Corpus")
    box.click()
    page.get_by_role("option").filter(has_text=label).first.click()


def tiktoken_upload() -> bytes:
    enc = load_catalog("gpt2").encoding
    return "".join(
        f"{base64.b64encode(k).decode()} {v}\n" for k, v in enc._mergeable_ranks.items()
    ).encode()


def test_three_sessions_encode_different_corpora_at_once(server_url, browser):
    contexts = [new_context(browser) for _ in SESSIONS]
    pages = [c.new_page() for c in contexts]
    try:
        for pg in pages:
            pg.set_default_timeout(240_000)
            pg.goto(f"{server_url}/compression")
        for pg in pages:
            wait_runs(pg, 0)
        # start the heavy runs one right after the other, then wait for all of them
        before = [runs_ended(pg) for pg in pages]
        for pg, label in zip(pages, SESSIONS, strict=True):
            pick_corpus(pg, label)
        for pg, n in zip(pages, before, strict=True):
            wait_runs(pg, n)
            pg.wait_for_selector(".js-plotly-plot")
            assert_no_exception(pg)

        # session 0 adds its own tokenizer; the others never see it
        sidebar = pages[0].get_by_test_id("stSidebar")
        sidebar.get_by_text("Add your own tokenizer").click()
        upload = {"name": "mine.tiktoken", "mimeType": "text/plain", "buffer": tiktoken_upload()}
        with rerun(pages[0]):
            sidebar.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files=[upload])
        with rerun(pages[0]):
            sidebar.get_by_role("button", name="Add uploaded tokenizer").click()
        assert_no_exception(pages[0])
        pages[0].get_by_text("mine.tiktoken: bytes/token").wait_for(timeout=120_000)
        for other in pages[1:]:
            picker = other.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
            picker.locator("input").first.click()
            options = other.get_by_role("option")
            options.first.wait_for(timeout=15_000)
            names = " ".join(options.all_inner_texts())
            assert "gpt2" in names and "mine.tiktoken" not in names
            other.keyboard.press("Escape")

        toks = [get_tokenizer(t) for t in DEFAULT_TOKENIZERS]
        base = get_tokenizer("llama2")
        for pg, spec in zip(pages[1:], list(SESSIONS.values())[1:], strict=True):
            pg.wait_for_selector(".js-plotly-plot", timeout=240_000)
            wait_idle(pg)
            with pg.expect_download() as dl:
                pg.get_by_role("button", name="Download compression.csv").click()
            shown = pd.read_csv(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8")))
            want = run_comparison(toks, resolve_corpus(spec).documents, base).table()
            assert shown["tokens"].tolist() == want["tokens"].tolist(), spec
            assert shown["language"].tolist() == want["language"].tolist(), spec
    finally:
        for c in contexts:
            c.close()
