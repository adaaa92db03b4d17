"""AppTest runs of the Code structure page: numbers equal the library's and the CLI's, the
document view marks cutting tokens, the audit, and bad input shown as messages."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_app import BrokenTokenizer
from tokdash.analysis.code_compare import CODE_COLUMNS
from tokdash.cli.main import main

PAGE = "app_pages/code_structure.py"


def page(tokenizers: list[str], corpus: str = "sample:python", custom=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    if custom:
        at.session_state["td_custom"] = custom
    at.session_state["td_tokenizers"] = tokenizers
    at.session_state["td_corpus"] = corpus
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def frame(at: AppTest, first_column: str, has: str) -> pd.DataFrame:
    """The page's first dataframe whose columns start with ``first_column`` and include
    ``has``."""
    for df in at.dataframe:
        value = df.value
        if list(value.columns)[:1] == [first_column] and has in value.columns:
            return value
    raise AssertionError(f"no table with {first_column}/{has}")


def test_page_numbers_equal_the_cli(tmp_path):
    at = page(["cl100k_base", "llama2"], "sample:all")
    table = frame(at, "tokenizer", "digit_group_1")
    assert list(table.columns) == CODE_COLUMNS
    out = tmp_path / "code.csv"
    assert (
        main(
            ["code-metrics", "-t", "cl100k_base", "-t", "llama2", "-c", "sample"]
            + [
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cli = pd.read_csv(out)
    pd.testing.assert_frame_equal(table.reset_index(drop=True), cli, check_dtype=False)
    assert "english" not in set(table["language"])
    assert any("not measured: english (2)" in m.value for m in at.markdown)
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # shares, tokens per lexeme, digit groups, audit
    spec = json.loads(charts[0].proto.spec)
    assert spec["layout"]["yaxis"]["title"]["text"] == "share (%)"
    assert spec["layout"]["yaxis"]["ticksuffix"] == "%"


def test_language_switch_document_view_and_worst_identifiers():
    at = page(["cl100k_base", "llama2"])
    at.selectbox(key="code_language").set_value("python").run()
    assert not at.exception
    views = [h.proto.body for h in at.get("html") if 'class="tokdash-view"' in h.proto.body]
    assert views and 'class="tok c0' in views[-1]
    assert " cut" in views[-1]  # some token cuts a code lexeme
    labels = [m.label for m in at.metric]
    assert labels[0] == "tokens cutting a code lexeme"
    worst = frame(at, "tokenizer", "pieces")
    assert set(worst["tokenizer"]) == {"cl100k_base", "llama2"}
    assert (worst["pieces"].str.replace("|", "") == worst["identifier"]).all()
    at.selectbox(key="code_doc_tok").set_value("llama2").run()
    at.selectbox(key="code_doc").set_value(1).run()
    assert not at.exception
    at.number_input(key="code_doc_draw").set_value(100).run()
    views = [h.proto.body for h in at.get("html") if 'class="tokdash-view"' in h.proto.body]
    assert views[-1].count('class="tok ') == 100  # the first 100 tokens, then a note


def test_audit_on_the_page():
    at = page(["cl100k_base", "llama2"])
    summary = frame(at, "tokenizer", "unreachable").set_index("tokenizer")
    assert summary.loc["cl100k_base", "unreachable"] == 0
    assert summary.loc["llama2", "unreachable"] > 0
    assert summary.loc["llama2", "prefix"].startswith("dummy prefix off")
    assert summary["never_seen"].notna().all()  # the sidebar's corpus counts
    examples = frame(at, "tokenizer", "note")
    assert set(examples["tokenizer"]) == {"cl100k_base"}
    at.selectbox(key="code_audit_tok").set_value("llama2").run()
    examples = frame(at, "tokenizer", "note")
    assert "unreachable" in set(examples["category"])


@pytest.mark.parametrize("corpus", ["sample:english"])
def test_a_corpus_without_grammar_is_an_error_not_a_traceback(corpus):
    at = page(["cl100k_base"], corpus)
    assert at.error and "no tree-sitter grammar" not in at.error[0].value
    assert "language with a grammar" in at.error[0].value
    assert "english" in at.error[0].value


def test_a_failing_tokenizer_is_named_and_the_others_drawn():
    at = page(["cl100k_base", "broken"], custom={"broken": BrokenTokenizer()})
    errors = [e.value for e in at.error]
    assert any(e.startswith("broken:") and "corrupt" in e for e in errors), errors
    table = frame(at, "tokenizer", "digit_group_1")
    assert set(table["tokenizer"]) == {"cl100k_base"}
