"""Bad input through the shared sidebar: a clear message, the app keeps working."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, open_page, rerun

pytestmark = pytest.mark.browser


def test_corrupt_tokenizer_upload_then_a_good_one(server_url, page, tmp_path):
    open_page(page, server_url, timeout=120_000)
    page.wait_for_selector(".tokdash-view span.tok")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Add your own tokenizer").click()
    uploader = sidebar.get_by_test_id("stFileUploaderDropzoneInput")
    with rerun(page):
        uploader.set_input_files(
            files=[{"name": "tokenizer.json", "mimeType": "application/json", "buffer": b"{broken"}]
        )
    with rerun(page):
        sidebar.get_by_role("button", name="Add uploaded tokenizer").click()
    assert_no_exception(page)
    assert "not a valid tokenizer.json" in sidebar.get_by_test_id("stAlert").first.inner_text()
    views_before = page.locator(".tokdash-view").count()
    assert views_before >= 1  # what was shown is still there

    # a real tokenizer file (GPT-2's ranks in tiktoken format) is added to the selection
    from tokdash.tokenizers import load_catalog

    enc = load_catalog("gpt2").encoding
    import base64

    data = "".join(
        f"{base64.b64encode(k).decode()} {v}\n" for k, v in enc._mergeable_ranks.items()
    ).encode()
    with rerun(page):
        uploader.set_input_files(
            files=[{"name": "mine.tiktoken", "mimeType": "text/plain", "buffer": data}]
        )
    with rerun(page):
        sidebar.get_by_role("button", name="Add uploaded tokenizer").click()
    assert_no_exception(page)
    page.get_by_text("mine.tiktoken: tokens").wait_for(timeout=60_000)
    assert page.locator(".tokdash-view").count() == min(views_before + 1, 4)  # home draws 4
