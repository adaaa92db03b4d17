"""Unigram counts stored sparsely: the ids that occur and how often, plus the vocabulary size.

A corpus rarely uses more than a fraction of a large vocabulary (the shipped samples use ~6% of
o200k's 200k ids), so the per-language counts a page caches are kept as two short arrays instead
of one dense int64 array per language; ``dense()`` (or ``np.asarray``) rebuilds the dense array
where a metric needs it. Counts merge by adding (`SparseCounts.merge`), associatively.
"""

from __future__ import annotations

import numpy as np

_INT32_MAX = np.iinfo(np.int32).max


def _narrow(values: np.ndarray) -> np.ndarray:
    """``values`` as int32 when every value fits, else int64."""
    if values.size and int(values.max()) > _INT32_MAX:
        return values.astype(np.int64, copy=False)
    return values.astype(np.int32, copy=False)


class SparseCounts:
    """Occurrences per id in ``[0, size)``: ``ids`` (sorted, unique) and their ``values`` (> 0)."""

    __slots__ = ("ids", "values", "size")

    def __init__(self, ids: np.ndarray, values: np.ndarray, size: int) -> None:
        self.ids = np.asarray(ids)
        self.values = np.asarray(values)
        self.size = int(size)
        if self.ids.shape != self.values.shape:
            raise ValueError("ids and values must have the same length")
        if self.ids.size and (int(self.ids[-1]) >= self.size or int(self.ids[0]) < 0):
            raise ValueError("an id lies outside [0, size)")

    @classmethod
    def from_dense(cls, counts: np.ndarray) -> SparseCounts:
        """The non-zero entries of a dense count array."""
        counts = np.asarray(counts)
        ids = np.flatnonzero(counts)
        id_dtype = np.int32 if counts.size <= _INT32_MAX else np.int64
        return cls(ids.astype(id_dtype), _narrow(counts[ids]), counts.size)

    @classmethod
    def empty(cls, size: int) -> SparseCounts:
        """No occurrence at all."""
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int32), size)

    def dense(self, size: int | None = None) -> np.ndarray:
        """The dense int64 array of length ``max(size, self.size)``."""
        out = np.zeros(max(self.size, size or 0), dtype=np.int64)
        out[self.ids] = self.values
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        arr = self.dense()
        return arr if dtype is None else arr.astype(dtype)

    @property
    def shape(self) -> tuple[int]:
        """``(size,)``, as the dense array would have."""
        return (self.size,)

    def __len__(self) -> int:
        return self.size

    def sum(self) -> int:
        """Total occurrences."""
        return int(self.values.sum(dtype=np.int64))

    def any(self) -> bool:
        """Whether any id occurs."""
        return bool(self.values.size)

    @property
    def used(self) -> int:
        """Distinct ids that occur."""
        return int(self.ids.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the two arrays."""
        return int(self.ids.nbytes + self.values.nbytes)

    def merge(self, other: SparseCounts) -> SparseCounts:
        """Counts of both (the larger size wins); associative and commutative."""
        ids = np.concatenate([self.ids.astype(np.int64), other.ids.astype(np.int64)])
        values = np.concatenate([self.values.astype(np.int64), other.values.astype(np.int64)])
        uniq, inverse = np.unique(ids, return_inverse=True)
        summed = np.zeros(uniq.size, dtype=np.int64)
        np.add.at(summed, inverse, values)
        size = max(self.size, other.size)
        id_dtype = np.int32 if size <= _INT32_MAX else np.int64
        return SparseCounts(uniq.astype(id_dtype), _narrow(summed), size)

    def __add__(self, other):
        if isinstance(other, SparseCounts):
            return self.merge(other)
        return self.dense() + other

    __radd__ = __add__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SparseCounts):
            return NotImplemented
        return (
            self.size == other.size
            and np.array_equal(self.ids, other.ids)
            and np.array_equal(self.values, other.values)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SparseCounts(used={self.used}, size={self.size}, total={self.sum()})"
