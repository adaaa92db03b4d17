"""CorpusStats as a monoid: statistics of any split of a corpus, merged, are those of the whole.

Built with `StatsBuilder` and real tokenizers (gpt2, llama2) on random short texts in a few
languages, spread over units (files, blocks of a file) with skipped records and line counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, reduce

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.stats_helpers import assert_stats_equal
from tokdash.analysis import fold as fold_module
from tokdash.analysis import metrics
from tokdash.analysis.compare import vocab_table
from tokdash.analysis.encode import encode_all
from tokdash.analysis.fold import StatsBuilder, documents_stream, fold
from tokdash.analysis.stats import CorpusStats, doc_keys
from tokdash.corpus.records import DocRef, SkipRef, UnitLines
from tokdash.errors import TokdashError
from tokdash.tokenizers import get_tokenizer

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _whitespace_ids_once():
    """Each `StatsBuilder.result` lists the tokenizer's whitespace ids (a scan of the whole
    vocabulary, ~40 ms for gpt2); the hundreds of builders below reuse one scan per tokenizer."""
    scan = fold_module._whitespace_ids
    memo: dict[str, np.ndarray] = {}

    def once(tok):
        if tok.id not in memo:
            memo[tok.id] = scan(tok)
        return memo[tok.id].copy()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fold_module, "_whitespace_ids", once)
        yield


@cache
def gpt2():
    return get_tokenizer("gpt2")


@cache
def llama2():
    return get_tokenizer("llama2")


# ----------------------------------------------------------------------------- random corpora
@dataclass(frozen=True)
class Corpus:
    """Units of records (("doc", text, language) or ("skip", reason)); ``unit_first[u]`` is
    the first unit of u's file; a line-based unit has a line per record."""

    units: tuple[tuple[tuple, ...], ...]
    line_based: tuple[bool, ...]
    unit_first: tuple[int, ...]

    @property
    def n_units(self) -> int:
        return len(self.units)

    def items(self, unit: int) -> list:
        """The stream a reader of this unit yields, in order."""
        out: list = []
        name = f"file{self.unit_first[unit]}.jsonl"
        pos = 0
        for k, rec in enumerate(self.units[unit]):
            line = k + 1
            if rec[0] == "doc":
                ln = line if self.line_based[unit] else -1
                out.append(DocRef(rec[1], rec[2], name, unit, pos, ln))
                pos += 1
            else:
                out.append(SkipRef(f"{name}@{unit}:{line}", rec[1], unit, k))
        if self.line_based[unit]:
            out.append(UnitLines(unit, len(self.units[unit])))
        return out

    def stream(self, units=None) -> list:
        return [
            it for u in (range(self.n_units) if units is None else units) for it in self.items(u)
        ]

    def texts(self) -> list[tuple[str, str]]:
        return [(r[1], r[2]) for recs in self.units for r in recs if r[0] == "doc"]

    def sources(self) -> list[str]:
        """What `CorpusStats.documents` should say of each document: ``name:line`` with the
        line counted over the whole file for a line-based file, else the name."""
        out = []
        for u, recs in enumerate(self.units):
            name = f"file{self.unit_first[u]}.jsonl"
            before = sum(len(self.units[v]) for v in range(self.unit_first[u], u))
            for k, rec in enumerate(recs):
                if rec[0] == "doc":
                    out.append(f"{name}:{before + k + 1}" if self.line_based[u] else name)
        return out


TEXT = st.text(alphabet=st.sampled_from(list("ab xyz=1()\n\té日🦊")), max_size=20)
LANGUAGE = st.sampled_from(["python", "english", "français"])
RECORD = st.one_of(
    st.tuples(st.just("doc"), TEXT, LANGUAGE),
    st.tuples(st.just("doc"), TEXT, LANGUAGE),
    st.tuples(st.just("skip"), st.sampled_from(["not UTF-8", "bad JSON"])),
)


