"""Tests added for surviving mutants of tools/mutation.py (issue 6, second run, seed 11):
theory/lamperti.py and numerics/walk.py.  See README.md, "Measured score".

Each test checks documented behaviour on a small exact case (no statistics).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp

from numerics.sgd import simulate
from numerics.walk import (
    FiniteLaw,
    second_moment_check,
    simulate_sgd_top_gap,
    simulate_walk,
    top_gap,
)
from theory.errors import DomainError
from theory.lamperti import (
    classify_birth_death,
    classify_lamperti,
    first_valid_site,
    lamperti_family,
    series_convergence,
)

X = sp.Symbol("x", positive=True)
R = sp.Rational


# ---------------------------------------------------------------------- theory/lamperti.py
def test_lamperti_family_accepts_any_positive_s2() -> None:
    """mu_2 = s2 only has to be > 0 (bounded below): s2 = 1/2 and 1 are valid, 0 is not."""
    assert lamperti_family(1, R(1, 2)) == (1 / X, R(1, 2), X)
    assert lamperti_family(-2, 1) == (-2 / X, 1, X)
    with pytest.raises(DomainError):
        lamperti_family(1, 0)


def test_null_recurrent_margin_is_distance_of_nearer_limit() -> None:
    """mu_1 = -1/(4x), mu_2 = 1: 2x mu_1 - mu_2 -> -3/2 < 0 and 2x mu_1 + mu_2 -> 1/2 > 0,
    decided by Lamperti's plain criterion with margin min(3/2, 1/2) (no log refinement)."""
    v = classify_lamperti(R(-1, 4) / X, 1)
    assert v.classification == "null-recurrent"
    assert v.margin == 0.5
    assert v.criterion == (
        "2 x mu_1 - mu_2 -> -3/2 < 0 and 2 x mu_1 + mu_2 -> 1/2 > 0 (Lamperti)"
    )
    assert "log_refinement" not in v.details


def test_ratio_test_margin_is_distance_from_one() -> None:
    """Ratio test: rho_i -> L != 1 decides, margin |L - 1|."""
    i = sp.Symbol("i", positive=True)
    conv = series_convergence(sp.Rational(1, 2), i)
    assert (conv.verdict, conv.margin) == ("converges", 0.5)
    div = series_convergence(sp.Integer(3), i)
    assert (div.verdict, div.margin) == ("diverges", 2.0)


def test_first_valid_site_scan_includes_search() -> None:
    """When SymPy cannot solve {p_x <= 0} u {p_x >= 1} (cos(pi x) here) the scan covers
    1..search inclusive.  p_x = 1/2 + 3 cos(pi x)/(2x) is -1, 5/4, 0 at x = 1, 2, 3 and in
    (0, 1) from x = 4 on (the lattice form of c = 3)."""
    p = R(1, 2) + 3 * sp.cos(sp.pi * X) / (2 * X)
    assert first_valid_site(p, X, search=3) == 4
    assert first_valid_site(p, X, search=2) == 3


def test_stationary_series_is_prod_p_i_over_q_i_plus_1() -> None:
    """p_x = 1/2 - 1/x (x0 = 3): Pi = sum_{k>=3} prod_{i=3}^k p_i/q_(i+1), with
    p_i/q_(i+1) = (i-2)(i+1)/(i(i+3)), so the product telescopes to 40/((k-1)k(k+2)(k+3))
    and Pi = 7/18, both from SymPy's closed form and from mpmath.nsum."""
    p = R(1, 2) - 1 / X
    direct = sum(
        40.0 / ((k - 1) * k * (k + 2) * (k + 3)) for k in range(3, 20000)
    )
    assert abs(direct - 7 / 18) < 1e-11
    for closed in (True, False):
        v = classify_birth_death(p, closed_form=closed, evaluate=True)
        assert v.classification == "positive-recurrent"
        assert v.details["x0"] == 3
        assert abs(v.details["stationary_series"]["value"] - 7 / 18) < 1e-12
    assert "sum prod p_i/q_(i+1) = 7/18" in classify_birth_death(p).criterion


