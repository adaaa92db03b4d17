"""The one definition of a compression gain: the fraction of tokens saved, and per doubling."""

from __future__ import annotations

import math

import pytest

from tokdash.analysis.ratios import saved_per_doubling, tokens_saved


def test_tokens_saved_by_hand():
    assert tokens_saved(1000, 950) == pytest.approx(0.05)  # 5 % fewer tokens
    assert tokens_saved(1000, 1100) == pytest.approx(-0.1)  # 10 % more
    assert tokens_saved(1000, 1000) == 0
    assert math.isnan(tokens_saved(0, 10))


def test_saved_per_doubling_by_hand():
    assert saved_per_doubling(32_000, 0.8, 64_000, 0.72) == pytest.approx(0.1)  # one doubling
    # two doublings: 0.8 -> 0.648 is 0.9 * 0.9, i.e. 10 % saved at each
    assert saved_per_doubling(32_000, 0.8, 128_000, 0.648) == pytest.approx(0.1)
    # half a doubling (32k -> 45,255): 1 - 0.95 ** 2 = 0.0975
    assert saved_per_doubling(32_000, 1.0, 32_000 * 2**0.5, 0.95) == pytest.approx(0.0975)
    assert math.isnan(saved_per_doubling(1000, 0.0, 2000, 1.0))
    with pytest.raises(ValueError, match="increase"):
        saved_per_doubling(64_000, 0.7, 32_000, 0.8)
