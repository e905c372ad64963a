"""The walks SGD induces on its coordinates (numerics.sgd_walk): the top gap and log-ratio
readings, the engine's one-step law against the exact law of theory.walk, and the top-gap
walk of SGD runs (escapes iff b < n).

Statistical checks use fixed seeds and pre-declared levels (stated in each test); no test
re-draws.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from numerics.sgd import simulate
from numerics.sgd_walk import (
    empirical_log_ratio_increments,
    exact_log_ratio_law,
    log_ratio,
    simulate_sgd_top_gap,
    top_gap,
)
from numerics.stats import wilson_interval
from theory.conventions import LINEAR
from theory.domain import DomainError
from theory.symbols import S_B, b, gamma, n, r
from theory.walk import c_batch, coupling_drift, move_probability

R = sp.Rational


def test_top_gap_and_log_ratio() -> None:
    a = np.array([[0.5, 0.25, -3.0], [-1.0, 0.0, 2.0], [-1.0, -2.0, -3.0]])
    g = top_gap(a)
    assert g[0] == pytest.approx(math.log(2)) and g[1] == math.inf and math.isnan(g[2])
    assert top_gap(a[0], LINEAR) == pytest.approx(math.log(6))
    np.testing.assert_allclose(log_ratio(a[:1], 0, 1), [math.log(2)])
    with pytest.raises(DomainError):
        log_ratio(a[1:2], 0, 1)


@pytest.mark.parametrize(("schedule", "b_"), [("random", 1), ("random", 3), ("replacement", 2)])
def test_empirical_one_step_law_matches_exact(schedule: str, b_: int) -> None:
    st = [0.6, 0.3, 0.2, 0.15, 0.1]
    draws = 20_000
    vals, probs = exact_log_ratio_law(st, 0, 1, 0.4, b_, schedule=schedule)
    inc = empirical_log_ratio_increments(st, 0, 1, 0.4, b_, draws, schedule=schedule, seed=3)
    # every increment is one of the exact support points (to float rounding)
    idx = np.argmin(np.abs(inc[:, None] - vals[None, :]), axis=1)
    assert np.max(np.abs(inc - vals[idx])) < 1e-12
    # frequencies: pre-declared 99.9% Wilson interval per support point (Bonferroni over
    # the support: overall level >= 1 - 0.001 * K)
    for m, pm in enumerate(probs):
        lo, hi = wilson_interval(int((idx == m).sum()), draws, 0.999)
        assert lo <= pm <= hi, (m, pm, lo, hi)
    if schedule == "random":
        pv = float(move_probability().subs({n: 5, b: b_}))
        moved = int((np.abs(inc) > 1e-14).sum())
        lo, hi = wilson_interval(moved, draws, 0.999)
        assert lo <= 2 * pv <= hi
        step = float(sp.log(1 + c_batch()).subs({gamma: R(2, 5) / b_, r: sum(v**2 for v in st),
                                                 S_B: R(9, 25)}))
        if b_ == 1:  # the j-only batch is {0}: S_B = a_0^2, step log(1 + c_B)
            assert np.isclose(vals.max(), step, rtol=1e-12)


def test_monte_carlo_drift_large_n() -> None:
    # n = 30: exact by the coupling (C(28, 2) subsets), Monte Carlo over 200000 batches;
    # pre-declared 99.9% CLT band.
    rng = np.random.default_rng(0)
    st = np.abs(rng.normal(0, 1 / math.sqrt(30), 30))
    st[0], st[1] = 0.7, 0.4
    st_q = [sp.Rational(float(v)) for v in st]
    ex = float(coupling_drift(st_q, 0, 1, sp.Rational(0.2), 3, dps=30))
    inc = empirical_log_ratio_increments(st, 0, 1, 0.6, 3, 200_000, seed=8)
    mean, se = inc.mean(), inc.std(ddof=1) / math.sqrt(inc.size)
    z = stats.norm.ppf(0.9995)
    assert abs(mean - ex) < z * se
    assert ex > 0 and mean - z * se > 0  # outward, and resolved by the simulation


def test_sgd_top_gap_escapes_iff_b_less_than_n() -> None:
    small = simulate_sgd_top_gap(n=6, batch_size=2, step_size=0.5, steps=4000, paths=120,
                                 seed=1).summary(0.99)
    assert small["escaped_ci"][0] > 0.9 and small["moved_fraction"] == 1.0
    full = simulate_sgd_top_gap(n=6, batch_size=6, step_size=0.3, steps=4000, paths=120,
                                schedule="full", seed=1).summary(0.99)
    assert full["moved_fraction"] == 0.0 and full["escaped_fraction"] == 0.0


def test_sgd_top_gap_final_value_is_the_gap_at_the_last_step() -> None:
    """g_final is G at step ``steps`` of the very SGD runs (numerics.sgd.simulate, d = n)."""
    n_, b_, eta, steps, paths = 6, 2, 0.4, 150, 5
    res = simulate_sgd_top_gap(n=n_, batch_size=b_, step_size=eta, steps=steps, paths=paths,
                               seed=3)
    assert res.record_times[-1] == steps
    ref = simulate(n_, n_, b_, eta, steps, paths, seed=3, checkpoints=0)
    with np.errstate(divide="ignore", under="ignore"):
        np.testing.assert_array_equal(res.g_final, top_gap(ref.a))
    assert not np.array_equal(res.record_g[-2], res.record_g[-1])


def test_sgd_top_gap_bad_input() -> None:
    small = {"n": 6, "steps": 10, "paths": 2}
    with pytest.raises(DomainError, match="step_size"):
        simulate_sgd_top_gap(batch_size=2, step_size=1.5, **small)
    with pytest.raises(DomainError, match="batch_size"):
        simulate_sgd_top_gap(batch_size=7, step_size=0.1, **small)
    with pytest.raises(DomainError, match="escape_level"):
        simulate_sgd_top_gap(batch_size=2, step_size=0.5, escape_level=-1.0, **small)
