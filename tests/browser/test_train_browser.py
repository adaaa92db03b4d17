"""Train page in a real browser: train a tiny tokenizer, see its held-out table, download it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import (
    assert_no_exception,
    full_screenshot,
    open_page,
    rerun,
    wait_idle,
    wait_still,
)

pytestmark = pytest.mark.browser


def test_train_page(server_url, page):
    open_page(page, f"{server_url}/train")
    assert_no_exception(page)
    vocab = page.get_by_role("spinbutton", name="Vocabulary size (tokens)")
    with rerun(page):  # the Train click must see vocab 1000, not the default
        vocab.fill("1000")
        vocab.press("Enter")
    page.get_by_text("Estimated training time").wait_for()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Latest: bpe-1k-gpt4").wait_for(timeout=120_000)
    page.get_by_text("Training data mix", exact=True).wait_for()
    page.wait_for_selector('[data-testid="stDataFrame"]')
    wait_idle(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2
    assert page.get_by_text("Held-out bytes/token").count() == 1
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download tokenizer.json").click()
    spec = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert spec["model"]["type"] == "BPE" and len(spec["model"]["vocab"]) <= 1000
    page.wait_for_selector(".js-plotly-plot")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download bpe-1k-gpt4-bytes-per-token.csv").click()
    assert Path(dl.value.path()).read_text(encoding="utf-8").startswith("tokenizer,ALL,")
    page.get_by_text("Full held-out table").click()
    # the table drawn when the expander opens pushes the button down: click once it stands still
    page.get_by_test_id("stExpander").filter(has_text="Full held-out table").get_by_test_id(
        "stDataFrame"
    ).wait_for()
    button = page.get_by_role("button", name="Download bpe-1k-gpt4-heldout.csv")
    button.scroll_into_view_if_needed()
    wait_still(button)
    with page.expect_download() as dl:
        button.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("tokenizer,kind,vocab_target")
    assert "bpe-1k-gpt4,trained" in text
    full_screenshot(page, "train.png")
