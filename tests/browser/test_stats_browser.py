"""Saved statistics in a real browser: a bundle folder typed in the sidebar, and the zip of one
uploaded, drawn on the Compression page without encoding anything."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, choose, full_screenshot, open_page, rerun
from tokdash.analysis.stats_io import bundle_zip, save_stats
from tokdash.corpus.units import plan_corpus
from tokdash.scale.inprocess import fold_plan
from tokdash.tokenizers import get_tokenizer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from tests.conftest import ROOT

    toks = [get_tokenizer(t) for t in ("gpt2", "cl100k_base", "llama2")]
    stats = fold_plan(toks, plan_corpus(str(ROOT / "sample_corpora")), sample_size=20)
    stats.meta = {"corpus": "team-monorepo", "created": "2026-11-29 09:00 UTC", "base": "llama2"}
    folder = tmp_path_factory.mktemp("stats")
    save_stats(stats, folder / "bundle")
    return folder, stats


def _pick_stats(page):
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.get_by_test_id("stSelectbox").filter(has_text="Corpus")
    choose(page, box, page.get_by_role("option", name="Saved statistics (folder or zip)"))
    return sidebar


def test_bundle_folder_on_the_compression_page(server_url, page, bundle):
    folder, stats = bundle
    open_page(page, f"{server_url}/compression", timeout=120_000)
    sidebar = _pick_stats(page)
    field = sidebar.get_by_role("textbox", name="Statistics folder")
    with rerun(page):
        field.fill(str(folder))
        field.press("Enter")
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    info = page.get_by_text("From saved statistics").inner_text()
    assert "team-monorepo" in info and "gpt2, cl100k_base, llama2" in info
    assert "seeded sample of 20" in page.get_by_test_id("stMain").inner_text()
    full_screenshot(page, "compression_bundle.png")


def test_bundle_zip_upload(server_url, page, bundle, tmp_path):
    _, stats = bundle
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle_zip(stats))
    open_page(page, f"{server_url}/vocabulary", timeout=120_000)
    sidebar = _pick_stats(page)
    with rerun(page):
        sidebar.locator("input[type=file][accept*='.zip']").set_input_files(str(path))
    page.wait_for_selector(".js-plotly-plot")
    assert_no_exception(page)
    assert "team-monorepo" in page.get_by_text("From saved statistics").inner_text()
