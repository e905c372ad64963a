"""Generic random walks on [0, inf) (numerics.random_walk): laws, seeding, the exact
second-moment identity, escape and return statistics, argument validation.

Statistical checks use fixed seeds and pre-declared levels (stated in each test); no test
re-draws.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp

from numerics.random_walk import (
    FiniteLaw,
    escape_fraction,
    lamperti_law,
    return_growth,
    second_moment_check,
    simulate_walk,
    two_point_law,
)
from numerics.stats import wilson_interval
from theory.domain import DomainError

R = sp.Rational


def test_two_point_law_moments() -> None:
    x = sp.Symbol("x", positive=True)
    law = two_point_law(R(1, 2) / x, sp.Integer(4), x, 1.0)
    xs = np.array([1.0, 2.0, 10.0])
    m1, m2 = law.moments(xs)
    np.testing.assert_allclose(m1, 0.5 / xs, rtol=1e-14)
    np.testing.assert_allclose(m2, 4.0, rtol=1e-14)
    assert two_point_law(R(1, 2) / x, sp.Integer(4), x, 1.0) is law  # cached


def test_paths_depend_only_on_seed_and_index() -> None:
    law = lamperti_law(0.3, 1.0)
    a = simulate_walk(law, 2.0, 700, 3, seed=11)
    bb = simulate_walk(law, 2.0, 700, 9, seed=11)
    np.testing.assert_array_equal(a.x, bb.x[:3])
    np.testing.assert_array_equal(a.mart, bb.mart[:3])
    c = simulate_walk(law, 2.0, 700, 3, seed=12)
    assert not np.array_equal(a.x, c.x)


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
    res = simulate_walk(_three_point((0.0, 0.0, 1.0)), 2.0, 10, 4, seed=3)
    assert res.x.tolist() == [12.0] * 4
    assert res.returns.tolist() == [0] * 4
    chk = second_moment_check(res)
    assert (chk["mean"], chk["se"], chk["z"], chk["passed"]) == (0.0, 0.0, 0.0, True)
    assert chk["mean_x2"] == 144.0
    still = simulate_walk(_three_point((0.0, 1.0, 0.0)), 2.0, 10, 4, seed=3)
    assert still.x.tolist() == [2.0] * 4


def test_second_moment_check_uses_the_standard_error_of_the_mean() -> None:
    """se = sample sd (ddof = 1) / sqrt(paths); passes iff |mean/se| <= z_{(1+conf)/2}."""
    res = simulate_walk(_three_point((0.0, 0.0, 1.0)), 0.0, 3, 3, seed=0)
    res = dataclasses.replace(res, mart=np.array([0.0, 1.0, 2.0]))
    chk = second_moment_check(res)
    assert chk["mean"] == 1.0
    assert math.isclose(chk["se"], 1 / math.sqrt(3), rel_tol=1e-15)
    assert math.isclose(chk["z"], math.sqrt(3), rel_tol=1e-15)
    assert chk["passed"] is True  # sqrt(3) < z_0.995 = 2.576
    assert second_moment_check(res, confidence=0.8)["passed"] is False  # z_0.9 = 1.2816


def test_second_moment_identity_clt_band() -> None:
    # pre-declared: 99% CLT band, three fixed configurations (Bonferroni: each at 99.67%)
    for c, seed in ((0.8, 1), (0.0, 2), (-1.0, 3)):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 2000, 400, seed=seed, escape_level=40.0)
        chk = second_moment_check(res, confidence=1 - 0.01 / 3)
        assert chk["passed"], chk


def test_second_moment_negative_control() -> None:
    # a mislabelled law (drift doubled in the bookkeeping) must fail the identity
    res = simulate_walk(lamperti_law(1.0, 1.0), 1.0, 2000, 400, seed=4)
    wrong = res.mart - 1.0 * res.steps  # pretend mu_2 was 2 instead of 1
    res.mart = wrong
    assert not second_moment_check(res, confidence=0.999)["passed"]


def test_escape_ordered_as_classified() -> None:
    # pre-declared 99% Wilson intervals must be ordered and disjoint
    fr = []
    for c in (-1.0, 0.0, 1.5):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 4000, 400, seed=5, escape_level=60.0)
        fr.append(escape_fraction(res, confidence=0.99))
    assert fr[0]["ci_high"] < fr[1]["ci_low"] and fr[1]["ci_high"] < fr[2]["ci_low"]


def test_return_growth_separates_regimes() -> None:
    ex = {}
    for c in (-1.0, 0.0, 1.5):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, 4000, 300, seed=6)
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
    with pytest.raises(DomainError, match="escape_level"):
        simulate_walk(lamperti_law(0.0, 1.0), 5.0, 10, 2, escape_level=1.0)
    with pytest.raises(DomainError):
        wilson_interval(1, 0)
