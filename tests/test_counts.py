"""SparseCounts: the compact per-language unigram counts (round trips and merges)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokdash.analysis.counts import SparseCounts

dense_arrays = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.integers(0, 5), min_size=n, max_size=n).map(
        lambda xs: np.asarray(xs, dtype=np.int64)
    )
)


def test_hand_checked_example():
    sc = SparseCounts.from_dense(np.array([0, 3, 0, 0, 1]))
    assert sc.ids.tolist() == [1, 4] and sc.values.tolist() == [3, 1] and sc.size == 5
    assert sc.sum() == 4 and sc.used == 2 and sc.any() and sc.shape == (5,)
    assert sc.dense().tolist() == [0, 3, 0, 0, 1]
    assert sc.dense(7).tolist() == [0, 3, 0, 0, 1, 0, 0]
    assert np.asarray(sc).tolist() == [0, 3, 0, 0, 1]
    merged = sc.merge(SparseCounts.from_dense(np.array([2, 1, 0])))
    assert merged.dense().tolist() == [2, 4, 0, 0, 1]
    assert not SparseCounts.empty(3).any() and SparseCounts.empty(3).dense().tolist() == [0] * 3


def test_compact_for_a_large_vocabulary():
    dense = np.zeros(200_000, dtype=np.int64)
    dense[[5, 77, 199_999]] = [10, 1, 2**40]
    sc = SparseCounts.from_dense(dense)
    assert sc.nbytes < 100 and dense.nbytes == 1_600_000
    assert sc.values.dtype == np.int64  # 2**40 needs 64 bits
    assert SparseCounts.from_dense(np.array([1, 2])).values.dtype == np.int32


def test_rejects_ids_outside_the_vocabulary():
    with pytest.raises(ValueError):
        SparseCounts(np.array([3]), np.array([1]), 3)


@given(dense_arrays)
def test_dense_round_trip_and_pickle(arr):
    sc = SparseCounts.from_dense(arr)
    assert np.array_equal(sc.dense(), arr)
    assert pickle.loads(pickle.dumps(sc)) == sc


@given(dense_arrays, dense_arrays, dense_arrays)
def test_merge_is_addition_associative_and_commutative(a, b, c):
    sa, sb, sc = (SparseCounts.from_dense(x) for x in (a, b, c))
    n = max(a.size, b.size, c.size)

    def pad(x):
        return np.pad(x, (0, n - x.size))

    assert sa.merge(sb) == sb.merge(sa)
    assert sa.merge(sb).merge(sc) == sa.merge(sb.merge(sc))
    assert np.array_equal(sa.merge(sb).merge(sc).dense(n), pad(a) + pad(b) + pad(c))
