"""Hessian trace three ways, and the two traces of a finished run (issue 3)."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import formulas, metrics, simulate
from numerics import hessian as nh

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


@pytest.mark.parametrize("activation", ["relu", "linear"])
@pytest.mark.parametrize("h0", [0, 1])
def test_closed_form_trace_vs_eigvalsh_vs_fd_vs_hutchinson(activation, h0):
    for k, (w, d, n) in enumerate(_random_states()):
        closed = float(
            metrics.trace_iterate(
                w[None, :n], np.array([np.linalg.norm(w[n:])]), d, activation, h0
            )[0]
        )
        assert nh.dense_trace(w, n, activation, h0) == pytest.approx(closed, abs=1e-12)
        assert nh.dense_trace(w, n, activation, h0, method="fd") == pytest.approx(closed, abs=1e-6)
        np.testing.assert_allclose(
            nh.fd_matrix(w, n, activation, h0),
            nh.closed_form_matrix(w, n, activation, h0),
            atol=1e-6,
        )
        if k in (0, 3):
            est = nh.hutchinson_trace(
                w, n, activation, h0, probes=200, rng=np.random.default_rng(k)
            )
            assert est.contains(closed, Z), (est, closed)


def test_hutchinson_negative_control_wrong_trace_is_rejected():
    w, d, n = next(_random_states())
    closed = float(
        metrics.trace_iterate(w[None, :n], np.array([np.linalg.norm(w[n:])]), d, "relu")[0]
    )
    est = nh.hutchinson_trace(w, n, "relu", probes=200, rng=np.random.default_rng(0))
    assert not est.contains(closed + 1.0 / n * 10, Z)


def test_trace_at_min_formula_at_sparse_minimum():
    d, n = 12, 6
    for s in range(1, n + 1):
        a = np.zeros(n)
        a[:s] = 1 / np.sqrt(s)
        tr = metrics.trace_iterate(a[None], np.zeros(1), d, "relu")[0]
        assert tr == pytest.approx(float(formulas.trace_at_min()(d, n, s)), abs=1e-12)


def test_run_traces_sgd_vs_gd_and_iterate_vs_limit():
    """hessian.trace_at_min (P4): SGD limit (d+3)/n, GD limit (d - |P+| + 4)/n; the raw
    iterate of a relu SGD run still counts its decayed positive coordinates as active."""
    d, n = 30, 8
    sgd = simulate(d, n, 1, 0.3, 40000, 4, root_seed=2)
    assert np.all(sgd.support == 1)
    np.testing.assert_allclose(sgd.hessian_trace, (d + 3) / n, atol=1e-8)
    p_plus = np.sum(sgd.a0 > 0, axis=1)
    still_positive = np.sum(sgd.a > 0, axis=1)
    np.testing.assert_array_equal(still_positive, p_plus)  # signs preserved
    np.testing.assert_allclose(sgd.hessian_trace_iterate, (d - p_plus + 4) / n, atol=1e-6)
    gd = simulate(d, n, n, 0.5, 4000, 4, root_seed=2, schedule="full")
    np.testing.assert_allclose(gd.hessian_trace, (d - p_plus + 4) / n, atol=1e-8)
    np.testing.assert_allclose(gd.hessian_trace, gd.hessian_trace_iterate, atol=1e-8)
    assert np.all(sgd.hessian_trace - gd.hessian_trace >= -1e-9)


def test_dense_trace_of_run_end_state():
    res = simulate(20, 6, 2, 0.4, 5000, 2, engine="full")
    assert res.w is not None
    for k in range(2):
        w = res.w[k]
        tr = nh.dense_trace(w, 6, "relu")
        assert tr == pytest.approx(res.hessian_trace_iterate[k], abs=1e-10)
