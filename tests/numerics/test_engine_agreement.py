"""The SGD engines agree: the reduced step with the full step on the same batches, the
optimised engines (numerics._engines) with the reference one-step map
(numerics.steps.reduced_step), the block driver with single steps, and the renormalisation
schedule of the scale factor (a function of the step index only).

The helpers here are shared with the compiled kernel and continuation tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from numerics import _engines, batches, full_step, reduced_step, schedules, simulate
from numerics.rng import batch_keys
from numerics.schedules import Schedule
from numerics.sgd import initial_state
from theory.conventions import LINEAR, RELU, Conventions

SCHEDULE_B = {"random": 3, "replacement": 3, "reshuffle": 4, "cyclic": 4, "full": 10}
BOTH = pytest.mark.parametrize("conventions", [RELU, LINEAR], ids=["relu", "linear"])
KERNELS = ["numpy", "compiled"]


def comparison_run(schedule: str, conventions: Conventions, **options: Any) -> dict[str, Any]:
    """``simulate`` arguments of the engine comparisons: d = 30, n = 10, eta = 0.7, 700 steps
    (the batch size of ``schedule`` from SCHEDULE_B); ``options`` override or add."""
    return {"d": 30, "n": 10, "batch_size": SCHEDULE_B[schedule], "step_size": 0.7,
            "steps": 700, "seeds": 3, "schedule": schedule, "conventions": conventions,
            **options}


def scaled_engine(cls: type[_engines._ReducedEngine], a: np.ndarray, p: np.ndarray,
                  gamma: float, conventions: Conventions, sch: Schedule,
                  rng: np.random.Generator) -> _engines._ReducedEngine:
    """A reduced engine in state (a, p) held with a non-trivial scale factor c."""
    eng = cls(a, p, gamma, conventions, sch, 1e6)
    eng.c = rng.uniform(0.2, 3.0, size=a.shape[0])
    eng.A[:, : a.shape[1]] = a / eng.c[:, None]
    eng.P = p / eng.c
    return eng


def assert_follows_step_map(eng: _engines._ReducedEngine, blk: np.ndarray, steps: int,
                            a: np.ndarray, p: np.ndarray, gamma: float,
                            conventions: Conventions) -> None:
    """``steps`` single steps of ``eng`` on the block ``blk`` stay within 1e-12 of
    :func:`numerics.steps.reduced_step` from (a, p), for every seed that has not diverged."""
    ref_a, ref_p = a, p
    for k in range(steps):
        # a seed that diverges overflows in the reference (the engine freezes it)
        with np.errstate(all="ignore"):
            eng.step(blk[:, k], k)
            ref_a, ref_p = reduced_step(ref_a, ref_p, blk[:, k], gamma, conventions)
        got_a, got_p, _, _ = eng.observe()
        live = eng.diverged_at < 0  # a frozen (diverged) seed stops; the reference not
        assert np.max(np.abs(got_a - ref_a)[live]) < 1e-12
        assert np.max(np.abs(np.abs(ref_p) - got_p)[live]) < 1e-12


def _gap_on_shared_batches(schedule: str, conventions: Conventions, step=reduced_step,
                           steps: int = 300) -> float:
    """Max |a_reduced - a_full| over a trajectory driven by the same batches."""
    d, n, b, eta = 14, 10, SCHEDULE_B[schedule], 0.8
    a0, p0, w0 = initial_state(d, n, [5], seed=3, full=True)
    assert w0 is not None
    a, p, w = a0, p0, w0
    gap = 0.0
    for batch in batches(schedule, n, b, seed_index=5, seed=3, steps=steps):
        a, p = step(a, p, batch[None, :], eta / b, conventions)
        w = full_step(w, batch[None, :], eta / b, conventions, n=n)
        gap = max(
            gap,
            float(np.max(np.abs(a - w[:, :n]))),
            abs(abs(float(p[0])) - float(np.linalg.norm(w[0, n:]))),
        )
    return gap


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@BOTH
def test_reduced_step_matches_full_step_on_shared_batches(schedule, conventions):
    assert _gap_on_shared_batches(schedule, conventions) < 1e-9


def test_negative_control_perturbed_multiplier_is_caught():
    def wrong(a, p, batch, gamma, conventions):
        a2, p2 = reduced_step(a, p, batch, gamma, conventions)
        return a2 * (1 + 1e-6), p2

    assert _gap_on_shared_batches("random", RELU, step=wrong) > 1e-7


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@BOTH
def test_engines_agree_through_simulate(schedule, conventions):
    kw = comparison_run(schedule, conventions, record_steps=[0, 1, 5, 50, 333, 700])
    red = simulate(engine="reduced", **kw)
    full = simulate(engine="full", **kw)
    assert np.max(np.abs(red.record_a - full.record_a)) < 1e-9
    assert np.max(np.abs(red.record_perp - full.record_perp)) < 1e-9
    np.testing.assert_array_equal(red.support, full.support)
    np.testing.assert_allclose(red.alignment, full.alignment, atol=1e-9)


@pytest.mark.parametrize("schedule", ["random", "replacement", "reshuffle", "cyclic"])
@BOTH
def test_optimised_reduced_step_equals_compiled_step_map(schedule, conventions):
    """The scale-factor hot loop against reduced_step (theory) on random states."""
    rng = np.random.default_rng(11)
    n, b, s = 9, SCHEDULE_B[schedule], 50
    sch = Schedule(schedule, n, b)
    for trial in range(5):
        a = rng.normal(size=(s, n)) * rng.uniform(0.05, 0.6)
        p = rng.normal(size=s) * 0.3
        eng = scaled_engine(_engines._ReducedEngine, a, p, 0.9 / b, conventions, sch, rng)
        blk = sch.draw_block(batch_keys(trial, np.arange(s)), 0)
        assert_follows_step_map(eng, blk, 20, a, p, 0.9 / b, conventions)


def test_rotation_invariance_of_full_engine():
    d, n = 12, 6
    q, _ = np.linalg.qr(np.random.default_rng(4).normal(size=(d, d)))
    kw: dict[str, Any] = dict(d=d, n=n, batch_size=2, step_size=0.6, steps=400, seeds=3,
                              engine="full", record_steps=[0, 10, 400])
    plain = simulate(**kw)
    rot = simulate(basis=q, **kw)
    np.testing.assert_allclose(rot.record_a, plain.record_a, atol=1e-10)
    np.testing.assert_allclose(rot.record_perp, plain.record_perp, atol=1e-10)
    np.testing.assert_allclose(rot.alignment, plain.alignment, atol=1e-10)


def test_scale_factor_underflow_path_matches_reference():
    """gamma S_B = 1 exactly: the multiplier is 0 and the scale factor must not be 0."""
    w0 = np.zeros((1, 4))
    w0[0, :2] = [1.0, 0.5]
    n = 3
    # b = 1, cyclic, eta = 1: gamma S_B = a_0^2 = 1 at the first step
    res = simulate(4, n, 1, 1.0, 3, 1, init=w0, schedule="cyclic", record_steps=[1, 2, 3])
    a, p = w0[:, :n], np.zeros(1)
    for t, batch in enumerate(batches("cyclic", n, 1, steps=3)):
        a, p = reduced_step(a, p, batch[None], 1.0, RELU)
        np.testing.assert_allclose(res.record_a[t], a, atol=1e-15)


def test_reduced_engine_block_driver_equals_single_steps(monkeypatch):
    """run() over block segments (flat indices per block) == step() on each batch (one
    block of 256 steps: the block size never changes the batches)."""
    monkeypatch.setattr(schedules, "BLOCK_STEPS", 256)
    n, b, s, steps = 9, 3, 7, 150
    sch = Schedule("random", n, b)
    rng = np.random.default_rng(2)
    a = rng.normal(size=(s, n)) * 0.3
    p = rng.normal(size=s) * 0.3
    one = _engines._ReducedEngine(a, p, 0.9 / b, RELU, sch, 1e6)
    two = _engines._ReducedEngine(a, p, 0.9 / b, RELU, sch, 1e6)
    k_len = one.load_block(batch_keys(0, np.arange(s)), 0)
    blk = sch.draw_block(batch_keys(0, np.arange(s)), 0)
    one.run(0, 40, 0)
    one.run(40, steps, 0)
    for k in range(steps):
        two.step(blk[:, k], k)
    assert k_len == sch.block_steps
    np.testing.assert_array_equal(one.observe()[0], two.observe()[0])


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("schedule", ["random", "reshuffle"])
def test_renormalisation_after_every_64th_step(kernel: str, schedule: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The scale c is folded (c = 1 exactly) after the steps t with (t + 1) % 64 == 0
    (RENORM_EVERY; the t-th step counted from 1), a function of the step index only, in
    both kernels and whatever the segments the block is run in.  Linear activation: every
    other step multiplies c by m = 1 - gamma S_B != 1.  Blocks of 256 steps (the block size
    never changes the batches)."""
    monkeypatch.setattr(schedules, "BLOCK_STEPS", 256)
    n, b, s = 9, 3, 4
    sch = Schedule(schedule, n, b)
    rng = np.random.default_rng(4)
    a = rng.normal(size=(s, n)) * 0.4
    p = rng.normal(size=s) * 0.3
    cls = _engines._ReducedEngineCompiled if kernel == "compiled" else _engines._ReducedEngine
    eng = cls(a, p, 0.5 / b, LINEAR, sch, 1e6)
    k_len = eng.load_block(batch_keys(0, np.arange(s)), 0)
    assert k_len >= 200
    every = _engines.RENORM_EVERY
    assert every == 64
    for t_block in (0, 5):  # the block's first step index
        eng.load_block(batch_keys(0, np.arange(s)), 0)
        ends = [1, 2, 10, 63 - t_block, 64 - t_block, 65 - t_block, 100, 128 - t_block,
                129 - t_block, 192 - t_block, 200]
        k0 = 0
        for k1 in ends:
            eng.run(k0, k1, t_block)
            folded = (t_block + k1) % every == 0  # last step index t_block + k1 - 1
            assert bool(np.all(eng.c == 1.0)) is folded, (t_block, k0, k1)
            assert bool(np.any(eng.c == 1.0)) is folded, (t_block, k0, k1)
            k0 = k1
    for t in (0, 1, 62, 63, 64, 127):  # single steps too
        eng.step(np.tile(np.arange(b), (s, 1)), t)
        assert bool(np.all(eng.c == 1.0)) is ((t + 1) % every == 0), t
