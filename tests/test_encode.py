"""encode_corpus / encode_all with a real tokenizer: a byte-level BPE trained here with HF
`tokenizers`; the statistics (`CorpusStats`) against direct encoding, document by document."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from tests.stats_helpers import assert_stats_equal
from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_all, encode_corpus
from tokdash.analysis.fold import StatsBuilder
from tokdash.analysis.stats import CorpusStats
from tokdash.corpus import Document
from tokdash.corpus.records import DocRef
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo
from tokdash.tokenizers.hf_backend import _byte_decoder

TRAIN = [
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n    print(i)\n",
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n",
    "int main(void) {\n    return 0;\n}\n",
    "The quick brown fox jumps over the lazy dog.\n",
    "Le café est très bon, merci beaucoup.\n",
] * 20

DOCS = [
    Document("def sub(a, b):\n    return a - b\n", "python", "a.py"),
    Document("Café au lait, s'il vous plaît. 日本語のテキスト\n", "french", "b.txt"),
    Document("", "python", "empty.py"),
    Document("int sub(int a, int b) {\n    return a - b;\n}\n", "c", "c.c"),
    Document("import os\n\nfor name in os.listdir('.'):\n    print(name)\n", "python", "d.py"),
    Document("The lazy dog sleeps. 🦊", "english", "e.txt"),
    Document("", "rust", "empty.rs"),  # a language whose only document gives no token
]


class TinyBPE(Tokenizer):
    """The trained HF tokenizer behind tokdash's interface; records its batch sizes."""

    def __init__(
        self, hf: HFTokenizer, vocab_size: int | None = None, tokenizer_id: str = "tiny-bpe"
    ) -> None:
        self.hf = hf
        self.info = TokenizerInfo(id=tokenizer_id, name="tiny BPE", backend="hf-test")
        self._vocab_size = vocab_size
        self._decoder = _byte_decoder()  # GPT-2's printable stand-ins -> bytes
        self.batches: list[int] = []
        self.texts: list[str] = []  # every text the reference encoded (encode_batch)

    @property
    def vocab_size(self) -> int:
        return self._vocab_size or self.hf.get_vocab_size()

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        return self.hf.encode(text, add_special_tokens=add_special_tokens).ids

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        self.batches.append(len(texts))
        self.texts.extend(texts)
        out = self.hf.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return [e.ids for e in out]

    def decode(self, ids: Sequence[int]) -> str:
        return self.hf.decode(list(ids))

    def token_bytes(self, token_id: int) -> bytes:
        piece = self.hf.id_to_token(token_id)
        if piece is None or piece == "<eos>":
            return b""
        return bytes(self._decoder[ch] for ch in piece)


@cache
def _trained() -> HFTokenizer:
    hf = HFTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<eos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator(TRAIN, trainer)
    return hf


@pytest.fixture()
def tok() -> TinyBPE:
    return TinyBPE(_trained())


def test_the_tokenizer_is_real(tok):
    # a trained byte-level BPE: merges happened and token bytes spell every document
    assert 257 < tok.vocab_size <= 400
    for d in DOCS:
        ids = tok.encode(d.text)
        assert b"".join(tok.token_bytes(i) for i in ids) == d.text.encode("utf-8")
    assert len(tok.encode("    return a")) < len(b"    return a")


COL = "tokens:tiny-bpe"  # the sample's column of the tokenizer's tokens per document


def test_counts_match_direct_encoding(tok):
    stats = encode_corpus(tok, DOCS)
    assert isinstance(stats, CorpusStats) and stats.tokenizer_ids == ["tiny-bpe"]
    enc = stats.tokenizers["tiny-bpe"]
    direct = [len(tok.hf.encode(d.text).ids) for d in DOCS]
    docs = stats.documents()  # every document: the corpus is smaller than the sample
    assert stats.sample_complete and docs["doc"].tolist() == list(range(len(DOCS)))
    assert docs["source"].tolist() == [d.source for d in DOCS]
    assert docs["language"].tolist() == [d.language for d in DOCS]
    assert docs[COL].dtype == np.int64
    assert docs[COL].tolist() == direct
    assert docs["bytes"].tolist() == [len(d.text.encode("utf-8")) for d in DOCS]
    assert enc.total_tokens == sum(direct) and direct[2] == 0
    assert stats.n_bytes == sum(len(d.text.encode("utf-8")) for d in DOCS)
    assert stats.n_documents == len(DOCS)
    assert enc.vocab_size == enc.base_vocab == tok.vocab_size and enc.beyond_vocab == 0
    assert enc.seconds >= 0 and enc.engine == "reference"


