"""``aesgd bench``: seed-steps per second of the SGD engines (issue 3's workload).

    aesgd bench [--json] [--seeds S] [--steps T] [--steps-full T] [--naive-seeds S]
                [--naive-steps T] [--repeat R] [--no-numba]

Prints the rates of the reduced engine, the full engine, a naive per-seed loop and a
one-pass lower bound (and the optional numba kernel of the reduced engine when numba is
installed), and the ratios against the targets.  See README.md ("aesgd bench").
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from numerics.bench import run_bench
from theory.errors import DomainError

from ._cmd_simulate import integer

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "bench",
        help="benchmark the SGD engines (seed-steps per second)",
        description="Benchmark the SGD engines on issue 3's workload.",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--seeds", type=integer("seeds"), default=1000)
    p.add_argument("--steps", type=integer("steps"), default=2000, help="reduced engine steps")
    p.add_argument("--steps-full", type=integer("steps_full"), default=40)
    p.add_argument("--naive-seeds", type=integer("naive_seeds"), default=10)
    p.add_argument("--naive-steps", type=integer("naive_steps"), default=500)
    p.add_argument("--repeat", type=integer("repeat"), default=3, help="best of R timings")
    p.add_argument(
        "--no-numba",
        action="store_true",
        help="skip the optional numba kernel (timed by default when numba is installed)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for name in ("seeds", "steps", "steps_full", "naive_seeds", "naive_steps", "repeat"):
        if getattr(args, name) < 1:
            raise DomainError(name, getattr(args, name), "an integer >= 1")
    out = run_bench(
        args.seeds,
        args.steps,
        args.steps_full,
        args.naive_seeds,
        args.naive_steps,
        args.repeat,
        numba=False if args.no_numba else None,
    )
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"workload: {out['workload']}")
    for k, v in out["seed_steps_per_s"].items():
        print(f"{k:>14}: {v:12.4g} seed-steps/s  ({out['seconds'][k]:.3f} s)")
    for k, v in out["ratios"].items():
        print(f"{k:>22}: {v:8.3g}")
    for k, ok in out["targets_met"].items():
        print(f"target {k}: {'met' if ok else 'MISSED'}")
    return 0
