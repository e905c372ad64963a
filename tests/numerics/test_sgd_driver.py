"""The SGD driver (numerics.sgd): seeds, chunks and offsets, checkpoints and records,
divergence, the result API, and argument validation at the boundary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_engine_agreement import SCHEDULE_B

from numerics import formulas, simulate
from numerics.result import CHECKPOINT_METRICS
from numerics.sgd import trajectory
from theory.domain import DomainError


@pytest.mark.parametrize("engine", ["reduced", "full"])
def test_time_zero_returns_init(engine):
    d, n = 9, 4
    w0 = np.random.default_rng(0).normal(size=(2, d))
    res = simulate(d, n, 2, 0.3, 0, 2, engine=engine, init=w0, record_steps=[0])
    np.testing.assert_array_equal(res.a, w0[:, :n])
    np.testing.assert_array_equal(res.a0, w0[:, :n])
    np.testing.assert_allclose(res.perp, np.linalg.norm(w0[:, n:], axis=1), rtol=1e-15)
    np.testing.assert_array_equal(res.record_a[0], w0[:, :n])
    np.testing.assert_allclose(res.alignment, 1.0, rtol=1e-15)
    # the random init is the same in both engines
    red = simulate(d, n, 2, 0.3, 0, 2)
    full = simulate(d, n, 2, 0.3, 0, 2, engine="full")
    np.testing.assert_array_equal(red.a0, full.a0)
    np.testing.assert_allclose(red.perp0, full.perp0, rtol=1e-14)


def test_smallest_problem_d_equals_n_equals_1() -> None:
    """d = n = b = 1 is inside the domain (n <= d, 1 <= b <= n): w -> x_1 (relu, a > 0)."""
    res = simulate(1, 1, 1, 0.4, 200, 1, init=np.array([0.5]), checkpoints=0)
    assert abs(float(res.a[0, 0]) - 1.0) <= 1e-12
    assert float(res.perp[0]) == 0.0


def _assert_same_runs(one: Any, other: Any) -> None:
    np.testing.assert_array_equal(one.a, other.a)
    np.testing.assert_array_equal(one.perp, other.perp)
    np.testing.assert_array_equal(one.record_a, other.record_a)
    for name in one.checkpoints:
        np.testing.assert_array_equal(one.checkpoints[name], other.checkpoints[name])


@pytest.mark.parametrize("engine", ["reduced", "full"])
@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
def test_bit_identical_under_chunking_and_offsets(engine, schedule):
    kw: dict[str, Any] = {"d": 16, "n": 10, "batch_size": SCHEDULE_B[schedule],
                          "step_size": 0.7, "steps": 150, "schedule": schedule,
                          "engine": engine, "seed": 9, "record_steps": [3, 150]}
    whole = simulate(seeds=7, **kw)
    for chunk in (3, 1):
        _assert_same_runs(whole, simulate(seeds=7, chunk_size=chunk, **kw))
    tail = simulate(seeds=3, seed_offset=4, **kw)
    longer = simulate(seeds=7, **{**kw, "steps": 170})
    np.testing.assert_array_equal(whole.a[4:], tail.a)
    np.testing.assert_array_equal(whole.record_a, longer.record_a)
    again = simulate(seeds=7, **kw)
    np.testing.assert_array_equal(whole.a, again.a)


def test_different_seeds_differ():
    a = simulate(10, 5, 2, 0.5, 10, 2, seed=1).a
    b = simulate(10, 5, 2, 0.5, 10, 2, seed=2).a
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("engine", ["reduced", "full"])
def test_divergence_is_reported_per_seed_without_nan(engine):
    w0 = np.zeros((3, 6))
    w0[0, 0] = 0.5
    w0[1, 0] = 0.5
    w0[2, :2] = -0.1  # dead: never moves, never diverges
    res = simulate(6, 3, 1, 1e3, 200, 3, engine=engine, init=w0, schedule="cyclic")
    assert list(res.status[:2]) == ["diverged", "diverged"]
    assert res.status[2] == "running"
    assert np.all(res.diverged_at[:2] >= 1) and res.diverged_at[2] == -1
    assert np.all(np.isfinite(res.a)) and np.all(np.isfinite(res.perp))
    runs = res.runs()
    assert runs[0]["loss_gap"] is None and runs[0]["diverged_at"] == res.diverged_at[0]
    assert runs[2]["loss_gap"] is not None
    # a stable step size converges
    ok = simulate(6, 3, 1, 0.3, 3000, 2, engine=engine, schedule="cyclic", init=w0[:2])
    assert set(ok.status) == {"converged"}


def test_huge_step_size_overflowing_at_once_is_caught():
    res = simulate(10, 5, 5, 1e200, 5, 2, schedule="full")
    assert list(res.status) == ["diverged", "diverged"]
    assert list(res.diverged_at) == [1, 1]
    assert np.all(np.isfinite(res.a))


def test_checkpoint_count_gives_log_spaced_steps_from_1() -> None:
    """``checkpoints=k``: round(geomspace(1, steps, k)) plus 0 and ``steps``."""
    res = simulate(6, 3, 1, 0.4, 1000, 1, checkpoints=4)
    assert res.checkpoint_steps.tolist() == [0, 1, 10, 100, 1000]
    res0 = simulate(6, 3, 1, 0.4, 1000, 1, checkpoints=0)
    assert res0.checkpoint_steps.tolist() == [0, 1000]


def test_trajectory_and_results_api():
    t, a, p = trajectory(12, 6, 2, 0.5, 10, 3, record_every=4)
    assert t.tolist() == [0, 4, 8, 10] and a.shape == (4, 3, 6) and p.shape == (4, 3)
    res = simulate(12, 6, 2, 0.5, 100, 3, checkpoints=5)
    assert res.checkpoint_steps[0] == 0 and res.checkpoint_steps[-1] == 100
    for name in CHECKPOINT_METRICS:
        assert res.checkpoints[name].shape == (res.checkpoint_steps.size, 3)
    np.testing.assert_array_equal(res.checkpoints["support"][-1], res.support)
    runs = res.runs()
    assert {
        "seed_index",
        "status",
        "support",
        "winner",
        "alignment",
        "loss_gap",
        "hessian_trace",
        "hessian_trace_iterate",
    } <= set(runs[0])
    summ = res.summary()
    assert summ["seeds"] == 3 and sum(summ["status_counts"].values()) == 3
    assert summ["trace_at_min_s1"] == pytest.approx(float(formulas.trace_at_min()(12, 6, 1)))
    assert res.params["seed"] == 0 and "root_seed" not in res.params
    assert res.params == {**res.config.to_json(), "init": "random"}


BAD = [
    (dict(d=5, n=6), "n"),
    (dict(batch_size=0), "batch_size"),
    (dict(batch_size=7), "batch_size"),
    (dict(step_size=0.0), "step_size"),
    (dict(step_size=-1.0), "step_size"),
    (dict(step_size=float("nan")), "step_size"),
    (dict(step_size=float("inf")), "step_size"),
    (dict(steps=-1), "steps"),
    (dict(seeds=0), "seeds"),
    (dict(steps=2.0), "steps"),
    (dict(d=True), "d"),
    (dict(schedule="sorted"), "schedule"),
    (dict(engine="gpu"), "engine"),
    # the activation and relu'(0) travel as one Conventions value, validated when it is
    # built (tests/theory/test_conventions.py); the driver refuses anything else
    (dict(conventions="tanh"), "conventions"),
    (dict(conventions={"activation": "relu", "relu_prime_at_zero": 2}), "conventions"),
    (dict(schedule="full", batch_size=3), "batch_size"),
    (dict(init_scale=0.0), "init_scale"),
    (dict(seed=-1), "seed"),
    (dict(support_threshold=1.5), "support_threshold"),
    (dict(init=np.zeros(3)), "init"),
    (dict(init=np.full(8, np.nan)), "init"),
    (dict(basis=np.eye(8)), "basis"),
    (dict(engine="full", basis=np.ones((8, 8))), "basis"),
    (dict(checkpoints=[0, 99]), "checkpoints"),
]


@pytest.mark.parametrize(("override", "param"), BAD)
def test_bad_input_raises_domain_error_naming_the_parameter(override, param):
    kw: dict[str, Any] = dict(d=8, n=6, batch_size=2, step_size=0.5, steps=10, seeds=2)
    kw.update(override)
    with pytest.raises(DomainError) as exc:
        simulate(**kw)
    assert exc.value.parameter == param
