"""``aesgd simulate``: run SGD on the single-neuron autoencoder for many seeds.

    aesgd simulate --d D --n N --batch-size B --step-size ETA --steps T --seeds S
        [--activation relu|linear] [--schedule random|replacement|reshuffle|cyclic|full]
        [--engine reduced|full] [--init-scale S0 | --init FILE.npy] [--seed ROOT]
        [--json] [--save FILE.npz] [--progress | --no-progress]

Exit codes: 0 ok, 2 bad input (one line on stderr naming the parameter).  See
README.md ("aesgd simulate").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from numerics.schedules import SCHEDULES
from numerics.sgd import ENGINES, simulate
from theory.errors import DomainError
from theory.symbols import ACTIVATIONS

__all__ = ["finite_float", "integer", "register", "run"]


def integer(name: str) -> Any:
    """argparse type: an integer written as an integer (``10``, not ``1e1`` or ``10.0``)."""

    def parse(text: str) -> int:
        try:
            return int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None

    parse.__name__ = name
    return parse


def finite_float(name: str) -> Any:
    """argparse type: a finite real number (``nan``/``inf`` rejected)."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must be finite, got {text!r}")
        return v

    parse.__name__ = name
    return parse


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate",
        help="run SGD (many seeds) and report sparsity, alignment, loss gap, Hessian trace",
        description="Run SGD on a tied single-neuron autoencoder with orthonormal data.",
    )
    p.add_argument("--d", type=integer("d"), required=True, help="ambient dimension")
    p.add_argument("--n", type=integer("n"), required=True, help="number of data points, n <= d")
    p.add_argument("--batch-size", type=integer("batch_size"), required=True, help="b in [1, n]")
    p.add_argument(
        "--step-size",
        type=finite_float("step_size"),
        required=True,
        help="eta > 0 (per-sample rate eta/b)",
    )
    p.add_argument("--steps", type=integer("steps"), required=True, help="number of SGD steps")
    p.add_argument("--seeds", type=integer("seeds"), default=1, help="number of seeds (runs)")
    p.add_argument("--activation", default="relu", help="|".join(ACTIVATIONS))
    p.add_argument("--schedule", default="random", help="|".join(SCHEDULES))
    p.add_argument("--engine", default="reduced", help="|".join(ENGINES))
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--init-scale",
        type=finite_float("init_scale"),
        default=1.0,
        help="s0: w_0 ~ N(0, s0^2/d I)",
    )
    g.add_argument(
        "--init",
        metavar="FILE.npy",
        default=None,
        help="start from w_0 in FILE.npy, shape (d,) or (seeds, d)",
    )
    p.add_argument("--seed", type=integer("seed"), default=0, help="root seed >= 0")
    p.add_argument("--seed-offset", type=integer("seed_offset"), default=0, help="first seed index")
    p.add_argument(
        "--relu-prime-at-zero", type=integer("relu_prime_at_zero"), default=0, help="0 or 1"
    )
    p.add_argument(
        "--support-threshold",
        type=finite_float("support_threshold"),
        default=1e-6,
        help="relative to max |a_i|",
    )
    p.add_argument("--json", action="store_true", help='print {"runs": [...], "summary": {...}}')
    p.add_argument("--save", metavar="FILE.npz", default=None, help="write a0, a, perp0, perp")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: on if stderr is a terminal)",
    )
    p.set_defaults(func=run)


def _load_init(path: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except OSError as exc:
        raise DomainError("--init", path, f"a readable .npy file ({exc.strerror or exc})"
                          ) from None
    except ValueError:
        raise DomainError("--init", path, "a valid .npy file holding one float array "
                          "(pickled objects are never loaded)") from None
    if not isinstance(arr, np.ndarray) or not np.issubdtype(arr.dtype, np.number):
        raise DomainError("--init", path, "a .npy file holding one numeric array")
    return np.asarray(arr, dtype=float)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def run(args: argparse.Namespace) -> int:
    init = _load_init(args.init) if args.init is not None else None
    # warn only for inputs simulate() accepts (it validates and names bad ones itself)
    b_ok = args.batch_size >= 1 and math.isfinite(args.step_size) and args.step_size > 0
    gamma = args.step_size / args.batch_size if b_ok else 0.0
    bound = 0.5 / args.batch_size if (b_ok and args.schedule == "replacement") else 0.5
    if b_ok and gamma >= bound:
        print(f"aesgd simulate: warning: per-sample rate gamma = eta/b = {gamma:.4g} is not "
              f"below the stability bound {bound:.4g} at a minimum (radial multiplier "
              "1 - 4 gamma); runs may diverge or oscillate", file=sys.stderr)
    res = simulate(
        args.d,
        args.n,
        args.batch_size,
        args.step_size,
        args.steps,
        args.seeds,
        activation=args.activation,
        schedule=args.schedule,
        engine=args.engine,
        init_scale=args.init_scale,
        init=init,
        root_seed=args.seed,
        seed_offset=args.seed_offset,
        relu_prime_at_zero=args.relu_prime_at_zero,
        support_threshold=args.support_threshold,
        progress=args.progress,
    )
    if args.save is not None:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        res.save_npz(args.save)
    if args.json:
        json.dump(res.to_json(), sys.stdout, indent=1, sort_keys=False)
        sys.stdout.write("\n")
        return 0
    cols = (
        "seed",
        "status",
        "support",
        "winner",
        "alignment",
        "loss_gap",
        "hessian_trace",
        "hessian_trace_iterate",
    )
    runs = res.runs()
    shown = runs[:20]
    print("  ".join(f"{c:>12}" for c in cols))
    for r in shown:
        print("  ".join(f"{_fmt(r[c]):>12}" for c in cols))
    if len(runs) > len(shown):
        print(f"... {len(runs) - len(shown)} more seeds (use --json for all)")
    s = res.summary()
    print(f"status: {s['status_counts']}")
    print(f"support: {s['support_counts']}")
    print(
        f"mean alignment {_fmt(s['mean_alignment'])}, max loss gap {_fmt(s['max_loss_gap'])}, "
        f"mean trace {_fmt(s['mean_hessian_trace'])} (s = 1 minimum: "
        f"{_fmt(s['trace_at_min_s1'])})"
    )
    return 0
