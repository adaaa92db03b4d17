"""Corpus statistics that merge: the one result behind the Compression and Vocabulary pages, the
CLI's CSVs and the statistics bundles of a distributed run.

Everything those show is a function of sums, so a corpus split in any way (batches, files,
tasks on other machines) gives the same numbers once the parts are merged:

- per language: documents, bytes, chars, lines, words (`TEXT_FIELDS`);
- per tokenizer x language: tokens and the unigram counts per token id (`SparseCounts`);
- a seeded, fixed-size sample of per-document rows (for the spread charts): the ``sample_size``
  documents with the smallest keys, a key being a hash of ``(seed, unit, pos)`` (where the
  document was read: a file, a block of a file, ... and its position there), so the sample does
  not depend on how the work was split;
- per unit (a file or block of the plan): documents and lines, to number documents and JSON lines
  in corpus order when the parts come back;
- the skipped report: bad records with their reason (the first `MAX_SKIPPED_LISTED` in corpus
  order are listed, all are counted).

`CorpusStats.merge` adds two parts of one corpus (same tokenizers); `CorpusStats.join` puts
side by side two tokenizer sets measured on the same documents. Both are associative and
commutative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tokdash.analysis.counts import SparseCounts
from tokdash.errors import TokdashError

TEXT_FIELDS = ("documents", "bytes", "chars", "lines", "words")
#: Documents kept in the per-document sample unless asked otherwise.
DEFAULT_SAMPLE_SIZE = 20_000
#: Skipped records listed by name (all of them are counted).
MAX_SKIPPED_LISTED = 10_000
SAMPLE_COLUMNS = ["key", "unit", "pos", "line", "source", "language", *TEXT_FIELDS[1:]]
SKIPPED_COLUMNS = ["unit", "pos", "source", "reason"]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def doc_keys(seed: int, unit: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The sample key of each document: splitmix64 of ``(seed, unit, pos)`` (uint64)."""
    with np.errstate(over="ignore"):
        x = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * _GOLDEN
        x = x ^ (np.asarray(unit, dtype=np.uint64) << np.uint64(40)) ^ np.asarray(pos, np.uint64)
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


def tokens_column(tokenizer_id: str) -> str:
    """The sample's column holding a tokenizer's tokens per document."""
    return f"tokens:{tokenizer_id}"


@dataclass
class TokenizerStats:
    """One tokenizer on a corpus: tokens and unigram counts per language.

    ``vocab_size`` is the tokenizer's, grown to ``max id + 1`` if ids at or past
    ``base_vocab`` occurred (``beyond_vocab`` counts those occurrences; 0 normally).
    ``engine`` says what produced the ids (``reference``, ``riptoken 0.2.4+tokdash2``, or a
    fallback); ``seconds`` is encoding time summed over the parts.
    """

    tokenizer_id: str
    base_vocab: int
    tokens: dict[str, int] = field(default_factory=dict)
    unigram: dict[str, SparseCounts] = field(default_factory=dict)
    engine: str = "reference"
    seconds: float = 0.0
    vocab_size: int = 0
    whitespace_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        self.vocab_size = max(int(self.vocab_size), int(self.base_vocab))
        self.whitespace_ids = np.asarray(self.whitespace_ids, dtype=np.int64)

    @property
    def languages(self) -> list[str]:
        return sorted(self.tokens)

    @property
    def total_tokens(self) -> int:
        return int(sum(self.tokens.values()))

    @property
    def beyond_vocab(self) -> int:
        """Occurrences of ids at or past the tokenizer's own vocabulary size."""
        return sum(int(c.values[c.ids >= self.base_vocab].sum()) for c in self.unigram.values())

    def counts(self, language: str | None = None) -> np.ndarray:
        """Dense unigram counts (int64, length ``vocab_size``) of one language, or of all."""
        if language is not None:
            c = self.unigram.get(language)
            return np.zeros(self.vocab_size, np.int64) if c is None else c.dense(self.vocab_size)
        total = np.zeros(self.vocab_size, dtype=np.int64)
        for c in self.unigram.values():
            total[c.ids] += c.values
        return total

    def merge(self, other: TokenizerStats) -> TokenizerStats:
        """Counts of two parts of a corpus added."""
        if other.tokenizer_id != self.tokenizer_id:
            raise TokdashError(f"cannot merge {self.tokenizer_id} with {other.tokenizer_id}")
        langs = sorted(set(self.tokens) | set(other.tokens))
        unigram = {}
        for lang in langs:
            a, b = self.unigram.get(lang), other.unigram.get(lang)
            unigram[lang] = a.merge(b) if a is not None and b is not None else (a or b)
        return TokenizerStats(
            tokenizer_id=self.tokenizer_id,
            base_vocab=max(self.base_vocab, other.base_vocab),
            tokens={k: self.tokens.get(k, 0) + other.tokens.get(k, 0) for k in langs},
            unigram=unigram,
            engine=merge_engines(self.engine, other.engine),
            seconds=self.seconds + other.seconds,
            vocab_size=max(self.vocab_size, other.vocab_size),
            whitespace_ids=np.union1d(self.whitespace_ids, other.whitespace_ids),
        )

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.unigram.values())


