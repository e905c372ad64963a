"""Batch schedules: exact laws, block invariance, the reshuffle epoch structure."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from numerics import batches, formulas
from numerics.schedules import BLOCK_STEPS, Schedule, floyd_decode
from theory.domain import DomainError

# Pre-declared level for the distribution tests; a Bonferroni share over the three tests.
ALPHA = 1e-6 / 3


def test_floyd_gives_uniform_subsets():
    n, b, rows = 6, 3, 120_000
    u = np.random.default_rng(0).random((rows, b))
    out = np.sort(floyd_decode(u, n), axis=1)
    assert np.all(out[:, 1:] > out[:, :-1])
    subsets = {c: k for k, c in enumerate(itertools.combinations(range(n), b))}
    codes = np.array([subsets[tuple(r)] for r in out.tolist()])
    counts = np.bincount(codes, minlength=len(subsets))
    assert stats.chisquare(counts).pvalue > ALPHA


def test_floyd_dense_table_path_equals_pairwise_path(monkeypatch):
    from numerics import schedules

    u = np.random.default_rng(1).random((500, 30))
    pairwise = floyd_decode(u, 40)
    monkeypatch.setattr(schedules, "_PAIRWISE_MAX_B", 0)
    np.testing.assert_array_equal(floyd_decode(u, 40), pairwise)


def test_replacement_is_uniform_iid():
    sch = Schedule("replacement", 5, 3)
    blk = np.concatenate([sch.draw_block([np.random.default_rng(i)], 0)[0] for i in range(800)])
    counts = np.bincount(blk.reshape(-1), minlength=5)
    assert stats.chisquare(counts).pvalue > ALPHA
    assert np.any(blk[:, 0] == blk[:, 1])  # repeats happen


def test_random_schedule_pair_inclusion_probability():
    """P(j in B, k not in B) = b (n - b) / (n (n - 1)) (SPEC walk.log_ratio, from theory)."""
    n, b = 7, 3
    rows = np.concatenate(list(batches("random", n, b, seed_index=0, steps=40_000)))
    rows = rows.reshape(-1, b)
    hit = np.isin(0, rows[:, :], assume_unique=False)
    in0 = np.any(rows == 0, axis=1)
    in1 = np.any(rows == 1, axis=1)
    p = float(formulas.move_probability("random")(n, b))
    k = int(np.sum(in0 & ~in1))
    assert stats.binomtest(k, rows.shape[0], p).pvalue > ALPHA
    assert hit  # sanity


@pytest.mark.parametrize(("n", "b"), [(10, 3), (9, 3), (5, 5), (7, 1)])
def test_reshuffle_epochs_are_permutations(n, b):
    it = batches("reshuffle", n, b, seed_index=2, steps=math.ceil(n / b) * 40)
    nb = math.ceil(n / b)
    seen = []
    for t, batch in enumerate(it):
        seen.append(batch)
        assert batch.size == (b if (t % nb) < nb - 1 or n % b == 0 else n % b)
        if len(seen) == nb:
            assert sorted(np.concatenate(seen).tolist()) == list(range(n))
            seen = []


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
    long = list(batches(name, 8, 3, seed_index=4, seed=1, steps=BLOCK_STEPS * 2 + 7))
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


def _floyd_reference(u: list[float], n_: int) -> list[int]:
    """Floyd's algorithm in plain Python (the definition in ``numerics.schedules``)."""
    b_ = len(u)
    chosen: list[int] = []
    for k in range(b_):
        j = n_ - b_ + k
        t = min(math.floor(u[k] * (j + 1)), j)
        chosen.append(j if t in chosen else t)
    return chosen


@pytest.mark.parametrize("branch", ["pairwise", "table"])
@given(data=st.data())
def test_floyd_decode_matches_the_definition_on_both_branches(
    branch: str, data: st.DataObject
) -> None:
    """Both code paths of ``floyd_decode`` (pairwise for b <= 24, table for b > 24) give
    the subset of the plain definition, for u on the 2^-53 grid."""
    if branch == "pairwise":
        n_ = data.draw(st.integers(1, 30), label="n")
        b_ = data.draw(st.integers(1, min(n_, 24)), label="b")
    else:
        n_ = data.draw(st.integers(25, 40), label="n")
        b_ = data.draw(st.integers(25, n_), label="b")
    grid = data.draw(st.lists(st.integers(0, 2**53 - 1), min_size=b_, max_size=b_), label="u")
    u = [g / 2**53 for g in grid]
    got = floyd_decode(np.array([u]), n_)[0].tolist()
    assert got == _floyd_reference(u, n_)
    assert len(set(got)) == b_ and all(0 <= x < n_ for x in got)