@st.composite
def corpora(draw, max_units: int = 5) -> Corpus:
    units = draw(st.lists(st.lists(RECORD, max_size=6).map(tuple), min_size=1, max_size=max_units))
    n = len(units)
    new_file = [True, *draw(st.lists(st.booleans(), min_size=n - 1, max_size=n - 1))]
    first = []
    for u in range(n):
        first.append(u if new_file[u] else first[-1])
    line_based = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    # a file is line-based or not as a whole
    line_based = [line_based[first[u]] for u in range(n)]
    return Corpus(tuple(units), tuple(line_based), tuple(first))


OPTIONS = st.fixed_dictionaries(
    {
        "sample_size": st.sampled_from([1, 3, 7, 1000]),
        "seed": st.integers(0, 3),
        "batch_bytes": st.sampled_from([1, 16, 4_000_000]),
    }
)


def build(tokenizers, corpus: Corpus, units=None, **options) -> CorpusStats:
    """One builder over the records of ``units`` (all by default), in corpus order."""
    builder = StatsBuilder(
        tokenizers, n_units=corpus.n_units, unit_first=np.array(corpus.unit_first), **options
    )
    return builder.feed(corpus.stream(units)).result()


def shards(corpus: Corpus, assignment: list[int], k: int) -> list[list[int]]:
    """The units of each of ``k`` shards (``assignment[u] % k`` is u's shard; may be empty)."""
    return [[u for u in range(corpus.n_units) if assignment[u] % k == s] for s in range(k)]


ASSIGNMENT = st.lists(st.integers(0, 3), min_size=8, max_size=8)


