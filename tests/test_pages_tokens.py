"""AppTest runs of the Tokens and Regex splits pages: counts, per-line and per-pattern tables.

The sidebar selection is seeded through session state before the first run: with
`st.navigation`, Streamlit 1.67's AppTest drops the sidebar's elements from its tree after the
first run, so `at.multiselect(key="td_tokenizers")` is only reachable once.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.pretokenize import PATTERNS, chunk_stats, split
from tokdash.viz.render import line_token_counts

TEXT = "def add(a, b):\n    return a + b  # 加法\n\n\tprint(add(1, 22))\n"


def app(tokenizers: list[str], base: str = "gpt2", page: str = "app_pages/tokens.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_tokenizers"] = tokenizers
    at.session_state["td_base"] = base
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def metric_counts(at: AppTest) -> dict[str, int]:
    return {m.label.removesuffix(": tokens"): int(str(m.value).replace(",", "")) for m in at.metric}


def dataframe_with(at: AppTest, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


# ----- Tokens -------------------------------------------------------------------------------


def test_tokens_counts_nsl_and_line_table(catalog_tokenizer):
    ids = ["gpt2", "cl100k_base", "llama3"]
    at = app(ids, base="gpt2")
    at.text_area(key="tokens_text_paste").set_value(TEXT).run()
    assert not at.exception, at.exception
    toks = {i: catalog_tokenizer(i) for i in ids}
    expected = {i: len(t.encode(TEXT)) for i, t in toks.items()}
    assert metric_counts(at) == expected
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["gpt2: tokens"] == "base (NSL 1.00)"
    nsl = expected["cl100k_base"] / expected["gpt2"]
    assert deltas["cl100k_base: tokens"] == f"NSL {nsl:.2f} vs gpt2"

    summary = dataframe_with(at, "nsl")
    assert summary["tokenizer"].tolist() == ids
    assert summary["tokens"].tolist() == [expected[i] for i in ids]
    assert summary["nsl"].tolist() == pytest.approx([expected[i] / expected["gpt2"] for i in ids])
    assert summary["bytes_per_token"].tolist() == pytest.approx(
        [len(TEXT.encode()) / expected[i] for i in ids]
    )

    lines = dataframe_with(at, "spread")
    assert lines["line"].tolist() == [1, 2, 3, 4]
    assert lines["text"][3] == "    print(add(1, 22))"
    for i, tok in toks.items():
        assert lines[i].tolist() == line_token_counts(TEXT, tok.token_spans(TEXT))
        assert lines[i].sum() == expected[i]
    assert any("tokens_per_line.csv" in b.label for b in at.get("download_button"))


def test_tokens_layout_window_and_cap(catalog_tokenizer):
    at = app(["gpt2", "o200k_base"])
    big = "".join(f"value_{i} = compute({i}, 'x' * {i})\n" for i in range(1500))
    at.text_area(key="tokens_text_paste").set_value(big).run()
    assert not at.exception, at.exception
    n = len(catalog_tokenizer("gpt2").encode(big))
    assert n > 5_000
    assert metric_counts(at)["gpt2"] == n  # everything is counted
    captions = [c.value for c in at.caption]
    assert any("at most 5,000 tokens" in c for c in captions)
    assert any(c.startswith("Drawn: tokens 1–5,000 of") for c in captions)
    at.radio(key="tokens_layout").set_value("Stacked").run()
    at.number_input(key="tokens_from_line").set_value(1000).run()
    assert not at.exception, at.exception
    drawn = [c.value for c in at.caption if c.value.startswith("Drawn:")]
    assert drawn and all("from line 999" in c or "from line 1,000" in c for c in drawn), drawn
    assert len(dataframe_with(at, "spread")) == 1500


def test_tokens_more_than_six_tokenizers():
    ids = [
        "gpt2",
        "p50k_base",
        "cl100k_base",
        "o200k_base",
        "mistral-tekken",
        "llama3",
        "mistral-v1",
    ]
    at = app(ids)
    assert any("compares up to 6" in w.value for w in at.warning)
    assert list(metric_counts(at)) == ids[:6]


def test_tokens_from_a_corpus_document(catalog_tokenizer):
    from tokdash.corpus import load_sample_corpus

    at = app(["cl100k_base"])
    at.radio(key="tokens_text_mode").set_value("corpus").run()
    assert not at.exception, at.exception
    doc = next(d for d in load_sample_corpus("all").documents if d.source == "rust/lexer.rs")
    at.selectbox(key="tokens_text_doc").set_value("rust/lexer.rs").run()
    assert not at.exception, at.exception
    assert metric_counts(at) == {
        "cl100k_base": len(catalog_tokenizer("cl100k_base").encode(doc.text))
    }
    assert any("one tokenizer selected" in c.value.lower() for c in at.caption)


def test_tokens_empty_text_and_special_token_text(catalog_tokenizer):
    at = app(["gpt2", "llama3"])
    at.text_area(key="tokens_text_paste").set_value("").run()
    assert not at.exception and any("empty" in i.value for i in at.info)
    assert not at.metric
    at.text_area(key="tokens_text_paste").set_value("\t\t    \r\n").run()  # whitespace counts
    assert not at.exception, at.exception
    assert metric_counts(at)["gpt2"] == len(catalog_tokenizer("gpt2").encode("\t\t    \r\n"))
    special = "<|endoftext|><s></s><|begin_of_text|>"
    at.text_area(key="tokens_text_paste").set_value(special).run()
    assert not at.exception, at.exception
    counts = metric_counts(at)
    for i in ("gpt2", "llama3"):  # counted as text, never as one special token
        assert counts[i] == len(catalog_tokenizer(i).encode(special)) > 3


def test_tokens_zero_tokens_is_not_an_error():
    at = app(["gpt2", "bert-base-uncased"])
    at.text_area(key="tokens_text_paste").set_value("\x00\x01\x7f").run()
    assert not at.exception, at.exception
    counts = metric_counts(at)
    assert counts["bert-base-uncased"] == 0 and counts["gpt2"] > 0  # BERT drops control chars
    assert any(c.value.startswith("– bytes/token") for c in at.caption)


def test_text_is_shared_with_the_regex_page():
    at = app(["gpt2"])
    at.text_area(key="tokens_text_paste").set_value(TEXT).run()
    at.switch_page("app_pages/regex_splits.py").run()
    assert not at.exception, at.exception
    assert at.text_area(key="regex_text_paste").value == TEXT


# ----- Regex splits -------------------------------------------------------------------------


def regex_app(tokenizers=("gpt2", "llama3")) -> AppTest:
    at = app(list(tokenizers), page="app_pages/regex_splits.py")
    at.text_area(key="regex_text_paste").set_value(TEXT).run()
    assert not at.exception, at.exception
    return at


def test_regex_pattern_table_matches_split():
    at = regex_app()
    at.multiselect(key="regex_named").set_value(["gpt4", "punct", "identity"]).run()
    assert not at.exception, at.exception
    table = dataframe_with(at, "distinct_chunks")
    expected_labels = [
        "GPT-4 (cl100k_base)",
        "Punct (paper)",
        "Identity (no pre-tokenization)",
        "gpt2 (own pattern)",
        "llama3 (own pattern)",
    ]
    assert table["pattern"].tolist() == expected_labels
    for pid, (_, row) in zip(
        ["gpt4", "punct", "identity", "gpt2", "llama3"], table.iterrows(), strict=True
    ):
        chunks = split(TEXT, PATTERNS[pid].pattern)
        stats = chunk_stats(TEXT, chunks)
        assert row["chunks"] == len(chunks)
        assert row["distinct_chunks"] == stats["distinct_chunks"]
        assert row["longest_chunk_bytes"] == stats["longest_chunk_bytes"]
        assert row["chunks_per_line"] == pytest.approx(len(chunks) / 4)
    assert table["chunks"].iloc[2] == 1  # identity: one chunk
    # each pattern's exact text is on the page
    codes = [c.value for c in at.code]
    for pid in ("gpt4", "punct", "gpt2", "llama3"):
        assert PATTERNS[pid].pattern in codes
    assert any("never merges across a chunk boundary" in m.value for m in at.markdown)


def test_regex_tokenizer_pattern_folds_into_named_one():
    at = regex_app(tokenizers=("cl100k_base", "llama2"))
    at.multiselect(key="regex_named").set_value(["gpt4"]).run()
    table = dataframe_with(at, "distinct_chunks")
    assert table["pattern"].tolist() == ["GPT-4 (cl100k_base) = cl100k_base"]
    assert any("llama2" in c.value for c in at.caption)  # no regex of its own, said so


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(", "Invalid regex at position"),
        ("a*", "matches the empty string"),
        ("[", "Invalid regex"),
    ],
)
def test_regex_custom_errors_keep_the_page(pattern, message):
    at = regex_app()
    at.text_input(key="regex_custom").set_value(pattern).run()
    assert not at.exception, at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    table = dataframe_with(at, "distinct_chunks")
    assert "Custom" not in table["pattern"].tolist()
    assert len(table) >= 5  # the other patterns are still shown


def test_regex_custom_pattern_is_split():
    at = regex_app()
    at.text_input(key="regex_custom").set_value(r"\s+|\w+|[^\s\w]+").run()
    assert not at.exception, at.exception
    table = dataframe_with(at, "distinct_chunks")
    row = table[table["pattern"] == "Custom"].iloc[0]
    assert row["chunks"] == len(split(TEXT, r"\s+|\w+|[^\s\w]+"))
    assert row["source"] == "typed on this page"


@pytest.mark.slow
def test_regex_catastrophic_pattern_times_out():
    at = regex_app()
    at.text_area(key="regex_text_paste").set_value("a" * 40 + "b").run()
    at.text_input(key="regex_custom").set_value("(a|aa)+$").run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any("ran longer than 2.0 s" in e and "catastrophic backtracking" in e for e in errors)
    assert len(dataframe_with(at, "distinct_chunks")) >= 5
