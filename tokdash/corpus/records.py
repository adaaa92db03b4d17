"""What a streaming reader yields, in corpus order: documents located in the read plan, skipped
records, and the line count of each line-based unit (to number JSON lines over a whole file).

A *unit* is one piece of the plan (a file, a byte block of a large JSON-lines file, a parquet row
group, ...); ``pos`` is a document's position among the documents of its unit, ``line`` its line
number inside the unit (1-based, -1 when the source is not line-based).
"""

from __future__ import annotations

from typing import NamedTuple


class DocRef(NamedTuple):
    """A document and where it was read."""

    text: str
    language: str
    source: str
    unit: int = 0
    pos: int = 0
    line: int = -1


class SkipRef(NamedTuple):
    """A record left out, and why."""

    source: str
    reason: str
    unit: int = 0
    pos: int = 0


class UnitLines(NamedTuple):
    """All the lines of a line-based unit were read: there were ``lines`` of them."""

    unit: int
    lines: int