def test_text_sums_per_language(tok):
    stats = encode_corpus(tok, DOCS)
    for lang in stats.languages:
        mine = [d.text for d in DOCS if d.language == lang]
        assert stats.text_totals(lang) == {
            "documents": len(mine),
            "bytes": sum(len(t.encode("utf-8")) for t in mine),
            "chars": sum(len(t) for t in mine),
            "lines": sum(metrics.text_stats(t)["lines"] for t in mine),
            "words": sum(len(t.split()) for t in mine),
        }


def test_unigram_counts_per_language(tok):
    stats = encode_corpus(tok, DOCS)
    enc = stats.tokenizers[tok.id]
    docs = stats.documents()
    assert sorted(enc.unigram) == ["c", "english", "french", "python", "rust"] == stats.languages
    for lang in enc.languages:
        counts = enc.counts(lang)
        assert counts.dtype == np.int64 and counts.shape == (tok.vocab_size,)
        assert enc.unigram[lang].used == int(np.count_nonzero(counts))  # stored sparsely
        expected = Counter(i for d in DOCS if d.language == lang for i in tok.encode(d.text))
        assert {int(i): int(counts[i]) for i in np.nonzero(counts)[0]} == dict(expected)
        lang_tokens = docs.loc[docs["language"] == lang, COL].sum()
        assert counts.sum() == lang_tokens == enc.tokens[lang]
    assert not enc.unigram["rust"].any() and enc.tokens["rust"] == 0
    assert sum(int(c.sum()) for c in enc.unigram.values()) == enc.total_tokens
    assert np.array_equal(enc.counts(), sum(enc.unigram.values()))


def _chars(texts) -> int:
    return sum(len(t) for t in texts)


@pytest.mark.parametrize("batch_bytes", [1, 40, 100, 10_000])
def test_batching_does_not_change_results(tok, batch_bytes):
    whole = encode_corpus(tok, DOCS)
    tok.batches.clear()
    tok.texts.clear()
    small = encode_corpus(tok, DOCS, batch_bytes=batch_bytes)
    assert_stats_equal(small, whole)
    assert sum(tok.batches) == len(DOCS)
    assert tok.texts == [d.text for d in DOCS]  # in corpus order, each once
    # a batch is closed by the document that brings it to batch_bytes (characters: a cheap
    # bound on the bytes); only the last batch may hold less
    start = 0
    for k, n in enumerate(tok.batches):
        texts = [d.text for d in DOCS[start : start + n]]
        assert _chars(texts[:-1]) < batch_bytes
        if k < len(tok.batches) - 1:
            assert _chars(texts) >= batch_bytes
        start += n
    if batch_bytes == 10_000:
        assert tok.batches == [len(DOCS)]


