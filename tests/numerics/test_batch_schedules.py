"""Batch schedules: exact laws by enumeration, the definition in plain Python, block
invariance, the reshuffle epoch structure."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from numerics import batches, formulas, schedules
from numerics.rng import Keys, batch_keys, below_reference, key_reference
from numerics.schedules import Schedule, fisher_yates_block, floyd_block
from theory.domain import DomainError

# Pre-declared level for the one distribution test left (the laws are checked exactly).
ALPHA = 1e-6

_NO_KEYS = Keys(np.zeros(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))


def _accepted_draw(t: int, m: int) -> int:
    """A 32-bit draw that Lemire's method accepts and maps to t in range(m): the smallest
    x with x m >= t 2^32, or the next one when that x is rejected (low word < 2^32 mod m;
    the next x adds m to the low word, which is then >= m > the threshold)."""
    x = -((-t << 32) // m)
    thresh = ((1 << 32) - m) % m
    if (x * m) & 0xFFFFFFFF < thresh:
        x += 1
    assert (x * m) >> 32 == t and (x * m) & 0xFFFFFFFF >= thresh
    return x


def test_lemire_gives_every_value_the_same_number_of_accepted_draws():
    """The exactness behind every schedule, counted in integers: for each m and each t in
    range(m), #{x < 2^32 : (x m) >> 32 = t, x m mod 2^32 >= 2^32 mod m} = floor(2^32 / m)
    (Lemire 2019, Lemma 4.1).  All t for small m; 2000 t at the bounds of large m."""
    for m in (1, 2, 3, 7, 10, 97, 100, 1000, 3 * 2**30 + 1, 2**31 - 1, 2**32 - 1):
        thresh = ((1 << 32) - m) % m
        ts = range(m) if m <= 1000 else [*range(1000), *range(m - 1000, m)]
        for t in ts:
            lo = -(-((t << 32) + thresh) // m)  # ceil
            hi = (((t + 1) << 32) - 1) // m
            assert hi - lo + 1 == (1 << 32) // m, (m, t)


@pytest.mark.parametrize(("n", "b"), [(5, 3), (6, 2), (4, 4), (30, 25)])
def test_floyd_law_is_exactly_uniform_over_subsets(n, b):
    """Exact enumeration: every tuple of uniform integers t_p in range(n - b + p + 1) is
    equally likely; decoding all of them with the library's Floyd code gives each b-subset
    exactly b! times (probability 1 / C(n, b)).  For (30, 25) (the table branch) the
    tuples are too many: every subset of a random sample of 4000 tuples is valid."""
    ranges = [range(n - b + p + 1) for p in range(b)]
    if math.prod(len(r) for r in ranges) > 10**5:
        rng = np.random.default_rng(0)
        tuples = [tuple(int(rng.integers(len(r))) for r in ranges) for _ in range(4000)]
    else:
        tuples = list(itertools.product(*ranges))
    x = np.array([[_accepted_draw(t, n - b + p + 1) for p, t in enumerate(tup)]
                  for tup in tuples], dtype=np.uint64)  # (tuples, b)
    keys = Keys(np.zeros(len(tuples), dtype=np.uint64), np.ones(len(tuples), dtype=np.uint64))
    c = np.zeros((1, b), dtype=np.uint64)
    out = floyd_block(x.T[None], n, keys, c)[0].T  # (tuples, b)
    subsets = Counter(frozenset(row) for row in out.tolist())
    assert all(len(s) == b and max(s) < n for s in subsets)
    if len(tuples) == math.prod(len(r) for r in ranges):
        assert len(subsets) == math.comb(n, b)
        assert set(subsets.values()) == {math.factorial(b)}


@pytest.mark.parametrize("n", [1, 2, 4, 5])
def test_fisher_yates_law_is_exactly_uniform_over_permutations(n):
    """Exact enumeration: the tuples (j_{n-1}, ..., j_1), j_i uniform in range(i + 1), are
    n! equally likely ones; the library's Fisher-Yates maps them onto the n! permutations,
    each exactly once."""
    tuples = list(itertools.product(*[range(i + 1) for i in range(n)]))
    x = np.array([[_accepted_draw(j, i + 1) for i, j in enumerate(tup)] for tup in tuples],
                 dtype=np.uint64)  # (tuples, n): draw i decides position i
    keys = Keys(np.zeros(len(tuples), dtype=np.uint64), np.ones(len(tuples), dtype=np.uint64))
    perm = fisher_yates_block(x.T[None], n, keys, np.zeros((1, n), dtype=np.uint64))[0].T
    got = Counter(tuple(row) for row in perm.tolist())
    assert len(got) == math.factorial(n) and set(got.values()) == {1}


def _reference_batch(name: str, n: int, b: int, key: tuple[int, int], t: int) -> list[int]:
    """The schedules' definitions (module docstring of numerics.schedules) in plain Python
    on the pure-Python stream reference: no library array code."""
    if name == "random":
        chosen: list[int] = []
        for p in range(b):
            j = n - b + p
            u = below_reference(key, t * b + p, j + 1)
            chosen.append(j if u in chosen else u)
        return chosen
    if name == "replacement":
        return [below_reference(key, t * b + p, n) for p in range(b)]
    nb = math.ceil(n / b)
    e, q = divmod(t, nb)
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = below_reference(key, e * n + i, i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return (perm + [n] * (nb * b - n))[q * b:(q + 1) * b]


@pytest.mark.parametrize(("name", "n", "b"), [("random", 9, 4), ("random", 30, 26),
                                              ("replacement", 6, 3), ("reshuffle", 7, 3),
                                              ("reshuffle", 6, 2)])
def test_blocks_equal_the_plain_definition(name, n, b):
    """draw_block for three seeds and blocks 0 and 3 (out of order) equals the definition
    computed step by step from the pure-Python SplitMix64 reference."""
    sch = Schedule(name, n, b)
    ids = [0, 5, 2**40]
    keys = batch_keys(11, ids)
    for block in (3, 0):
        blk = sch.draw_block(keys, block)
        k = sch.block_steps
        for row, i in enumerate(ids):
            key = key_reference(11, i)
            for kk in (0, 1, k // 2, k - 1):
                want = _reference_batch(name, n, b, key, block * k + kk)
                assert blk[row, kk].tolist() == want, (block, i, kk)


@pytest.mark.parametrize("name", ["random", "replacement", "reshuffle", "cyclic"])
def test_batches_do_not_depend_on_the_block_size(name, monkeypatch):
    """The block is a unit of work only: 40 steps drawn with blocks of 32, 4 and 6 steps
    (reshuffle: rounded to whole epochs) are the same bits."""
    want = [x.tolist() for x in batches(name, 8, 3, seed_index=3, seed=2, steps=40)]
    for size in (4, 6):
        monkeypatch.setattr(schedules, "BLOCK_STEPS", size)
        got = [x.tolist() for x in batches(name, 8, 3, seed_index=3, seed=2, steps=40)]
        assert got == want, size


def test_replacement_repeats_and_random_pairs():
    """Statistical sanity on real streams (the laws themselves are exact, above): the pair
    inclusion P(j in B, k not in B) = b (n - b) / (n (n - 1)) (theory's move probability)
    at one pre-declared level, and replacement batches do repeat an index."""
    n, b = 7, 3
    rows = np.array(list(batches("random", n, b, seed_index=0, steps=40_000)))
    in0 = np.any(rows == 0, axis=1)
    in1 = np.any(rows == 1, axis=1)
    p = float(formulas.move_probability("random")(n, b))
    assert stats.binomtest(int(np.sum(in0 & ~in1)), rows.shape[0], p).pvalue > ALPHA
    rep = np.array(list(batches("replacement", 5, 3, steps=200)))
    assert np.any(rep[:, 0] == rep[:, 1])


@pytest.mark.parametrize(("n", "b"), [(10, 3), (9, 3), (5, 5), (7, 1)])
def test_reshuffle_epochs_are_permutations_and_differ(n, b):
    nb = math.ceil(n / b)
    it = batches("reshuffle", n, b, seed_index=2, steps=nb * 40)
    seen: list[np.ndarray] = []
    epochs = []
    for t, batch in enumerate(it):
        seen.append(batch)
        assert batch.size == (b if (t % nb) < nb - 1 or n % b == 0 else n % b)
        if len(seen) == nb:
            order = np.concatenate(seen).tolist()
            assert sorted(order) == list(range(n))
            epochs.append(tuple(order))
            seen = []
    if n > 1:  # 40 epochs of n! orders: a repeat of one order 40 times is impossible
        assert len(set(epochs)) > 1


def test_cyclic_and_full():
    assert [x.tolist() for x in batches("cyclic", 5, 2, steps=4)] == [
        [0, 1],
        [2, 3],
        [4, 0],
        [1, 2],
    ]
    assert [x.tolist() for x in batches("full", 3, 3, steps=2)] == [[0, 1, 2], [0, 1, 2]]
    assert Schedule("cyclic", 6, 4).gcd == 2


@pytest.mark.parametrize("name", ["random", "replacement", "reshuffle"])
def test_batches_are_a_prefix_whatever_the_length(name):
    short = list(batches(name, 8, 3, seed_index=4, seed=1, steps=5))
    long = list(batches(name, 8, 3, seed_index=4, seed=1, steps=32 * 2 + 7))
    for x, y in zip(short, long, strict=False):
        np.testing.assert_array_equal(x, y)
    other = list(batches(name, 8, 3, seed_index=5, seed=1, steps=5))
    assert any(not np.array_equal(x, y) for x, y in zip(short, other, strict=True))


def test_schedule_validation():
    with pytest.raises(DomainError):
        Schedule("sorted", 5, 2)
    with pytest.raises(DomainError):
        Schedule("random", 5, 6)
    with pytest.raises(DomainError):
        Schedule("full", 5, 4)
    with pytest.raises(DomainError, match="steps"):  # past the counter range
        Schedule("random", 5, 2).draw_block(_NO_KEYS, 2**56)


@pytest.mark.parametrize("branch", ["pairwise", "table"])
@given(data=st.data())
def test_floyd_branches_give_the_same_subsets(branch: str, data: st.DataObject) -> None:
    """The pairwise (b <= 24) and table (b > 24) membership tests of floyd_block give the
    same members, on any draws (Hypothesis chooses the 32-bit words)."""
    if branch == "pairwise":
        n_ = data.draw(st.integers(1, 30), label="n")
        b_ = data.draw(st.integers(1, min(n_, 24)), label="b")
    else:
        n_ = data.draw(st.integers(25, 40), label="n")
        b_ = data.draw(st.integers(25, n_), label="b")
    x = np.array(data.draw(st.lists(st.integers(0, 2**32 - 1), min_size=b_, max_size=b_),
                           label="draws"), dtype=np.uint64)[None, :, None]
    c = np.arange(b_, dtype=np.uint64)[None]
    got = floyd_block(x, n_, _NO_KEYS, c)[0, :, 0].tolist()
    old = schedules._PAIRWISE_MAX_B
    try:
        schedules._PAIRWISE_MAX_B = 0 if branch == "pairwise" else 100
        other = floyd_block(x, n_, _NO_KEYS, c)[0, :, 0].tolist()
    finally:
        schedules._PAIRWISE_MAX_B = old
    assert got == other
    assert len(set(got)) == b_ and all(0 <= v < n_ for v in got)
