"""Words for captions and titles: counts with their noun in the right number."""

from __future__ import annotations


def plural(n: int | float, noun: str, plural_form: str | None = None) -> str:
    """``n`` and ``noun`` in the number ``n`` asks for, with thousands separators:
    ``plural(1, "document") == "1 document"``, ``plural(1200, "language") == "1,200 languages"``,
    ``plural(2, "entry", "entries") == "2 entries"``. Only exactly 1 is singular."""
    word = noun if n == 1 else (plural_form or f"{noun}s")
    return f"{n:,} {word}"
