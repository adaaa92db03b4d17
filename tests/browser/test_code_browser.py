"""The Code structure page in a real browser: charts drawn, cutting tokens marked, the CSV
download equal to the CLI's, the full audit download."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import (
    assert_no_exception,
    choose,
    full_screenshot,
    open_page,
    wait_still,
)
from tokdash.cli.main import main
from tokdash.settings import DEFAULT_TOKENIZERS

pytestmark = pytest.mark.browser


def test_code_structure_page(server_url, page, tmp_path):
    open_page(page, f"{server_url}/code_structure", timeout=240_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert page.locator(".js-plotly-plot").count() == 4
    assert page.get_by_text("not measured: english (2)").count() == 1
    cut = page.locator(".tokdash-view .tok.cut")
    assert cut.count() > 0
    # the underline is drawn: a red inset shadow on cutting tokens only
    shadow = cut.first.evaluate("el => getComputedStyle(el).boxShadow")
    assert "179, 38, 30" in shadow
    page.mouse.move(0, 0)  # no chart toolbar in the picture
    full_screenshot(page, "code_structure.png")

    page.get_by_text("Full table (every language and metric)").click()
    button = page.get_by_role("button", name="Download code_metrics.csv")
    wait_still(button)
    with page.expect_download() as dl:
        button.click()
    got = Path(dl.value.path()).read_bytes()
    out = tmp_path / "code.csv"
    args = ["code-metrics", "-c", "sample", "--out", str(out)]
    for tid in DEFAULT_TOKENIZERS:
        args += ["-t", tid]
    assert main(args) == 0
    assert got == out.read_bytes()

    with page.expect_download(timeout=180_000) as dl:
        page.get_by_role("button", name="Download audit.csv (every id)").click()
    head = Path(dl.value.path()).read_bytes()[:200].decode("utf-8")
    assert head.startswith("tokenizer,id,category,bytes_hex,piece,note,corpus_count,never_seen")
    assert_no_exception(page)


def test_code_structure_language_switch(server_url, page):
    open_page(page, f"{server_url}/code_structure", timeout=240_000)
    page.wait_for_selector(".js-plotly-plot")
    box = page.get_by_test_id("stSelectbox").filter(has_text="Language")
    choose(page, box, page.get_by_role("option", name="rust"))
    assert_no_exception(page)
    assert page.get_by_text("How tokens respect the code: rust").count() == 1
    assert page.locator(".tokdash-view .tok").count() > 100
