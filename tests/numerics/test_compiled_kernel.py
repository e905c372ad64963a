"""The compiled kernel of the reduced engine gives the NumPy kernel's bits, and both follow
the reference step map."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
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
from numerics.config import AUTO_COMPILED_WORK, SimConfig
from numerics.rng import batch_keys
from numerics.schedules import Schedule
from theory.domain import DomainError


def _same_bits(x: Any, y: Any) -> None:
    """Equal arrays bit for bit (the sign of a zero aside, which no result reads)."""
    np.testing.assert_array_equal(x, y, strict=True)


@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
@BOTH
def test_compiled_kernel_gives_the_numpy_bits(schedule, conventions):
    """Both kernels compute the same integer batches and the same floating-point operations
    in the same order: the recorded coordinates, r and the statuses are identical, for
    any chunking of the seeds (the full engine and replacement with b > 1 run NumPy)."""
    kw = comparison_run(schedule, conventions, seeds=5,
                        record_steps=[0, 1, 5, 63, 64, 65, 333, 700])
    ref = simulate(kernel="numpy", **kw)
    fast = simulate(kernel="compiled", **kw)
    _same_bits(ref.record_a, fast.record_a)
    _same_bits(ref.record_perp, fast.record_perp)
    _same_bits(ref.r, fast.r)
    _same_bits(ref.diverged_at, fast.diverged_at)
    for chunk in (1, 2):
        again = simulate(kernel="compiled", chunk_size=chunk, **kw)
        _same_bits(fast.record_a, again.record_a)


@pytest.mark.parametrize("schedule", ["random", "reshuffle", "cyclic"])
@BOTH
def test_compiled_step_equals_compiled_step_map(schedule, conventions):
    rng = np.random.default_rng(5)
    n, b, s = 9, SCHEDULE_B[schedule], 40
    sch = Schedule(schedule, n, b)
    a = rng.normal(size=(s, n)) * 0.4
    p = rng.normal(size=s) * 0.3
    eng = scaled_engine(_engines._ReducedEngineCompiled, a, p, 0.9 / b, conventions, sch, rng)
    blk = np.concatenate([sch.draw_block(batch_keys(0, np.arange(s)), q) for q in range(3)],
                         axis=1)
    assert_follows_step_map(eng, blk, 70, a, p, 0.9 / b, conventions)  # crosses a renorm


def test_compiled_divergence_and_underflow_paths():
    w0 = np.zeros((3, 6))
    w0[0, 0] = 0.5
    w0[1, 0] = 0.5
    w0[2, :2] = -0.1
    for eta in (1e3, 1.0):
        kw: dict[str, Any] = dict(init=w0, schedule="cyclic", record_steps=[1, 2, 3, 50])
        ref = simulate(6, 3, 1, eta, 50, 3, kernel="numpy", **kw)
        fast = simulate(6, 3, 1, eta, 50, 3, kernel="compiled", **kw)
        _same_bits(ref.diverged_at, fast.diverged_at)
        _same_bits(fast.record_a, ref.record_a)
        assert np.all(np.isfinite(fast.a))


def test_random_divergence_at_the_same_step_in_both_kernels():
    """eta large enough that some seeds diverge: same steps, same frozen states."""
    kw: dict[str, Any] = dict(d=20, n=10, batch_size=3, step_size=10.0, steps=200, seeds=8,
                              init_scale=3.0, checkpoints=0)
    ref = simulate(kernel="numpy", **kw)
    fast = simulate(kernel="compiled", **kw)
    assert np.any(ref.diverged_at >= 0) and np.any(ref.diverged_at < 0)
    _same_bits(ref.diverged_at, fast.diverged_at)
    _same_bits(ref.a, fast.a)


def test_kernel_choice():
    with pytest.raises(DomainError) as exc:
        simulate(8, 6, 2, 0.5, 10, 2, kernel="gpu")
    assert exc.value.parameter == "kernel"
    small = SimConfig(d=8, n=6, batch_size=2, step_size=0.5, steps=10, seeds=2)
    assert small.kernel == "numpy"  # auto: too little work to pay for numba's start
    big = SimConfig(d=8, n=6, batch_size=2, step_size=0.5, steps=AUTO_COMPILED_WORK // 2,
                    seeds=2)
    assert big.kernel == "compiled"
    assert big.replace(schedule="replacement").kernel == "numpy"  # repeated indices
    assert big.run_key == big.replace(kernel="numpy").run_key  # the kernel is not data


def test_jit_cache_is_on_disk(tmp_path):
    """A second process loads the compiled kernel from numba's on-disk cache instead of
    compiling: the cache index files exist after a first run (NUMBA_CACHE_DIR set to an
    empty folder so the test sees its own files)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    code = ("from numerics import simulate; simulate(30, 10, 3, 0.3, 5, 2, kernel='compiled'); "
            "simulate(30, 10, 3, 0.3, 5, 2, kernel='compiled', schedule='cyclic')")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)
    index = sorted(p.name for p in tmp_path.rglob("*.nbi"))
    assert any("_make.locals.kernel" in name for name in index), index


def _chunk(kernel: str, seed_offset: int, seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """One worker's share: seeds seed_offset .. seed_offset + seeds - 1 (module level, so a
    spawned process can run it)."""
    out = simulate(40, 12, 3, 0.3, 300, seeds, seed=7, seed_offset=seed_offset, kernel=kernel)
    return out.a, out.r


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_same_bits_for_any_number_of_worker_processes(workers: int) -> None:
    # The seeds split into `workers` contiguous shares, each run in its own spawned process
    # (a fresh interpreter: nothing shared but the root seed and the seed ids), NumPy kernel
    # in the even shares and the compiled one in the odd, concatenated: equal bit for bit to
    # one in-process NumPy run of all seeds.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    seeds = 9
    bounds = np.linspace(0, seeds, workers + 1).astype(int)
    shares = [(int(lo), int(hi - lo)) for lo, hi in itertools.pairwise(bounds)]
    kernels = ["numpy" if k % 2 == 0 else "compiled" for k in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = list(pool.map(_chunk, kernels, *zip(*shares, strict=True)))
    whole = _chunk("numpy", 0, seeds)
    _same_bits(np.concatenate([p[0] for p in parts]), whole[0])
    _same_bits(np.concatenate([p[1] for p in parts]), whole[1])