# ----------------------------------------------------------------------------- (a) merge laws
@SETTINGS
@given(corpora(), ASSIGNMENT, OPTIONS)
def test_merge_is_associative_and_commutative(corpus, assignment, options):
    a, b, c = (build([gpt2()], corpus, units, **options) for units in shards(corpus, assignment, 3))
    assert_stats_equal(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert_stats_equal(a.merge(b), b.merge(a))
    assert_stats_equal(a.merge(b).merge(c), c.merge(a).merge(b))
    # an empty part is the identity
    empty = build([gpt2()], corpus, [], **options)
    assert empty.n_documents == 0
    assert_stats_equal(a.merge(empty), a)
    assert_stats_equal(empty.merge(a), a)


# ----------------------------------------------------------------------- (b) shards == whole
@SETTINGS
@given(corpora(), ASSIGNMENT, st.integers(1, 4), OPTIONS)
def test_merged_shards_equal_the_whole(corpus, assignment, k, options):
    whole = build([gpt2()], corpus, **options)
    parts = [build([gpt2()], corpus, units, **options) for units in shards(corpus, assignment, k)]
    merged = reduce(CorpusStats.merge, parts)
    assert_stats_equal(merged, whole)
    # and what is read from them
    assert merged.documents().equals(whole.documents())
    assert merged.skipped_report().equals(whole.skipped_report())


@SETTINGS
@given(corpora(max_units=6), ASSIGNMENT, st.integers(0, 3))
def test_the_sample_is_the_bottom_k_whatever_the_split(corpus, assignment, seed):
    """A sample smaller than the corpus: the documents of least key, for shards as for the
    whole, and every sampled row is the document's own numbers."""
    texts = corpus.texts()
    k = max(1, len(texts) // 3)
    whole = build([gpt2()], corpus, seed=seed, sample_size=k)
    parts = [
        build([gpt2()], corpus, units, seed=seed, sample_size=k, batch_bytes=8)
        for units in shards(corpus, assignment, 3)
    ]
    merged = reduce(CorpusStats.merge, parts)
    assert_stats_equal(merged, whole)
    refs = [it for it in corpus.stream() if isinstance(it, DocRef)]
    keys = doc_keys(seed, np.array([r.unit for r in refs]), np.array([r.pos for r in refs]))
    chosen = sorted(range(len(refs)), key=lambda i: (int(keys[i]), refs[i].unit, refs[i].pos))[:k]
    assert len(merged.sample) == min(k, len(refs))
    assert merged.sample["key"].tolist() == sorted(int(keys[i]) for i in chosen)
    assert merged.sample_complete == (len(refs) <= k)
    docs = merged.documents()
    assert docs["doc"].tolist() == sorted(chosen)  # corpus order, numbered over the whole corpus
    sources = corpus.sources()
    for _, row in docs.iterrows():
        text, language = texts[row["doc"]]
        assert row["language"] == language and row["source"] == sources[row["doc"]]
        assert row["bytes"] == len(text.encode("utf-8")) and row["chars"] == len(text)
        assert row["tokens:gpt2"] == len(gpt2().encode(text))


# --------------------------------------------------------------------------- (c) join == fold
@SETTINGS
@given(corpora(max_units=4), ASSIGNMENT, OPTIONS)
def test_join_of_single_tokenizer_stats_equals_one_fold(corpus, assignment, options):
    g, l2 = gpt2(), llama2()
    both = build([g, l2], corpus, **options)
    joined = build([g], corpus, **options).join(build([l2], corpus, **options))
    assert_stats_equal(joined, both)
    assert joined.tokenizer_ids == ["gpt2", "llama2"]
    # the other way round: the same numbers, the tokenizers in the other order
    other = build([l2], corpus, **options).join(build([g], corpus, **options))
    assert other.tokenizer_ids == ["llama2", "gpt2"]
    assert_stats_equal(other, both, tokenizer_order=False)
    assert_stats_equal(other.select(["gpt2", "llama2"]), both)
    # joining, then merging the shards == merging, then joining
    units = shards(corpus, assignment, 2)
    per_shard = [
        build([g], corpus, u, **options).join(build([l2], corpus, u, **options)) for u in units
    ]
    assert_stats_equal(reduce(CorpusStats.merge, per_shard), both)
    # a selection is the fold of those tokenizers alone
    assert_stats_equal(both.select(["llama2"]), build([l2], corpus, **options))


def test_join_and_merge_refuse_what_does_not_fit():
    corpus = Corpus(
        ((("doc", "a b", "english"),), (("doc", "x = 1", "python"),)), (False, False), (0, 1)
    )
    one = build([gpt2()], corpus, [0])
    with pytest.raises(TokdashError, match="same documents"):
        one.join(build([llama2()], corpus, [1]))
    with pytest.raises(TokdashError, match="same tokenizers"):
        one.merge(build([llama2()], corpus, [1]))
    with pytest.raises(TokdashError, match="seed"):
        one.merge(build([gpt2()], corpus, [1], seed=1))
    with pytest.raises(TokdashError, match="read plans"):
        one.merge(StatsBuilder([gpt2()], n_units=3).result())
    with pytest.raises(TokdashError, match="no llama2"):
        one.select(["llama2"])


def test_a_result_is_a_snapshot():
    """Feeding a builder after `result` leaves the earlier result as it was."""
    builder = StatsBuilder([gpt2()], n_units=2)
    first = builder.feed([DocRef("hello world", "english", "a", 0, 0, 1), UnitLines(0, 1)]).result()
    before = (first.unit_docs.tolist(), first.unit_lines.tolist(), first.documents())
    builder.feed([DocRef("more", "english", "b", 1, 0, 1), UnitLines(1, 1)])
    assert (first.unit_docs.tolist(), first.unit_lines.tolist()) == before[:2] == ([1, 0], [1, 0])
    assert first.documents().equals(before[2]) and first.n_documents == 1
    assert builder.result().n_documents == 2


# --------------------------------------------------------------- (d) documents() numbering
def test_documents_are_numbered_in_corpus_order_with_absolute_lines():
    """data.jsonl is read as three blocks (units 0-2), b.jsonl as one (unit 3), c.py is not
    line-based (unit 4). Each shard reads its units; documents() numbers over the corpus."""
    streams = {
        0: [  # data.jsonl lines 1-3; line 2 is a bad record
            DocRef("first", "english", "data.jsonl", 0, 0, 1),
            SkipRef("data.jsonl:2", "bad JSON", 0, 1),
            DocRef("third", "english", "data.jsonl", 0, 1, 3),
            UnitLines(0, 3),
        ],
        1: [  # data.jsonl lines 4-5
            DocRef("x = 4", "python", "data.jsonl", 1, 0, 1),
            DocRef("fifth", "english", "data.jsonl", 1, 1, 2),
            UnitLines(1, 2),
        ],
        2: [  # data.jsonl lines 6-9: a document on line 7, then two blank lines
            DocRef("seventh", "english", "data.jsonl", 2, 0, 2),
            UnitLines(2, 4),
        ],
        3: [  # b.jsonl lines 1-2; its line 1 is a bad record
            SkipRef("b.jsonl:1", "not UTF-8", 3, 0),
            DocRef("b two", "english", "b.jsonl", 3, 0, 2),
            UnitLines(3, 2),
        ],
        4: [DocRef("print(1)\n", "python", "c.py", 4, 0)],
    }
    unit_first = np.array([0, 0, 0, 3, 4])

    def part(units, **options):
        b = StatsBuilder([gpt2()], n_units=5, unit_first=unit_first, **options)
        return b.feed(it for u in units for it in streams[u]).result()

    expected = [
        (0, "english", "data.jsonl:1", "first"),
        (1, "english", "data.jsonl:3", "third"),
        (2, "python", "data.jsonl:4", "x = 4"),
        (3, "english", "data.jsonl:5", "fifth"),
        (4, "english", "data.jsonl:7", "seventh"),
        (5, "english", "b.jsonl:2", "b two"),
        (6, "python", "c.py", "print(1)\n"),
    ]
    whole = part(range(5))
    # shards read in any order, units of one file on different shards
    merged = part([4, 1]).merge(part([3, 0])).merge(part([2]))
    for stats in (whole, merged):
        docs = stats.documents()
        assert list(docs.columns[:3]) == ["doc", "language", "source"]
        got = list(zip(docs["doc"], docs["language"], docs["source"], strict=True))
        assert got == [e[:3] for e in expected]
        assert docs["tokens:gpt2"].tolist() == [len(gpt2().encode(e[3])) for e in expected]
        assert docs["bytes"].tolist() == [len(e[3]) for e in expected]
        assert stats.unit_docs.tolist() == [2, 2, 1, 1, 1]
        assert stats.unit_lines.tolist() == [3, 2, 4, 2, 0]
        assert stats.skipped_report().values.tolist() == [
            ["data.jsonl:2", "bad JSON"],
            ["b.jsonl:1", "not UTF-8"],
        ]
        assert stats.skipped_total == 2
    assert_stats_equal(merged, whole)
    # a smaller sample keeps the same numbering for the documents it holds
    small = part([0, 1], sample_size=3).merge(part([2, 3, 4], sample_size=3))
    docs = small.documents()
    assert len(docs) == 3
    by_doc = {e[0]: e for e in expected}
    for d, lang, src in zip(docs["doc"], docs["language"], docs["source"], strict=True):
        assert (d, lang, src) == by_doc[d][:3]


def test_documents_stream_numbers_a_list():
    @dataclass
    class Doc:
        text: str
        language: str
        source: str = ""

    docs = [Doc("a", "english", "a.txt"), Doc("b c", "python"), Doc("", "english", "e")]
    refs = list(documents_stream(docs)())
    assert [(r.unit, r.pos, r.line) for r in refs] == [(0, 0, -1), (0, 1, -1), (0, 2, -1)]
    stats = fold([gpt2()], documents_stream(docs))
    out = stats.documents()
    assert out["doc"].tolist() == [0, 1, 2] and out["source"].tolist() == ["a.txt", "", "e"]


# ---------------------------------------------------------- (e) the table, computed directly
@dataclass
class Doc:
    text: str
    language: str
    source: str = ""


HAND = [
    Doc("hello world", "english", "a.txt"),  # gpt2: "hello", " world"
    Doc("def f():\n    return 1\n", "python", "f.py"),  # def, " f", "():", \n, 4 x " ", ...
    Doc("x = 1", "python", "x.py"),  # gpt2: "x", " =", " 1"
    Doc("café\n", "english", "c.txt"),  # 6 bytes, 5 chars; gpt2: "c", "af", "é", "\n"
]


def direct_row(tok, docs, base=None):
    """bytes, chars, lines, tokens, ... of ``docs`` computed from the texts themselves."""
    ids = [i for d in docs for i in tok.encode(d.text)]
    n_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    n_chars = sum(len(d.text) for d in docs)
    n_lines = sum(len(d.text.splitlines()) for d in docs)
    n_words = sum(len(d.text.split()) for d in docs)
    row = {
        "documents": len(docs),
        "bytes": n_bytes,
        "chars": n_chars,
        "lines": n_lines,
        "tokens": len(ids),
        "bytes_per_token": n_bytes / len(ids),
        "chars_per_token": n_chars / len(ids),
        "tokens_per_line": len(ids) / n_lines,
        "fertility": len(ids) / n_words,
        "vocab_used": len(set(ids)),
        "vocab_size": tok.vocab_size,
    }
    if base is not None:
        row["nsl"] = len(ids) / sum(len(base.encode(d.text)) for d in docs)
    return row


def test_the_hand_corpus_as_counted_by_hand():
    g = gpt2()
    assert [len(g.encode(d.text)) for d in HAND] == [2, 10, 3, 4]
    row = direct_row(g, HAND)
    assert (row["bytes"], row["chars"], row["lines"], row["tokens"]) == (44, 43, 5, 19)


def test_compression_table_equals_a_direct_computation():
    g, l2 = gpt2(), llama2()
    stats = encode_all([g, l2], HAND)
    table = metrics.compression_table(stats, base="llama2")
    assert table[["tokenizer", "language"]].values.tolist() == [
        ["gpt2", "english"], ["gpt2", "python"], ["gpt2", "ALL"],
        ["llama2", "english"], ["llama2", "python"], ["llama2", "ALL"],
    ]  # fmt: skip
    for tok in (g, l2):
        for lang in ("english", "python", "ALL"):
            docs = [d for d in HAND if lang in ("ALL", d.language)]
            want = direct_row(tok, docs, base=l2)
            got = table[(table["tokenizer"] == tok.id) & (table["language"] == lang)].iloc[0]
            for col, value in want.items():
                assert got[col] == pytest.approx(value), (tok.id, lang, col)
            assert got["engine"] == "reference"
    # the gpt2 python row by hand: 22 + 5 = 27 bytes, 10 + 3 = 13 tokens, 2 + 1 = 3 lines,
    # 4 + 3 = 7 words (def, f():, return, 1; x, =, 1)
    py = table[(table["tokenizer"] == "gpt2") & (table["language"] == "python")].iloc[0]
    assert (py["documents"], py["bytes"], py["tokens"], py["lines"]) == (2, 27, 13, 3)
    assert py["bytes_per_token"] == 27 / 13 and py["fertility"] == 13 / 7
    assert py["tokens_per_line"] == 13 / 3


@SETTINGS
@given(corpora(max_units=4), ASSIGNMENT)
def test_tables_of_merged_shards_equal_direct_counts(corpus, assignment):
    """Over random corpora: the table of merged shards against the texts themselves."""
    g = gpt2()
    parts = [build([g], corpus, u, batch_bytes=16) for u in shards(corpus, assignment, 3)]
    stats = reduce(CorpusStats.merge, parts)
    table = metrics.compression_table(stats, base="gpt2").set_index("language")
    texts = corpus.texts()
    for lang in [*{lang for _, lang in texts}, "ALL"]:
        mine = [t for t, x in texts if lang in ("ALL", x)]
        ids = [i for t in mine for i in g.encode(t)]
        row = table.loc[lang]
        assert row["documents"] == len(mine)
        assert row["bytes"] == sum(len(t.encode("utf-8")) for t in mine)
        assert row["chars"] == sum(len(t) for t in mine)
        assert row["tokens"] == len(ids)
        assert row["vocab_used"] == len(set(ids))
        assert row["nsl"] == (1.0 if ids else pytest.approx(np.nan, nan_ok=True))
        counts = np.bincount(np.asarray(ids, dtype=np.int64), minlength=g.vocab_size)
        enc = stats.tokenizers["gpt2"]
        assert np.array_equal(enc.counts(None if lang == "ALL" else lang), counts)
    vocab = vocab_table(stats).set_index("language")
    assert vocab.loc["ALL", "tokens"] == table.loc["ALL", "tokens"]
