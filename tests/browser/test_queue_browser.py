"""The server-wide line for heavy jobs, in two real browser sessions (the test server runs one
heavy job at a time): the second probe waits with its place in line, can leave the line, and
starts by itself when the first ends."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, new_context, wait_idle
from tests.browser.test_speed_browser import _open_with_tiny_preset, _set_number

pytestmark = pytest.mark.browser


def test_a_second_heavy_job_waits_for_the_first(server_url, browser):
    first_ctx, second_ctx = new_context(browser), new_context(browser)
    first, second = first_ctx.new_page(), second_ctx.new_page()
    try:
        for pg in (first, second):
            pg.set_default_timeout(180_000)
            _open_with_tiny_preset(pg, server_url)
        _set_number(first, "New tokens", 500)
        _set_number(first, "Repeats (median)", 30)
        first.get_by_role("button", name="Run probe").click()
        first.get_by_test_id("stMain").get_by_role(
            "button", name="Stop"
        ).wait_for()  # the first job runs

        _set_number(second, "Prompt tokens", 32)
        _set_number(second, "New tokens", 8)
        _set_number(second, "Repeats (median)", 2)
        second.get_by_role("button", name="Run probe").click()
        waiting = second.get_by_text("Waiting for the server")
        waiting.wait_for()
        assert "number 1 in line" in waiting.inner_text()
        assert "a speed probe (tiny)" in waiting.inner_text()
        # leaving the line
        second.get_by_role("button", name="Cancel").click()
        second.get_by_text("Cancelled: a speed probe (tiny) left the line").wait_for()
        assert second.locator('[data-testid="stMetric"]').count() == 0
        # in line again; it starts by itself once the first job ends
        second.get_by_role("button", name="Run probe").click()
        second.get_by_text("Waiting for the server").wait_for()
        first.get_by_test_id("stMain").get_by_role("button", name="Stop").click()
        second.wait_for_selector('[data-testid="stMetric"]')
        wait_idle(second)
        for pg in (first, second):
            assert_no_exception(pg)
    finally:
        first_ctx.close()
        second_ctx.close()
