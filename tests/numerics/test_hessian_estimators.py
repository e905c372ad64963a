"""Hessian trace three ways, and the two traces of a finished run (issue 3)."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import formulas, metrics, simulate
from numerics import hessian as nh
from theory import hessian
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.symbols import d, n, s

# Hutchinson: the estimate must lie within Z standard errors of the closed form.  With
# 200 Rademacher probes the mean is close to normal; Z = 4 is a two-sided level of about
# 6e-5 per check, 12 checks below: family-wise level below 1e-3 (Bonferroni).
Z = 4.0


def _random_states():
    rng = np.random.default_rng(7)
    for _ in range(3):
        d, n = 9, 5
        w = rng.normal(size=d) * rng.uniform(0.2, 0.8)
        yield w, d, n
    w = np.zeros(9)
    w[0] = 1.0  # a global minimum with zeros: the relu kink
    yield w, 9, 5


def _closed_trace(w: np.ndarray, d_: int, n_: int, conventions: Conventions) -> float:
    """tr H(w) by the closed form of the run metrics (numerics.metrics.trace_iterate)."""
    perp = np.array([np.linalg.norm(w[n_:])])
    return float(metrics.trace_iterate(w[None, :n_], perp, d_, conventions)[0])


@pytest.mark.parametrize("conventions", [RELU, RELU1, LINEAR, Conventions("linear", 1)],
                         ids=["relu0", "relu1", "linear0", "linear1"])
def test_closed_form_trace_vs_eigvalsh_vs_fd_vs_hutchinson(conventions):
    for k, (w, d_, n_) in enumerate(_random_states()):
        closed = _closed_trace(w, d_, n_, conventions)
        assert nh.dense_trace(w, n_, conventions) == pytest.approx(closed, abs=1e-12)
        assert nh.dense_trace(w, n_, conventions, method="fd") == pytest.approx(closed, abs=1e-6)
        np.testing.assert_allclose(
            nh.fd_matrix(w, n_, conventions),
            nh.closed_form_matrix(w, n_, conventions),
            atol=1e-6,
        )
        if k in (0, 3):
            est = nh.hutchinson_trace(w, n_, conventions, probes=200,
                                      rng=np.random.default_rng(k))
            assert est.contains(closed, Z), (est, closed)


def test_hutchinson_negative_control_wrong_trace_is_rejected():
    w, d_, n_ = next(_random_states())
    closed = _closed_trace(w, d_, n_, RELU)
    est = nh.hutchinson_trace(w, n_, RELU, probes=200, rng=np.random.default_rng(0))
    assert not est.contains(closed + 1.0 / n_ * 10, Z)


def test_hutchinson_interval_rejects_a_wrong_trace_on_a_diagonal_hessian() -> None:
    """At x_1 (relu) the Hessian is diagonal: z^T H z = tr H for every probe, the standard
    error is 0 and only the finite-difference tolerance (1e-6) separates right from wrong."""
    w = nh.embed(np.array([1.0, 0.0, 0.0]), 0.0, 5)
    est = nh.hutchinson_trace(w, 3, probes=8, rng=np.random.default_rng(0))
    exact = float(hessian.trace_at_min().subs({d: 5, n: 3, s: 1}))
    assert est.contains(exact)
    assert not est.contains(exact + 1e-5)


def test_trace_at_min_formula_at_sparse_minimum():
    d_, n_ = 12, 6
    for s_ in range(1, n_ + 1):
        a = np.zeros(n_)
        a[:s_] = 1 / np.sqrt(s_)
        tr = metrics.trace_iterate(a[None], np.zeros(1), d_, RELU)[0]
        assert tr == pytest.approx(float(formulas.trace_at_min()(d_, n_, s_)), abs=1e-12)


def test_run_traces_sgd_vs_gd_and_iterate_vs_limit():
    """hessian.trace_at_min (P4): SGD limit (d+3)/n, GD limit (d - |P+| + 4)/n; the raw
    iterate of a relu SGD run still counts its decayed positive coordinates as active."""
    d_, n_ = 30, 8
    sgd = simulate(d_, n_, 1, 0.3, 40000, 4, seed=2)
    assert np.all(sgd.support == 1)
    np.testing.assert_allclose(sgd.hessian_trace, (d_ + 3) / n_, atol=1e-8)
    p_plus = np.sum(sgd.a0 > 0, axis=1)
    still_positive = np.sum(sgd.a > 0, axis=1)
    np.testing.assert_array_equal(still_positive, p_plus)  # signs preserved
    np.testing.assert_allclose(sgd.hessian_trace_iterate, (d_ - p_plus + 4) / n_, atol=1e-6)
    gd = simulate(d_, n_, n_, 0.5, 4000, 4, seed=2, schedule="full")
    np.testing.assert_allclose(gd.hessian_trace, (d_ - p_plus + 4) / n_, atol=1e-8)
    np.testing.assert_allclose(gd.hessian_trace, gd.hessian_trace_iterate, atol=1e-8)
    assert np.all(sgd.hessian_trace - gd.hessian_trace >= -1e-9)


def test_dense_trace_of_run_end_state():
    res = simulate(20, 6, 2, 0.4, 5000, 2, engine="full")
    assert res.w is not None
    for k in range(2):
        w = res.w[k]
        tr = nh.dense_trace(w, 6, RELU)
        assert tr == pytest.approx(res.hessian_trace_iterate[k], abs=1e-10)
