"""The engine differential suite: adversarial inputs, `prove`, the shipped proof table, record
validity (digest and engine version) and proving a user's tokenizer on first use."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace

import pytest

from tokdash.corpus import Document
from tokdash.tokenizers import engines, proofs
from tokdash.tokenizers.adversarial import (
    CATEGORIES,
    adversarial_documents,
    build_suite,
    category_texts,
    suite_documents,
)
from tokdash.tokenizers.catalog import CATALOG, ENTRIES
from tokdash.tokenizers.engines import CANDIDATES, Engine, engine_version, package_version
from tokdash.tokenizers.fingerprint import fingerprint
from tokdash.tokenizers.proofs import ProofRecord, engine_overview, prove

#: riptoken 0.2.4 leaves canonical BPE (tiktoken's) on pieces of 500 bytes or more.
RIPTOKEN_LONG_PIECE_BUG = "0.2.4"


@pytest.fixture(scope="module")
def reduced():
    return suite_documents("reduced")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder and no shipped table: only what the test writes counts."""
    monkeypatch.setenv("TOKDASH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(proofs, "SHIPPED_CSV", tmp_path / "shipped.csv")
    return tmp_path


# --- adversarial inputs --------------------------------------------------------------------


def test_adversarial_set_is_deterministic():
    assert adversarial_documents() == adversarial_documents()
    assert adversarial_documents(seed=1) != adversarial_documents(seed=2)
    names = [d.source for d in adversarial_documents()]
    assert len(names) == len(set(names))


def test_adversarial_set_covers_every_category():
    docs = adversarial_documents()
    for name in CATEGORIES:
        assert any(d.source.startswith(f"adversarial/{name}/") for d in docs), name
    assert any(d.source.startswith("adversarial/mix/") for d in docs)
    text = "".join(d.text for d in docs)
    texts = category_texts()
    for construct in [
        "\n \n", "\r\n", "    \t", "\t'r", "'tt", "'S", "'ll", "\\ud800", "\xa0", "\u3000",
        "<|endoftext|>", "<s>", "</s>", "<|im_start|>", "[CLS]", "\u200d", "\U0001f3fd",
        "def ", "#include", "fn main", "SELECT",
    ]:  # fmt: skip
        assert construct in text, repr(construct)
    assert " " * 1000 in text and "\t" * 1000 in text
    runs = {len(m) for m in re.findall("[0-9]+", "\n".join(texts["digits"]))}
    assert set(range(1, 41)) <= runs
    cats = {unicodedata.category(c) for c in text}
    assert {"Nl", "No", "Nd", "Mn", "Zs", "Cc", "Co"} <= cats
    assert any(
        unicodedata.combining(a) == 230 and unicodedata.combining(b) == 7
        for a, b in zip(text, text[1:], strict=False)
    )
    for script in ("CJK UNIFIED", "CYRILLIC", "ARABIC", "DEVANAGARI"):
        assert any(unicodedata.name(c, "").startswith(script) for c in text), script
    assert max(len(t) for t in texts["long_identifiers"]) >= 10_000


def test_suites():
    red = build_suite("reduced")
    assert red.notes == [] and red.n_bytes < 3_000_000
    sources = [d.source for d in red.documents]
    assert len(sources) == len(set(sources))
    assert sum(s.startswith("stdlib/") for s in sources) == 30
    assert any(s.startswith("sample/") for s in sources)
    with pytest.raises(Exception, match="unknown suite"):
        build_suite("huge")


# --- prove ---------------------------------------------------------------------------------


def _long_piece_docs(tok, docs: list[Document]) -> set[str]:
    """Documents holding a pre-tokenization piece of 500 bytes or more."""
    import regex

    pat = regex.compile(tok.pattern)
    return {
        d.source for d in docs if any(len(m.group().encode()) >= 500 for m in pat.finditer(d.text))
    }


def test_riptoken_is_exact_on_the_reduced_suite_for_cl100k(catalog_tokenizer, reduced):
    """With the long-piece guard, riptoken gives tiktoken's ids on every document, the
    documents with a 500-byte piece included (the guard sends those to the reference)."""
    tok = catalog_tokenizer("cl100k_base")
    assert _long_piece_docs(tok, reduced)  # the suite does hold such pieces
    record = prove(tok, "riptoken", reduced, suite="reduced")
    assert record.verdict == "exact", record.first_difference
    assert record.documents == len(reduced) and record.documents_differing == 0
    assert record.digest == fingerprint(tok) and record.engine_version == engine_version("riptoken")
    assert record.seconds_reference > 0 and record.seconds_engine > 0


def test_the_suite_catches_riptokens_long_piece_merges(catalog_tokenizer, reduced, monkeypatch):
    """Without the guard, riptoken 0.2.4 merges pieces of >= 500 bytes in another order than
    tiktoken: the reduced suite finds it (a newer riptoken may have fixed it: then check the
    table again)."""
    if package_version("riptoken") != RIPTOKEN_LONG_PIECE_BUG:
        pytest.skip("another riptoken version: rerun benchmarks/prove_engines.py")
    from tokdash.tokenizers import engines

    monkeypatch.setattr(engines, "_guarded", lambda fast, reference: fast)
    tok = catalog_tokenizer("cl100k_base")
    record = prove(tok, "riptoken", reduced, suite="reduced")
    assert record.verdict == "differs"
    assert record.first_difference.startswith("adversarial/whitespace/")
    long = _long_piece_docs(tok, reduced)
    assert 0 < record.documents_differing <= len(long)


def _injected(tok, bad_source: str, docs: list[Document], pos: int = 3, raise_: bool = False):
    """A builder of an engine that gives the reference's ids except in one document."""
    bad_text = next(d.text for d in docs if d.source == bad_source)

    def batch(texts):
        if raise_ and bad_text in texts:
            raise RuntimeError("boom")
        out = tok.encode_batch(texts)
        for ids, text in zip(out, texts, strict=True):
            if text == bad_text:
                ids[pos] += 1
        return out

    return lambda _tok: Engine("fake", "1", batch)


def test_an_injected_mismatch_is_found_and_named(catalog_tokenizer, reduced, monkeypatch):
    tok = catalog_tokenizer("cl100k_base")
    docs = [d for d in reduced if d.source.startswith(("adversarial/code/", "sample/"))]
    bad = "adversarial/code/lines"
    monkeypatch.setitem(engines.BUILDERS, "fake", _injected(tok, bad, docs))
    record = prove(tok, "fake", docs)
    assert record.verdict == "differs" and record.documents_differing == 1
    assert record.first_difference.startswith(f"{bad} @ token 3 ")
    assert "reference [" in record.first_difference and "fake [" in record.first_difference
    assert record.notes == "differing by source: adversarial 1"


def test_an_engine_that_raises_differs_on_that_document(catalog_tokenizer, reduced, monkeypatch):
    tok = catalog_tokenizer("cl100k_base")
    docs = [d for d in reduced if d.source.startswith(("adversarial/crlf/", "sample/"))]
    bad = "adversarial/crlf/lines"
    monkeypatch.setitem(engines.BUILDERS, "fake", _injected(tok, bad, docs, raise_=True))
    record = prove(tok, "fake", docs)
    assert record.verdict == "differs" and record.documents_differing == 1
    assert record.first_difference.startswith(f"{bad}: fake raised RuntimeError")


def test_an_engine_that_cannot_read_the_tokenizer_is_unavailable(catalog_tokenizer):
    record = prove(catalog_tokenizer("llama2"), "tokie", adversarial_documents()[:5])
    assert record.verdict.startswith("unavailable: ") and record.documents == 0


# --- the shipped table ---------------------------------------------------------------------


def test_shipped_table_has_every_catalog_entry_and_engine(catalog_tokenizer):
    records = proofs.load_records()
    rows = {(r.tokenizer, r.engine): r for r in records}
    assert set(rows) == {(e.id, name) for e in ENTRIES for name in CANDIDATES}
    for r in records:
        assert r.verdict in ("exact", "differs") or r.verdict.startswith("unavailable: ")
        assert r.engine_version and r.suite
        if r.exact:
            assert r.documents > 0 and r.documents_differing == 0
        if r.verdict == "differs":
            assert r.first_difference
    from tokdash.tokenizers.registry import is_cached

    for entry in ENTRIES:
        if entry.format == "paper" and not is_cached(CATALOG[entry.id]):
            continue  # the paper's tokenizers are absent here
        digest = fingerprint(catalog_tokenizer(entry.id))
        for name in CANDIDATES:
            assert rows[(entry.id, name)].digest == digest, (entry.id, name)


def test_records_round_trip_through_csv(tmp_path):
    record = ProofRecord("t", "d", "riptoken", "1", "full", 3, 10, 1, "differs", 2.0, 0.5, "x")
    path = proofs.write_records([record], tmp_path / "p.csv")
    (back,) = proofs.load_records(path)
    assert back == record and back.speedup == 4.0


# --- validity, best engine, first use ------------------------------------------------------


def test_a_changed_engine_version_or_digest_voids_a_record(catalog_tokenizer, cache):
    tok = catalog_tokenizer("cl100k_base")
    digest, version = fingerprint(tok), engine_version("riptoken")
    exact = ProofRecord("cl100k_base", digest, "riptoken", version, "full", 9, 9, 0, "exact", 2, 1)
    proofs.write_records([exact], proofs.SHIPPED_CSV)
    assert proofs.proven_engines(tok) == [exact]
    engine, record = proofs.best_engine(tok)
    assert engine.name == "riptoken" and record == exact

    for changed in ({"engine_version": version + ".post1"}, {"digest": "0" * 64}):
        stale = replace(exact, **changed)
        proofs.write_records([stale], proofs.SHIPPED_CSV)
        assert proofs.proven_engines(tok) == []
        engine, record = proofs.best_engine(tok)
        assert engine.name == "reference" and record is None


def test_prove_on_first_use_writes_then_reuses_its_records(catalog_tokenizer, cache, monkeypatch):
    tok = catalog_tokenizer("cl100k_base")
    samples = ["def f(x):\n    return x + 1\n", "Hello world, again."]
    first = proofs.prove_on_first_use(tok, samples)
    assert [r.engine for r in first] == list(CANDIDATES)
    assert all(r.suite == "first-use" and r.digest == fingerprint(tok) for r in first)
    path = cache / "cache" / "engine_proofs.json"
    stored = json.loads(path.read_text())["records"]
    assert {r["engine"] for r in stored} == set(CANDIDATES)
    assert first[0].documents == len(adversarial_documents()) + len(samples)

    def fail(*_args, **_kwargs):
        raise AssertionError("proved again")

    monkeypatch.setattr(proofs, "prove_engines", fail)
    assert proofs.prove_on_first_use(tok, samples) == first
    assert proofs.proven_engines(tok) == [r for r in first if r.exact]


def test_engine_overview_in_words():
    def rec(engine, verdict, differing=0, ref=2.0, eng=1.0):
        return ProofRecord("t", "d", engine, "1", "full", 10, 100, differing, verdict, ref, eng)

    rows = engine_overview(
        [rec("riptoken", "exact"), rec("tokie", "differs", 3), rec("other", "unavailable: no")],
        {"t": "riptoken 1 (exact on 10 documents, 0.0 MB; 2.0x)"},
    )
    assert rows == [
        {
            "tokenizer": "t",
            "used": "riptoken 1",
            "riptoken": "exact, 2.0x",
            "tokie": "differs on 3 of 10 documents",
            "other": "cannot read it",
        }
    ]
