"""``aesgd walk``: classify and simulate non-homogeneous random walks (SPEC sections 2-3).

Sub-commands:

``lamperti``       mu_1 = c/x, mu_2 = s2: Lamperti's classification plus a simulation
                   (escape fraction with a Wilson interval, returns to 0, the exact
                   E[X^2] identity in a CLT band)
``birth-death``    p_x = 1/2 + c/(2x): the verdict of the exact series
``sgd-log-ratio``  the top gap G = log(a_(1)/a_(2)) of independent SGD runs

Parameters are validated by :class:`numerics.config.WalkConfig`,
:class:`numerics.config.TopGapConfig` and :mod:`theory.domain` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from numerics.config import SCHEDULES, TopGapConfig
from theory.domain import expression, real

from ._options import (
    UsageParser,
    add_command,
    add_conventions,
    add_json,
    add_resources,
    add_seed,
    conventions_from,
    integer,
    number,
    print_json,
    resources_from,
    texts,
)

__all__ = ["MAX_C", "register", "run_birth_death", "run_lamperti",
           "run_sgd_log_ratio"]

MAX_C = 1000.0
"""|c| bound for ``walk lamperti`` and ``walk birth-death``: the drift c/x leaves the walk's
range below x = |c| (the probabilities are clipped there), and the exact series starts
there, so the symbolic work grows with |c|; beyond it the family says nothing new."""


def _drift_constant(value: float) -> float:
    """``--c`` checked against :data:`MAX_C` (the same bound for both walks)."""
    return real("c", value, -MAX_C, MAX_C, what=f"a finite number with |c| <= {MAX_C:g}")

_TOP_GAP = {f.name: f.default for f in dataclasses.fields(TopGapConfig)}


def register(subparsers: Any) -> None:
    """non-homogeneous random walks: Lamperti, birth-death, the SGD top gap

    Classify and simulate non-homogeneous random walks on [0, inf) (SPEC section 3) and the
    walk SGD induces on log-ratios of data coordinates (SPEC walk.*).
    """
    parser = subparsers.add_parser("walk", **texts(register))
    sub = parser.add_subparsers(dest="walk_command", required=True, parser_class=UsageParser)
    _register_lamperti(sub)
    _register_birth_death(sub)
    _register_sgd_log_ratio(sub)


def _add_plot(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--plot", default=None, metavar="FILE.png", help=what)


def _register_lamperti(sub: Any) -> None:
    lam = add_command(sub, "lamperti", run_lamperti)
    lam.add_argument("--c", type=number, required=True, help="drift constant: mu_1 = c/x")
    lam.add_argument("--s2", type=number, default=1.0, help="mu_2 = s2 > 0 (default 1)")
    lam.add_argument("--paths", type=integer, default=1000,
                     help="simulated paths (default 1000)")
    lam.add_argument("--steps", type=integer, default=10_000,
                     help="steps per path (default 10000)")
    add_seed(lam)
    lam.add_argument("--x0", type=number, default=None,
                     help="start (default sqrt(s2), the first lattice site)")
    lam.add_argument("--escape-level", type=number, default=None,
                     help="level L for the escape fraction (default sqrt(s2 * steps))")
    lam.add_argument("--confidence", type=number, default=0.95,
                     help="level of the Wilson interval (default 0.95; CLT band uses 0.99)")
    lam.add_argument("--no-simulate", action="store_true", help="only the classification")
    add_json(lam)
    _add_plot(lam, "draw sample paths and the escape fraction over time")
    add_resources(lam)


def _register_birth_death(sub: Any) -> None:
    bd = add_command(sub, "birth-death", run_birth_death)
    bd.add_argument("--c", type=number, required=True, help="p_x = 1/2 + c/(2x)")
    bd.add_argument("--evaluate", action="store_true",
                    help="also sum a convergent series with mpmath.nsum (Levin)")
    add_json(bd)


def _register_sgd_log_ratio(sub: Any) -> None:
    sg = add_command(sub, "sgd-log-ratio", run_sgd_log_ratio)
    sg.add_argument("--n", type=integer, required=True, help="number of data points")
    sg.add_argument("--batch-size", type=integer, required=True, help="batch size b in [1, n]")
    sg.add_argument("--step-size", type=number, required=True,
                    help="eta, in (0, b/2) (stability at x_k needs 1 - 4 eta/b > -1)")
    sg.add_argument("--schedule", default=_TOP_GAP["schedule"], metavar="|".join(SCHEDULES),
                    help="batch schedule (default random; full needs b = n)")
    sg.add_argument("--steps", type=integer, required=True, help="SGD steps")
    sg.add_argument("--paths", type=integer, required=True, help="independent runs (seeds)")
    level = _TOP_GAP["escape_level"]
    sg.add_argument("--escape-level", type=number, default=level,
                    help=f"escape level for G (default log(10^6) = {level:.4f})")
    add_seed(sg)
    add_conventions(sg)
    sg.add_argument("--d", "--dim", dest="d", type=integer, default=None,
                    help="ambient dimension d >= n (default n)")
    add_json(sg)
    _add_plot(sg, "draw sample G paths and the escape fraction over time")
    add_resources(sg)


def _png(path: str | None) -> Path | None:
    """The checked ``--plot`` path (refused before anything runs)."""
    from numerics.io import output_path

    return None if path is None else output_path("plot", path, ".png")


def _emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print_json(payload, indent=2)
    else:
        sys.stdout.write("\n".join(lines) + "\n")


def _plot(path: Path, times: np.ndarray, paths: np.ndarray, esc_t: np.ndarray,
          level: float, ylabel: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    show = paths[:, : min(20, paths.shape[1])]
    with np.errstate(invalid="ignore"):
        ax1.plot(times, np.where(np.isfinite(show), show, np.nan), lw=0.8)
    ax1.axhline(level, color="k", ls="--", lw=0.8, label=f"escape level {level:.3g}")
    ax1.set_xscale("symlog")
    ax1.set_xlabel("step")
    ax1.set_ylabel(ylabel)
    ax1.legend()
    frac = [(np.asarray(esc_t >= 0) & (esc_t <= t)).mean() for t in times]
    ax2.plot(times, frac)
    ax2.set_xscale("symlog")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("step")
    ax2.set_ylabel("escaped fraction")
    fig.suptitle(title)
    fig.tight_layout()
    from numerics.io import atomic_file

    with atomic_file(path, "wb") as handle:
        fig.savefig(handle, dpi=100, format="png")
    plt.close(fig)
    print(f"aesgd walk: wrote {path}", file=sys.stderr)


def _simulate_lamperti(args: argparse.Namespace, plot: Path | None,
                       title: str) -> tuple[dict[str, Any], list[str]]:
    """The simulation part of ``walk lamperti``: its JSON object and its text lines."""
    from numerics.random_walk import (
        escape_fraction,
        lamperti_law,
        return_growth,
        second_moment_check,
        simulate_walk,
    )

    c, s2 = args.c, args.s2
    x0 = math.sqrt(s2) if args.x0 is None else args.x0
    level = (math.sqrt(s2 * max(args.steps, 1)) if args.escape_level is None
             else args.escape_level)
    res = simulate_walk(lamperti_law(c, s2), x0, args.steps, args.paths, seed=args.seed,
                        escape_level=level, **resources_from(args))
    esc = escape_fraction(res, args.confidence)
    ret = return_growth(res)
    mom = second_moment_check(res, 0.99) if res.config.paths >= 2 else None
    sim = {
        "paths": res.config.paths, "steps": res.steps, "seed": res.config.seed, "x0": res.x0,
        "escape_level": res.escape_level, "escape": esc,
        "returns_to_0": {k: ret[k] for k in ("final_mean", "final_se", "growth_exponent")},
        "second_moment_identity": mom,
    }
    lines = [
        f"simulation: {res.config.paths} paths x {res.steps} steps from x0 = {res.x0:g}, "
        f"seed {res.config.seed}",
        f"  escape fraction (X reaches {level:.4g}): {esc['fraction']:.4f}  "
        f"[{esc['ci_low']:.4f}, {esc['ci_high']:.4f}] ({args.confidence:.0%} Wilson)",
        f"  mean returns to 0: {ret['final_mean']:.3f} +- {ret['final_se']:.3f}, "
        f"growth exponent {ret['growth_exponent']:.3f} "
        "(~0 transient, ~1/2 null recurrent (c = 0), ~1 positive recurrent)",
    ]
    if mom is not None:
        lines.append(
            f"  E[X_T^2] - X_0^2 - sum E[2 X mu_1 + mu_2]: {mom['mean']:.4g} "
            f"(se {mom['se']:.3g}, z = {mom['z']:.2f}; "
            f"{'within' if mom['passed'] else 'OUTSIDE'} the 99% CLT band)"
        )
    if plot is not None:
        _plot(plot, res.record_times, res.record_x, res.hit_time, level, "X_t", title)
        lines.append(f"wrote {plot}")
    return sim, lines


def run_lamperti(args: argparse.Namespace) -> int:
    """mu_1 = c/x, mu_2 = s2: Lamperti's verdict and simulation diagnostics

    Walk on [0, inf) with increments +-sqrt(s2), P(+) = (1 + c/(x sqrt(s2)))/2 (clipped to
    [0, 1]; reflection X' = |X + xi| at 0), so mu_1 = c/x and mu_2 = s2 for
    x >= |c|/sqrt(s2). Classical verdict: transient iff 2c > s2, positive recurrent iff
    2c < -s2, else null recurrent.
    """
    from theory.lamperti import classify_lamperti, lamperti_family

    plot = _png(args.plot)
    real("confidence", args.confidence, 0.0, 1.0, low_open=True, high_open=True,
         what="a number in (0, 1)")
    mu1, mu2, x = lamperti_family(_drift_constant(args.c), args.s2)
    verdict = classify_lamperti(mu1, mu2, x)
    payload: dict[str, Any] = {
        "walk": "lamperti", "mu_1": str(mu1), "mu_2": str(mu2), **verdict.to_dict(),
    }
    lines = [
        f"walk on [0, inf): mu_1 = {mu1}, mu_2 = {mu2}",
        f"classification: {verdict.classification}  ({verdict.provenance})",
        f"criterion: {verdict.criterion}",
        f"margin: {verdict.margin}",
    ]
    if not args.no_simulate:
        title = f"mu_1 = {mu1}, mu_2 = {mu2}: {verdict.classification}"
        payload["simulation"], more = _simulate_lamperti(args, plot, title)
        lines += more
    _emit(payload, args.json, lines)
    return 0


def run_birth_death(args: argparse.Namespace) -> int:
    """p_x = 1/2 + c/(2x): verdict from the exact series

    Birth-death chain on {0, 1, ...} with up-probability p_x = 1/2 + c/(2x) (reflecting at
    0; p_x replaced by 1/2 where it is not in (0, 1)). Recurrent iff sum_k prod q_i/p_i
    diverges; positive recurrent iff the stationary series converges. Expected: transient
    iff 2c > 1, positive recurrent iff 2c < -1.
    """
    import sympy as sp

    from theory.lamperti import classify_birth_death

    c = _drift_constant(args.c)
    x = sp.Symbol("x", positive=True)
    p_x = sp.Rational(1, 2) + expression("c", c) / (2 * x)
    verdict = classify_birth_death(p_x, x, evaluate=args.evaluate)
    payload = {"walk": "birth-death", "p_x": str(p_x), **verdict.to_dict()}
    lines = [
        f"birth-death chain: p_x = {p_x} (mu_1 = {verdict.details['mu_1']}, mu_2 = 1)",
        f"classification: {verdict.classification}  ({verdict.provenance})",
        f"criterion: {verdict.criterion}",
        f"margin: {verdict.margin}",
    ]
    _emit(payload, args.json, lines)
    return 0


def _move_probability(cfg: TopGapConfig) -> dict[str, Any]:
    """The theory's probability that D_jk moves in one step (random, replacement, full)."""
    if cfg.schedule not in ("random", "replacement", "full"):
        return {}
    from theory.symbols import b, n
    from theory.walk import move_probability

    per_direction = move_probability(cfg.schedule).subs({n: cfg.n, b: cfg.batch_size})
    return {"move_probability_per_direction": str(per_direction),
            "move_probability": float(2 * per_direction)}


def run_sgd_log_ratio(args: argparse.Namespace) -> int:
    """the top gap G = log(a_(1)/a_(2)) of independent SGD runs

    Run SGD (numerics.sgd, reduced engine) for --paths seeds and follow the top gap
    G = log(a_(1)/a_(2)) of the two largest active coordinates, re-ranked at every record
    step. Reports escaped_fraction (share of runs whose G passed the escape level) and
    moved_fraction (share whose G changed by more than 1e-9), over runs with >= 2 active
    coordinates at init. G escapes when b < n and is constant when b = n (SPEC
    walk.top_gap).
    """
    from numerics.sgd_walk import simulate_sgd_top_gap

    plot = _png(args.plot)
    cfg = TopGapConfig(
        n=args.n, batch_size=args.batch_size, step_size=args.step_size, steps=args.steps,
        paths=args.paths, schedule=args.schedule, seed=args.seed,
        conventions=conventions_from(args), d=args.d, escape_level=args.escape_level,
    )
    res = simulate_sgd_top_gap(cfg, **resources_from(args))
    summ = res.summary()
    theory = _move_probability(cfg)
    payload = {
        "walk": "sgd-top-gap", "d": cfg.d, "n": cfg.n, "batch_size": cfg.batch_size,
        "step_size": cfg.step_size, "schedule": cfg.schedule, "steps": cfg.steps,
        "seed": cfg.seed, **cfg.conventions.to_json(), **summ, "theory": theory,
        "expected": "escapes (G -> inf)" if cfg.batch_size < cfg.n else "G constant",
    }
    activation = cfg.conventions.activation
    lines = [
        f"SGD top gap G = log(a_(1)/a_(2)): n = {cfg.n}, b = {cfg.batch_size}, "
        f"eta = {cfg.step_size:g}, schedule {cfg.schedule}, {cfg.steps} steps, {activation}",
        f"runs: {summ['paths']} with >= 2 active coordinates at init "
        f"({summ['excluded_paths']} excluded), engine {summ['engine']}",
        f"escaped_fraction (G >= {cfg.escape_level:.4g}): {summ['escaped_fraction']:.4f}  "
        f"[{summ['escaped_ci'][0]:.4f}, {summ['escaped_ci'][1]:.4f}] (95% Wilson)",
        f"moved_fraction (|dG| > 1e-9): {summ['moved_fraction']:.4f}  "
        f"[{summ['moved_ci'][0]:.4f}, {summ['moved_ci'][1]:.4f}] (95% Wilson)",
        f"median escape step: {summ['median_escape_time']}; median final G: "
        f"{summ['median_final_gap']}; dead runs: {summ['dead_runs']}",
    ]
    if theory:
        lines.append(f"theory: D_jk moves with probability {theory['move_probability']:.4g}")
    if plot is not None:
        _plot(plot, res.record_times, res.record_g, res.escape_time, cfg.escape_level, "G_t",
              f"SGD top gap: n={cfg.n}, b={cfg.batch_size}, eta={cfg.step_size:g}, "
              f"{cfg.schedule}")
        lines.append(f"wrote {plot}")
    _emit(payload, args.json, lines)
    return 0
