"""Streamlit AppTest runs of the app shell: every page renders without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.errors import TokdashError
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo

PAGES = sorted(f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py"))


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    return at.run()


def test_home_page_live_example():
    at = app()
    assert not at.exception, at.exception
    assert "tokdash" in at.title[0].value
    # one metric per selected tokenizer, with a positive token count
    labels = [m.label for m in at.metric]
    assert any("llama2" in lab for lab in labels), labels
    for m in at.metric:
        assert int(str(m.value).replace(",", "").split()[0]) > 0
    # editing the snippet updates the counts
    before = [m.value for m in at.metric]
    at.text_area(key="home_text").set_value("x = 1\n").run()
    assert not at.exception
    assert [m.value for m in at.metric] != before


class BrokenTokenizer(Tokenizer):
    """A session tokenizer whose every encoding fails with a library error."""

    info = TokenizerInfo(id="broken", name="Broken", backend="test")

    @property
    def vocab_size(self) -> int:
        return 256

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        raise TokdashError("the vocabulary file is corrupt")

    def decode(self, ids) -> str:
        return ""

    def token_bytes(self, token_id: int) -> bytes:
        return bytes([token_id])


def home_with_broken(tokenizers: list[str], base: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_custom"] = {"broken": BrokenTokenizer()}
    at.session_state["td_tokenizers"] = tokenizers
    at.session_state["td_base"] = base
    return at.run()


def test_home_names_a_failing_tokenizer_and_draws_the_others():
    at = home_with_broken(["gpt2", "broken", "cl100k_base"], base="gpt2")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["broken: the vocabulary file is corrupt"]
    assert [m.label for m in at.metric] == ["gpt2: tokens", "cl100k_base: tokens"]
    assert at.metric[1].delta.startswith("NSL ") and "vs gpt2" in at.metric[1].delta
    views = [h for h in at.get("html") if h.proto.body.startswith('<div class="tokdash-view"')]
    assert len(views) == 2


def test_home_with_a_failing_base_still_counts():
    at = home_with_broken(["gpt2", "broken"], base="broken")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["broken: the vocabulary file is corrupt"]
    assert [m.label for m in at.metric] == ["gpt2: tokens"]
    assert not at.metric[0].delta  # no NSL without a base count


def test_catalog_page_lists_every_entry():
    from tokdash.tokenizers.catalog import ENTRIES

    at = app()
    at.switch_page("app_pages/catalog.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert list(df["id"]) == [e.id for e in ENTRIES]
    assert df[~df["id"].str.startswith("paper-")]["available"].all()


def test_sidebar_selection_survives_page_switch():
    at = app()
    at.multiselect(key="td_tokenizers").set_value(["gpt2", "cl100k_base"]).run()
    at.switch_page("app_pages/catalog.py").run()
    at.switch_page("app_pages/home.py").run()
    assert at.session_state["td_tokenizers"] == ["gpt2", "cl100k_base"]
    assert [m.label for m in at.metric] == ["gpt2: tokens", "cl100k_base: tokens"]
    assert not at.exception


def test_unknown_upload_shows_error_not_traceback(tmp_path):
    at = app()
    at.session_state["td_tok_error"] = None
    at.button(key="td_tok_add").click().run()  # no file chosen
    assert not at.exception
    assert any("Choose a tokenizer file" in e.value for e in at.sidebar.error)


def test_every_page_is_in_the_navigation():
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    assert len(PAGES) == 11
    for page in PAGES:
        assert f'"{page}"' in text, page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_default_selection(page):
    at = app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title and at.title[0].value  # each page says what it is
    assert not at.error, [e.value for e in at.error]


def test_missing_corpus_folder_is_an_error_not_a_traceback(tmp_path):
    at = app()
    at.session_state["td_corpus"] = "folder"
    at.session_state["td_corpus_folder"] = str(tmp_path / "does-not-exist")
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception
    assert at.error and "does-not-exist" in at.error[0].value
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "bad.py").write_bytes(b"\xff\xfe\x00\x01binary")
    at.session_state["td_corpus_folder"] = str(empty)
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception
    assert at.error and "bad.py" in at.error[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_hosted_mode(page, monkeypatch):
    monkeypatch.setenv("TOKDASH_HOSTED", "1")
    at = app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # no widget offers to read a local path
    labels = [w.label.lower() for w in at.text_input]
    assert not any("path" in label and "pattern" not in label for label in labels), labels
