"""The Speed page in a real browser: the tiny preset probed on the CPU, charts, CSV download."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_no_exception,
    choose,
    full_screenshot,
    open_page,
    wait_idle,
)

pytestmark = pytest.mark.browser


def _set_number(page, label: str, value: int) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Tab")


def _open_with_tiny_preset(page, server_url: str):
    """The Speed page with the tiny model shape picked in the sidebar; returns the sidebar."""
    open_page(page, f"{server_url}/speed", timeout=120_000)
    page.get_by_role("button", name="Run probe").wait_for()
    assert_no_exception(page)
    sidebar = page.get_by_test_id("stSidebar")
    choose(
        page,
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Model shape"),
        page.get_by_role("option", name="tiny", exact=False).first,
    )
    return sidebar


def test_speed_page_tiny_probe(server_url, page):
    sidebar = _open_with_tiny_preset(page, server_url)
    _set_number(page, "Prompt tokens", 32)
    _set_number(page, "New tokens", 8)
    _set_number(page, "Repeats (median)", 2)
    page.get_by_role("button", name="Run probe").click()
    page.wait_for_selector('[data-testid="stMetric"]', timeout=180_000)
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("characters/s").count() > 0
    assert page.get_by_text("framework overhead").count() > 0
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download speed.csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("tokenizer,vocab_size,model,params")
    assert len(text.splitlines()) >= 3  # the default selection has several tokenizers
    full_screenshot(page, "speed.png")
    # the cost model needs no run: show it for a real shape (the README's picture)
    choose(
        page,
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Model shape"),
        page.get_by_role("option").filter(has_text="7b").first,
    )
    assert_no_exception(page)
    page.get_by_role("tab", name="Cost of vocabulary").click()  # tabs switch in the browser
    expect(page.get_by_role("button", name="Download vocab_cost.csv")).to_be_visible()
    assert page.get_by_role("button", name="Download vocab_cost.csv").count() == 1
    full_screenshot(page, "speed_cost.png")
    page.get_by_role("tab", name="Effective context").click()
    expect(page.get_by_role("button", name="Download effective_context.csv")).to_be_visible()
    assert page.get_by_role("button", name="Download effective_context.csv").count() == 1
    full_screenshot(page, "speed_context.png")


def test_speed_probe_can_be_stopped(server_url, page):
    _open_with_tiny_preset(page, server_url)
    _set_number(page, "New tokens", 500)
    _set_number(page, "Repeats (median)", 30)
    page.get_by_role("button", name="Run probe").click()
    page.get_by_role("button", name="Stop").click(timeout=60_000)
    page.get_by_text("The last run was stopped").wait_for(timeout=60_000)
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_role("button", name="Run probe").count() == 1
