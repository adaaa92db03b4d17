"""The Tokens and Regex splits pages in a real browser: views drawn, edits applied, CSV, uploads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, full_screenshot, open_page, rerun

pytestmark = pytest.mark.browser

CODE = (
    "class Parser:\n"
    "    def parse_expression(self, tokens: list[str]) -> int:\n"
    "        total = 0  # <script>alert(1)</script>\n"
    "        for token in tokens:\n"
    "\t\ttotal += int(token, 16) * 1_000_000\n"
    "        return total\n"
)


def _open(page, server_url: str, path: str) -> None:
    # A direct URL: the pages live in app_pages/ (not pages/), so Streamlit never treats them
    # as old-style pages and app.py (sidebar, navigation) always runs first.
    open_page(page, f"{server_url}/{path}")
    page.wait_for_selector(".tokdash-view")


def _set_text(page, text: str) -> None:
    area = page.get_by_role("textbox", name="Code or text")
    with rerun(page):
        area.fill(text)
        area.press("Control+Enter")


def test_tokens_page(server_url, page):
    _open(page, server_url, "tokens")
    assert_no_exception(page)
    views = page.locator(".tokdash-view")
    assert views.count() >= 2  # the default selection has several tokenizers
    _set_text(page, CODE)
    assert_no_exception(page)
    n = views.count()
    assert n >= 2
    for i in range(n):
        view = views.nth(i)
        assert view.locator("span.tok").count() > 20
        assert "parse_expression" in view.inner_text()
        assert "<script>" in view.inner_text()  # escaped, drawn as text
    title = views.first.locator("span.tok").first.get_attribute("title") or ""
    assert "id " in title and "b'" in title  # hover: token id and its bytes
    assert page.locator('[data-testid="stMetric"]').count() == n
    with rerun(page):
        page.get_by_text("Stacked").click()
    assert_no_exception(page)
    full_screenshot(page, "tokens.png")


def test_tokens_per_line_csv_download(server_url, page):
    _open(page, server_url, "tokens")
    _set_text(page, CODE)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download tokens_per_line.csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    header, *rows = text.strip().splitlines()
    assert header.startswith("line,") and header.endswith(",spread,text")
    assert len(rows) == CODE.count("\n")
    assert rows[1].startswith("2,") and "parse_expression" in rows[1]


def test_tokens_upload_binary_then_text(server_url, page):
    _open(page, server_url, "tokens")
    with rerun(page):
        page.get_by_text("Upload a file").click()
    uploader = page.get_by_test_id("stMain").get_by_test_id("stFileUploaderDropzoneInput")
    blob = {
        "name": "blob.bin",
        "mimeType": "application/octet-stream",
        "buffer": b"\x89PNG\x00\x01",
    }
    with rerun(page):
        uploader.set_input_files(files=[blob])
    assert_no_exception(page)
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error.first).to_contain_text("binary file")
    latin1 = "caf\xe9 = 1\n".encode("latin-1")
    with rerun(page):
        uploader.set_input_files(
            files=[{"name": "old.py", "mimeType": "text/plain", "buffer": latin1}]
        )
    expect(error.first).to_contain_text("not UTF-8")
    good = CODE.encode("utf-8")
    with rerun(page):
        uploader.set_input_files(
            files=[{"name": "parser.py", "mimeType": "text/plain", "buffer": good}]
        )
    assert_no_exception(page)
    assert "parse_expression" in page.locator(".tokdash-view").first.inner_text()


def test_regex_splits_page(server_url, page):
    _open(page, server_url, "regex_splits")
    assert_no_exception(page)
    _set_text(page, CODE)
    views = page.locator(".tokdash-view")
    assert views.count() >= 5
    assert views.first.locator("span.chunk").count() > 10
    custom = page.get_by_role("textbox", name="Custom pattern")
    with rerun(page):
        custom.fill("(a|")
        custom.press("Enter")
    assert_no_exception(page)
    assert "Invalid regex" in page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert views.count() >= 5  # the other patterns are still drawn
    with rerun(page):
        custom.fill(r"\s+|\w+|[^\s\w]+")
        custom.press("Enter")
    # the custom pattern's view is drawn after the table: the CSV below has its row
    expect(page.get_by_text(re.compile(r"^Custom · [\d,]+ chunks$"))).to_have_count(1)
    assert_no_exception(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download regex_splits.csv").click()
    csv = Path(dl.value.path()).read_text(encoding="utf-8")
    assert csv.startswith("pattern,chunks,") and "Custom" in csv
    full_screenshot(page, "regex_splits.png")
