"""One comparison = tokenizers x corpus -> encodings -> metric tables (shared by pages and CLI).

The CLI's CSVs and the pages' downloads come from these same functions, so they agree to the
last digit for the same selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from tokdash.analysis import metrics
from tokdash.analysis.encode import encode_all
from tokdash.analysis.engine_choice import check_mode, choose_engine
from tokdash.analysis.stats import CorpusStats, TokenizerStats
from tokdash.tokenizers import Tokenizer

Progress = Callable[[str, float], None]

#: The columns `python -m tokdash compare --out` writes, in order.
COMPARE_COLUMNS = list(metrics.TABLE_COLUMNS)


@dataclass
class Comparison:
    """Everything computed for one (tokenizers, corpus, base) selection: the corpus's
    `CorpusStats` under the tokenizers (and the base)."""

    stats: CorpusStats
    tokenizer_ids: list[str]
    base: str | None

    @property
    def encodings(self) -> dict[str, TokenizerStats]:
        """Per tokenizer id: its counts (``counts(language)``, ``total_tokens``, ``engine``)."""
        return self.stats.tokenizers

    def table(self, alpha: float = 2.5) -> pd.DataFrame:
        """Per tokenizer x language (plus ``ALL``) compression and vocabulary numbers."""
        table = metrics.compression_table(self.stats, self.base, alpha=alpha)
        table = table[table["tokenizer"].isin(self.tokenizer_ids)]
        return table[COMPARE_COLUMNS].reset_index(drop=True)

    def per_document(self) -> pd.DataFrame:
        """Per document x tokenizer numbers (for the spread over documents), on the statistics'
        seeded sample of documents (`sample_note` says how many)."""
        table = metrics.document_metrics(self.stats, self.base)
        return table[table["tokenizer"].isin(self.tokenizer_ids)].reset_index(drop=True)

    def stamped(self, alpha: float | None = None) -> CorpusStats:
        """A copy of the statistics with what a saved bundle records of this comparison: corpus
        name, tokenizers shown, base, Rényi ``alpha`` when given, date (so `report` and the
        dashboard show the same)."""
        import datetime as dt

        meta = {
            "corpus": self.stats.meta.get("corpus") or self.stats.name,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            **self.stats.meta,
            "shown": list(self.tokenizer_ids),
            "base": self.base,
        }
        if alpha is not None:
            meta["alpha"] = float(alpha)
        return replace(self.stats, meta=meta)

    def sample_note(self) -> str:
        """What the per-document rows cover, in words."""
        return sample_note(self.stats)


def sample_note(stats: CorpusStats) -> str:
    """ "all 812 documents" or "a seeded sample of 20,000 of 1,234,567 documents"."""
    n = stats.n_documents
    if stats.sample_complete:
        return "the only document" if n == 1 else f"all {n:,} documents"
    return f"a seeded sample of {len(stats.sample):,} of {n:,} documents (seed {stats.seed})"


def run_comparison(
    tokenizers: Sequence[Tokenizer],
    documents: Sequence,
    base: Tokenizer | None = None,
    *,
    progress: Progress | None = None,
    encode: Callable[[Tokenizer, Sequence], CorpusStats] | None = None,
    engine: str = "auto",
) -> Comparison:
    """Encode ``documents`` with each tokenizer (and the base) and keep the statistics.

    ``encode`` lets a caller supply a cached encoder of one tokenizer (the pages do); by default
    all tokenizers encode the corpus in one streaming pass, each with the engine `choose_engine`
    picks for ``engine`` (``auto``: the fastest proven exact; ``reference``: the tokenizer's
    own library).
    """
    check_mode(engine)
    order: list[Tokenizer] = list(tokenizers)
    if base is not None and base.id not in {t.id for t in order}:
        order.append(base)
    if encode is not None:
        stats = None
        for i, tok in enumerate(order):
            if progress:
                progress(f"Encoding with {tok.id} ({i + 1}/{len(order)})", i / len(order))
            one = encode(tok, documents)
            stats = one if stats is None else stats.join(one)
        if stats is None:
            stats = encode_all([], documents)
    else:
        engines = {}
        for tok in order:
            engines[tok.id] = choose_engine(tok, engine, documents)
        label = ", ".join(t.id for t in order)
        stats = encode_all(
            order,
            documents,
            engines=engines,
            progress=(
                (lambda done, total: progress(f"Encoding with {label}", done / max(total, 1)))
                if progress
                else None
            ),
        )
    if progress:
        progress("Done", 1.0)
    return Comparison(
        stats=stats.select([t.id for t in order]),
        tokenizer_ids=[t.id for t in tokenizers],
        base=base.id if base is not None else None,
    )


def vocab_table(stats: CorpusStats, alpha: float = 2.5) -> pd.DataFrame:
    """Vocabulary statistics per tokenizer x language (plus ``ALL``), tokenizers in ``stats``
    order.

    vocab_size is the statistics' (the tokenizer's, grown past it when ids beyond it occurred),
    as in `metrics.compression_table`, so vocab_unused = vocab_size - vocab_used is never
    negative and both tables agree. whitespace_share uses the ids whose bytes are all
    whitespace, recorded with the statistics (`TokenizerStats.whitespace_ids`).
    """
    rows = []
    for tid, enc in stats.tokenizers.items():
        size = int(enc.vocab_size)
        for language in [*sorted(enc.unigram), None]:
            counts = enc.counts(language)
            used = int((counts > 0).sum())
            rows.append(
                {
                    "tokenizer": tid,
                    "language": language or "ALL",
                    "tokens": int(counts.sum()),
                    "vocab_size": size,
                    "vocab_used": used,
                    "vocab_unused": size - used,
                    "vocab_utilization": metrics.vocab_utilization(counts, size),
                    "renyi_efficiency": metrics.renyi_efficiency(counts, alpha, size),
                    "whitespace_share": metrics.whitespace_share_of(counts, enc.whitespace_ids),
                }
            )
    return pd.DataFrame(rows)
