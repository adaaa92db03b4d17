"""A shared link opens its selection in a real browser, and the address bar follows the sidebar."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, open_page

pytestmark = pytest.mark.browser


def test_shared_link_opens_its_selection(server_url, page):
    link = "/compression?tokenizers=cl100k_base,starcoder2,bogus&base=llama2&corpus=sample:python"
    open_page(page, server_url + link, timeout=180_000)
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    sidebar = page.get_by_test_id("stSidebar")
    chips = sidebar.get_by_test_id("stMultiSelect").inner_text()
    assert "cl100k_base" in chips and "starcoder2" in chips and "o200k_base" not in chips
    corpus_box = sidebar.get_by_test_id("stSelectbox").filter(has_text="Corpus")
    assert "Sample: python" in corpus_box.locator("input").first.input_value()
    assert "bogus" in sidebar.get_by_test_id("stAlert").first.inner_text()
    # the address bar carries the cleaned selection, ready to share
    page.wait_for_function("() => location.search.includes('tokenizers=cl100k_base')")
    assert "bogus" not in page.evaluate("() => decodeURIComponent(location.search)")
    assert "corpus=sample:python" in page.evaluate("() => decodeURIComponent(location.search)")
