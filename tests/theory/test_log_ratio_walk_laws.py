"""The SGD log-ratio walk in theory.walk: its exact one-step law, drift and variance.

Exact checks by enumeration of batches and 50-digit mpmath (SPEC ``walk.log_ratio``,
``walk.outward_drift``, ``walk.stability_at_xk``, ``walk.variance_scale``).
"""

from __future__ import annotations

import itertools
import random

import mpmath
import pytest
import sympy as sp

from theory.conventions import LINEAR, RELU, Conventions
from theory.domain import DomainError
from theory.symbols import S, a_j, a_k, b, gamma, n, p, r
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


@pytest.mark.parametrize("conventions", [LINEAR, RELU], ids=["linear", "relu"])
def test_log_ratio_cases_from_step_map(conventions: Conventions) -> None:
    cases = log_ratio_increment_cases(conventions)
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
