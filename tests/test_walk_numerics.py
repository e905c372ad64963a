"""The SGD log-ratio walk (theory.walk) and the walk simulator (numerics.walk).

Statistical checks use fixed seeds and pre-declared levels (stated in each test); no test
re-draws.  Exact checks use exact enumeration of batches and 50-digit mpmath.
"""

from __future__ import annotations

import itertools
import math
import random

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from numerics.walk import (
    empirical_log_ratio_increments,
    escape_fraction,
    exact_log_ratio_law,
    lamperti_law,
    log_ratio,
    return_growth,
    second_moment_check,
    simulate_sgd_top_gap,
    simulate_walk,
    top_gap,
    two_point_law,
    wilson_interval,
)
from theory.errors import DomainError
from theory.symbols import S_B, Conventions, S, a_j, a_k, b, gamma, n, p, r
from theory.walk import (
    c_batch,
    coupling_drift,
    cyclic_directions,
    drift_expansion,
    exact_drift,
    f_increasing_proof,
    log_ratio_increment_cases,
    log_ratio_increment_law,
    move_probability,
    stability_at_xk,
    variance_scale,
)

R = sp.Rational

# ------------------------------------------------------------------ theory: exact laws


@pytest.mark.parametrize("activation", ["linear", "relu"])
def test_log_ratio_cases_from_step_map(activation: str) -> None:
    cases = log_ratio_increment_cases(Conventions(activation))
    assert cases["j_only"] == sp.log(1 + c_batch())
    assert cases["k_only"] == -sp.log(1 + c_batch())
    assert cases["both"] == 0 and cases["neither"] == 0


def test_f_is_increasing() -> None:
    proof = f_increasing_proof()
    assert proof["positive"] is True
    u, v = sp.symbols("u v", positive=True)
    assert sp.simplify(proof["in_u_v"] - gamma * v / (u * (u + v))) == 0


@pytest.mark.parametrize(("n_", "b_"), [(3, 1), (4, 2), (5, 2), (5, 4), (6, 3)])
def test_move_probability_by_enumeration(n_: int, b_: int) -> None:
    combos = list(itertools.combinations(range(n_), b_))
    hits = sum(1 for c in combos if 0 in c and 1 not in c)
    assert move_probability("random").subs({n: n_, b: b_}) == R(hits, len(combos))
    seqs = list(itertools.product(range(n_), repeat=b_))
    hits = sum(1 for s in seqs if 0 in s and 1 not in s)
    assert move_probability("replacement").subs({n: n_, b: b_}) == R(hits, len(seqs))
    assert move_probability("full") == 0


def test_cyclic_directions_and_bad_schedule() -> None:
    assert cyclic_directions(6, 2, 0, 1) == [0, 0, 0]  # same block class (gcd = 2)
    # blocks {0,1} {2,3} {4,0} {1,2} {3,4}
    assert cyclic_directions(5, 2, 0, 1) == [0, 0, 1, -1, 0]
    with pytest.raises(DomainError):
        move_probability("cyclic")
    with pytest.raises(DomainError):
        move_probability("sometimes")


def _random_state(rng: random.Random, n_: int) -> list[sp.Rational]:
    # coordinates with r < 2 and distinct magnitudes; a[0] > a[1] > 0
    vals = [R(rng.randint(1, 40), 100) for _ in range(n_)]
    vals[0], vals[1] = max(vals[0], vals[1]) + R(1, 100), min(vals[0], vals[1])
    return [v if i < 2 or rng.random() < 0.7 else -v for i, v in enumerate(vals)]


@pytest.mark.parametrize("seed", range(6))
def test_exact_drift_equals_coupling_and_has_outward_sign(seed: int) -> None:
    rng = random.Random(seed)
    n_ = rng.randint(3, 6)
    b_ = rng.randint(1, n_ - 1)
    st = _random_state(rng, n_)
    g = R(rng.randint(1, 20), 100)
    ex = exact_drift(st, 0, 1, g, b_)
    co = coupling_drift(st, 0, 1, g, b_)
    assert abs(ex - co) < mpmath.mpf(10) ** -45
    assert ex > 0  # |a_0| > |a_1|, r < 2: pushed outward
    assert abs(exact_drift(st, 1, 0, g, b_) + ex) < mpmath.mpf(10) ** -45
    assert exact_drift(st, 0, 1, g, n_) == 0  # b = n: D never moves


