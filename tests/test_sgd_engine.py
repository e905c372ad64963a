"""The SGD engines (issue 3): reduced vs full, structure at t = 0 and t -> inf, seeds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from numerics import batches, formulas, full_step, reduced_step, simulate
from numerics import sgd as sgd_mod
from numerics.schedules import Schedule
from theory.errors import DomainError

SCHEDULE_B = {"random": 3, "replacement": 3, "reshuffle": 4, "cyclic": 4, "full": 10}


def _gap_on_shared_batches(schedule: str, activation: str, step=reduced_step, steps=300):
    """Max |a_reduced - a_full| over a trajectory driven by the same batches."""
    d, n, b, eta = 14, 10, SCHEDULE_B[schedule], 0.8
    a0, p0, w0 = sgd_mod.initial_state(d, n, [5], root_seed=3, full=True)
    assert w0 is not None
    a, p, w = a0, p0, w0
    gap = 0.0
    for batch in batches(schedule, n, b, seed=5, root_seed=3, steps=steps):
        a, p = step(a, p, batch[None, :], eta / b, activation)
        w = full_step(w, batch[None, :], eta / b, activation, n=n)
        gap = max(
            gap,
            float(np.max(np.abs(a - w[:, :n]))),
            abs(abs(float(p[0])) - float(np.linalg.norm(w[0, n:]))),
        )
    return gap


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_reduced_step_matches_full_step_on_shared_batches(schedule, activation):
    assert _gap_on_shared_batches(schedule, activation) < 1e-9


def test_negative_control_perturbed_multiplier_is_caught():
    def wrong(a, p, batch, gamma, activation):
        a2, p2 = reduced_step(a, p, batch, gamma, activation)
        return a2 * (1 + 1e-6), p2

    assert _gap_on_shared_batches("random", "relu", step=wrong) > 1e-7


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_engines_agree_through_simulate(schedule, activation):
    kw: dict[str, Any] = dict(
        d=30,
        n=10,
        batch_size=SCHEDULE_B[schedule],
        step_size=0.7,
        steps=700,
        seeds=3,
        schedule=schedule,
        activation=activation,
        record_steps=[0, 1, 5, 50, 333, 700],
    )
    red = simulate(engine="reduced", **kw)
    full = simulate(engine="full", **kw)
    assert np.max(np.abs(red.record_a - full.record_a)) < 1e-9
    assert np.max(np.abs(red.record_perp - full.record_perp)) < 1e-9
    np.testing.assert_array_equal(red.support, full.support)
    np.testing.assert_allclose(red.alignment, full.alignment, atol=1e-9)


@pytest.mark.parametrize("schedule", ["random", "replacement", "reshuffle", "cyclic"])
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_optimised_reduced_step_equals_lambdified_step_map(schedule, activation):
    """The scale-factor hot loop against reduced_step (theory) on random states."""
    rng = np.random.default_rng(11)
    n, b, s = 9, SCHEDULE_B[schedule], 50
    sch = Schedule(schedule, n, b)
    for trial in range(5):
        a = rng.normal(size=(s, n)) * rng.uniform(0.05, 0.6)
        p = rng.normal(size=s) * 0.3
        eng = sgd_mod._ReducedEngine(a, p, 0.9 / b, activation, sch, 1e6)
        eng.c = rng.uniform(0.2, 3.0, size=s)  # a non-trivial scale factor
        eng.A[:, :n] = a / eng.c[:, None]
        eng.P = p / eng.c
        blk = sch.draw_block([np.random.default_rng(trial * 100 + i) for i in range(s)], 0)
        ref_a, ref_p = a, p
        for k in range(20):
            # a seed that diverges overflows in the reference (the engine freezes it)
            with np.errstate(all="ignore"):
                eng.step(blk[:, k], k)
                ref_a, ref_p = reduced_step(ref_a, ref_p, blk[:, k], 0.9 / b, activation)
            got_a, got_p, _, _ = eng.observe()
            live = eng.diverged_at < 0  # a frozen (diverged) seed stops; the reference not
            assert np.max(np.abs(got_a - ref_a)[live]) < 1e-12
            assert np.max(np.abs(np.abs(ref_p) - got_p)[live]) < 1e-12


def test_rotation_invariance_of_full_engine():
    d, n = 12, 6
    q, _ = np.linalg.qr(np.random.default_rng(4).normal(size=(d, d)))
    kw: dict[str, Any] = dict(
        d=d,
        n=n,
        batch_size=2,
        step_size=0.6,
        steps=400,
        seeds=3,
        engine="full",
        record_steps=[0, 10, 400],
    )
    plain = simulate(**kw)
    rot = simulate(basis=q, **kw)
    np.testing.assert_allclose(rot.record_a, plain.record_a, atol=1e-10)
    np.testing.assert_allclose(rot.record_perp, plain.record_perp, atol=1e-10)
    np.testing.assert_allclose(rot.alignment, plain.alignment, atol=1e-10)


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


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_full_batch_keeps_ratios_and_converges_to_normalised_projection(activation):
    """gd.ratio_invariance and gd.limit."""
    d, n = 40, 20
    res = simulate(
        d,
        n,
        n,
        0.5,
        3000,
        4,
        schedule="full",
        activation=activation,
        record_steps=[0, 7, 100, 3000],
    )
    a0 = res.a0
    active = a0 > 0 if activation == "relu" else np.ones_like(a0, dtype=bool)
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
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_small_batch_ends_one_sparse_at_a_global_minimum(schedule, activation):
    """sgd.sparse_limit and sgd.orthogonal, n = 6, b = 2 (reshuffle: last batch of 2)."""
    d, n, b = 10, 6, 2 if schedule != "reshuffle" else 4
    res = simulate(d, n, b, 0.6 * b / 2, 30000, 6, schedule=schedule, activation=activation)
    assert np.all(res.support == 1), res.support
    k = res.winner
    rows = np.arange(k.size)
    if activation == "relu":
        assert np.all(res.a0[rows, k] > 0)
        np.testing.assert_allclose(res.a[rows, k], 1.0, atol=1e-8)
    else:
        np.testing.assert_allclose(res.a[rows, k], np.sign(res.a0[rows, k]), atol=1e-8)
    assert np.all(res.loss_gap < 1e-9)
    w0 = np.sqrt(np.sum(res.a0**2, 1) + res.perp0**2)
    np.testing.assert_allclose(np.abs(res.alignment), np.abs(res.a0[rows, k]) / w0, atol=1e-8)


@pytest.mark.parametrize(("n", "b"), [(6, 4), (8, 6), (6, 3), (5, 2)])
def test_cyclic_ends_on_one_gcd_class(n, b):
    """cyclic.blocks: support inside one class {q g, ..., q g + g - 1}, g = gcd(b, n)."""
    g = math.gcd(n, b)
    res = simulate(
        n + 3,
        n,
        b,
        0.6 * b / 2,
        40000,
        5,
        schedule="cyclic",
        activation="linear",
        record_steps=[0, 40000],
    )
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
def test_relu_dead_init_never_moves(engine):
    d, n = 8, 5
    w0 = np.concatenate([-np.abs(np.random.default_rng(1).normal(size=n)) * 0.3, [0.2, -0.1, 0.05]])
    w0[2] = 0.0  # a zero coordinate is inactive under relu'(0) = 0
    res = simulate(d, n, 2, 0.5, 500, 2, engine=engine, init=w0, checkpoints=[0, 500])
    np.testing.assert_array_equal(res.a, res.a0)
    np.testing.assert_array_equal(res.perp, res.perp0)
    assert list(res.status) == ["running", "running"]
    assert list(res.winner) == [-1, -1] and list(res.support) == [n - 1, n - 1]


@pytest.mark.parametrize("engine", ["reduced", "full"])
@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
def test_bit_identical_under_chunking_and_offsets(engine, schedule):
    kw: dict[str, Any] = dict(
        d=16,
        n=10,
        batch_size=SCHEDULE_B[schedule],
        step_size=0.7,
        steps=150,
        schedule=schedule,
        engine=engine,
        root_seed=9,
        record_steps=[3, 150],
    )
    whole = simulate(seeds=7, **kw)
    chunked = simulate(seeds=7, chunk_size=3, **kw)
    single = simulate(seeds=7, chunk_size=1, **kw)
    tail = simulate(seeds=3, seed_offset=4, **kw)
    longer = simulate(seeds=7, **{**kw, "steps": 170})
    for other in (chunked, single):
        np.testing.assert_array_equal(whole.a, other.a)
        np.testing.assert_array_equal(whole.perp, other.perp)
        np.testing.assert_array_equal(whole.record_a, other.record_a)
        for name in whole.checkpoints:
            np.testing.assert_array_equal(whole.checkpoints[name], other.checkpoints[name])
    np.testing.assert_array_equal(whole.a[4:], tail.a)
    np.testing.assert_array_equal(whole.record_a, longer.record_a)
    again = simulate(seeds=7, **kw)
    np.testing.assert_array_equal(whole.a, again.a)


def test_different_root_seeds_differ():
    a = simulate(10, 5, 2, 0.5, 10, 2, root_seed=1).a
    b = simulate(10, 5, 2, 0.5, 10, 2, root_seed=2).a
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


def test_scale_factor_underflow_path_matches_reference():
    """gamma S_B = 1 exactly: the multiplier is 0 and the scale factor must not be 0."""
    w0 = np.zeros((1, 4))
    w0[0, :2] = [1.0, 0.5]
    n = 3
    # b = 1, cyclic, eta = 1: gamma S_B = a_0^2 = 1 at the first step
    res = simulate(4, n, 1, 1.0, 3, 1, init=w0, schedule="cyclic", record_steps=[1, 2, 3])
    a, p = w0[:, :n], np.zeros(1)
    for t, batch in enumerate(batches("cyclic", n, 1, steps=3)):
        a, p = reduced_step(a, p, batch[None], 1.0, "relu")
        np.testing.assert_allclose(res.record_a[t], a, atol=1e-15)


def test_trajectory_and_results_api():
    t, a, p = sgd_mod.trajectory(12, 6, 2, 0.5, 10, 3, record_every=4)
    assert t.tolist() == [0, 4, 8, 10] and a.shape == (4, 3, 6) and p.shape == (4, 3)
    res = simulate(12, 6, 2, 0.5, 100, 3, checkpoints=5)
    assert res.checkpoint_steps[0] == 0 and res.checkpoint_steps[-1] == 100
    for name in sgd_mod.CHECKPOINT_METRICS:
        assert res.checkpoints[name].shape == (res.checkpoint_steps.size, 3)
    np.testing.assert_array_equal(res.checkpoints["support"][-1], res.support)
    runs = res.runs()
    assert {
        "seed",
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
    (dict(activation="tanh"), "activation"),
    (dict(schedule="full", batch_size=3), "batch_size"),
    (dict(init_scale=0.0), "init_scale"),
    (dict(root_seed=-1), "root_seed"),
    (dict(relu_prime_at_zero=2), "relu_prime_at_zero"),
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


def test_naive_benchmark_loop_is_real_sgd():
    """The bench's naive loop (hand-written gradient) follows full_step on its batches."""
    from numerics.bench import naive_loop

    d, n, b, eta, steps = 12, 6, 2, 0.6, 40
    rng = np.random.default_rng(0)
    w = (rng.standard_normal(d) / np.sqrt(d))[None, :]
    for _ in range(steps):
        batch = rng.choice(n, b, replace=False)
        w = full_step(w, batch[None, :], eta / b, "relu", n=n)
    np.testing.assert_allclose(naive_loop(d, n, b, eta, steps, 1), w[:, :n], atol=1e-13)


def test_reduced_engine_block_driver_equals_single_steps():
    """run() over block segments (flat indices per block) == step() on each batch."""
    n, b, s, steps = 9, 3, 7, 150
    sch = Schedule("random", n, b)
    rng = np.random.default_rng(2)
    a = rng.normal(size=(s, n)) * 0.3
    p = rng.normal(size=s) * 0.3
    one = sgd_mod._ReducedEngine(a, p, 0.9 / b, "relu", sch, 1e6)
    two = sgd_mod._ReducedEngine(a, p, 0.9 / b, "relu", sch, 1e6)
    k_len = one.load_block([np.random.default_rng(i) for i in range(s)], 0)
    blk = sch.draw_block([np.random.default_rng(i) for i in range(s)], 0)
    one.run(0, 40, 0)
    one.run(40, steps, 0)
    for k in range(steps):
        two.step(blk[:, k], k)
    assert k_len == sch.block_steps
    np.testing.assert_array_equal(one.observe()[0], two.observe()[0])
