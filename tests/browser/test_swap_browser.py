"""Swap page in a real browser: charts, gain CSV, FVT embeddings built and downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, full_screenshot, open_page, wait_idle

pytestmark = pytest.mark.browser


def test_swap_page(server_url, page):
    open_page(page, f"{server_url}/swap", timeout=120_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() == 2
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download swap_gain.csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("language,documents,bytes,chars,tokens_current")
    assert "\nALL," in text

    page.get_by_role("button", name="Build embeddings").click()
    page.get_by_text("Rows: exact").wait_for(timeout=180_000)
    wait_idle(page)
    assert_no_exception(page)
    button = page.get_by_role("button", name="Download tokenizer.json")
    with page.expect_download() as dl:
        button.click()
    assert '"model"' in Path(dl.value.path()).read_text(encoding="utf-8")[:100_000]
    emb_button = page.get_by_role("button", name=".safetensors")
    with page.expect_download() as dl:
        emb_button.click()
    from safetensors import safe_open

    with safe_open(dl.value.path(), framework="np") as f:
        assert f.get_tensor("model.embed_tokens.weight").shape[1] == 64
    full_screenshot(page, "swap.png")