def test_leading_and_next_order_drift() -> None:
    st = [R(1, 2), R(1, 3), R(1, 5), -R(1, 7), R(2, 9)]
    n_, b_ = 5, 2
    rr = sum(v**2 for v in st)
    ss = sum(v**2 for v in st if v > 0)  # relu: S counts active coordinates only
    e = drift_expansion()
    assert e["gamma2"] == sp.factor((2 - r) * (a_j**2 - a_k**2))
    pv = move_probability().subs({n: n_, b: b_})
    subs = {p: pv, a_j: st[0], a_k: st[1], r: rr, S: ss, n: n_, b: b_}
    errs2, errs3 = [], []
    for g in (R(1, 100), R(1, 1000)):
        ex = exact_drift(st, 0, 1, g, b_)
        d2 = sp.N((p * gamma**2 * e["gamma2"]).subs(subs).subs(gamma, g), 50)
        d3 = sp.N(e["drift"].subs(subs).subs(gamma, g), 50)
        errs2.append(abs(ex - d2) / g**3)
        errs3.append(abs(ex - d3) / g**4)
    # the gamma^2 formula is off by O(gamma^3), the gamma^3 one by O(gamma^4): the scaled
    # errors stay bounded when gamma shrinks tenfold (they converge to the next coefficient)
    assert float(errs2[1]) == pytest.approx(float(errs2[0]), rel=0.05)
    assert float(errs3[1]) < 2 * float(errs3[0]) + 1


def test_stability_at_xk_and_variance_scale() -> None:
    st = stability_at_xk()
    assert st["expected_log_increment"] == p * sp.log(1 - gamma**2)
    assert st["radial_multiplier"] == 1 - 4 * gamma
    assert st["growth_factors"]["i_only"] == 1 + gamma
    assert variance_scale()["variance"] == 2 * p * gamma**2


def test_losers_are_driftless_near_xk() -> None:
    # near x_0: a_0 = 1, two small losers a_1, a_2 of similar size
    st = [R(1), R(1, 1000), R(3, 2000), R(1, 1500)]
    g = R(1, 10)
    winner = exact_drift(st, 0, 1, g, 2)
    losers = exact_drift(st, 2, 1, g, 2)
    assert winner > 0
    assert abs(losers) < mpmath.mpf(10) ** -5 * abs(winner)


def test_exact_law_rejects_bad_states() -> None:
    with pytest.raises(DomainError):
        log_ratio_increment_law([R(1, 2), -R(1, 2), R(1, 4)], 0, 1, R(1, 10), 1)  # relu dead
    with pytest.raises(DomainError):
        log_ratio_increment_law([R(1, 2), R(1, 2)], 0, 0, R(1, 10), 1)
    with pytest.raises(DomainError):
        log_ratio_increment_law([R(3), R(3), R(3)], 0, 1, R(1, 2), 2)  # gamma S_B >= 1


# ------------------------------------------------------------------ numerics: generic walks


def test_two_point_law_moments() -> None:
    x = sp.Symbol("x", positive=True)
    law = two_point_law(R(1, 2) / x, sp.Integer(4), x, 1.0)
    xs = np.array([1.0, 2.0, 10.0])
    m1, m2 = law.moments(xs)
    np.testing.assert_allclose(m1, 0.5 / xs, rtol=1e-14)
    np.testing.assert_allclose(m2, 4.0, rtol=1e-14)
    assert two_point_law(R(1, 2) / x, sp.Integer(4), x, 1.0) is law  # cached


def test_paths_depend_only_on_root_and_index() -> None:
    law = lamperti_law(0.3, 1.0)
    a = simulate_walk(law, 2.0, 700, 3, root=11)
    bb = simulate_walk(law, 2.0, 700, 9, root=11)
    np.testing.assert_array_equal(a.x, bb.x[:3])
    np.testing.assert_array_equal(a.mart, bb.mart[:3])
    c = simulate_walk(law, 2.0, 700, 3, root=12)
    assert not np.array_equal(a.x, c.x)


def test_second_moment_identity_clt_band() -> None:
    # pre-declared: 99% CLT band, three fixed configurations (Bonferroni: each at 99.67%)
    for c, root in ((0.8, 1), (0.0, 2), (-1.0, 3)):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 2000, 400, root=root, stop_level=40.0)
        chk = second_moment_check(res, confidence=1 - 0.01 / 3)
        assert chk["passed"], chk


