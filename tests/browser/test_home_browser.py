"""The home page in a real browser: the live example renders tokens, the catalog downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, full_screenshot, open_page, rerun

pytestmark = pytest.mark.browser


def test_home_live_example(server_url, page):
    open_page(page, server_url, timeout=120_000)
    page.wait_for_selector(".tokdash-view span.tok")
    assert page.get_by_text("what your tokenizer does to your code").count() > 0
    views = page.locator(".tokdash-view")
    assert views.count() >= 1
    assert views.first.locator("span.tok").count() > 10
    # hover titles carry the token id
    assert "id " in (views.first.locator("span.tok").first.get_attribute("title") or "")
    area = page.get_by_role("textbox", name="Code", exact=True)
    with rerun(page):
        area.fill("<script>alert(1)</script>\nx = 1\n")
        area.press("Control+Enter")
    assert_no_exception(page)
    assert "<script>" in views.first.inner_text()  # escaped, drawn as text
    full_screenshot(page, "home.png")


def test_catalog_csv_download(server_url, page):
    open_page(page, f"{server_url}/catalog", timeout=120_000)
    page.get_by_role("button", name="Download catalog.csv").wait_for()
    assert_no_exception(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download catalog.csv").click()
    path = dl.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("id,name,family,vocab_size")
    assert "cl100k_base" in text and "llama2" in text
    full_screenshot(page, "catalog.png")
