"""The sweep's throughput on 1 and K local workers (``aesgd bench --sweep``).

The same grid (:data:`BENCH_CONFIG`: 32 tasks of 32 seeds x 40,000 steps) is run into a
fresh folder by :func:`proofs_check.sweep.runner.run_sweep` with 1 and with K workers,
alternately, ``repeat`` times each; the wall time of each whole run (worker start-up,
imports and the numba cache included, as a user sees it) gives seed-steps per second.  The
ratio of the medians, measured in one run, is the speed-up; the target for K = 2 is 1.6.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["BENCH_CONFIG", "TARGET_SPEEDUP_2", "run_sweep_bench"]

BENCH_CONFIG = """
name = "bench"
description = "throughput workload of aesgd bench --sweep"
[grid]
d = [64]
n = [32]
batch_size = [1, 2, 4, 8]
step_size = [0.5, 1.0]
[run]
seeds = 128
seeds_per_task = 32
steps = 40000
root_seed = 1
"""

TARGET_SPEEDUP_2 = 1.6


def _one(cfg: Any, workers: int) -> float:
    from proofs_check.sweep.runner import run_sweep

    with tempfile.TemporaryDirectory(prefix="aesgd-sweep-bench-") as tmp:
        start = time.perf_counter()
        st = run_sweep(cfg, Path(tmp) / "sweep", workers=workers, progress=False)
        seconds = time.perf_counter() - start
    assert st.done == st.tasks
    return seconds


def run_sweep_bench(workers: int = 2, repeat: int = 3, config: str = BENCH_CONFIG
                    ) -> dict[str, Any]:
    """Seed-steps per second of the sweep on 1 and ``workers`` local workers."""
    from proofs_check.sweep import parse_config

    cfg = parse_config(config)
    work = cfg.seed_steps()
    times: dict[int, list[float]] = {1: [], workers: []}
    for _ in range(repeat):
        for k in times:
            times[k].append(_one(cfg, k))
    rate = {k: work / statistics.median(v) for k, v in times.items()}
    speedup = rate[workers] / rate[1]
    out: dict[str, Any] = {
        "workload": f"{len(cfg.tasks())} tasks, {work:.3g} seed-steps (n=32, d=64, b in "
                    "1..8, reduced engine)",
        "seed_steps": work,
        "seconds": {str(k): v for k, v in times.items()},
        "seed_steps_per_s": {str(k): r for k, r in rate.items()},
        "speedup": speedup,
        "workers": workers,
    }
    if workers == 2:
        out["target_speedup"] = TARGET_SPEEDUP_2
        out["target_met"] = speedup >= TARGET_SPEEDUP_2
    return out
