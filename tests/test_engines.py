"""Fast engines: the long-piece guard around riptoken, and engines agreeing with the reference."""

from __future__ import annotations

import pandas as pd
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tokdash.tokenizers.engines import (
    LONG_RUN_BYTES,
    build_engine,
    long_piece_risk,
)

# Pieces of text that make long pre-token pieces in the GPT-2/4, o200k and Llama 3 patterns.
ATOMS = ["a", "Z", "é", "日", "0", "7", " ", "\n", "\t", ";", "/", "«", "'s", "\u00a0", "Ⅻ"]
texts = st.lists(
    st.tuples(st.sampled_from(ATOMS), st.integers(1, 400)).map(lambda t: t[0] * t[1]),
    max_size=5,
).map("".join)


def test_hand_checked_cases():
    cases = {
        "x" + "a" * 499: True,  # one 500-byte letter piece: riptoken 0.2.4 merges it differently
        " " * 300: True,
        "/\n" * 200: True,  # punctuation + newlines: one piece in the o200k pattern
        "«;" * 100: True,  # non-ASCII punctuation mixed with ASCII punctuation
        "def f():\n    return 1\n" * 100: False,  # ordinary code: short pieces
        "1" * (LONG_RUN_BYTES - 1): False,
        "1" * LONG_RUN_BYTES: True,
        "": False,
    }
    assert long_piece_risk(list(cases)).tolist() == list(cases.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_joined_scan_equals_one_text_at_a_time(batch):
    assert long_piece_risk(batch).tolist() == [long_piece_risk([t])[0] for t in batch]


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_long_piece_is_flagged(text):
    """Sound: if a catalog pattern cuts a piece of 2 * LONG_RUN_BYTES bytes, the text is flagged."""
    from tokdash.analysis.pretokenize import get_pattern

    for name in ("gpt2", "gpt4", "gpt4o", "llama3"):
        pieces = regex.findall(get_pattern(name).pattern, text)
        if max((len(p.encode("utf-8")) for p in pieces), default=0) >= 2 * LONG_RUN_BYTES:
            assert long_piece_risk([text])[0], name


def test_riptoken_with_the_guard_matches_tiktoken_on_long_pieces(catalog_tokenizer):
    tok = catalog_tokenizer("cl100k_base")
    fast, ref = build_engine("riptoken", tok), build_engine("reference", tok)
    docs = ["x" + "a" * 499, " " * 3000 + "x", "def f():\n    return 1\n" * 50, "ok"]
    assert fast.encode_batch(docs) == ref.encode_batch(docs)
    lengths, ids = fast.encode_flat(docs)
    assert lengths.tolist() == [len(x) for x in ref.encode_batch(docs)]
    assert ids.tolist() == [i for x in ref.encode_batch(docs) for i in x]


def test_results_never_depend_on_the_engine(catalog_tokenizer, monkeypatch):
    from tokdash.analysis import engine_choice
    from tokdash.analysis.compare import run_comparison
    from tokdash.corpus import load_sample_corpus

    monkeypatch.setattr(engine_choice, "ENGINE_MIN_BYTES", 0)  # the samples are small
    toks = [catalog_tokenizer(t) for t in ("cl100k_base", "llama3", "llama2")]
    docs = load_sample_corpus("all").documents
    auto = run_comparison(toks, docs, toks[2], engine="auto").table()
    ref = run_comparison(toks, docs, toks[2], engine="reference").table()
    engines = dict(zip(auto["tokenizer"], auto["engine"], strict=False))
    assert engines["cl100k_base"].startswith("riptoken ")  # proven exact: the fast path ran
    assert engines["llama3"].startswith("riptoken ")
    assert engines["llama2"] == "reference"  # SentencePiece: no candidate reads it
    assert set(ref["engine"]) == {"reference"}
    pd.testing.assert_frame_equal(auto.drop(columns="engine"), ref.drop(columns="engine"))


def test_auto_keeps_the_reference_on_a_small_corpus(catalog_tokenizer):
    from tokdash.analysis.engine_choice import ENGINE_MIN_BYTES, choose_engine
    from tokdash.corpus import Document

    tok = catalog_tokenizer("cl100k_base")
    small = [Document("x = 1\n" * 100, "python", "a.py")]
    big = [Document("x = 1\n" * (ENGINE_MIN_BYTES // 6 + 1), "python", "b.py")]
    assert choose_engine(tok, "auto", small) is None
    assert choose_engine(tok, "auto", big).name == "riptoken"
    assert choose_engine(tok, "auto").name == "riptoken"  # a worker: no documents to size
    assert choose_engine(tok, "riptoken", small).name == "riptoken"  # forced


def test_cli_engine_option(tmp_path, capsys):
    from tokdash.cli.main import main

    out = tmp_path / "c.csv"
    args = ["compare", "-t", "cl100k_base", "-c", "sample:python", "--base", "", "-o", str(out)]
    assert main([*args, "--engine", "reference"]) == 0
    assert "reference" in out.read_text()
    with pytest.raises(SystemExit):  # argparse refuses an unknown engine
        main([*args, "--engine", "nope"])