def test_progress_reaches_total(tok):
    seen: list[tuple[int, int]] = []
    stats = encode_corpus(tok, DOCS, batch_bytes=50, progress=lambda d, t: seen.append((d, t)))
    assert len(seen) == len(tok.batches) > 1
    assert all(t == stats.n_bytes for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == stats.n_bytes


def test_any_iterable_of_documents(tok):
    stats = encode_corpus(tok, (d for d in DOCS))
    assert stats.n_documents == len(DOCS)
    assert stats.documents()[COL].tolist() == [len(tok.encode(d.text)) for d in DOCS]


def test_empty_corpus(tok):
    seen: list[tuple[int, int]] = []
    stats = encode_corpus(tok, [], progress=lambda d, t: seen.append((d, t)))
    enc = stats.tokenizers[tok.id]
    assert stats.n_documents == 0 and stats.n_bytes == 0 and stats.languages == []
    assert enc.unigram == {} and enc.total_tokens == 0
    docs = stats.documents()
    assert docs.empty and COL in docs.columns
    assert seen == [(0, 0)]


def test_ids_past_the_reported_vocab_size_grow_the_arrays():
    # an adapter that under-reports its vocabulary: the counts must not crash nor drop ids
    full = TinyBPE(_trained())
    short = TinyBPE(_trained(), vocab_size=260)
    enc = encode_corpus(short, DOCS).tokenizers[short.id]
    ids = [i for d in DOCS for i in full.encode(d.text)]
    assert max(ids) >= 260
    assert enc.vocab_size == max(ids) + 1 and enc.base_vocab == 260
    assert all(enc.counts(lang).shape == (enc.vocab_size,) for lang in enc.unigram)
    assert enc.beyond_vocab == sum(1 for i in ids if i >= 260)
    assert sum(int(c.sum()) for c in enc.unigram.values()) == len(ids)
    assert np.array_equal(enc.counts(), np.bincount(ids, minlength=enc.vocab_size))


def test_metrics_on_a_real_encoding(tok):
    stats = encode_corpus(tok, DOCS)
    enc = stats.tokenizers[tok.id]
    table = metrics.compression_table(stats, base=tok.id)
    total = table[table["language"] == "ALL"].iloc[0]
    assert total["tokens"] == enc.total_tokens and total["bytes"] == stats.n_bytes
    assert total["bytes_per_token"] == pytest.approx(stats.n_bytes / enc.total_tokens)
    assert total["nsl"] == 1.0
    assert total["vocab_used"] == len({i for d in DOCS for i in tok.encode(d.text)})
    rust = table[table["language"] == "rust"].iloc[0]
    assert rust["tokens"] == 0 and np.isnan(rust["bytes_per_token"])
    counts = enc.counts()
    ws = metrics.whitespace_share(counts, tok.vocab_bytes())
    ids = [i for d in DOCS for i in tok.encode(d.text)]
    expected = sum(1 for i in ids if tok.token_bytes(i).isspace()) / len(ids)
    assert ws == pytest.approx(expected) and ws > 0
    # the pure-whitespace ids are recorded with the statistics
    assert set(enc.whitespace_ids.tolist()) == {
        i for i in range(tok.vocab_size) if tok.token_bytes(i) and tok.token_bytes(i).isspace()
    }


def test_several_tokenizers_in_one_pass(tok):
    other = TinyBPE(_trained(), vocab_size=260, tokenizer_id="short")
    both = encode_all([tok, other], DOCS)
    assert both.tokenizer_ids == ["tiny-bpe", "short"]
    docs = both.documents()
    assert docs[COL].tolist() == docs["tokens:short"].tolist()  # same ids, other vocab size
    assert_stats_equal(both, encode_corpus(tok, DOCS).join(encode_corpus(other, DOCS)))


# ----------------------------------------------------------------------------- engines + guard
def _engine(name, batch):
    from tokdash.tokenizers.engines import Engine

    return Engine(name, "9.9", batch)


def _fast(tok):
    """An exact fast engine that never goes through the reference (``tok.encode_batch``)."""
    return _engine("fast", lambda texts: [e.ids for e in tok.hf.encode_batch(texts)])


def test_a_fast_engine_gives_the_same_statistics(tok):
    ref = encode_corpus(tok, DOCS)
    got = encode_corpus(tok, DOCS, engine=_fast(tok), guard_fraction=1.0)
    assert got.tokenizers[tok.id].engine == "fast 9.9"
    assert ref.tokenizers[tok.id].engine == "reference"
    assert got.documents()[COL].tolist() == ref.documents()[COL].tolist()
    assert got.tokenizers[tok.id].unigram == ref.tokenizers[tok.id].unigram
    assert tok.texts == [d.text for d in DOCS] * 2  # the reference run, then the guard (all)


def test_the_guard_falls_back_and_names_the_document(tok):
    bad = DOCS[3]

    def wrong(texts):
        out = [e.ids for e in tok.hf.encode_batch(texts)]
        return [
            ids[:-1] if t == bad.text and ids else ids for t, ids in zip(texts, out, strict=True)
        ]

    ref = encode_corpus(tok, DOCS)
    got = encode_corpus(tok, DOCS, engine=_engine("fast", wrong), guard_fraction=1.0)
    engine = got.tokenizers[tok.id].engine
    assert engine.startswith("reference (fallback: fast 9.9 differed")
    assert bad.source in engine
    assert got.documents()[COL].tolist() == ref.documents()[COL].tolist()  # the reference's
    assert got.tokenizers[tok.id].unigram == ref.tokenizers[tok.id].unigram


def test_a_fallback_keeps_the_other_tokenizers_and_their_order(tok):
    """One tokenizer's engine fails its guard: only it is encoded again, and the statistics
    hold the tokenizers in the order asked, as if all had used the reference."""
    other = TinyBPE(_trained(), tokenizer_id="other")

    def off_by_one(texts):
        return [[*e.ids, 0] for e in tok.hf.encode_batch(texts)]

    engines = {tok.id: _engine("fast", off_by_one), other.id: _fast(other)}
    got = encode_all([tok, other], DOCS, engines=engines)
    assert got.tokenizer_ids == [tok.id, other.id]
    assert got.tokenizers[tok.id].engine.startswith("reference (fallback: fast 9.9 differed")
    assert got.tokenizers[other.id].engine == "fast 9.9"
    assert other.texts == [DOCS[0].text]  # the first document of the pass was checked
    ref = encode_all([tok, other], DOCS)
    for t in (tok.id, other.id):
        got.tokenizers[t].engine = "reference"
    assert_stats_equal(got, ref)


def test_a_failing_engine_falls_back(tok):
    def boom(texts):
        raise RuntimeError("panic in the fast path")

    got = encode_corpus(tok, DOCS, engine=_engine("fast", boom))
    engine = got.tokenizers[tok.id].engine
    assert engine.startswith("reference (fallback: fast 9.9 failed (RuntimeError")
    assert got.documents()[COL].tolist() == [len(tok.encode(d.text)) for d in DOCS]


def test_a_panicking_engine_falls_back(tok):
    """pyo3 panics derive from BaseException, not Exception: they must fall back too."""

    class Panic(BaseException):
        pass

    def panics(texts):
        raise Panic("rust panicked")

    got = encode_corpus(tok, DOCS, engine=_engine("fast", panics))
    engine = got.tokenizers[tok.id].engine
    assert engine.startswith("reference (fallback: fast 9.9 failed (Panic")
    assert got.documents()[COL].tolist() == [len(tok.encode(d.text)) for d in DOCS]


MANY = [Document(f"doc {i}: x = {i * 7}\n", "python", f"m{i}.py") for i in range(3000)]


def _guarded(tok, docs, **options) -> list[int]:
    """Positions of the documents the run-time guard encoded with the reference too."""
    tok.texts.clear()
    encode_corpus(tok, docs, engine=_fast(tok), **options)
    where = {d.text: i for i, d in enumerate(docs)}
    return sorted(where[t] for t in tok.texts)


def test_the_guard_checks_a_seeded_percent_and_the_first_document(tok):
    checked = _guarded(tok, MANY, guard_fraction=0.01)
    assert checked[0] == 0  # the first document of a pass, always
    assert 10 <= len(checked) <= 60  # ~1% of 3000 (30; binomial, far from the bounds)
    # seeded: the same documents again, whatever the batches; another seed, others
    assert _guarded(tok, MANY, guard_fraction=0.01, batch_bytes=1) == checked
    assert _guarded(tok, MANY, guard_fraction=0.01, batch_bytes=10**9) == checked
    other = _guarded(tok, MANY, guard_fraction=0.01, seed=7)
    assert other[0] == 0 and other != checked
    # a larger fraction checks more; a fraction of 0 checks nothing, not even the first
    assert len(_guarded(tok, MANY, guard_fraction=0.1)) > 5 * len(checked)
    assert _guarded(tok, MANY, guard_fraction=0.0) == []
    assert _guarded(tok, MANY[:3], guard_fraction=0.01) == [0]


def test_every_builder_checks_its_first_document(tok):
    """Shards of a corpus (other builders) each check their own first document."""
    engines = {tok.id: _fast(tok)}
    for unit, start in ((0, 0), (1, 1500)):
        tok.texts.clear()
        part = MANY[start : start + 1500]
        refs = (DocRef(d.text, d.language, d.source, unit, i) for i, d in enumerate(part))
        StatsBuilder([tok], engines, n_units=2, guard_fraction=1e-9).feed(refs).result()
        assert tok.texts == [part[0].text]
