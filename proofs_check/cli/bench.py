"""``aesgd bench``: the SGD engines against a one-pass floor, and the start-up.

    aesgd bench [--json] [--seeds S] [--steps T] [--steps-full T] [--naive-seeds S]
                [--naive-steps T] [--repeat R] [--no-compiled] [--no-startup]
    aesgd bench --sweep [--workers K] [--repeat R] [--json]

Prints the rates of the reduced engine (NumPy and compiled kernel), the full engine, a
naive per-seed loop and the one-pass floor, the cost per seed-step of each kernel, the
start-up of a whole 1-step command, and the ratios against the targets
(:func:`benchmarks.engine.run_bench`).  ``--sweep`` times ``aesgd sweep run`` on 1 and K
local workers instead (:func:`benchmarks.sweep.run_sweep_bench`).
See README.md ("aesgd bench").
"""

from __future__ import annotations

import argparse
from typing import Any

from theory.domain import integer as at_least

from ._options import add_command, add_json, add_resources, integer, print_json, resources_from

__all__ = ["COUNTS", "register", "run"]

COUNTS = ("seeds", "steps", "steps_full", "naive_seeds", "naive_steps", "repeat")
"""The settings of :func:`benchmarks.engine.run_bench`, each an integer >= 1."""


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "bench", run)
    add_json(p, "print the results as JSON")
    p.add_argument("--seeds", type=integer, default=1000)
    p.add_argument("--steps", type=integer, default=30000, help="reduced engine steps")
    p.add_argument("--steps-full", type=integer, default=40)
    p.add_argument("--naive-seeds", type=integer, default=10)
    p.add_argument("--naive-steps", type=integer, default=500)
    p.add_argument("--repeat", type=integer, default=3, help="best of R timings")
    p.add_argument("--no-compiled", action="store_true",
                   help="skip the compiled kernel (timed by default when numba is installed)")
    p.add_argument("--no-startup", action="store_true",
                   help="skip timing the whole 1-step command in a fresh process")
    p.add_argument("--sweep", action="store_true",
                   help="time the sweep on 1 and --workers local workers instead")
    p.add_argument("--workers", type=integer, default=2, metavar="K",
                   help="with --sweep: the worker count compared with 1 (default 2)")
    add_resources(p)


def _run_sweep_bench(args: argparse.Namespace) -> int:
    from benchmarks.sweep import run_sweep_bench

    out = run_sweep_bench(workers=at_least("workers", args.workers, 2, 256),
                          repeat=at_least("repeat", args.repeat, 1))
    if args.json:
        print_json(out, indent=1)
        return 0
    print(f"workload: {out['workload']}")
    for k, v in out["seed_steps_per_s"].items():
        runs = ", ".join(f"{s:.2f}" for s in out["seconds"][k])
        print(f"{k:>3} worker(s): {v:12.4g} seed-steps/s  (runs: {runs} s)")
    print(f"speed-up: {out['speedup']:.3g}")
    if "target_met" in out:
        print(f"target speed-up >= {out['target_speedup']}: "
              f"{'met' if out['target_met'] else 'MISSED'}")
    return 0


def run(args: argparse.Namespace) -> int:
    """benchmark the SGD engines (seed-steps per second)

    Benchmark the SGD engines on issue 3's workload.
    """
    if args.sweep:
        return _run_sweep_bench(args)
    from benchmarks.engine import run_bench

    counts = {name: at_least(name, getattr(args, name), 1) for name in COUNTS}
    counts["steps_reduced"] = counts.pop("steps")
    out = run_bench(**counts, compiled=False if args.no_compiled else None,
                    startup=not args.no_startup, **resources_from(args))
    if args.json:
        print_json(out, indent=1)
        return 0
    print(f"workload: {out['workload']}")
    for k, v in out["seed_steps_per_s"].items():
        print(f"{k:>14}: {v:12.4g} seed-steps/s  ({out['seconds'][k]:.3f} s)")
    for k, v in out["ns_per_seed_step"].items():
        print(f"{k:>14}: {v:8.1f} ns per seed-step")
    for k, v in out["startup_seconds"].items():
        print(f"{'start-up ' + k:>22}: {v:8.3f} s")
    for k, v in out["ratios"].items():
        print(f"{k:>22}: {v:8.3g}")
    for k, ok in out["targets_met"].items():
        print(f"target {k}: {'met' if ok else 'MISSED'}")
    return 0