def merge_engines(a: str, b: str) -> str:
    """One engine label for two parts: the same label, else both (sorted, ``; ``-joined)."""
    parts = sorted(set(a.split("; ")) | set(b.split("; ")))
    return "; ".join(parts)


def _empty_sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": np.zeros(0, np.uint64),
            **{c: np.zeros(0, np.int64) for c in ("unit", "pos", "line")},
            # the dtype pandas gives the builder's rows (lists of str), so that merging with
            # an empty part leaves the sample's dtypes as they were
            "source": pd.Series([], dtype="str"),
            "language": pd.Series([], dtype="str"),
            **{c: np.zeros(0, np.int64) for c in TEXT_FIELDS[1:]},
        }
    )


def skipped_frame(records: Sequence = (), *, unit: int | None = None) -> pd.DataFrame:
    """The skipped report of ``records`` (objects with ``.source`` and ``.reason``, and
    ``.unit`` / ``.pos`` unless ``unit`` is given: then they all belong to that unit, in order),
    as `CorpusStats.skipped` holds it."""
    n = len(records)
    if unit is None:
        units = np.fromiter((r.unit for r in records), np.int64, n)
        pos = np.fromiter((r.pos for r in records), np.int64, n)
    else:
        units, pos = np.full(n, unit, np.int64), np.arange(n, dtype=np.int64)
    return pd.DataFrame(
        {
            "unit": units,
            "pos": pos,
            "source": pd.Series([r.source for r in records], dtype=object),
            "reason": pd.Series([r.reason for r in records], dtype=object),
        }
    )


