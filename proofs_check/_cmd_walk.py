"""``aesgd walk``: classify and simulate non-homogeneous random walks (SPEC sections 2-3).

Sub-commands:

``lamperti``       mu_1 = c/x, mu_2 = s2: Lamperti's classification plus a simulation
                   (escape fraction with a Wilson interval, returns to 0, the exact
                   E[X^2] identity in a CLT band)
``birth-death``    p_x = 1/2 + c/(2x): the verdict of the exact series
``sgd-log-ratio``  the top gap G = log(a_(1)/a_(2)) of independent SGD runs

Bad input raises :class:`theory.errors.DomainError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from numerics.schedules import SCHEDULES
from numerics.walk import (
    SGDWalkResult,
    WalkResult,
    escape_fraction,
    lamperti_law,
    return_growth,
    second_moment_check,
    simulate_sgd_top_gap,
    simulate_walk,
)
from theory.errors import DomainError
from theory.lamperti import classify_birth_death, classify_lamperti, lamperti_family
from theory.symbols import ACTIVATIONS, b, n
from theory.walk import move_probability

__all__ = ["register", "run_birth_death", "run_lamperti", "run_sgd_log_ratio"]

DEFAULT_ESCAPE = math.log(1e6)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "walk",
        help="non-homogeneous random walks: Lamperti, birth-death, the SGD top gap",
        description=(
            "Classify and simulate non-homogeneous random walks on [0, inf) (SPEC section 3) "
            "and the walk SGD induces on log-ratios of data coordinates (SPEC walk.*)."
        ),
    )
    sub = parser.add_subparsers(dest="walk_command", required=True, parser_class=type(parser))

    lam = sub.add_parser(
        "lamperti",
        help="mu_1 = c/x, mu_2 = s2: Lamperti's verdict and simulation diagnostics",
        description=(
            "Walk on [0, inf) with increments +-sqrt(s2), P(+) = (1 + c/(x sqrt(s2)))/2 "
            "(clipped to [0, 1]; reflection X' = |X + xi| at 0), so mu_1 = c/x and "
            "mu_2 = s2 for x >= |c|/sqrt(s2). Classical verdict: transient iff 2c > s2, "
            "positive recurrent iff 2c < -s2, else null recurrent."
        ),
    )
    lam.add_argument("--c", type=float, required=True, help="drift constant: mu_1 = c/x")
    lam.add_argument("--s2", type=float, default=1.0, help="mu_2 = s2 > 0 (default 1)")
    lam.add_argument("--paths", type=int, default=1000, help="simulated paths (default 1000)")
    lam.add_argument("--steps", type=int, default=10_000, help="steps per path (default 10000)")
    lam.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    lam.add_argument("--x0", type=float, default=None,
                     help="start (default sqrt(s2), the first lattice site)")
    lam.add_argument("--escape-level", type=float, default=None,
                     help="level L for the escape fraction (default sqrt(s2 * steps))")
    lam.add_argument("--confidence", type=float, default=0.95,
                     help="level of the Wilson interval (default 0.95; CLT band uses 0.99)")
    lam.add_argument("--no-simulate", action="store_true", help="only the classification")
    lam.add_argument("--json", action="store_true", help="print one JSON object")
    lam.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                     help="draw sample paths and the escape fraction over time")
    lam.set_defaults(func=run_lamperti)

    bd = sub.add_parser(
        "birth-death",
        help="p_x = 1/2 + c/(2x): verdict from the exact series",
        description=(
            "Birth-death chain on {0, 1, ...} with up-probability p_x = 1/2 + c/(2x) "
            "(reflecting at 0; p_x replaced by 1/2 where it is not in (0, 1)). Recurrent iff "
            "sum_k prod q_i/p_i diverges; positive recurrent iff the stationary series "
            "converges. Expected: transient iff 2c > 1, positive recurrent iff 2c < -1."
        ),
    )
    bd.add_argument("--c", type=float, required=True, help="p_x = 1/2 + c/(2x)")
    bd.add_argument("--evaluate", action="store_true",
                    help="also sum a convergent series with mpmath.nsum (Levin)")
    bd.add_argument("--json", action="store_true", help="print one JSON object")
    bd.set_defaults(func=run_birth_death)

    sg = sub.add_parser(
        "sgd-log-ratio",
        help="the top gap G = log(a_(1)/a_(2)) of independent SGD runs",
        description=(
            "Run SGD (numerics.sgd, reduced engine) for --paths seeds and follow the top gap "
            "G = log(a_(1)/a_(2)) of the two largest active coordinates, re-ranked at every "
            "record step. Reports escaped_fraction (share of runs whose G passed the escape "
            "level) and moved_fraction (share whose G changed by more than 1e-9), over runs "
            "with >= 2 active coordinates at init. G escapes when b < n and is constant when "
            "b = n (SPEC walk.top_gap)."
        ),
    )
    sg.add_argument("--n", type=int, required=True, help="number of data points")
    sg.add_argument("--batch-size", type=int, required=True, help="batch size b in [1, n]")
    sg.add_argument("--step-size", type=float, required=True,
                    help="eta, in (0, b/2) (stability at x_k needs 1 - 4 eta/b > -1)")
    sg.add_argument("--schedule", choices=SCHEDULES, default="random",
                    help="batch schedule (default random; full needs b = n)")
    sg.add_argument("--steps", type=int, required=True, help="SGD steps")
    sg.add_argument("--paths", type=int, required=True, help="independent runs (seeds)")
    sg.add_argument("--escape-level", type=float, default=DEFAULT_ESCAPE,
                    help=f"escape level for G (default log(10^6) = {DEFAULT_ESCAPE:.4f})")
    sg.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    sg.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                    help="activation (default relu)")
    sg.add_argument("--dim", type=int, default=None, help="ambient dimension d >= n (default n)")
    sg.add_argument("--json", action="store_true", help="print one JSON object")
    sg.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                    help="draw sample G paths and the escape fraction over time")
    sg.set_defaults(func=run_sgd_log_ratio)


def _finite(name: str, v: float) -> float:
    if not math.isfinite(v):
        raise DomainError(name, v, "a finite number")
    return v


def _emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, indent=2, default=_json_default) + "\n")
    else:
        sys.stdout.write("\n".join(lines) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _clean(v: Any) -> Any:
    """JSON-safe floats (inf/nan as strings)."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def _png(path: Path) -> Path:
    if path.suffix.lower() != ".png":
        raise DomainError("plot", str(path), "a path ending in .png")
    return path


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_lamperti(args: argparse.Namespace) -> int:
    c = _finite("c", args.c)
    s2 = _finite("s2", args.s2)
    plot = None if args.plot is None else _png(args.plot)
    if not 0 < args.confidence < 1:
        raise DomainError("confidence", args.confidence, "in (0, 1)")
    mu1, mu2, x = lamperti_family(c, s2)
    verdict = classify_lamperti(mu1, mu2, x)
    payload: dict[str, Any] = {
        "walk": "lamperti",
        "mu_1": str(mu1),
        "mu_2": str(mu2),
        **verdict.to_dict(),
    }
    lines = [
        f"walk on [0, inf): mu_1 = {mu1}, mu_2 = {mu2}",
        f"classification: {verdict.classification}  ({verdict.provenance})",
        f"criterion: {verdict.criterion}",
        f"margin: {verdict.margin}",
    ]
    if not args.no_simulate:
        x0 = math.sqrt(s2) if args.x0 is None else _finite("x0", args.x0)
        level = (
            math.sqrt(s2 * max(args.steps, 1)) if args.escape_level is None
            else _finite("escape_level", args.escape_level)
        )
        law = lamperti_law(c, s2)
        res: WalkResult = simulate_walk(
            law, x0, args.steps, args.paths, root=args.seed, stop_level=level
        )
        esc = escape_fraction(res, args.confidence)
        ret = return_growth(res)
        mom = second_moment_check(res, 0.99) if args.paths >= 2 else None
        payload["simulation"] = {
            "paths": args.paths,
            "steps": args.steps,
            "seed": args.seed,
            "x0": x0,
            "escape_level": level,
            "escape": esc,
            "returns_to_0": {k: ret[k] for k in ("final_mean", "final_se", "growth_exponent")},
            "second_moment_identity": mom,
        }
        lines += [
            f"simulation: {args.paths} paths x {args.steps} steps from x0 = {x0:g}, "
            f"seed {args.seed}",
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
            _plot(plot, res.record_times, res.record_x, res.hit_time, level, "X_t",
                  f"mu_1 = {mu1}, mu_2 = {mu2}: {verdict.classification}")
            lines.append(f"wrote {plot}")
    _emit(_clean(payload), args.json, lines)
    return 0


BIRTH_DEATH_MAX_C = 1000.0
"""|c| bound for ``walk birth-death``: p_x leaves (0, 1) below x = |c|, and the exact series
starts there, so the symbolic work grows with |c|."""


def run_birth_death(args: argparse.Namespace) -> int:
    c = _finite("c", args.c)
    if abs(c) > BIRTH_DEATH_MAX_C:
        raise DomainError("--c", c, f"a finite number with |c| <= {BIRTH_DEATH_MAX_C:g}")
    x = sp.Symbol("x", positive=True)
    p_x = sp.Rational(1, 2) + sp.nsimplify(c, rational=True) / (2 * x)
    verdict = classify_birth_death(p_x, x, evaluate=args.evaluate)
    payload = {"walk": "birth-death", "p_x": str(p_x), **verdict.to_dict()}
    lines = [
        f"birth-death chain: p_x = {p_x} (mu_1 = {verdict.details['mu_1']}, mu_2 = 1)",
        f"classification: {verdict.classification}  ({verdict.provenance})",
        f"criterion: {verdict.criterion}",
        f"margin: {verdict.margin}",
    ]
    _emit(_clean(payload), args.json, lines)
    return 0


def run_sgd_log_ratio(args: argparse.Namespace) -> int:
    plot = None if args.plot is None else _png(args.plot)
    eta = _finite("step_size", args.step_size)
    level = _finite("escape_level", args.escape_level)
    res: SGDWalkResult = simulate_sgd_top_gap(
        args.n, args.batch_size, eta, args.steps, args.paths, schedule=args.schedule,
        root=args.seed, activation=args.activation, d=args.dim, escape_level=level,
    )
    summ = res.summary()
    theory: dict[str, Any] = {}
    if args.schedule in ("random", "replacement"):
        pv = move_probability(args.schedule).subs({n: args.n, b: args.batch_size})
        theory["move_probability_per_direction"] = str(pv)
        theory["move_probability"] = float(2 * pv)
    elif args.schedule == "full":
        theory["move_probability"] = 0.0
    payload = {
        "walk": "sgd-top-gap",
        "n": args.n,
        "batch_size": args.batch_size,
        "step_size": eta,
        "schedule": args.schedule,
        "steps": args.steps,
        "seed": args.seed,
        "activation": args.activation,
        **summ,
        "theory": theory,
        "expected": "escapes (G -> inf)" if args.batch_size < args.n else "G constant",
    }
    lines = [
        f"SGD top gap G = log(a_(1)/a_(2)): n = {args.n}, b = {args.batch_size}, "
        f"eta = {eta:g}, schedule {args.schedule}, {args.steps} steps, {args.activation}",
        f"runs: {summ['paths']} with >= 2 active coordinates at init "
        f"({summ['excluded_paths']} excluded), engine {summ['engine']}",
        f"escaped_fraction (G >= {level:.4g}): {summ['escaped_fraction']:.4f}  "
        f"[{summ['escaped_ci'][0]:.4f}, {summ['escaped_ci'][1]:.4f}] (95% Wilson)",
        f"moved_fraction (|dG| > 1e-9): {summ['moved_fraction']:.4f}  "
        f"[{summ['moved_ci'][0]:.4f}, {summ['moved_ci'][1]:.4f}] (95% Wilson)",
        f"median escape step: {summ['median_escape_time']}; median final G: "
        f"{summ['median_final_gap']}; dead runs: {summ['dead_runs']}",
    ]
    if theory:
        lines.append(f"theory: D_jk moves with probability {theory['move_probability']:.4g}")
    if plot is not None:
        _plot(plot, res.record_times, res.record_g, res.escape_time, level, "G_t",
              f"SGD top gap: n={args.n}, b={args.batch_size}, eta={eta:g}, {args.schedule}")
        lines.append(f"wrote {plot}")
    _emit(_clean(payload), args.json, lines)
    return 0
