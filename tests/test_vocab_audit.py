"""The vocabulary audit: categories on a toy tokenizer, real vocabularies, the CLI's CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tokdash.analysis.vocab_audit import (
    AUDIT_COLUMNS,
    SUMMARY_COLUMNS,
    audit_examples,
    audit_summary,
    audit_table,
    audit_vocabulary,
    prefix_free_encoder,
)
from tokdash.cli.main import main
from tokdash.errors import TokdashError
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo


class ToyTokenizer(Tokenizer):
    """Ids: 0 <s> (special), 1 "a", 2 "b", 3 "ab" (never produced: encode is per character),
    4 b"\\xc3" (half of "é"), 5 no token. ``prefix`` puts a space before every text, as
    SentencePiece's dummy prefix does (with no way to turn it off)."""

    VOCAB = [b"", b"a", b"b", b"ab", b"\xc3", b"", b" "]

    def __init__(self, prefix: bool = False) -> None:
        self.info = TokenizerInfo(id="toy", name="Toy", backend="test")
        self.prefix = prefix

    @property
    def vocab_size(self) -> int:
        return len(self.VOCAB)

    @property
    def special_ids(self) -> frozenset[int]:
        return frozenset({0})

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        ids = [6] if self.prefix else []
        return ids + [self.VOCAB.index(ch.encode()) for ch in text]

    def decode(self, ids) -> str:
        return b"".join(self.VOCAB[i] for i in ids).decode(errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        return self.VOCAB[token_id]


def test_toy_categories_and_table():
    tok = ToyTokenizer()
    audit = audit_vocabulary(tok)
    table = audit_table(tok, audit, counts=np.array([0, 5, 0, 0, 2, 0, 0]))
    assert list(table.columns) == [*AUDIT_COLUMNS, "corpus_count", "never_seen"]
    assert table["category"].tolist() == [
        "special",
        "ok",
        "ok",
        "unreachable",
        "partial_utf8",
        "special",
        "ok",
    ]
    assert table.loc[3, "note"] == "its text encodes as a|b (1 2)"
    assert table.loc[5, "note"] == "no token at this id"
    assert table.loc[3, "bytes_hex"] == "6162"
    assert table["never_seen"].tolist() == [False, False, True, True, False, False, True]
    summary = audit_summary([(audit, np.array([0, 5, 0, 0, 2, 0, 0])), (audit, None)])
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary.loc[0, ["special", "partial_utf8", "ok", "unreachable"]].tolist() == [2, 1, 3, 1]
    assert summary.loc[0, "never_seen"] == 3 and np.isnan(summary.loc[1, "never_seen"])
    examples = audit_examples(tok, audit)
    assert examples["category"].tolist() == ["unreachable", "partial_utf8", "special", "special"]


def test_a_prefix_that_cannot_be_turned_off_is_an_error():
    with pytest.raises(TokdashError, match="puts a space before every text"):
        prefix_free_encoder(ToyTokenizer(prefix=True))


def test_cl100k_every_non_special_id_is_ok_or_partial(catalog_tokenizer):
    tok = catalog_tokenizer("cl100k_base")
    audit = audit_vocabulary(tok)
    table = audit_table(tok, audit)
    cats = table.set_index("id")["category"]
    assert set(cats[cats != "special"]) == {"ok", "partial_utf8"}
    assert set(tok.special_ids) <= set(cats[cats == "special"].index)
    assert audit.count("special") == 21  # 5 special tokens + 16 unused ids
    assert audit.count("partial_utf8") > 500
    assert cats[15339] == "ok"  # "hello"
    assert audit.prefix == "none"


def test_llama2_dummy_prefix_and_byte_fallback(catalog_tokenizer):
    tok = catalog_tokenizer("llama2")
    audit = audit_vocabulary(tok)
    assert audit.prefix.startswith("dummy prefix off")
    cats = audit_table(tok, audit).set_index("piece")["category"]
    assert cats["▁def"] == "ok"  # checked on " def"
    assert cats["ing"] == "ok"  # a mid-word piece, checked on "ing" without the prefix
    assert cats["<0x0A>"] == "ok"  # a newline has no piece of its own: byte fallback
    assert cats["<0x41>"] == "unreachable"  # "A" has its own piece
    assert cats["<0x80>"] == "partial_utf8"
    assert cats["<unk>"] == cats["<s>"] == "special"
    unreachable = cats[cats == "unreachable"].index
    assert all(p.startswith("<0x") for p in unreachable)  # only ASCII byte-fallback tokens


def test_starcoder2_has_no_unreachable_token(catalog_tokenizer):
    tok = catalog_tokenizer("starcoder2")
    audit = audit_vocabulary(tok)
    assert audit.count("unreachable") == 0
    assert audit.count("special") == len(tok.special_ids)


def test_wordpiece_continuations_are_checked_after_a_letter(catalog_tokenizer):
    tok = catalog_tokenizer("bert-base-uncased")
    cats = audit_table(tok, audit_vocabulary(tok)).set_index("piece")["category"]
    assert cats["##ing"] == "ok"
    assert cats["[unused0]"] == "unreachable"
    assert cats["Hello".lower()] == "ok"


def test_cli_audit_csv_equals_the_library(tmp_path, catalog_tokenizer, capsys):
    out, summary = tmp_path / "audit.csv", tmp_path / "summary.csv"
    rc = main(
        ["audit", "-t", "gpt2", "-c", "sample:python", "--out", str(out)]
        + [
            "--summary",
            str(summary),
        ]
    )
    assert rc == 0
    tok = catalog_tokenizer("gpt2")
    from tokdash.analysis.encode import encode_corpus
    from tokdash.corpus import load_sample_corpus

    counts = encode_corpus(tok, load_sample_corpus("python").documents).tokenizers[tok.id].counts()
    want = audit_table(tok, audit_vocabulary(tok), counts)
    assert out.read_bytes() == want.to_csv(index=False).encode("utf-8")  # the page's bytes
    assert len(pd.read_csv(out, keep_default_na=False)) == tok.vocab_size  # one line per id
    assert want.loc[201, "piece"] == "\\r"  # control characters escaped (exact: bytes_hex)
    assert pd.read_csv(summary)["ok"].iloc[0] == (want["category"] == "ok").sum()


def test_cli_errors_are_one_line(capsys):
    assert main(["audit", "-t", "no-such-tokenizer"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown tokenizer") and err.count("\n") == 1
    assert main(["code-metrics", "-t", "gpt2", "-c", "sample:english"]) == 2
    assert "no document of this corpus is in a language with a grammar" in capsys.readouterr().err
