"""A plan folded in this process: the dashboard's way to count a folder of any size (the
documents are streamed, never held), and the reference the distributed runs are tested
against."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tokdash.analysis.fold import fold
from tokdash.analysis.stats import CorpusStats
from tokdash.corpus.units import Plan, read_unit

#: ``progress(done_bytes, total_bytes)`` after each unit.
Progress = Callable[[int, int], None]


def plan_reader(plan: Plan, progress: Progress | None = None):
    """A re-readable stream of every record of ``plan``, in corpus order."""

    def read():
        done = 0
        for i, unit in enumerate(plan.units):
            yield from read_unit(unit, i)
            done += unit.size
            if progress is not None:
                progress(done, plan.total_bytes)

    return read


def fold_plan(
    tokenizers: Sequence,
    plan: Plan,
    engines: dict | None = None,
    progress: Progress | None = None,
    **options,
) -> CorpusStats:
    """`CorpusStats` of every unit of ``plan`` under ``tokenizers``, in one process."""
    return fold(
        tokenizers,
        plan_reader(plan, progress),
        engines,
        name=plan.name,
        n_units=len(plan.units),
        unit_first=np.asarray([u.first for u in plan.units], np.int64),
        **options,
    )


def first_documents(plan: Plan, n: int = 50, max_units: int = 200) -> list:
    """Up to ``n`` documents from the first units of ``plan`` (what a first-use engine proof
    encodes besides its adversarial set)."""
    from tokdash.corpus.records import DocRef

    docs: list = []
    for i, unit in enumerate(plan.units[:max_units]):
        docs += [r for r in read_unit(unit, i) if isinstance(r, DocRef)][: n - len(docs)]
        if len(docs) >= n:
            break
    return docs


def choose_engines(tokenizers: Sequence, plan: Plan, mode: str = "auto") -> dict:
    """The engine of each tokenizer for this corpus (`choose_engine`; a tokenizer not in the
    catalog is proven once on the first documents of the plan)."""
    from tokdash.analysis.engine_choice import choose_engine

    docs = first_documents(plan) if mode == "auto" else []
    return {t.id: choose_engine(t, mode, docs) for t in tokenizers}