def test_second_moment_negative_control() -> None:
    # a mislabelled law (drift doubled in the bookkeeping) must fail the identity
    res = simulate_walk(lamperti_law(1.0, 1.0), 1.0, 2000, 400, root=4)
    wrong = res.mart - 1.0 * res.steps  # pretend mu_2 was 2 instead of 1
    res.mart = wrong
    assert not second_moment_check(res, confidence=0.999)["passed"]


def test_escape_ordered_as_classified() -> None:
    # pre-declared 99% Wilson intervals must be ordered and disjoint
    fr = []
    for c in (-1.0, 0.0, 1.5):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 4000, 400, root=5, stop_level=60.0)
        fr.append(escape_fraction(res, confidence=0.99))
    assert fr[0]["ci_high"] < fr[1]["ci_low"] and fr[1]["ci_high"] < fr[2]["ci_low"]


def test_return_growth_separates_regimes() -> None:
    ex = {}
    for c in (-1.0, 0.0, 1.5):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 4000, 300, root=6)
        ex[c] = return_growth(res)["growth_exponent"]
    # declared bands: positive recurrent ~1, simple walk ~1/2, transient ~0
    assert ex[-1.0] > 0.85
    assert 0.35 < ex[0.0] < 0.65
    assert ex[1.5] < 0.15


def test_bad_walk_input() -> None:
    with pytest.raises(DomainError, match="s2"):
        lamperti_law(1.0, -1.0)
    with pytest.raises(DomainError, match="x0"):
        simulate_walk(lamperti_law(0.0, 1.0), -1.0, 10, 2)
    with pytest.raises(DomainError, match="paths"):
        simulate_walk(lamperti_law(0.0, 1.0), 1.0, 10, 0)
    with pytest.raises(DomainError, match="stop_level"):
        simulate_walk(lamperti_law(0.0, 1.0), 5.0, 10, 2, stop_level=1.0)
    with pytest.raises(DomainError):
        wilson_interval(1, 0)


# ------------------------------------------------------------------ numerics: SGD walks


def test_top_gap_and_log_ratio() -> None:
    a = np.array([[0.5, 0.25, -3.0], [-1.0, 0.0, 2.0], [-1.0, -2.0, -3.0]])
    g = top_gap(a)
    assert g[0] == pytest.approx(math.log(2)) and g[1] == math.inf and math.isnan(g[2])
    assert top_gap(a[0], "linear") == pytest.approx(math.log(6))
    np.testing.assert_allclose(log_ratio(a[:1], 0, 1), [math.log(2)])
    with pytest.raises(DomainError):
        log_ratio(a[1:2], 0, 1)


@pytest.mark.parametrize(("schedule", "b_"), [("random", 1), ("random", 3), ("replacement", 2)])
def test_empirical_one_step_law_matches_exact(schedule: str, b_: int) -> None:
    st = [0.6, 0.3, 0.2, 0.15, 0.1]
    draws = 20_000
    vals, probs = exact_log_ratio_law(st, 0, 1, 0.4, b_, schedule=schedule)
    inc = empirical_log_ratio_increments(st, 0, 1, 0.4, b_, draws, schedule=schedule, root=3)
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
    inc = empirical_log_ratio_increments(st, 0, 1, 0.6, 3, 200_000, root=8)
    mean, se = inc.mean(), inc.std(ddof=1) / math.sqrt(inc.size)
    z = stats.norm.ppf(0.9995)
    assert abs(mean - ex) < z * se
    assert ex > 0 and mean - z * se > 0  # outward, and resolved by the simulation


def test_sgd_top_gap_escapes_iff_b_less_than_n() -> None:
    small = simulate_sgd_top_gap(6, 2, 0.5, 4000, 120, root=1).summary(0.99)
    assert small["escaped_ci"][0] > 0.9 and small["moved_fraction"] == 1.0
    full = simulate_sgd_top_gap(6, 6, 0.3, 4000, 120, schedule="full", root=1).summary(0.99)
    assert full["moved_fraction"] == 0.0 and full["escaped_fraction"] == 0.0


def test_sgd_top_gap_bad_input() -> None:
    with pytest.raises(DomainError, match="eta"):
        simulate_sgd_top_gap(6, 2, 1.5, 10, 2)
    with pytest.raises(DomainError, match="batch_size"):
        simulate_sgd_top_gap(6, 7, 0.1, 10, 2)
    with pytest.raises(DomainError, match="escape_level"):
        simulate_sgd_top_gap(6, 2, 0.5, 10, 2, escape_level=-1.0)
