"""Compression and Vocabulary pages in a real browser: charts drawn, CSV downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, full_screenshot, open_page

pytestmark = pytest.mark.browser


def test_compression_page(server_url, page):
    open_page(page, f"{server_url}/compression", timeout=120_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() == 3
    assert page.get_by_text("bytes/token").count() > 0
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download compression.csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("tokenizer,language,documents,bytes,chars,lines")
    assert ",ALL," in text
    full_screenshot(page, "compression.png")


def test_vocabulary_page(server_url, page):
    open_page(page, f"{server_url}/vocabulary", timeout=120_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() == 3
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download vocabulary.csv").click()
    assert "vocab_utilization" in Path(dl.value.path()).read_text(encoding="utf-8")
    full_screenshot(page, "vocabulary.png")
