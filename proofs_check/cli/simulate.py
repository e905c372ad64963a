"""``aesgd simulate``: run SGD on the single-neuron autoencoder for many seeds.

    aesgd simulate --d D --n N --batch-size B --step-size ETA --steps T [--seeds S]
        [--activation relu|linear] [--schedule random|replacement|reshuffle|cyclic|full]
        [--engine reduced|full] [--kernel auto|numpy|compiled]
        [--init-scale S0 | --init FILE.npy] [--seed ROOT]
        [--data-norms S1,...,SN] [--data-rho RHO] [--data FILE.npy]
        [--seed-offset K] [--relu-prime-at-zero 0|1] [--support-threshold THR]
        [--json] [--save FILE.npz] [--progress | --no-progress]

The parameters become one :class:`numerics.config.SimConfig` (validated there); a step
size at or past the stability bound (:func:`numerics.formulas.stability_bound`) is run with
a warning on stderr.  See README.md ("aesgd simulate").
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from numerics.config import ENGINES, KERNELS, SCHEDULES, SimConfig
from numerics.data import DataSpec, load_data_matrix
from theory.domain import DomainError

from ._options import (
    add_command,
    add_conventions,
    add_json,
    add_progress,
    add_resources,
    add_seed,
    conventions_from,
    integer,
    number,
    print_json,
    progress,
    resources_from,
)

__all__ = ["COLUMNS", "config_from", "register", "run"]

COLUMNS = ("seed_index", "status", "support", "winner", "alignment", "loss_gap", "hessian_trace",
           "hessian_trace_iterate")
"""The per-seed columns of the text output (the first 20 seeds)."""

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(SimConfig)}


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "simulate", run)
    p.add_argument("--d", type=integer, required=True, help="ambient dimension")
    p.add_argument("--n", type=integer, required=True, help="number of data points, n <= d")
    p.add_argument("--batch-size", type=integer, required=True, help="b in [1, n]")
    p.add_argument("--step-size", type=number, required=True,
                   help="eta > 0 (per-sample rate eta/b)")
    p.add_argument("--steps", type=integer, required=True, help="number of SGD steps")
    p.add_argument("--seeds", type=integer, default=_DEFAULTS["seeds"],
                   help="number of seeds (runs)")
    p.add_argument("--schedule", default=_DEFAULTS["schedule"], help="|".join(SCHEDULES))
    p.add_argument("--engine", default=_DEFAULTS["engine"], help="|".join(ENGINES))
    p.add_argument("--kernel", default=_DEFAULTS["kernel"], help="|".join(KERNELS) +
                   " (the reduced engine's loop; the same bits whichever runs; auto: "
                   "compiled for runs of at least 2e6 seed-steps)")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--init-scale", type=number, default=_DEFAULTS["init_scale"],
                       help="s0: w_0 ~ N(0, s0^2/d I)")
    start.add_argument("--init", metavar="FILE.npy", default=None,
                       help="start from w_0 in FILE.npy, shape (d,) or (seeds, d)")
    add_seed(p, offset=True)
    add_conventions(p)
    p.add_argument("--data-norms", type=_numbers, default=None, metavar="S1,...,SN",
                   help="beyond the paper: the n data norms (positive; --engine full)")
    p.add_argument("--data-rho", type=number, default=0.0, metavar="RHO",
                   help="beyond the paper: cos(x_i, x_j) = RHO for i != j, in (-1/(n-1), 1) "
                   "(--engine full)")
    p.add_argument("--data", metavar="FILE.npy", default=None,
                   help="beyond the paper: the data matrix, shape (d, n), the points as "
                   "columns (--engine full; replaces --data-norms and --data-rho)")
    p.add_argument("--support-threshold", type=number,
                   default=_DEFAULTS["support_threshold"], help="relative to max |a_i|")
    add_json(p, 'print {"runs": [...], "summary": {...}}')
    p.add_argument("--save", metavar="FILE.npz", default=None,
                   help="write the run file (a0, a, perp0, perp, diverged_at, seed_ids, "
                   "parameters, provenance; numerics.io.load_run reads it) atomically; the "
                   "folder must exist")
    add_progress(p)
    add_resources(p)


def _numbers(text: str) -> tuple[float, ...]:
    """argparse type: comma-separated finite numbers (``1,0.5,0.25``)."""
    return tuple(number(part) for part in text.split(","))


def _data_from(args: argparse.Namespace) -> DataSpec | None:
    norms, rho, path = getattr(args, "data_norms", None), getattr(args, "data_rho", 0.0), \
        getattr(args, "data", None)
    if path is not None:
        if norms is not None or rho != 0.0:
            raise DomainError("data", path, "given without --data-norms and --data-rho "
                              "(the matrix fixes the points)")
        return load_data_matrix(path, args.d, args.n)
    if norms is None and rho == 0.0:
        return None
    return DataSpec(norms=norms, rho=rho)


def config_from(args: argparse.Namespace) -> SimConfig:
    """The validated configuration the flags describe."""
    return SimConfig(
        d=args.d, n=args.n, batch_size=args.batch_size, step_size=args.step_size,
        steps=args.steps, seeds=args.seeds, conventions=conventions_from(args),
        schedule=args.schedule, engine=args.engine, kernel=args.kernel,
        init_scale=args.init_scale, seed=args.seed, seed_offset=args.seed_offset,
        support_threshold=args.support_threshold, data=_data_from(args),
    )


def _warn_if_unstable(config: SimConfig) -> None:
    """A warning on stderr when gamma = eta/b is not below the stability bound."""
    from numerics.formulas import stability_bound

    bound = stability_bound(config.schedule, config.batch_size)
    if config.gamma >= bound:
        print(f"aesgd simulate: warning: per-sample rate gamma = eta/b = {config.gamma:.4g} "
              f"is not below the stability bound {bound:.4g} at a minimum (radial "
              "multiplier 1 - 4 gamma); runs may diverge or oscillate", file=sys.stderr)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _print_table(runs: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    shown = runs[:20]
    print("  ".join(f"{c:>12}" for c in COLUMNS))
    for r in shown:
        print("  ".join(f"{_fmt(r[c]):>12}" for c in COLUMNS))
    if len(runs) > len(shown):
        print(f"... {len(runs) - len(shown)} more seeds (use --json for all)")
    print(f"status: {summary['status_counts']}")
    print(f"support: {summary['support_counts']}")
    print(
        f"mean alignment {_fmt(summary['mean_alignment'])}, max loss gap "
        f"{_fmt(summary['max_loss_gap'])}, mean trace {_fmt(summary['mean_hessian_trace'])} "
        f"(s = 1 minimum: {_fmt(summary['trace_at_min_s1'])})"
    )


def run(args: argparse.Namespace) -> int:
    """run SGD (many seeds) and report sparsity, alignment, loss gap, Hessian trace

    Run SGD on a tied single-neuron autoencoder with orthonormal data (the paper's), or,
    with --engine full, on data of unequal norms (--data-norms), equicorrelated data
    (--data-rho) or given points (--data); there the loss, its minimum and the Hessian
    trace are computed from w by definition (numerics.data; derived, not the paper's).
    """
    from numerics.io import load_real_array, output_path, save_run
    from numerics.sgd import run as run_sgd

    config = config_from(args)
    save = None if args.save is None else output_path("save", args.save, ".npz")
    init = None if args.init is None else load_real_array(
        "init", args.init, max_entries=config.seeds * config.d)
    _warn_if_unstable(config)
    res = run_sgd(config, init=init, progress=progress(args), **resources_from(args))
    if save is not None:
        save_run(res, save, argv=getattr(args, "argv", None))
        print(f"aesgd simulate: wrote {save}", file=sys.stderr)
    if args.json:
        print_json(res.to_json(), indent=1)
    else:
        _print_table(res.runs(), res.summary())
    return 0
