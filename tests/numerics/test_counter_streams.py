"""The counter-based batch streams (numerics.rng) against SplitMix64's published output and
a pure-Python reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.rng import (
    GOLDEN,
    batch_keys,
    below,
    below_reference,
    draw32_reference,
    draws32,
    key_reference,
    words,
)
from numerics.schedules import draw_range

# SplitMix64 seeded with 1234567: its first five outputs, as printed by Vigna's
# splitmix64.c and reproduced on Rosetta Code ("Pseudo-random numbers/Splitmix64").
SPLITMIX_1234567 = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                    4593380528125082431, 16408922859458223821]


def test_words_are_splitmix64():
    """Word k of the stream (state, gamma) = (1234567, golden gamma) is SplitMix64's
    (k + 1)-th output: the published sequence, exactly."""
    state = np.array([1234567], dtype=np.uint64)
    gamma = np.array([GOLDEN], dtype=np.uint64)
    got = words(state, gamma, np.arange(5, dtype=np.uint64)).tolist()
    assert got == SPLITMIX_1234567


@given(seed=st.integers(0, 2**63 - 1), ids=st.lists(st.integers(0, 2**64 - 1), min_size=1,
                                                    max_size=8))
def test_batch_keys_equal_the_python_reference(seed, ids):
    keys = batch_keys(seed, np.array(ids, dtype=np.uint64))
    assert [(int(a), int(b)) for a, b in zip(keys.state, keys.gamma, strict=True)] == [
        key_reference(seed, i) for i in ids]
    assert np.all(keys.gamma % 2 == 1)


def test_keys_of_different_seeds_and_roots_differ():
    a = batch_keys(0, np.arange(1000))
    assert np.unique(a.state).size == 1000 and np.unique(a.gamma).size == 1000
    assert not np.any(batch_keys(1, np.arange(1000)).state == a.state)


@pytest.mark.parametrize(("c0", "c1"), [(0, 10), (1, 10), (7, 8), (2**40 + 3, 2**40 + 20)])
def test_draw_range_and_draws32_equal_the_reference(c0, c1):
    """Draw c is the low (c even) or high (c odd) half of word c // 2, from any start."""
    keys = batch_keys(3, [0, 9])
    got = draw_range(keys, c0, c1)
    c = np.arange(c0, c1, dtype=np.uint64)[:, None]
    np.testing.assert_array_equal(draws32(keys.state, keys.gamma, c), got)
    for col, i in enumerate([0, 9]):
        ref = [draw32_reference(key_reference(3, i), k) for k in range(c0, c1)]
        assert got[:, col].tolist() == ref


@pytest.mark.parametrize("m", [1, 2, 3, 10, 100, 2**31 - 1, 3 * 2**30 + 1, 2**32 - 1])
def test_below_equals_the_reference_including_rejections(m):
    """Lemire's reduction with its retries, vectorised, equals the one-draw reference; at
    m = 3 2^30 + 1 about a quarter of the draws are rejected, so the retry path runs."""
    keys = batch_keys(5, np.arange(4))
    c = np.arange(60, dtype=np.uint64)[:, None]
    x = draws32(keys.state[None], keys.gamma[None], c)
    got = below(x, m, keys.state[None], keys.gamma[None], c)
    ref = [[below_reference(key_reference(5, i), k, m) for i in range(4)] for k in range(60)]
    assert got.tolist() == ref
    assert got.min() >= 0 and got.max() < m
    if m == 3 * 2**30 + 1:
        raw = (x * np.uint64(m)) >> np.uint64(32)
        assert np.sum(raw != got) > 5  # the rejected draws were redrawn
