"""The optional numba kernel of the reduced engine against the NumPy path (1e-12)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_engine_agreement import (
    BOTH,
    SCHEDULE_B,
    assert_follows_step_map,
    comparison_run,
    scaled_engine,
)

from numerics import _engines, simulate
from numerics.config import numba_available
from numerics.schedules import Schedule
from theory.domain import DomainError


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@BOTH
def test_numba_kernel_agrees_with_numpy(schedule, conventions):
    pytest.importorskip("numba")
    kw = comparison_run(schedule, conventions, seeds=5,
                        record_steps=[0, 1, 5, 63, 64, 65, 333, 700])
    ref = simulate(**kw)
    fast = simulate(kernel="numba", **kw)
    assert np.max(np.abs(ref.record_a - fast.record_a)) < 1e-12
    assert np.max(np.abs(ref.record_perp - fast.record_perp)) < 1e-12
    np.testing.assert_array_equal(ref.support, fast.support)
    np.testing.assert_array_equal(ref.diverged_at, fast.diverged_at)
    # chunking never changes the kernel's bits either
    for chunk in (1, 2):
        again = simulate(kernel="numba", chunk_size=chunk, **kw)
        np.testing.assert_array_equal(fast.record_a, again.record_a)


@pytest.mark.parametrize("schedule", ["random", "reshuffle", "cyclic"])
@BOTH
def test_numba_step_equals_compiled_step_map(schedule, conventions):
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    n, b, s = 9, SCHEDULE_B[schedule], 40
    sch = Schedule(schedule, n, b)
    a = rng.normal(size=(s, n)) * 0.4
    p = rng.normal(size=s) * 0.3
    eng = scaled_engine(_engines._ReducedEngineNumba, a, p, 0.9 / b, conventions, sch, rng)
    blk = sch.draw_block([np.random.default_rng(i) for i in range(s)], 0)
    assert_follows_step_map(eng, blk, 70, a, p, 0.9 / b, conventions)  # crosses a renorm


def test_numba_divergence_and_underflow_paths():
    pytest.importorskip("numba")
    w0 = np.zeros((3, 6))
    w0[0, 0] = 0.5
    w0[1, 0] = 0.5
    w0[2, :2] = -0.1
    for eta in (1e3, 1.0):
        kw: dict[str, Any] = dict(init=w0, schedule="cyclic", record_steps=[1, 2, 3, 50])
        ref = simulate(6, 3, 1, eta, 50, 3, **kw)
        fast = simulate(6, 3, 1, eta, 50, 3, kernel="numba", **kw)
        np.testing.assert_array_equal(ref.diverged_at, fast.diverged_at)
        np.testing.assert_allclose(fast.record_a, ref.record_a, atol=1e-12)
        assert np.all(np.isfinite(fast.a))


def test_kernel_validation():
    with pytest.raises(DomainError) as exc:
        simulate(8, 6, 2, 0.5, 10, 2, kernel="gpu")
    assert exc.value.parameter == "kernel"
    if not numba_available():
        with pytest.raises(DomainError):
            simulate(8, 6, 2, 0.5, 10, 2, kernel="numba")
    res = simulate(8, 6, 2, 0.5, 10, 2, kernel="auto")
    assert res.params["kernel"] in ("numpy", "numba")
