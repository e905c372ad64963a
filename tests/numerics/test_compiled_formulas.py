"""numerics.formulas: the theory's formulas as NumPy functions, against the SymPy
expressions they are compiled from and against the claims as the SPEC states them (or by
enumeration), at a few points."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from numerics import formulas
from numerics.config import SCHEDULES
from theory import dynamics, hessian, stationary
from theory import walk as theory_walk
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.domain import DomainError
from theory.model import reduced_loss
from theory.symbols import P_plus, S, b, d, eta, m, n, r, s


def _close(got: object, want: object) -> bool:
    return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-15)  # type: ignore[arg-type]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_stability_bound_from_theory(schedule: str) -> None:
    for b_ in (1, 2, 4, 9):
        got = formulas.stability_bound(schedule, b_)
        assert type(got) is float
        assert got == float(dynamics.stability_bound_gamma(schedule).subs(b, b_))
        assert got == (0.5 / b_ if schedule == "replacement" else 0.5)
    assert formulas.stability_bound("replacement", 4) == 1 / 8


def test_stability_bound_rejects_an_unknown_schedule() -> None:
    with pytest.raises(DomainError):
        formulas.stability_bound("sometimes", 2)


def _enumerated_move_probability(schedule: str, n_: int, b_: int) -> Fraction:
    """P(0 in B, 1 not in B) by listing every batch (subsets, or sequences of b draws)."""
    if schedule == "full":
        return Fraction(0)
    batches = (itertools.combinations(range(n_), b_) if schedule == "random"
               else itertools.product(range(n_), repeat=b_))
    rows = list(batches)
    return Fraction(sum(1 for c in rows if 0 in c and 1 not in c), len(rows))


@pytest.mark.parametrize("schedule", ["random", "replacement", "full"])
def test_move_probability_against_theory_and_enumeration(schedule: str) -> None:
    fn = formulas.move_probability(schedule)
    for n_, b_ in [(2, 1), (5, 2), (6, 3), (4, 4)]:
        if schedule == "full" and b_ != n_:
            continue
        exact = theory_walk.move_probability(schedule).subs({n: n_, b: b_})
        assert _close(fn(n_, b_), exact)
        assert _close(fn(n_, b_), _enumerated_move_probability(schedule, n_, b_))


def test_variance_scale_against_theory_and_the_claim() -> None:
    fn = formulas.variance_scale()
    for (n_, b_), eta_ in itertools.product([(5, 2), (7, 3), (40, 7)], (0.1, 0.6)):
        exact = theory_walk.variance_scale()["in_eta"].subs({eta: sp.nsimplify(eta_), n: n_,
                                                              b: b_})
        assert _close(fn(eta_, n_, b_), exact)
        # walk.variance_scale as stated: 2 eta^2 (n - b)/(b n (n - 1)) = 2 p gamma^2
        assert _close(fn(eta_, n_, b_), 2 * eta_**2 * (n_ - b_) / (b_ * n_ * (n_ - 1)))
    assert float(fn(0.5, 10, 10)) == 0.0  # b = n: no variance


@pytest.mark.parametrize(("conventions", "ratio"), [(RELU, 2), (RELU1, 2), (LINEAR, 1)])
def test_alignment_scales(conventions: Conventions, ratio: int) -> None:
    full = formulas.alignment_scale_full_batch(conventions)
    sparse = formulas.alignment_scale_sparse()
    for n_, d_ in [(20, 40), (100, 1000), (7, 7)]:
        expected = dynamics.alignment_ratio_of_expectations(conventions).subs({n: n_, d: d_})
        assert _close(full(n_, d_), sp.sqrt(expected))
        assert _close(full(n_, d_), math.sqrt(n_ / (ratio * d_)))  # gd.dense_aligned
        assert _close(sparse(n_, d_), dynamics.max_abs_gaussian_scale().subs({n: n_, d: d_}))
        assert _close(sparse(n_, d_), math.sqrt(2 * math.log(n_) / d_))  # sgd.orthogonal


@pytest.mark.parametrize("conventions", [RELU, RELU1, LINEAR], ids=["relu0", "relu1", "linear"])
def test_trace_gap(conventions: Conventions) -> None:
    fn = formulas.trace_gap(conventions)
    p_plus = np.array([1.0, 3.0, 7.0])
    got = fn(p_plus, 7)
    assert got.shape == (3,)
    want = [float(hessian.trace_gap(conventions).subs({P_plus: int(k), n: 7})) for k in p_plus]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    # hessian.trace_gap: (|P+| - 1)/n for relu with relu'(0) = 0, 0 otherwise
    gap = (p_plus - 1) / 7 if conventions == RELU else np.zeros(3)
    np.testing.assert_allclose(got, gap, rtol=1e-12, atol=0)


@pytest.mark.parametrize("conventions", [RELU, RELU1, LINEAR], ids=["relu0", "relu1", "linear"])
def test_sigma_and_sigma_prime(conventions: Conventions) -> None:
    a = np.array([-0.5, 0.0, 0.25])
    np.testing.assert_array_equal(formulas.sigma(conventions)(a),
                                  np.maximum(a, 0.0) if conventions.is_relu else a)
    h0 = float(conventions.relu_prime_at_zero) if conventions.is_relu else 1.0
    want = [0.0 if conventions.is_relu else 1.0, h0, 1.0]
    np.testing.assert_array_equal(formulas.sigma_prime(conventions)(a), want)
    assert formulas.sigma(conventions)(np.zeros((2, 3))).shape == (2, 3)  # broadcast


def test_loss_minimum_and_trace_formulas_against_theory() -> None:
    for r_, s_, n_, d_, m_ in [(0.5, 0.25, 3, 5, 2), (1.0, 1.0, 7, 11, 1), (1.7, 0.3, 4, 4, 4)]:
        at = {r: sp.nsimplify(r_), S: sp.nsimplify(s_), n: n_, d: d_, m: m_}
        assert _close(formulas.loss_reduced()(r_, s_, n_), reduced_loss().subs(at))
        assert _close(formulas.min_loss()(n_), stationary.min_value()["value"].subs(n, n_))
        assert _close(formulas.hessian_trace()(d_, n_, s_, r_, m_),
                      hessian.hessian_trace().subs(at))
        for name, expr in hessian.hessian_coefficients().items():
            assert _close(formulas.hessian_coefficients()[name](s_, r_, n_), expr.subs(at))
        assert _close(formulas.trace_at_min()(d_, n_, m_),
                      hessian.trace_at_min().subs({d: d_, n: n_, s: m_}))


def test_formulas_are_cached() -> None:
    assert formulas.move_probability("random") is formulas.move_probability("random")
    assert formulas.trace_gap(RELU) is formulas.trace_gap(Conventions("relu", 0))
    assert formulas.variance_scale() is formulas.variance_scale()
