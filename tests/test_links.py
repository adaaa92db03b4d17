"""Shareable links: the selection in the URL, read once per session and kept up to date."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.ui.links import link_params, parse_link, share_url

IDS = ["llama2", "cl100k_base", "starcoder2", "o200k_base"]
OPTIONS = ["sample:all", "sample:python", "sample:rust", "stdlib", "upload", "folder"]


def test_parse_link_keeps_known_values_and_names_the_rest():
    sel = parse_link(
        {"tokenizers": "cl100k_base, nope,starcoder2,cl100k_base", "base": "llama2",
         "corpus": "sample:python"},
        IDS,
        OPTIONS,
    )  # fmt: skip
    assert sel.tokenizers == ["cl100k_base", "starcoder2"]
    assert sel.base == "llama2" and sel.corpus == "sample:python"
    assert sel.warnings == ["The link names unknown tokenizers, dropped: nope"]


def test_parse_link_corpus_specs_and_bad_values():
    assert parse_link({"corpus": "sample"}, IDS, OPTIONS).corpus == "sample:all"
    assert parse_link({"corpus": "rust"}, IDS, OPTIONS).corpus == "sample:rust"
    assert parse_link({"corpus": "stdlib"}, IDS, OPTIONS).corpus == "stdlib"
    bad = parse_link({"corpus": "/etc", "base": "gpt9", "tokenizers": "x,y"}, IDS, OPTIONS)
    assert bad.corpus is None and bad.base is None and bad.tokenizers is None
    assert len(bad.warnings) == 3


def test_link_params_leave_private_corpora_out():
    assert link_params(["a", "b"], "a", "sample:all") == {
        "tokenizers": "a,b",
        "base": "a",
        "corpus": "sample",
    }
    assert link_params(["a"], "a", "stdlib")["corpus"] == "stdlib"
    assert "corpus" not in link_params(["a"], "a", "upload")
    assert "corpus" not in link_params(["a"], "a", "folder")
    url = share_url("http://host:8501/compression", {"tokenizers": "a,b", "corpus": "sample:c"})
    assert url == "http://host:8501/compression?tokenizers=a,b&corpus=sample:c"


def _app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    return at


def test_a_link_opens_its_selection_and_the_url_follows_the_sidebar():
    at = _app(
        {"tokenizers": "cl100k_base,starcoder2,bogus", "base": "cl100k_base",
         "corpus": "sample:python"}
    ).run()  # fmt: skip
    assert not at.exception, at.exception
    ss = at.session_state
    assert ss["td_tokenizers"] == ["cl100k_base", "starcoder2"]
    assert ss["td_base"] == "cl100k_base" and ss["td_corpus"] == "sample:python"
    assert any("bogus" in w.value for w in at.sidebar.warning)
    # the address bar keeps the (cleaned) selection
    assert at.query_params["tokenizers"] in ("cl100k_base,starcoder2", ["cl100k_base,starcoder2"])
    # changing the sidebar updates it
    at.sidebar.multiselect(key="td_tokenizers").set_value(["o200k_base"]).run()
    assert not at.exception, at.exception
    assert at.query_params["tokenizers"] in ("o200k_base", ["o200k_base"])
    assert not at.sidebar.warning  # the warning is shown once


def test_no_link_keeps_the_defaults():
    at = _app({}).run()
    assert not at.exception, at.exception
    assert at.session_state["td_corpus"] == "sample:all"