@dataclass
class CorpusStats:
    """Merged statistics of one corpus under one or more tokenizers (see the module's doc)."""

    name: str
    text: dict[str, np.ndarray] = field(default_factory=dict)
    tokenizers: dict[str, TokenizerStats] = field(default_factory=dict)
    sample: pd.DataFrame = field(default_factory=_empty_sample)
    sample_size: int = DEFAULT_SAMPLE_SIZE
    seed: int = 0
    unit_docs: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    unit_lines: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    unit_first: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    skipped: pd.DataFrame = field(default_factory=skipped_frame)
    skipped_total: int = 0
    meta: dict = field(default_factory=dict)

    # --- what the tables read -------------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        return sorted(self.text)

    def text_totals(self, language: str | None = None) -> dict[str, int]:
        """documents, bytes, chars, lines, words of one language or (None) all."""
        rows = [self.text[language]] if language is not None else list(self.text.values())
        total = np.sum(rows, axis=0) if rows else np.zeros(len(TEXT_FIELDS), np.int64)
        return {f: int(v) for f, v in zip(TEXT_FIELDS, total, strict=True)}

    @property
    def n_documents(self) -> int:
        return self.text_totals()["documents"]

    @property
    def n_bytes(self) -> int:
        return self.text_totals()["bytes"]

    @property
    def tokenizer_ids(self) -> list[str]:
        return list(self.tokenizers)

    @property
    def sample_complete(self) -> bool:
        """Whether the sample holds every document."""
        return len(self.sample) >= self.n_documents

    def documents(self) -> pd.DataFrame:
        """The sample's rows in corpus order: doc (0-based position in the corpus), language,
        source (a JSON line's number counted over the whole file), bytes, chars, lines, words
        and ``tokens:<id>`` per tokenizer."""
        s = self.sample
        starts = np.concatenate([[0], np.cumsum(self.unit_docs)[:-1]])
        unit = s["unit"].to_numpy(np.int64)
        doc = starts[unit] + s["pos"].to_numpy(np.int64)
        line_start = np.concatenate([[0], np.cumsum(self.unit_lines)])
        first = self.unit_first[unit]
        line = s["line"].to_numpy(np.int64)
        absolute = line + line_start[unit] - line_start[first]
        source = [
            f"{src}:{n}" if ln >= 0 else src
            for src, ln, n in zip(s["source"], line, absolute, strict=True)
        ]
        out = pd.DataFrame({"doc": doc, "language": s["language"].to_numpy(), "source": source})
        for c in s.columns[SAMPLE_COLUMNS.index("bytes") :]:
            out[c] = s[c].to_numpy()
        return out.sort_values("doc", kind="stable").reset_index(drop=True)

    def skipped_report(self) -> pd.DataFrame:
        """The listed skipped records (source, reason) in corpus order."""
        return self.skipped[["source", "reason"]].reset_index(drop=True)

    @property
    def nbytes(self) -> int:
        """Bytes held by the counts and the sample (what a cache stores)."""
        return sum(t.nbytes for t in self.tokenizers.values()) + int(
            self.sample.memory_usage(deep=True).sum()
        )

    # --- combining ------------------------------------------------------------------------

    def _check_compatible(self, other: CorpusStats) -> None:
        if (self.seed, self.sample_size) != (other.seed, other.sample_size):
            raise TokdashError("statistics with another sample seed or size cannot be combined")
        if self.unit_docs.size != other.unit_docs.size:
            raise TokdashError(
                f"statistics of two different read plans ({self.unit_docs.size} and "
                f"{other.unit_docs.size} units) cannot be combined"
            )

    def merge(self, other: CorpusStats) -> CorpusStats:
        """Two parts of one corpus (disjoint documents, the same tokenizers) added."""
        self._check_compatible(other)
        if set(self.tokenizers) != set(other.tokenizers):
            raise TokdashError("merge needs the same tokenizers on both parts (use join)")
        langs = sorted(set(self.text) | set(other.text))
        zero = np.zeros(len(TEXT_FIELDS), np.int64)
        sample = pd.concat([self.sample, other.sample], ignore_index=True)
        skipped = pd.concat([self.skipped, other.skipped], ignore_index=True)
        return replace(
            self,
            text={k: self.text.get(k, zero) + other.text.get(k, zero) for k in langs},
            tokenizers={t: s.merge(other.tokenizers[t]) for t, s in self.tokenizers.items()},
            sample=bottom_k(sample, self.sample_size),
            unit_docs=self.unit_docs + other.unit_docs,
            unit_lines=self.unit_lines + other.unit_lines,
            unit_first=np.maximum(self.unit_first, other.unit_first),
            skipped=first_skipped(skipped),
            skipped_total=self.skipped_total + other.skipped_total,
            meta={**other.meta, **self.meta},
        )

    def join(self, other: CorpusStats) -> CorpusStats:
        """Two tokenizer sets measured on the same documents, side by side."""
        self._check_compatible(other)
        if not _same_text(self, other):
            raise TokdashError("join needs statistics of the same documents")
        new = [t for t in other.tokenizers if t not in self.tokenizers]
        cols = [tokens_column(t) for t in new]
        sample = self.sample.merge(other.sample[["key", "unit", "pos", *cols]], how="left")
        return replace(
            self,
            tokenizers={**self.tokenizers, **{t: other.tokenizers[t] for t in new}},
            sample=sample,
        )

    def select(self, tokenizer_ids: Iterable[str]) -> CorpusStats:
        """Only these tokenizers (in this order)."""
        ids = list(dict.fromkeys(tokenizer_ids))
        missing = [t for t in ids if t not in self.tokenizers]
        if missing:
            raise TokdashError(
                f"these statistics hold no {', '.join(missing)}; they hold "
                f"{', '.join(self.tokenizers) or 'no tokenizer'}"
            )
        base_cols = self.sample.columns[: len(SAMPLE_COLUMNS)].tolist()
        return replace(
            self,
            tokenizers={t: self.tokenizers[t] for t in ids},
            sample=self.sample[[*base_cols, *(tokens_column(t) for t in ids)]],
        )

    def filter_languages(self, languages: Iterable[str]) -> CorpusStats:
        """Only the documents of ``languages`` (an unknown one raises `TokdashError`)."""
        wanted = set(languages)
        missing = sorted(wanted - set(self.text))
        if missing:
            raise TokdashError(
                f"corpus '{self.name}' has no {', '.join(missing)} documents; "
                f"its languages are: {', '.join(self.languages) or 'none'}"
            )
        toks = {
            tid: replace(
                t,
                tokens={k: v for k, v in t.tokens.items() if k in wanted},
                unigram={k: v for k, v in t.unigram.items() if k in wanted},
            )
            for tid, t in self.tokenizers.items()
        }
        keep = self.sample["language"].isin(wanted).to_numpy()
        return replace(
            self,
            name=f"{self.name}[{','.join(sorted(wanted))}]",
            text={k: v for k, v in self.text.items() if k in wanted},
            tokenizers=toks,
            sample=self.sample[keep].reset_index(drop=True),
        )


def attach_skipped(stats: CorpusStats, skipped: Sequence) -> CorpusStats:
    """``stats`` with ``skipped`` (objects with ``.source`` and ``.reason``, in corpus order)
    as its skipped report: what an in-memory corpus's reader left out."""
    stats.skipped = first_skipped(skipped_frame(skipped, unit=0))
    stats.skipped_total = len(skipped)
    return stats


def _same_text(a: CorpusStats, b: CorpusStats) -> bool:
    return (
        set(a.text) == set(b.text)
        and all(np.array_equal(a.text[k], b.text[k]) for k in a.text)
        and np.array_equal(a.sample["key"].to_numpy(), b.sample["key"].to_numpy())
    )


def bottom_k(sample: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ``k`` rows with the smallest (key, unit, pos), in that order."""
    order = np.lexsort(
        (sample["pos"].to_numpy(), sample["unit"].to_numpy(), sample["key"].to_numpy())
    )
    return sample.iloc[order[:k]].reset_index(drop=True)


def first_skipped(skipped: pd.DataFrame) -> pd.DataFrame:
    """The first `MAX_SKIPPED_LISTED` skipped records in corpus order."""
    order = np.lexsort((skipped["pos"].to_numpy(), skipped["unit"].to_numpy()))
    return skipped.iloc[order[:MAX_SKIPPED_LISTED]].reset_index(drop=True)
