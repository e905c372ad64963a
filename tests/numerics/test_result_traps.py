"""Traps a researcher fell into, closed: the trace at a raw iterate vs at the limit point,
and no silent None for the final iterate on the reduced engine."""

from __future__ import annotations

import numpy as np
import pytest

from numerics.hessian import dense_trace
from numerics.sgd import simulate
from theory.domain import DomainError


def test_dense_trace_at_the_limit_point_is_the_theory_value() -> None:
    """b = 1, n = 10, d = 50 ends 1-sparse; tr H at an s = 1 minimum is (d - 1 + 4)/n = 5.3
    (SPEC hessian.trace_at_min, written out here).  At the raw iterate the decaying
    coordinates still count as active, so the value is off by more than 0.1."""
    res = simulate(50, 10, 1, 0.3, 20000, 3, engine="full", seed=1)
    limit = [dense_trace(res.w[k], 10, point="limit") for k in range(3)]
    raw = [dense_trace(res.w[k], 10) for k in range(3)]
    np.testing.assert_allclose(limit, (50 - 1 + 4) / 10, atol=1e-9)
    assert all(abs(v - 5.3) > 0.1 for v in raw)


def test_dense_trace_refuses_an_unknown_point_and_n_above_d() -> None:
    with pytest.raises(DomainError, match="point="):
        dense_trace(np.ones(3), 2, point="final")
    with pytest.raises(DomainError, match=r"n=5 must be an integer in \[1, d=3\]"):
        dense_trace(np.ones(3), 5)
    with pytest.raises(DomainError, match="n=0"):
        dense_trace(np.ones(3), 0)


def test_reduced_engine_has_no_w_and_says_how_to_get_one() -> None:
    res = simulate(8, 4, 1, 0.3, 10, 2)
    with pytest.raises(DomainError, match="engine='full'"):
        _ = res.w
    assert simulate(8, 4, 1, 0.3, 10, 2, engine="full").w.shape == (2, 8)
