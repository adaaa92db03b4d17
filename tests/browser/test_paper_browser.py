"""Paper check page in a real browser: findings table, chart drawn, CSV download."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import (
    assert_no_exception,
    full_screenshot,
    open_page,
    wait_idle,
    wait_still,
)
from tokdash.paper import replication

pytestmark = pytest.mark.browser


def test_paper_check_page(server_url, page):
    open_page(page, f"{server_url}/paper_check", timeout=180_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() == 1
    assert page.get_by_text("NSL shown:").count() == 1
    assert page.get_by_text("Measured here:").count() == 4
    page.get_by_text("Findings as a table (CSV)").click()
    # the table above the button draws after the expander opens and pushes the button down:
    # click only once it stands still
    expander = page.get_by_test_id("stExpander").filter(has_text="Findings as a table")
    expander.get_by_test_id("stDataFrame").wait_for()
    wait_idle(page)
    button = page.get_by_role("button", name="Download paper_check.csv")
    button.scroll_into_view_if_needed()
    wait_still(button)
    with page.expect_download() as dl:
        button.click()
    lines = Path(dl.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(replication.FINDING_COLUMNS)
    wait_idle(page)
    full_screenshot(page, "paper_check.png")
