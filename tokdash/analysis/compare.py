"""One comparison = tokenizers x corpus -> encodings -> metric tables (shared by pages and CLI).

The CLI's CSVs and the pages' downloads come from these same functions, so they agree to the
last digit for the same selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from tokdash.analysis import metrics
from tokdash.analysis.encode import CorpusEncoding, encode_corpus
from tokdash.analysis.engine_choice import check_mode, choose_engine
from tokdash.tokenizers import Tokenizer

Progress = Callable[[str, float], None]

#: The columns `python -m tokdash compare --out` writes, in order.
COMPARE_COLUMNS = list(metrics.TABLE_COLUMNS)


@dataclass
class Comparison:
    """Everything computed for one (tokenizers, corpus, base) selection."""

    docs: pd.DataFrame
    encodings: dict[str, CorpusEncoding]
    tokenizer_ids: list[str]
    base: str | None

    def table(self, alpha: float = 2.5) -> pd.DataFrame:
        """Per tokenizer x language (plus ``ALL``) compression and vocabulary numbers."""
        table = metrics.compression_table(self.docs, self.encodings, self.base, alpha=alpha)
        table = table[table["tokenizer"].isin(self.tokenizer_ids)]
        return table[COMPARE_COLUMNS].reset_index(drop=True)

    def per_document(self) -> pd.DataFrame:
        """Per document x tokenizer numbers (for the spread over documents)."""
        table = metrics.document_metrics(self.docs, self.encodings, self.base)
        return table[table["tokenizer"].isin(self.tokenizer_ids)].reset_index(drop=True)


def run_comparison(
    tokenizers: Sequence[Tokenizer],
    documents: Sequence,
    base: Tokenizer | None = None,
    *,
    progress: Progress | None = None,
    encode: Callable[[Tokenizer, Sequence], CorpusEncoding] | None = None,
    engine: str = "auto",
) -> Comparison:
    """Encode ``documents`` with each tokenizer (and the base) and keep the summaries.

    ``encode`` lets a caller supply a cached encoder (the pages do); by default each tokenizer
    encodes the corpus once, streaming, with the engine `choose_engine` picks for ``engine``
    (``auto``: the fastest proven exact; ``reference``: the tokenizer's own library).
    """
    check_mode(engine)
    order: list[Tokenizer] = list(tokenizers)
    if base is not None and base.id not in {t.id for t in order}:
        order.append(base)
    docs = metrics.document_table(documents)
    encodings: dict[str, CorpusEncoding] = {}
    for i, tok in enumerate(order):
        if progress:
            progress(f"Encoding with {tok.id} ({i + 1}/{len(order)})", i / len(order))
        if encode is not None:
            encodings[tok.id] = encode(tok, documents)
        else:
            chosen = choose_engine(tok, engine, documents)
            encodings[tok.id] = encode_corpus(tok, documents, engine=chosen)
    if progress:
        progress("Done", 1.0)
    return Comparison(
        docs=docs,
        encodings=encodings,
        tokenizer_ids=[t.id for t in tokenizers],
        base=base.id if base is not None else None,
    )


def vocab_table(cmp: Comparison, tokenizers: Sequence[Tokenizer], alpha: float = 2.5):
    """Vocabulary statistics per tokenizer x language (plus ``ALL``).

    vocab_size is the encoding's (`CorpusEncoding.vocab_size`: the tokenizer's, grown past it
    when ids beyond it occurred), as in `metrics.compression_table`, so vocab_unused =
    vocab_size - vocab_used is never negative and both tables agree.
    """
    rows = []
    for tok in tokenizers:
        enc = cmp.encodings[tok.id]
        size = int(enc.vocab_size)
        vb = tok.vocab_bytes()
        for language in [*sorted(enc.unigram), None]:
            counts = enc.counts(language)
            used = int((counts > 0).sum())
            rows.append(
                {
                    "tokenizer": tok.id,
                    "language": language or "ALL",
                    "tokens": int(counts.sum()),
                    "vocab_size": size,
                    "vocab_used": used,
                    "vocab_unused": size - used,
                    "vocab_utilization": metrics.vocab_utilization(counts, size),
                    "renyi_efficiency": metrics.renyi_efficiency(counts, alpha, size),
                    "whitespace_share": metrics.whitespace_share(counts, vb),
                }
            )
    return pd.DataFrame(rows)
