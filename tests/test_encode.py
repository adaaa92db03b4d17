"""encode_corpus with a real tokenizer: a byte-level BPE trained here with HF `tokenizers`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache

import numpy as np
import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from tokdash.analysis import metrics
from tokdash.analysis.encode import CorpusEncoding, encode_corpus
from tokdash.corpus import Document
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

    def __init__(self, hf: HFTokenizer, vocab_size: int | None = None) -> None:
        self.hf = hf
        self.info = TokenizerInfo(id="tiny-bpe", name="tiny BPE", backend="hf-test")
        self._vocab_size = vocab_size
        self._decoder = _byte_decoder()  # GPT-2's printable stand-ins -> bytes
        self.batches: list[int] = []

    @property
    def vocab_size(self) -> int:
        return self._vocab_size or self.hf.get_vocab_size()

    def encode(self, text: str, *, add_special_tokens: bool = False) -> list[int]:
        return self.hf.encode(text, add_special_tokens=add_special_tokens).ids

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> list[list[int]]:
        self.batches.append(len(texts))
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


def test_counts_match_direct_encoding(tok):
    enc = encode_corpus(tok, DOCS)
    assert isinstance(enc, CorpusEncoding) and enc.tokenizer_id == "tiny-bpe"
    direct = [len(tok.hf.encode(d.text).ids) for d in DOCS]
    assert enc.doc_tokens.dtype == np.int64
    assert enc.doc_tokens.tolist() == direct
    assert enc.total_tokens == sum(direct) and direct[2] == 0
    assert enc.n_bytes == sum(len(d.text.encode("utf-8")) for d in DOCS)
    assert enc.vocab_size == tok.vocab_size and enc.beyond_vocab == 0
    assert enc.seconds >= 0


def test_unigram_counts_per_language(tok):
    enc = encode_corpus(tok, DOCS)
    assert sorted(enc.unigram) == ["c", "english", "french", "python", "rust"]
    for lang in enc.languages:
        counts = enc.counts(lang)
        assert counts.dtype == np.int64 and counts.shape == (tok.vocab_size,)
        assert enc.unigram[lang].used == int(np.count_nonzero(counts))  # stored sparsely
        expected = Counter(i for d in DOCS if d.language == lang for i in tok.encode(d.text))
        assert {int(i): int(counts[i]) for i in np.nonzero(counts)[0]} == dict(expected)
        lang_tokens = enc.doc_tokens[[d.language == lang for d in DOCS]].sum()
        assert counts.sum() == lang_tokens
    assert not enc.unigram["rust"].any()
    assert sum(int(c.sum()) for c in enc.unigram.values()) == enc.total_tokens
    assert np.array_equal(enc.counts(), sum(enc.unigram.values()))


@pytest.mark.parametrize("batch_bytes", [1, 40, 100, 10_000])
def test_batching_does_not_change_results(tok, batch_bytes):
    whole = encode_corpus(tok, DOCS)
    tok.batches.clear()
    small = encode_corpus(tok, DOCS, batch_bytes=batch_bytes)
    assert small.doc_tokens.tolist() == whole.doc_tokens.tolist()
    assert small.unigram.keys() == whole.unigram.keys()
    for lang in whole.unigram:
        assert np.array_equal(small.unigram[lang], whole.unigram[lang])
    assert sum(tok.batches) == len(DOCS)
    if batch_bytes == 1:
        assert tok.batches == [1] * len(DOCS)  # every document is a batch of its own
    if batch_bytes == 10_000:
        assert tok.batches == [len(DOCS)]


def test_batches_respect_batch_bytes(tok):
    sizes = [len(d.text.encode("utf-8")) for d in DOCS]
    encode_corpus(tok, DOCS, batch_bytes=100)
    start = 0
    for n in tok.batches:
        assert n == 1 or sum(sizes[start : start + n]) <= 100
        start += n


def test_progress_reaches_total(tok):
    seen: list[tuple[int, int]] = []
    enc = encode_corpus(tok, DOCS, batch_bytes=50, progress=lambda d, t: seen.append((d, t)))
    assert len(seen) == len(tok.batches) > 1
    assert all(t == enc.n_bytes for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == enc.n_bytes


def test_any_iterable_of_documents(tok):
    enc = encode_corpus(tok, (d for d in DOCS))
    assert enc.doc_tokens.tolist() == [len(tok.encode(d.text)) for d in DOCS]


def test_empty_corpus(tok):
    seen: list[tuple[int, int]] = []
    enc = encode_corpus(tok, [], progress=lambda d, t: seen.append((d, t)))
    assert enc.doc_tokens.shape == (0,) and enc.unigram == {} and enc.n_bytes == 0
    assert seen == [(0, 0)]


def test_ids_past_the_reported_vocab_size_grow_the_arrays():
    # an adapter that under-reports its vocabulary: the counts must not crash nor drop ids
    full = TinyBPE(_trained())
    short = TinyBPE(_trained(), vocab_size=260)
    enc = encode_corpus(short, DOCS)
    ids = [i for d in DOCS for i in full.encode(d.text)]
    assert max(ids) >= 260
    assert enc.vocab_size == max(ids) + 1
    assert all(c.shape == (enc.vocab_size,) for c in enc.unigram.values())
    assert enc.beyond_vocab == sum(1 for i in ids if i >= 260)
    assert sum(int(c.sum()) for c in enc.unigram.values()) == len(ids)


def test_metrics_on_a_real_encoding(tok):
    enc = encode_corpus(tok, DOCS)
    docs = metrics.document_table(DOCS)
    table = metrics.compression_table(docs, {tok.id: enc}, base=tok.id)
    total = table[table["language"] == "ALL"].iloc[0]
    assert total["tokens"] == enc.total_tokens and total["bytes"] == enc.n_bytes
    assert total["bytes_per_token"] == pytest.approx(enc.n_bytes / enc.total_tokens)
    assert total["nsl"] == 1.0
    assert total["vocab_used"] == len({i for d in DOCS for i in tok.encode(d.text)})
    rust = table[table["language"] == "rust"].iloc[0]
    assert rust["tokens"] == 0 and np.isnan(rust["bytes_per_token"])
    counts = enc.counts()
    ws = metrics.whitespace_share(counts, tok.vocab_bytes())
    ids = [i for d in DOCS for i in tok.encode(d.text)]
    expected = sum(1 for i in ids if tok.token_bytes(i).isspace()) / len(ids)
    assert ws == pytest.approx(expected) and ws > 0


# ----------------------------------------------------------------------------- engines + guard
def _engine(name, batch):
    from tokdash.tokenizers.engines import Engine

    return Engine(name, "9.9", batch)


def test_a_fast_engine_gives_the_same_statistics(tok):
    fast = _engine("fast", lambda texts: tok.encode_batch(texts))
    ref = encode_corpus(tok, DOCS)
    got = encode_corpus(tok, DOCS, engine=fast, guard_fraction=1.0)
    assert got.engine == "fast 9.9" and ref.engine == "reference"
    assert got.doc_tokens.tolist() == ref.doc_tokens.tolist()
    assert got.unigram == ref.unigram


def test_the_guard_falls_back_and_names_the_document(tok):
    bad = DOCS[3]

    def wrong(texts):
        out = tok.encode_batch(texts)
        return [
            ids[:-1] if t == bad.text and ids else ids for t, ids in zip(texts, out, strict=True)
        ]

    ref = encode_corpus(tok, DOCS)
    got = encode_corpus(tok, DOCS, engine=_engine("fast", wrong), guard_fraction=1.0)
    assert got.engine.startswith("reference (fallback: fast 9.9 differed")
    assert bad.source in got.engine
    assert got.doc_tokens.tolist() == ref.doc_tokens.tolist()  # the reference's numbers
    assert got.unigram == ref.unigram


def test_a_failing_engine_falls_back(tok):
    def boom(texts):
        raise RuntimeError("panic in the fast path")

    got = encode_corpus(tok, DOCS, engine=_engine("fast", boom))
    assert got.engine.startswith("reference (fallback: fast 9.9 failed (RuntimeError")
    assert got.doc_tokens.tolist() == [len(tok.encode(d.text)) for d in DOCS]


def test_guard_sample_is_seeded_and_never_empty():
    from tokdash.analysis.encode import guard_sample

    a = guard_sample(1000, 0.01, seed=3)
    assert a.tolist() == guard_sample(1000, 0.01, seed=3).tolist()
    assert 1 <= a.sum() <= 30
    assert guard_sample(5, 0.01).sum() == 1  # at least one document is checked
    assert guard_sample(5, 0.0).sum() == 0 and guard_sample(0, 0.5).size == 0


def test_a_panicking_engine_falls_back(tok):
    """pyo3 panics derive from BaseException, not Exception: they must fall back too."""

    class Panic(BaseException):
        pass

    def panics(texts):
        raise Panic("rust panicked")

    got = encode_corpus(tok, DOCS, engine=_engine("fast", panics))
    assert got.engine.startswith("reference (fallback: fast 9.9 failed (Panic")
    assert got.doc_tokens.tolist() == [len(tok.encode(d.text)) for d in DOCS]
