"""``aesgd sweep``: parameter grids of SGD runs, resumable, local or on a Dask cluster.

    aesgd sweep run CONFIG.toml --out DIR [--workers K] [--scheduler tcp://HOST:PORT]
    aesgd sweep status DIR [--json]
    aesgd sweep collect DIR
    aesgd sweep plot DIR
    aesgd sweep preset [NAME]

See :mod:`proofs_check.sweep` and README.md ("aesgd sweep").
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ._options import (
    UsageParser,
    add_command,
    add_json,
    add_progress,
    add_resources,
    integer,
    print_json,
    progress,
    resources_from,
)

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "sweep", _help)
    sub = p.add_subparsers(dest="sweep_command", required=True, parser_class=UsageParser)

    r = add_command(sub, "run", run)
    r.add_argument("config", metavar="CONFIG.toml", help="the sweep configuration (TOML)")
    r.add_argument("--out", required=True, metavar="DIR",
                   help="the sweep folder (created; its parent must exist)")
    r.add_argument("--workers", type=integer, default=None, metavar="K",
                   help="local worker processes, one thread each (default: the CPU count)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run the tasks on this Dask distributed scheduler instead")
    add_progress(r)  # tasks done, rate, ETA on stderr
    add_resources(r)  # per task: --max-memory is shared by the workers

    s = add_command(sub, "status", status)
    s.add_argument("out", metavar="DIR")
    add_json(s, 'print {"tasks", "done", "failed", "missing", "eta_seconds", ...}')

    c = add_command(sub, "collect", collect)
    c.add_argument("out", metavar="DIR")

    f = add_command(sub, "plot", plot)
    f.add_argument("out", metavar="DIR")
    add_json(f, "print the findings as JSON")

    q = add_command(sub, "preset", preset)
    q.add_argument("name", nargs="?", default=None, metavar="NAME",
                   help="print the preset's TOML (no NAME: list the presets)")


def _help(args: argparse.Namespace) -> int:
    """parameter grids of SGD runs: run, status, collect, plot, preset

    Run a grid of simulate settings (TOML) resumably on local processes or a Dask cluster,
    collect it into DIR/sweep.nc and draw its figures.
    """
    return 0


def _workers(value: int | None) -> int:
    from theory.domain import integer as check

    if value is None:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1)
    return check("workers", value, 1, 1024)


def run(args: argparse.Namespace) -> int:
    """run the tasks of a sweep (skipping finished ones)

    Each finished task is written atomically under DIR/tasks; the same command again
    skips finished tasks and recomputes missing or torn ones.
    """
    from proofs_check.sweep import load_config
    from proofs_check.sweep.runner import SweepAborted, check_resources, run_sweep

    cfg = load_config(args.config)
    workers = _workers(args.workers)
    check_resources(cfg, 1 if args.scheduler else workers, **resources_from(args))
    if args.scheduler is not None and not args.scheduler.strip():
        from proofs_check.sweep import SweepConfigError

        raise SweepConfigError("--scheduler must be an address such as tcp://HOST:8786",
                               "scheduler")
    try:
        st = run_sweep(cfg, args.out, workers=workers, scheduler=args.scheduler,
                       progress=progress(args), argv=getattr(args, "argv", None))
    except SweepAborted as exc:
        print(f"aesgd sweep: stopped: {exc}", file=sys.stderr)
        return 1
    print(f"aesgd sweep: {st.done}/{st.tasks} tasks done, {st.failed} failed "
          f"({args.out})", file=sys.stderr)
    return 0 if st.failed == 0 else 1


def status(args: argparse.Namespace) -> int:
    """how far a sweep is: tasks, done, failed, ETA"""
    from proofs_check.sweep.runner import sweep_status

    st = sweep_status(args.out)
    if args.json:
        print_json(st.to_json())
    else:
        eta = "-" if st.eta_seconds is None else f"{st.eta_seconds:.0f} s"
        print(f"tasks {st.tasks}, done {st.done}, failed {st.failed}, missing "
              f"{st.tasks - st.done - st.failed}, eta {eta}")
    return 0


def collect(args: argparse.Namespace) -> int:
    """gather the finished tasks into DIR/sweep.nc (xarray, netCDF)"""
    from proofs_check.sweep.collect import write_collected

    target, ds = write_collected(args.out)
    missing = int((ds["status"] == "missing").sum()) + int((ds["status"] == "failed").sum())
    print(f"aesgd sweep collect: wrote {target} ({dict(ds.sizes)}; {missing} runs not "
          "finished)", file=sys.stderr)
    return 0


def plot(args: argparse.Namespace) -> int:
    """draw the sweep's figures and state its findings (DIR/figures)"""
    from proofs_check.sweep.plot import plot_sweep

    findings = plot_sweep(args.out, argv=getattr(args, "argv", None))
    if args.json:
        print_json(findings)
    else:
        for line in findings["lines"]:
            print(line)
    return 0


def preset(args: argparse.Namespace) -> int:
    """print a shipped sweep configuration (or list them)"""
    from proofs_check.sweep.presets import preset_names, preset_text

    if args.name is None:
        for name, description in preset_names().items():
            print(f"{name:12} {description}")
        return 0
    sys.stdout.write(preset_text(args.name))
    return 0
