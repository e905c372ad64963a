"""``aesgd bench``: seed-steps per second of the SGD engines (issue 3's workload).

    aesgd bench [--json] [--seeds S] [--steps T] [--steps-full T] [--naive-seeds S]
                [--naive-steps T] [--repeat R] [--no-numba]

Prints the rates of the reduced engine, the full engine, a naive per-seed loop and a
one-pass lower bound (and the optional numba kernel of the reduced engine when numba is
installed), and the ratios against the targets (:func:`benchmarks.engine.run_bench`).
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
    p.add_argument("--steps", type=integer, default=2000, help="reduced engine steps")
    p.add_argument("--steps-full", type=integer, default=40)
    p.add_argument("--naive-seeds", type=integer, default=10)
    p.add_argument("--naive-steps", type=integer, default=500)
    p.add_argument("--repeat", type=integer, default=3, help="best of R timings")
    p.add_argument(
        "--no-numba",
        action="store_true",
        help="skip the optional numba kernel (timed by default when numba is installed)",
    )
    add_resources(p)


def run(args: argparse.Namespace) -> int:
    """benchmark the SGD engines (seed-steps per second)

    Benchmark the SGD engines on issue 3's workload.
    """
    from benchmarks.engine import run_bench

    counts = {name: at_least(name, getattr(args, name), 1) for name in COUNTS}
    counts["steps_reduced"] = counts.pop("steps")
    out = run_bench(**counts, numba=False if args.no_numba else None, **resources_from(args))
    if args.json:
        print_json(out, indent=1)
        return 0
    print(f"workload: {out['workload']}")
    for k, v in out["seed_steps_per_s"].items():
        print(f"{k:>14}: {v:12.4g} seed-steps/s  ({out['seconds'][k]:.3f} s)")
    for k, v in out["ratios"].items():
        print(f"{k:>22}: {v:8.3g}")
    for k, ok in out["targets_met"].items():
        print(f"target {k}: {'met' if ok else 'MISSED'}")
    return 0
