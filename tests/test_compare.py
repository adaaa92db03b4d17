"""Streaming encoding, the compare CLI, and agreement with the raw libraries to the last digit."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from tokdash.analysis.compare import COMPARE_COLUMNS, run_comparison, sample_note, vocab_table
from tokdash.analysis.encode import encode_corpus
from tokdash.corpus import Document, harvest_stdlib, load_sample_corpus
from tokdash.tokenizers import Tokenizer, TokenizerInfo
from tokdash.ui.widgets import csv_bytes


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tokdash", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def test_encode_corpus_counts_match_direct(catalog_tokenizer):
    tok = catalog_tokenizer("cl100k_base")
    docs = load_sample_corpus("all").documents
    seen = []
    stats = encode_corpus(tok, docs, progress=lambda done, total: seen.append((done, total)))
    enc = stats.tokenizers[tok.id]
    direct = [len(tok.encode(d.text)) for d in docs]
    assert stats.sample_complete
    assert stats.documents()[f"tokens:{tok.id}"].tolist() == direct
    assert sum(int(c.sum()) for c in enc.unigram.values()) == sum(direct) == enc.total_tokens
    assert seen[-1][0] == seen[-1][1] == stats.n_bytes
    small = encode_corpus(tok, docs, batch_bytes=1000)
    assert small.documents()[f"tokens:{tok.id}"].tolist() == direct
    for lang, counts in enc.unigram.items():
        assert np.array_equal(counts, small.tokenizers[tok.id].unigram[lang])


def test_cli_matches_raw_libraries_on_stdlib(tmp_path, catalog_tokenizer):
    out = tmp_path / "results.csv"
    proc = cli(
        "compare", "-t", "cl100k_base", "-t", "llama2", "--corpus", "stdlib",
        "--base", "llama2", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == COMPARE_COLUMNS
    texts = [d.text for d in harvest_stdlib().documents]
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)

    import tiktoken

    catalog_tokenizer("cl100k_base")  # puts the verified rank file where tiktoken looks
    cl = tiktoken.get_encoding("cl100k_base")
    cl_tokens = sum(len(cl.encode_ordinary(t)) for t in texts)
    sp = catalog_tokenizer("llama2").processor  # the raw SentencePieceProcessor
    ll_tokens = sum(len(ids) for ids in sp.encode(texts))

    rows = table[table["language"] == "ALL"].set_index("tokenizer")
    assert rows.loc["cl100k_base", "tokens"] == cl_tokens
    assert rows.loc["llama2", "tokens"] == ll_tokens
    assert rows.loc["cl100k_base", "bytes"] == n_bytes
    assert rows.loc["cl100k_base", "bytes_per_token"] == float(repr(n_bytes / cl_tokens))
    assert rows.loc["cl100k_base", "nsl"] == float(repr(cl_tokens / ll_tokens))
    assert rows.loc["llama2", "nsl"] == 1.0


def test_page_csv_equals_cli_csv(tmp_path, catalog_tokenizer):
    out = tmp_path / "cli.csv"
    proc = cli("compare", "-t", "gpt2", "-t", "llama3", "-c", "sample", "--base", "gpt2",
               "-o", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    toks = [catalog_tokenizer("gpt2"), catalog_tokenizer("llama3")]
    cmp = run_comparison(toks, load_sample_corpus("all").documents, toks[0])
    assert csv_bytes(cmp.table()) == out.read_bytes()


def test_cli_extra_outputs_and_errors(tmp_path):
    proc = cli(
        "compare", "-t", "gpt2", "-c", "sample:python", "--base", "",
        "-o", str(tmp_path / "a.csv"), "--per-document", str(tmp_path / "d.csv"),
        "--vocab", str(tmp_path / "v.csv"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert pd.read_csv(tmp_path / "a.csv")["nsl"].isna().all()
    assert len(pd.read_csv(tmp_path / "d.csv")) == len(load_sample_corpus("python").documents)
    assert {"vocab_used", "whitespace_share"} <= set(pd.read_csv(tmp_path / "v.csv").columns)
    for args in (["-t", "nope", "-c", "sample"], ["-t", "gpt2", "-c", str(tmp_path / "none")]):
        proc = cli("compare", *args)
        assert proc.returncode == 2
        assert proc.stderr.startswith("error:") and proc.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("lang", ["python", "english"])
def test_language_filter(lang, tmp_path):
    proc = cli("compare", "-t", "gpt2", "-c", "sample", "--language", lang, "--base", "",
               "-o", str(tmp_path / "a.csv"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert set(pd.read_csv(tmp_path / "a.csv")["language"]) == {lang, "ALL"}


class _BeyondVocab(Tokenizer):
    """Says it has 3 ids but emits ids 4 and 5 too (as some HF files do with added tokens)."""

    info = TokenizerInfo(id="beyond", name="beyond", backend="test")

    @property
    def vocab_size(self) -> int:
        return 3

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        return [0, 4, 5] if text.startswith("x") else [1, 2]

    def decode(self, ids) -> str:
        return ""

    def token_bytes(self, token_id: int) -> bytes:
        return b"abc"[token_id : token_id + 1]


def test_vocab_table_uses_the_encodings_vocab_size():
    tok = _BeyondVocab()
    docs = [Document("x y", "python", "a.py"), Document("z", "python", "b.py")]
    cmp = run_comparison([tok], docs)
    vocab = vocab_table(cmp.stats).set_index("language").loc["ALL"]
    table = cmp.table().set_index("language").loc["ALL"]
    # ids 0, 1, 2, 4 and 5 used: the encoding grows the vocabulary to 6 ids (max id + 1)
    assert vocab["vocab_size"] == table["vocab_size"] == 6
    assert vocab["vocab_used"] == table["vocab_used"] == 5
    assert vocab["vocab_unused"] == 1  # not 3 - 5 = -2 with the tokenizer's own size
    assert vocab["vocab_utilization"] == table["vocab_utilization"] == pytest.approx(5 / 6)


def test_comparison_holds_the_statistics(catalog_tokenizer):
    gpt2 = catalog_tokenizer("gpt2")
    docs = [
        Document("def f(x):\n    return x\n", "python", "a.py"),
        Document("The cat sat on the mat.", "english", "b.txt"),
        Document("print('hi')\n", "python", "c.py"),
    ]
    cmp = run_comparison([_BeyondVocab()], docs, gpt2)  # the base is encoded but not listed
    assert list(cmp.encodings) == ["beyond", "gpt2"] and cmp.encodings is cmp.stats.tokenizers
    assert set(cmp.table()["tokenizer"]) == {"beyond"}
    per_doc = cmp.per_document()
    assert per_doc["doc"].tolist() == [0, 1, 2] and set(per_doc["tokenizer"]) == {"beyond"}
    direct = [len(gpt2.encode(d.text)) for d in docs]
    assert per_doc["nsl"].tolist() == pytest.approx(
        [len(_BeyondVocab().encode(d.text)) / n for d, n in zip(docs, direct, strict=True)]
    )
    assert cmp.sample_note() == "all 3 documents"
    # vocab_table keeps the statistics' order of tokenizers
    vocab = vocab_table(cmp.stats)
    assert list(dict.fromkeys(vocab["tokenizer"])) == ["beyond", "gpt2"]
    assert vocab.set_index(["tokenizer", "language"]).loc[("gpt2", "ALL"), "tokens"] == sum(direct)
    # what a saved bundle records: a stamped copy; the comparison's own statistics unchanged
    before = dict(cmp.stats.meta)
    stamped = cmp.stamped(alpha=3.5)
    assert stamped is not cmp.stats and cmp.stats.meta == before
    assert stamped.meta["shown"] == ["beyond"] and stamped.meta["base"] == "gpt2"
    assert stamped.meta["alpha"] == 3.5 and stamped.meta["created"].endswith("UTC")
    assert stamped.tokenizers is cmp.stats.tokenizers  # counts shared, not copied


def test_sample_note_of_a_partial_sample(catalog_tokenizer):
    docs = [Document(f"line {i}\n", "python", f"{i}.py") for i in range(50)]
    stats = encode_corpus(catalog_tokenizer("gpt2"), docs, sample_size=10, seed=3)
    assert not stats.sample_complete and len(stats.documents()) == 10
    assert sample_note(stats) == "a seeded sample of 10 of 50 documents (seed 3)"
