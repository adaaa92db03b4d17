"""What a statistics bundle says about itself: the skipped report in one line, and a description
of the bundle (corpus, tokenizers, size, date) for the CLI and the dashboard."""

from __future__ import annotations

import re
from collections import Counter

from tokdash.analysis.stats import CorpusStats
from tokdash.errors import CorpusError
from tokdash.words import plural

_LINE_PREFIX = re.compile(r"^line \d+: ")
_QUOTED = re.compile(r" '[^']*'$")


def reason_kind(reason: str) -> str:
    """A skipped record's reason without its particulars: ``line 3: not valid JSON (...)`` ->
    ``not valid JSON``."""
    text = _QUOTED.sub("", _LINE_PREFIX.sub("", reason))
    return text.split(" (", 1)[0].split(":", 1)[0].strip()


def skipped_summary(stats: CorpusStats) -> str:
    """``skipped 12 records: 8 not UTF-8, 3 binary file, 1 empty file``: kinds counted over the
    listed records (the first 10,000), the total over all."""
    if not stats.skipped_total:
        return "skipped no record"
    kinds = Counter(reason_kind(r) for r in stats.skipped["reason"])
    parts = ", ".join(f"{n:,} {k}" for k, n in kinds.most_common(6))
    listed = len(stats.skipped)
    note = "" if listed == stats.skipped_total else f" (kinds counted over the first {listed:,})"
    return f"skipped {stats.skipped_total:,} records: {parts}{note}"


def require_documents(stats: CorpusStats) -> CorpusStats:
    """``stats`` when the corpus had a usable document; else `CorpusError` saying what was
    skipped (the first five, with their reasons)."""
    if stats.n_documents:
        return stats
    if not stats.skipped_total:
        raise CorpusError(f"corpus '{stats.name}' is empty: no file with a known extension")
    listed = stats.skipped_report().head(5)
    shown = "; ".join(f"{s}: {r}" for s, r in zip(listed["source"], listed["reason"], strict=True))
    more = f" (and {stats.skipped_total - 5:,} more)" if stats.skipped_total > 5 else ""
    raise CorpusError(
        f"corpus '{stats.name}' has no usable document; {stats.skipped_total:,} skipped: "
        f"{shown}{more}"
    )


def describe(stats: CorpusStats) -> str:
    """One line: corpus, documents and MB, tokenizers, and when and how it was computed."""
    meta = stats.meta
    when = meta.get("created", "date unknown")
    made = f", {meta['tasks']} tasks" if meta.get("tasks") else ""
    return (
        f"{meta.get('corpus', stats.name)}: {plural(stats.n_documents, 'document')}, "
        f"{stats.n_bytes / 1e6:,.2f} MB, {plural(len(stats.languages), 'language')}; tokenizers "
        f"{', '.join(stats.tokenizers)}; computed {when}{made}"
    )
