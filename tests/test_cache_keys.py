"""What the caches key on: tokenizer content digests, folder signatures, session folder cleanup."""

from __future__ import annotations

import os
import time

import pytest

from tokdash.corpus.signature import folder_signature
from tokdash.tokenizers import load_path
from tokdash.tokenizers.fingerprint import fingerprint
from tokdash.ui.sessions import sweep


def test_folder_signature_changes_with_content(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.c").write_text("int x;\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "objects").write_text("ignored: the reader never walks here")
    first = folder_signature(tmp_path)
    assert first[:2] == (2, len("x = 1\n") + len("int x;\n"))
    assert folder_signature(tmp_path) == first  # stable when nothing changed
    (tmp_path / "sub" / "c.rs").write_text("fn main() {}\n")
    assert folder_signature(tmp_path)[0] == 3
    # same count and size, newer mtime: still a new signature
    before = folder_signature(tmp_path)
    later = time.time() + 10
    os.utime(tmp_path / "a.py", (later, later))
    assert folder_signature(tmp_path) != before


def test_folder_signature_of_a_file_and_of_nothing(tmp_path):
    f = tmp_path / "one.jsonl"
    f.write_text('{"text": "hi"}\n')
    assert folder_signature(f)[:2] == (1, f.stat().st_size)
    assert folder_signature(tmp_path / "missing") == (0, 0, 0)


def _tiny_json(vocab_extra: str) -> str:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"a": 0, "b": 1, "ab": 2, vocab_extra: 3}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("a", "b")]))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok.to_str()


def test_fingerprint_follows_content_not_name(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "tokenizer.json").write_text(_tiny_json("c"))
    (two / "tokenizer.json").write_text(_tiny_json("d"))  # same name and size, other content
    a = load_path(one / "tokenizer.json")
    b = load_path(two / "tokenizer.json")
    again = load_path(one / "tokenizer.json", name="renamed")
    assert a.id == b.id
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) == fingerprint(again)


@pytest.mark.parametrize("entry", ["cl100k_base", "llama2"])
def test_fingerprint_of_catalog_backends_is_stable(catalog_tokenizer, entry):
    tok = catalog_tokenizer(entry)
    assert fingerprint(tok) == fingerprint(tok)
    assert len(fingerprint(tok)) == 64


def test_fingerprint_tells_tiktoken_encodings_apart(catalog_tokenizer):
    assert fingerprint(catalog_tokenizer("gpt2")) != fingerprint(catalog_tokenizer("p50k_base"))


def test_sweep_removes_finished_sessions_only(tmp_path):
    now = time.time()
    for name, age in [("active-old", 3600), ("gone-old", 3600), ("gone-new", 60), ("ancient", 1e6)]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "trained.json").write_text("{}")
        os.utime(folder, (now - age, now - age))
    removed = sweep(
        tmp_path,
        lambda sid: sid.startswith("active") or sid == "ancient",
        now=now,
        idle_seconds=1800,
        max_age_seconds=86400,
    )
    assert sorted(removed) == ["ancient", "gone-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["active-old", "gone-new"]
