"""Where SGD ends (simulations of the paper's claims on fixed examples): full batch keeps
the ratios and converges to u/||u|| (``gd.ratio_invariance``, ``gd.limit``,
``gd.dense_aligned``), small batches end one-sparse at a global minimum
(``sgd.sparse_limit``, ``sgd.orthogonal``), cyclic order on one gcd class
(``cyclic.blocks``), and a dead relu start never moves (``relu.dead_init``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from numerics import simulate
from theory.conventions import LINEAR, RELU, Conventions

BOTH = pytest.mark.parametrize("conventions", [RELU, LINEAR], ids=["relu", "linear"])


@BOTH
def test_full_batch_keeps_ratios_and_converges_to_normalised_projection(
        conventions: Conventions) -> None:
    """gd.ratio_invariance and gd.limit."""
    d, n = 40, 20
    res = simulate(d, n, n, 0.5, 3000, 4, schedule="full", conventions=conventions,
                   record_steps=[0, 7, 100, 3000])
    a0 = res.a0
    active = a0 > 0 if conventions.is_relu else np.ones_like(a0, dtype=bool)
    for k in range(1, res.record_steps.size):
        at = res.record_a[k]
        for s in range(a0.shape[0]):
            idx = np.nonzero(active[s])[0]
            ratios = at[s, idx] / at[s, idx[0]]
            np.testing.assert_allclose(ratios, a0[s, idx] / a0[s, idx[0]], rtol=1e-12)
    u = np.where(active, a0, 0.0)
    limit = u / np.linalg.norm(u, axis=1, keepdims=True)
    np.testing.assert_allclose(res.a, limit, atol=1e-9)
    assert np.all(res.perp < 1e-9)
    # gd.dense_aligned: cos(w_inf, w_0) = ||u|| / ||w_0||
    np.testing.assert_allclose(
        res.alignment,
        np.linalg.norm(u, axis=1) / np.sqrt(np.sum(a0**2, 1) + res.perp0**2),
        rtol=1e-8,
    )
    expected_support = np.sum(np.abs(u) > 1e-6 * np.max(np.abs(u), axis=1, keepdims=True), 1)
    np.testing.assert_array_equal(res.support, expected_support)
    assert set(res.status) == {"converged"}


@pytest.mark.parametrize("schedule", ["random", "replacement", "reshuffle"])
@BOTH
def test_small_batch_ends_one_sparse_at_a_global_minimum(schedule: str,
                                                         conventions: Conventions) -> None:
    """sgd.sparse_limit and sgd.orthogonal, n = 6, b = 2 (reshuffle: last batch of 2)."""
    d, n, b = 10, 6, 2 if schedule != "reshuffle" else 4
    res = simulate(d, n, b, 0.6 * b / 2, 30000, 6, schedule=schedule, conventions=conventions)
    assert np.all(res.support == 1), res.support
    k = res.winner
    rows = np.arange(k.size)
    if conventions.is_relu:
        assert np.all(res.a0[rows, k] > 0)
        np.testing.assert_allclose(res.a[rows, k], 1.0, atol=1e-8)
    else:
        np.testing.assert_allclose(res.a[rows, k], np.sign(res.a0[rows, k]), atol=1e-8)
    assert np.all(res.loss_gap < 1e-9)
    w0 = np.sqrt(np.sum(res.a0**2, 1) + res.perp0**2)
    np.testing.assert_allclose(np.abs(res.alignment), np.abs(res.a0[rows, k]) / w0, atol=1e-8)


@pytest.mark.parametrize(("n", "b"), [(6, 4), (8, 6), (6, 3), (5, 2)])
def test_cyclic_ends_on_one_gcd_class(n: int, b: int) -> None:
    """cyclic.blocks: support inside one class {q g, ..., q g + g - 1}, g = gcd(b, n)."""
    g = math.gcd(n, b)
    res = simulate(n + 3, n, b, 0.6 * b / 2, 40000, 5, schedule="cyclic", conventions=LINEAR,
                   record_steps=[0, 40000])
    for s in range(5):
        sup = np.nonzero(np.abs(res.a[s]) > 1e-6)[0]
        assert len(set(sup // g)) == 1, (sup, g)
        cls = sup[0] // g
        idx = np.arange(cls * g, cls * g + g)
        # ratios inside the class never change
        np.testing.assert_allclose(
            res.a[s, idx] / res.a[s, idx[0]], res.a0[s, idx] / res.a0[s, idx[0]], rtol=1e-9
        )
    assert np.all(res.support == g) if g > 1 else np.all(res.support == 1)


@pytest.mark.parametrize("engine", ["reduced", "full"])
def test_relu_dead_init_never_moves(engine: str) -> None:
    d, n = 8, 5
    w0 = np.concatenate([-np.abs(np.random.default_rng(1).normal(size=n)) * 0.3, [0.2, -0.1, 0.05]])
    w0[2] = 0.0  # a zero coordinate is inactive under relu'(0) = 0
    res = simulate(d, n, 2, 0.5, 500, 2, engine=engine, init=w0, checkpoints=[0, 500])
    np.testing.assert_array_equal(res.a, res.a0)
    np.testing.assert_array_equal(res.perp, res.perp0)
    assert list(res.status) == ["running", "running"]
    assert list(res.winner) == [-1, -1] and list(res.support) == [n - 1, n - 1]