def test_clip_note_only_when_first_valid_site_exceeds_one() -> None:
    """The criterion mentions the p_x -> 1/2 replacement exactly when x0 > 1."""
    at_two = classify_birth_death(R(1, 2) + 1 / (2 * X))  # p_1 = 1: x0 = 2
    assert at_two.details["x0"] == 2
    assert at_two.criterion.endswith(
        "; p_x replaced by 1/2 for 1 <= x < 2 (p_x not in (0,1) there)"
    )
    at_one = classify_birth_death(R(1, 2) + 1 / (4 * X))  # p_1 = 3/4: x0 = 1
    assert at_one.details["x0"] == 1
    assert "replaced" not in at_one.criterion


# ---------------------------------------------------------------------- numerics/walk.py
def _three_point(probs: tuple[float, float, float]) -> FiniteLaw:
    vals = np.array([-1.0, 0.0, 1.0])
    pr = np.array(probs)

    def values(xx: np.ndarray) -> np.ndarray:
        return np.repeat(vals[:, None], xx.shape[0], axis=1)

    def probs_fn(xx: np.ndarray) -> np.ndarray:
        return np.repeat(pr[:, None], xx.shape[0], axis=1)

    return FiniteLaw(values, probs_fn, 0.0, f"three-point {probs}")


def test_three_point_law_with_all_mass_on_last_point_is_deterministic() -> None:
    """FiniteLaw has K support points, drawn by inverse CDF: all mass on the last point
    (+1) moves every path by +1 each step; then M = X_T^2 - X_0^2 - sum(2 X_t mu_1 + mu_2)
    is exactly 0 on every path, so the second-moment check has mean 0, se 0 and z = 0."""
    res = simulate_walk(_three_point((0.0, 0.0, 1.0)), 2.0, 10, 4, root=3)
    assert res.x.tolist() == [12.0] * 4
    assert res.returns.tolist() == [0] * 4
    chk = second_moment_check(res)
    assert (chk["mean"], chk["se"], chk["z"], chk["passed"]) == (0.0, 0.0, 0.0, True)
    assert chk["mean_x2"] == 144.0
    still = simulate_walk(_three_point((0.0, 1.0, 0.0)), 2.0, 10, 4, root=3)
    assert still.x.tolist() == [2.0] * 4


def test_second_moment_check_uses_the_standard_error_of_the_mean() -> None:
    """se = sample sd (ddof = 1) / sqrt(paths); passes iff |mean/se| <= z_{(1+conf)/2}."""
    res = simulate_walk(_three_point((0.0, 0.0, 1.0)), 0.0, 3, 3, root=0)
    res = dataclasses.replace(res, mart=np.array([0.0, 1.0, 2.0]))
    chk = second_moment_check(res)
    assert chk["mean"] == 1.0
    assert math.isclose(chk["se"], 1 / math.sqrt(3), rel_tol=1e-15)
    assert math.isclose(chk["z"], math.sqrt(3), rel_tol=1e-15)
    assert chk["passed"] is True  # sqrt(3) < z_0.995 = 2.576
    assert second_moment_check(res, confidence=0.8)["passed"] is False  # z_0.9 = 1.2816


def test_sgd_top_gap_final_value_is_the_gap_at_the_last_step() -> None:
    """g_final is G at step ``steps`` of the very SGD runs (numerics.sgd.simulate, d = n)."""
    n, b, eta, steps, paths = 6, 2, 0.4, 150, 5
    res = simulate_sgd_top_gap(n, b, eta, steps, paths, root=3)
    assert res.record_times[-1] == steps
    ref = simulate(n, n, b, eta, steps, paths, root_seed=3, checkpoints=0)
    with np.errstate(divide="ignore", under="ignore"):
        np.testing.assert_array_equal(res.g_final, top_gap(ref.a))
    assert not np.array_equal(res.record_g[-2], res.record_g[-1])
