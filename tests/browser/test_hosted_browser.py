"""Hosted mode in a real browser: an upload over the limit is refused by the browser before it
is sent, and the pages state the hosted bounds."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, choose, open_page

pytestmark = pytest.mark.browser


def test_a_too_large_upload_is_refused_before_sending(hosted_server_url, page, tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * (21_000_000 // 6 + 1))  # 21 MB: over the 20 MB limit
    open_page(page, f"{hosted_server_url}/compression", timeout=120_000)
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stSelectbox").filter(has_text="Corpus")
    choose(page, box, page.get_by_role("option", name="Upload files or a zip"))
    zone = sidebar.get_by_role("region", name="Source files or a .zip")
    assert "20MB per file" in zone.inner_text()
    zone.locator("input[type=file]").set_input_files(str(big))
    sidebar.get_by_text("File must be 20.0MB or smaller").wait_for()
    assert_no_exception(page)


def test_hosted_pages_state_their_bounds(hosted_server_url, page):
    open_page(page, f"{hosted_server_url}/speed", timeout=120_000)
    note = page.get_by_text("Hosted demo bounds").inner_text()
    assert "1 heavy job at a time" in note and "500M parameters" in note
    assert page.get_by_text("Folder path").count() == 0
    assert_no_exception(page)
