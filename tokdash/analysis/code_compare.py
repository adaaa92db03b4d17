"""Code structure over a corpus: parse once, encode with each tokenizer, one table for all.

`parse_corpus` parses every document whose language has a grammar (the leaves are shared by all
tokenizers); `code_counts` encodes the parsed documents with one tokenizer into per-language
`CodeCounts`; `code_table` turns ``{tokenizer: {language: counts}}`` into the table the page shows
and ``tokdash code-metrics`` writes (one row per tokenizer x language plus an ``ALL`` row).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tokdash.analysis.code_metrics import CodeCounts, document_counts
from tokdash.analysis.lexemes import Leaves, has_grammar
from tokdash.analysis.parse_pool import parse_items
from tokdash.errors import CodeParseError, NoGrammarError

#: ``progress(message, fraction)``.
Progress = Callable[[str, float], None]
#: Documents are encoded in batches of about this many UTF-8 bytes.
BATCH_BYTES = 2_000_000

CODE_COLUMNS = [
    "tokenizer",
    "language",
    "documents",
    "skipped",
    "bytes",
    "tokens",
    "lexemes",
    "identifiers",
    "lexeme_integrity",
    "identifier_integrity",
    "boundary_alignment",
    "crossing_rate",
    "identifier_tokens_mean",
    "indent_tokens_mean",
    "indent_single_share",
    "number_tokens_mean",
    "digit_group_1",
    "digit_group_2",
    "digit_group_3",
    "digit_group_4plus",
    "partial_utf8_share",
    "error_bytes",
]
WORST_COLUMNS = ["tokenizer", "identifier", "tokens", "pieces"]


@dataclass
class Skip:
    """A document left out of the code metrics, and why."""

    source: str
    language: str
    reason: str


@dataclass
class ParsedCorpus:
    """The parsed documents (corpus order) with their leaves, and what was left out.

    ``no_grammar``: language -> documents of a language without a grammar (not measured);
    ``skipped``: documents of a language with a grammar that the parser refused."""

    documents: list = field(default_factory=list)
    leaves: list[Leaves] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    no_grammar: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def languages(self) -> list[str]:
        """Languages with at least one parsed document, sorted."""
        return sorted({d.language for d in self.documents})


def parse_corpus(
    documents: Sequence, progress: Progress | None = None, workers: int | None = None
) -> ParsedCorpus:
    """Parse every document whose language has a grammar (see `ParsedCorpus`): in worker
    processes, one per core, when there is enough text (`parse_pool.parse_items`; ``workers``
    overrides the count, 1 parses here).

    Raises `NoGrammarError` when no document has a grammar, `CodeParseError` when every one that
    has was refused."""
    out = ParsedCorpus()
    t0 = time.perf_counter()
    todo = []
    for doc in documents:
        if has_grammar(doc.language):
            todo.append(doc)
        else:
            out.no_grammar[doc.language] = out.no_grammar.get(doc.language, 0) + 1

    def report(done: int) -> None:
        if progress is not None and todo:
            doc = todo[min(done, len(todo) - 1)]
            progress(f"Parsing {doc.source}", done / len(todo))

    items = [(doc.text, doc.language, doc.source) for doc in todo]
    outcomes = parse_items(items, workers=workers, progress=report)
    for doc, outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, str):
            out.skipped.append(Skip(doc.source, doc.language, outcome))
        else:
            out.documents.append(doc)
            out.leaves.append(outcome)
    out.seconds = time.perf_counter() - t0
    if not out.documents:
        if out.skipped:
            shown = "; ".join(s.reason for s in out.skipped[:3])
            raise CodeParseError(f"no document could be parsed: {shown}")
        langs = ", ".join(sorted(out.no_grammar)) or "none"
        raise NoGrammarError(
            f"no document of this corpus is in a language with a grammar (its languages: "
            f"{langs}); code structure needs source code in a supported language"
        )
    return out


def spans_of(tok, text: str, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Byte spans ``(starts, ends)`` of ``ids`` (``tok``'s encoding of ``text``).

    From the token bytes when they spell the text, or spell it after a prefix (SentencePiece's
    dummy-prefix space: the prefix bytes are assigned to no input byte, so the first token's span
    starts at 0); otherwise the backend's own offsets (`Tokenizer.encode_with_spans`)."""
    data = text.encode("utf-8")
    vocab = tok.vocab_bytes()
    if all(0 <= i < len(vocab) for i in ids):
        pieces = [vocab[i] for i in ids]
        joined = b"".join(pieces)
        if joined == data or (len(joined) > len(data) and joined.endswith(data)):
            lens = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            ends = np.cumsum(lens) - (len(joined) - len(data))
            starts = ends - lens
            return np.maximum(starts, 0), np.maximum(ends, 0)
    _ids, spans = tok.encode_with_spans(text)
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def _batches(docs: Sequence, limit: int):
    batch: list = []
    size = 0
    for doc in docs:
        batch.append(doc)
        size += doc.n_bytes
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def code_counts(
    tok, parsed: ParsedCorpus, progress: Progress | None = None
) -> dict[str, CodeCounts]:
    """Per language, the summed `CodeCounts` of ``tok`` on the parsed documents."""
    out: dict[str, CodeCounts] = {lang: CodeCounts() for lang in parsed.languages}
    for skip in parsed.skipped:
        out.setdefault(skip.language, CodeCounts()).skipped += 1
    total = max(sum(d.n_bytes for d in parsed.documents), 1)
    done = 0
    index = 0
    for batch in _batches(parsed.documents, BATCH_BYTES):
        all_ids = tok.encode_batch([d.text for d in batch])
        for doc, ids in zip(batch, all_ids, strict=True):
            starts, ends = spans_of(tok, doc.text, ids)
            counts = document_counts(parsed.leaves[index], starts, ends, doc.text.encode("utf-8"))
            out[doc.language] = out[doc.language].merge(counts)
            index += 1
            done += doc.n_bytes
        if progress is not None:
            progress(f"{tok.id}: tokens vs lexemes", done / total)
    return out


def _row(tokenizer: str, language: str, c: CodeCounts) -> dict:
    return {
        "tokenizer": tokenizer,
        "language": language,
        "documents": c.documents,
        "skipped": c.skipped,
        "bytes": c.bytes,
        "tokens": c.tokens,
        "lexemes": c.code_lexemes,
        "identifiers": c.identifiers,
        **c.metrics(),
        "error_bytes": c.error_bytes,
    }


def code_table(results: dict[str, dict[str, CodeCounts]]) -> pd.DataFrame:
    """One row per tokenizer x language (sorted) and an ``ALL`` row per tokenizer."""
    rows = []
    for tid, per_lang in results.items():
        total = CodeCounts()
        for lang in sorted(per_lang):
            rows.append(_row(tid, lang, per_lang[lang]))
            total = total.merge(per_lang[lang])
        rows.append(_row(tid, "ALL", total))
    return pd.DataFrame(rows, columns=CODE_COLUMNS)


def worst_table(
    results: dict[str, dict[str, CodeCounts]], language: str | None = None, top: int = 10
) -> pd.DataFrame:
    """Per tokenizer, the ``top`` identifiers split into most tokens (one language or all)."""
    rows = []
    for tid, per_lang in results.items():
        total = CodeCounts()
        for lang, counts in per_lang.items():
            if language in (None, "ALL", lang):
                total = total.merge(counts)
        for tokens, text, pieces in total.worst[:top]:
            rows.append({"tokenizer": tid, "identifier": text, "tokens": tokens, "pieces": pieces})
    return pd.DataFrame(rows, columns=WORST_COLUMNS)
