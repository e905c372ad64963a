"""The ``aesgd verify --report DIR`` output: a report to read, with figures and formulas.

:func:`write_report` takes the JSON document of a verify run (``claims``, optional
``mutants``, ``summary``, ``level``) and writes into ``DIR``:

``results.json``   the payload, plus ``figures`` (per figure: file, caption, parameters and
                   the numbers plotted), ``formulas`` (LaTeX compile status) and ``report``
``report.md``      claim table, the caveats for P3 and P4, figures, one section per claim
                   (statement, LaTeX source, checks with evidence, caveats), mutants
``report.html``    the same, self-contained: figures as base64 data URIs, formulas as LaTeX
                   source, no external resource of any kind
``formulas.tex``   :func:`theory.latex.document` ("relu"); ``formulas.pdf`` when pdflatex exists
``*.png``          five figures, simulated here with fixed seeds (:data:`ROOT_SEED`)

Every simulation goes through :func:`numerics.sgd.simulate` / :func:`numerics.sgd.trajectory`
and every formula through :mod:`numerics.formulas`; nothing is retyped here.

>>> _md_cell("a | b\\nc")
'a \\\\| b c'
>>> figure_settings(Budget("quick")).seeds
64
"""

from __future__ import annotations

import base64
import html
import json
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from numerics import formulas, metrics
from numerics.sgd import SimulationResult, simulate, trajectory
from numerics.walk import top_gap

from .stats import Budget, mean_interval

__all__ = [
    "BATCH_SIZES",
    "FIGURES",
    "FIGURE_TITLES",
    "ROOT_SEED",
    "FigureSettings",
    "figure_settings",
    "write_report",
]

ROOT_SEED = 2308
"""Root seed of every figure simulation (seed i of every batch size starts from the same w_0)."""
D, N = 40, 20
BATCH_SIZES: tuple[int, ...] = (1, 2, 4, 5, 10, 15, 19, 20)
GAMMA_SGD = 0.4
"""Per-sample rate gamma = eta/b for b < n: eta = 0.4 b, inside the bound gamma < 1/2."""
GAMMA_FULL = 0.2
"""Full batch (b = n, schedule ``full``): eta = 0.2 n."""
FIXED_ETA = 0.4
"""Second support series: the same eta for every b < n (gamma = 0.4/b shrinks as b grows)."""
PATH_START = (0.3, 0.2)
FIGURES: tuple[str, ...] = (
    "support_vs_batch_size",
    "alignment_vs_batch_size",
    "hessian_trace_vs_batch_size",
    "two_d_picture",
    "log_ratio_walk",
)
FIGURE_TITLES: dict[str, str] = {
    "support_vs_batch_size": "Support size vs batch size",
    "alignment_vs_batch_size": "Alignment with the initialisation vs batch size",
    "hessian_trace_vs_batch_size": "Hessian trace vs batch size",
    "two_d_picture": "The 2-D picture (d = n = 2)",
    "log_ratio_walk": "The log-ratio (top-gap) walk",
}
_Z95 = 0.05  # alpha of the 95% CLT bands drawn in the figures (1.96 standard errors)
_LATEX_TIMEOUT = 180
_EVIDENCE_CHARS = 420
_STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "undecided": "UNDECIDED"}


@dataclass(frozen=True)
class FigureSettings:
    """How much simulation the figures get at a budget level.

    seeds, steps        batch-size sweep (figures 1-3): seeds per b, SGD steps for b < n
    full_steps          steps of the full-batch run (GD converges in a few hundred)
    path_steps, paths   2-D picture: steps and number of b = 1 paths
    walk_seeds, walk_steps  log-ratio walk figure
    """

    seeds: int
    steps: int
    full_steps: int
    path_steps: int
    paths: int
    walk_seeds: int
    walk_steps: int


def figure_settings(budget: Budget) -> FigureSettings:
    """Quick: every figure simulation in a few seconds; full: about 1.5 minutes (2 cores)."""
    if budget.full:
        return FigureSettings(seeds=600, steps=30000, full_steps=4000, path_steps=1500,
                              paths=6, walk_seeds=12, walk_steps=12000)
    return FigureSettings(seeds=64, steps=8000, full_steps=2000, path_steps=1000, paths=4,
                          walk_seeds=6, walk_steps=4000)


# ------------------------------------------------------------------------ small helpers
def _r(x: float, digits: int = 6) -> float | None:
    """Round for JSON; non-finite values become None."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def _band(samples: np.ndarray) -> dict[str, float | None]:
    """Mean and 95% CLT band (mean +- 1.96 s / sqrt(k)); the band is the mean for k < 2."""
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        return {"mean": None, "low": None, "high": None, "samples": 0}
    if x.size < 2:
        m = float(x[0])
        return {"mean": _r(m), "low": _r(m), "high": _r(m), "samples": 1}
    mean, lo, hi = mean_interval(x, _Z95)
    return {"mean": _r(mean), "low": _r(lo), "high": _r(hi), "samples": int(x.size)}


def _finite(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become strings ("inf", "nan")."""
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, np.generic):
        return _finite(obj.item())
    return obj


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    plt = _pyplot()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


# ------------------------------------------------------------------ figure data (numbers)
def _support_summary(res: SimulationResult) -> dict[str, Any]:
    """Support of the final iterate over non-diverged seeds, and when each run became
    1-sparse for good (the first log-spaced checkpoint from which support stays 1)."""
    ok = res.status != "diverged"
    sup = res.support[ok].astype(float)
    ck = res.checkpoints["support"][:, ok]  # (K, seeds)
    steps = res.checkpoint_steps
    settled = []
    for k in range(ck.shape[1]):
        bad = np.nonzero(ck[:, k] != 1)[0]
        if bad.size == 0:
            settled.append(int(steps[0]))
        elif bad[-1] + 1 < steps.size:
            settled.append(int(steps[bad[-1] + 1]))
    return {
        "mean": _r(sup.mean()), "min": _r(sup.min()), "max": _r(sup.max()),
        "q25": _r(np.quantile(sup, 0.25)), "q75": _r(np.quantile(sup, 0.75)),
        "fraction_one_sparse": _r(np.mean(sup == 1)),
        # checkpoint step by which a run was 1-sparse for good (runs that never were: none)
        "median_steps_to_one_sparse": int(np.median(settled)) if len(settled) == sup.size
        else None,
        "max_steps_to_one_sparse": max(settled) if len(settled) == sup.size else None,
    }


def _sweep(fs: FigureSettings) -> dict[str, Any]:
    """One SGD run per batch size (same seeds, so the same w_0 for every b), at a fixed
    per-sample rate gamma; and, for the support figure only, the b < n runs at a fixed eta."""
    trace_min = formulas.trace_at_min()
    rows = []
    for b in BATCH_SIZES:
        full = b == N
        eta = GAMMA_FULL * N if full else GAMMA_SGD * b
        steps = fs.full_steps if full else fs.steps
        res: SimulationResult = simulate(
            D, N, b, eta, steps, fs.seeds, activation="relu",
            schedule="full" if full else "random", root_seed=ROOT_SEED, checkpoints=32,
        )
        ok = res.status != "diverged"
        norm0 = np.sqrt(np.sum(res.a0 * res.a0, axis=1) + res.perp0 * res.perp0)[ok]
        pos0 = np.maximum(res.a0[ok], 0.0)
        p_plus = np.sum(res.a0[ok] > 0, axis=1)
        s_theory = p_plus if full else np.ones_like(p_plus)
        status = {s: int(np.sum(res.status == s)) for s in ("converged", "running", "diverged")}
        rows.append({
            "b": b,
            "eta": eta,
            "gamma": eta / b,
            "schedule": "full" if full else "random",
            "steps": steps,
            "seeds": fs.seeds,
            "status_counts": status,
            "support": _support_summary(res),
            "abs_alignment": {
                **_band(np.abs(res.alignment[ok])),
                "q25": _r(np.quantile(np.abs(res.alignment[ok]), 0.25)),
                "q75": _r(np.quantile(np.abs(res.alignment[ok]), 0.75)),
            },
            # sgd.orthogonal: |cos| = a_k(0)/||w_0|| <= max_i a_i(0)^+/||w_0|| (winner active)
            "alignment_bound_b_lt_n": _band(np.max(pos0, axis=1) / norm0),
            # gd.dense_aligned: cos = ||u||/||w_0||, u = positive part of a(0)
            "alignment_gd_exact": _band(np.sqrt(np.sum(pos0 * pos0, axis=1)) / norm0),
            "initially_positive": _band(p_plus.astype(float)),
            "trace_theory": _band(np.asarray(trace_min(D, N, s_theory), dtype=float)),
            "trace_limit": _band(res.hessian_trace[ok]),
            "trace_iterate": _band(res.hessian_trace_iterate[ok]),
            # walk.variance_scale: D moves with probability 2p, p = b(n - b)/(n(n - 1))
            "p_move_one_direction": _r(b * (N - b) / (N * (N - 1))),
            "log_ratio_variance_per_step": _r(2 * (b * (N - b) / (N * (N - 1)))
                                              * (eta / b) ** 2),
        })
    fixed = []
    for b in BATCH_SIZES[:-1]:
        gamma = FIXED_ETA / b
        res = simulate(D, N, b, FIXED_ETA, fs.steps, fs.seeds, activation="relu",
                       schedule="random", root_seed=ROOT_SEED, checkpoints=32)
        fixed.append({
            "b": b, "eta": FIXED_ETA, "gamma": gamma, "schedule": "random",
            "steps": fs.steps, "seeds": fs.seeds, "support": _support_summary(res),
            "log_ratio_variance_per_step": _r(2 * (b * (N - b) / (N * (N - 1))) * gamma**2),
        })
    return {"d": D, "n": N, "activation": "relu", "root_seed": ROOT_SEED, "rows": rows,
            "fixed_eta_rows": fixed}


def _two_d(fs: FigureSettings) -> dict[str, Any]:
    """d = n = 2, relu: one full-batch path and b = 1 paths from the same start."""
    w0 = np.array(PATH_START)
    eta_full = GAMMA_FULL * 2
    _, a_full, _ = trajectory(2, 2, 2, eta_full, fs.path_steps, 1, record_every=1,
                              schedule="full", init=w0, root_seed=ROOT_SEED)
    eta_one = GAMMA_FULL  # the same per-sample rate gamma = 0.2
    _, a_one, _ = trajectory(2, 2, 1, eta_one, fs.path_steps, fs.paths, record_every=1,
                             schedule="random", init=w0, root_seed=ROOT_SEED)
    lim = (-0.7, 1.35)
    grid = np.linspace(lim[0], lim[1], 161)
    levels = [0.27, 0.3, 0.35, 0.4, 0.45, 0.49, 0.55, 0.7, 1.0, 1.5]

    def path(a: np.ndarray) -> list[list[float | None]]:
        """The path with steps closer than 1e-3 to the last kept point dropped (JSON size);
        the figure draws exactly these points."""
        keep = [0]
        for t in range(1, a.shape[0]):
            if t == a.shape[0] - 1 or np.max(np.abs(a[t] - a[keep[-1]])) > 1e-3:
                keep.append(t)
        return [[_r(x, 5), _r(y, 5)] for x, y in a[keep]]

    return {
        "d": 2, "n": 2, "activation": "relu", "start": list(PATH_START),
        "steps": fs.path_steps, "root_seed": ROOT_SEED,
        "full_batch": {"b": 2, "eta": eta_full, "gamma": eta_full / 2, "schedule": "full",
                       "path": path(a_full[:, 0, :])},
        "b1": [{"b": 1, "eta": eta_one, "gamma": eta_one, "schedule": "random", "seed": k,
                "path": path(a_one[:, k, :]), "end": path(a_one[-1:, k, :])[0]}
               for k in range(fs.paths)],
        "contours": {"grid": [lim[0], lim[1], int(grid.size)], "levels": levels,
                     "loss": "numerics.formulas.loss_reduced()(r, S, 2)"},
    }


def _loss_grid(lo: float, hi: float, num: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = np.linspace(lo, hi, num)
    w1, w2 = np.meshgrid(g, g)
    a = np.stack([w1, w2], axis=-1)
    s_val, r = metrics.coordinate_sums(a, np.zeros(w1.shape), "relu")
    loss = np.asarray(formulas.loss_reduced()(r, s_val, 2), dtype=float)
    return w1, w2, loss


def _walk(fs: FigureSettings) -> dict[str, Any]:
    """Top gap G = log(a_(1)/a_(2)) along SGD trajectories (n = 20, d = 40)."""
    configs = [(1, GAMMA_SGD * 1, "random"), (5, GAMMA_SGD * 5, "random"),
               (N, GAMMA_FULL * N, "full")]
    steps = fs.walk_steps
    grid = np.unique(np.concatenate([
        np.arange(0, 10), np.round(np.geomspace(10, steps, 160)).astype(np.int64), [steps]]))
    out = []
    for b, eta, sched in configs:
        times, a, _ = trajectory(D, N, b, eta, steps, fs.walk_seeds, record_every=1,
                                 schedule=sched, root_seed=ROOT_SEED)
        with np.errstate(divide="ignore", under="ignore"):
            g = top_gap(a[grid], "relu")  # (times, seeds); inf if a_(2) underflowed to 0
        assert np.array_equal(times[grid], grid)
        finite_end = g[-1][np.isfinite(g[-1])]
        out.append({
            "b": b, "eta": eta, "gamma": eta / b, "schedule": sched,
            "seeds": fs.walk_seeds,
            "G": [[_r(v, 4) for v in g[:, k]] for k in range(g.shape[1])],
            "G0": [_r(v, 4) for v in g[0]],
            "G_end": [_r(v, 4) for v in g[-1]],
            "max_abs_change": _r(float(np.max(np.abs(g[-1] - g[0])))
                                 if finite_end.size == g.shape[1] else math.inf),
        })
    return {"d": D, "n": N, "activation": "relu", "root_seed": ROOT_SEED, "steps": steps,
            "times": grid.tolist(), "runs": out}


# ------------------------------------------------------------------------------ plots
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _plot_support(sweep: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.4, 6.2), layout="constrained",
                                  sharex=True, height_ratios=(3, 1.4))
    series = [
        (sweep["rows"], 0.0, "o", _COLORS[0], "full",
         f"gamma = eta/b = {GAMMA_SGD} fixed (b = n: GD, eta = {GAMMA_FULL * N:g})"),
        (sweep["fixed_eta_rows"], 0.3, "D", _COLORS[4], "none",
         f"eta = {FIXED_ETA} fixed (gamma = {FIXED_ETA}/b), b < n"),
    ]
    for rows, dx, marker, color, fill, label in series:
        b = np.array([r["b"] for r in rows], dtype=float) + dx
        sup = [r["support"] for r in rows]
        mean = np.array([x["mean"] for x in sup])
        lo = np.array([x["min"] for x in sup])
        hi = np.array([x["max"] for x in sup])
        q25 = np.array([x["q25"] for x in sup])
        q75 = np.array([x["q75"] for x in sup])
        ax.errorbar(b, mean, yerr=[mean - lo, hi - mean], fmt="none", ecolor=color,
                    alpha=0.45, capsize=3)
        ax.errorbar(b, mean, yerr=[np.maximum(mean - q25, 0), np.maximum(q75 - mean, 0)],
                    fmt=marker, color=color, mfc=color if fill == "full" else "white",
                    elinewidth=3, label=label)
        ax2.plot(b, [x["fraction_one_sparse"] for x in sup], marker, color=color,
                 mfc=color if fill == "full" else "white", ls="-", lw=0.8)
    ax.axhline(1, color="k", lw=0.8, ls=":", label="1-sparse (theory, b < n, t -> inf)")
    full = sweep["rows"][-1]
    ax.axhline(full["initially_positive"]["mean"], color=_COLORS[1], lw=0.8, ls="--",
               label="mean |P+| (theory, b = n)")
    ax.set_ylabel("support of the final iterate\n(mean; bars IQR and min-max)")
    ax.set_title("Support of the SGD limit vs batch size (relu, d = 40, n = 20)", fontsize=10)
    ax.set_ylim(0, N + 1)
    ax.legend(fontsize=7, loc="upper left")
    ax2.set_ylabel("fraction 1-sparse")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_xlabel(f"batch size b (n = {N}); {sweep['rows'][0]['steps']} steps for b < n")
    ax2.set_xticks([float(r["b"]) for r in sweep["rows"]])
    _save(fig, path)


def _plot_alignment(sweep: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    rows = sweep["rows"]
    b = np.array([r["b"] for r in rows], dtype=float)
    m = np.array([r["abs_alignment"]["mean"] for r in rows])
    q25 = np.array([r["abs_alignment"]["q25"] for r in rows])
    q75 = np.array([r["abs_alignment"]["q75"] for r in rows])
    ax.errorbar(b, m, yerr=[np.maximum(m - q25, 0), np.maximum(q75 - m, 0)], fmt="o",
                color=_COLORS[0], capsize=3, label="simulated mean |cos(w_inf, w_0)| (IQR)")
    bound = np.array([r["alignment_bound_b_lt_n"]["mean"] for r in rows[:-1]])
    ax.plot(b[:-1], bound, "v", color=_COLORS[2], ms=5,
            label="mean max_i a_i(0)+ / ||w_0|| (bound, b < n)")
    ax.plot(b[-1:], [rows[-1]["alignment_gd_exact"]["mean"]], "s", mfc="none",
            color=_COLORS[1], ms=9, label="mean ||u|| / ||w_0|| (exact, b = n)")
    ax.axhline(math.sqrt(N / (2 * D)), color=_COLORS[1], ls="--", lw=1,
               label="sqrt(n / 2d): full-batch scale")
    ax.axhline(math.sqrt(2 * math.log(N) / D), color=_COLORS[2], ls=":", lw=1,
               label="sqrt(2 log n / d): b < n scale")
    ax.set_xticks(b)
    ax.set_ylim(0, 0.8)
    ax.set_xlabel("batch size b (n = 20)")
    ax.set_ylabel("|cos(w_inf, w_0)|")
    ax.set_title("Alignment with the initialisation vs batch size (relu, d = 40)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    _save(fig, path)


def _plot_trace(sweep: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    rows = sweep["rows"]
    b = np.array([r["b"] for r in rows], dtype=float)
    sgd_theory = rows[0]["trace_theory"]["mean"]
    ax.plot([b[0], b[-2]], [sgd_theory, sgd_theory], "k-", lw=1.2,
            label="theory (d - 1 + 4)/n, s = 1 (b < n)")
    th = rows[-1]["trace_theory"]
    ax.errorbar([b[-1]], [th["mean"]], yerr=[[th["mean"] - th["low"]], [th["high"] - th["mean"]]],
                fmt="_", color="k", ms=18, capsize=5, label="theory (d - |P+| + 4)/n (b = n), CLT")

    def pts(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = np.array([r[key]["mean"] for r in rows])
        lo = np.array([r[key]["low"] for r in rows])
        hi = np.array([r[key]["high"] for r in rows])
        return m, np.maximum(m - lo, 0), np.maximum(hi - m, 0)

    m, el, eh = pts("trace_limit")
    ax.errorbar(b + 0.25, m, yerr=[el, eh], fmt="o", color=_COLORS[0], capsize=3,
                label="simulated tr H at the limit point (mean, 95% CLT)")
    m, el, eh = pts("trace_iterate")
    ax.errorbar(b - 0.25, m, yerr=[el, eh], fmt="x", color=_COLORS[1], alpha=0.35, capsize=2,
                label="tr H at the raw final iterate")
    ax.set_xticks(b)
    ax.set_xlabel("batch size b (n = 20)")
    ax.set_ylabel("trace of the Hessian")
    ax.set_title("Hessian trace at the minimum found vs batch size (relu, d = 40)", fontsize=10)
    lo_y = min(r["trace_iterate"]["low"] for r in rows)
    hi_y = max(r["trace_theory"]["high"] for r in rows)
    ax.set_ylim(lo_y - 0.05, hi_y + 0.05)
    ax.legend(fontsize=7, loc="center left")
    _save(fig, path)


def _plot_two_d(data: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    fig, ax = plt.subplots(figsize=(5.6, 5.2), layout="constrained")
    lo, hi, num = data["contours"]["grid"]
    w1, w2, loss = _loss_grid(lo, hi, num)
    cs = ax.contour(w1, w2, loss, levels=data["contours"]["levels"], colors="0.7",
                    linewidths=0.7)
    ax.clabel(cs, fontsize=6, fmt="%.2f")
    ax.add_patch(Rectangle((lo, lo), -lo, -lo, color="0.85", zorder=0,
                           label="dead region (a_1, a_2 <= 0): L = 1/2, gradient 0"))
    th = np.linspace(0.0, math.pi / 2, 200)
    ax.plot(np.cos(th), np.sin(th), color="k", lw=2.2, label="global minima (unit arc)")
    full = np.array(data["full_batch"]["path"], dtype=float)
    ax.plot(full[:, 0], full[:, 1], "-", color=_COLORS[1], lw=2, label="full batch (b = 2)")
    for k, run in enumerate(data["b1"]):
        p = np.array(run["path"], dtype=float)
        ax.plot(p[:, 0], p[:, 1], "-", color=_COLORS[0], lw=0.8, alpha=0.8,
                label="b = 1 paths (different batch seeds)" if k == 0 else None)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=_COLORS[0], ms=5)
    ax.plot(full[-1, 0], full[-1, 1], "s", color=_COLORS[1], ms=6)
    ax.plot(*data["start"], "k*", ms=10, label=f"start w_0 = {tuple(data['start'])}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("w_1 = a_1")
    ax.set_ylabel("w_2 = a_2")
    ax.set_title("d = n = 2, relu: loss contours, minima and SGD paths", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    _save(fig, path)


def _plot_walk(data: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    t = np.asarray(data["times"], dtype=float) + 1.0
    for c, run in enumerate(data["runs"]):
        label = (f"b = {run['b']} (eta = {run['eta']:g}, {run['schedule']})")
        for k, g in enumerate(run["G"]):
            y = np.array([np.nan if v is None else v for v in g], dtype=float)
            ax.plot(t, y, color=_COLORS[c], lw=0.9, alpha=0.8, label=label if k == 0 else None)
    ax.axhline(math.log(1e6), color="0.5", ls=":", lw=0.8,
               label="G = log 10^6 (escape level of the walk checks)")
    ax.set_ylim(bottom=0.0)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("SGD step t + 1")
    ax.set_ylabel("top gap G = log(a_(1) / a_(2))")
    ax.set_title("The top-gap walk: escapes for b < n, frozen for b = n (n = 20, d = 40)",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    _save(fig, path)


# ---------------------------------------------------------------------------- captions
def _sparsity_sentence(sweep: dict[str, Any]) -> str:
    """What the two support series say about the speed of sparsification (with numbers)."""

    def describe(r: dict[str, Any]) -> str:
        sup = r["support"]
        if sup["fraction_one_sparse"] == 1.0:
            return (f"b = {r['b']}: all 1-sparse, median by step "
                    f"{sup['median_steps_to_one_sparse']}")
        return f"b = {r['b']}: {sup['fraction_one_sparse']:.0%} 1-sparse"

    gam = sweep["rows"][:-1]
    eta = sweep["fixed_eta_rows"]
    steps = gam[0]["steps"]
    dense = [r for r in gam + eta if (r["support"]["fraction_one_sparse"] or 0.0) < 1.0]
    text = (
        f"Speed (after {steps} steps). Fixed gamma: " + "; ".join(describe(r) for r in gam)
        + ". Fixed eta: " + "; ".join(describe(r) for r in eta) + ". "
        "The per-step variance of the log-ratios is about 2 p gamma^2 with p = b(n - b)/"
        "(n(n - 1)) (walk.variance_scale): at fixed gamma it is the same at b = 19 as at b = 1, "
        "at fixed eta it is 2 eta^2 (n - b)/(b n (n - 1)) and falls sharply as b -> n.")
    if dense:
        text += (" Runs that are still dense at the end are not counterexamples to P3: they "
                 "have not finished (the theory is a t -> inf statement), which is the slow "
                 "sparsification near b = n.")
    return text


def _captions(sweep: dict[str, Any], two_d: dict[str, Any], walk: dict[str, Any]
              ) -> dict[str, str]:
    rows = sweep["rows"]
    by_b = {r["b"]: r for r in rows}
    seeds = rows[0]["seeds"]
    steps = rows[0]["steps"]
    sparsity_txt = _sparsity_sentence(sweep)
    full = by_b[N]
    gap = rows[0]["trace_theory"]["mean"] - full["trace_theory"]["mean"]
    b1 = two_d["b1"]
    ends = [("x_1" if e[0] > e[1] else "x_2") for e in (run["end"] for run in b1)]
    walk_runs = walk["runs"]
    flat = walk_runs[-1]["max_abs_change"]
    common = (f"relu, d = {D}, n = {N}, {seeds} seeds (the same w_0 for every b, root seed "
              f"{ROOT_SEED}); b < n: random batches without replacement, gamma = eta/b = "
              f"{GAMMA_SGD} (eta = {GAMMA_SGD} b), {steps} steps; b = n: gradient descent, "
              f"eta = {GAMMA_FULL * N:g}, {full['steps']} steps.")
    return {
        "support_vs_batch_size": (
            "Support size (coordinates above 1e-6 of the largest) of the final iterate vs "
            "batch size. Theory: every b < n ends 1-sparse (sgd.sparse_limit, P3); b = n keeps "
            "every initially positive coordinate (gd.dense_aligned, P2), about n/2 = 10. "
            "Top: mean support over seeds, thick bars the interquartile range, thin bars "
            "min-max; bottom: fraction of seeds that are 1-sparse at the end. Filled circles: "
            f"fixed per-sample rate gamma = {GAMMA_SGD} (eta = {GAMMA_SGD} b); hollow diamonds: "
            f"fixed eta = {FIXED_ETA} (gamma = {FIXED_ETA}/b), same seeds and steps. "
            + common + " " + sparsity_txt),
        "alignment_vs_batch_size": (
            "|cos(w_inf, w_0)| vs batch size. Theory: b = n gives cos = ||u||/||w_0|| exactly "
            "(u = positive part of a(0)), of scale sqrt(n/(2d)) = "
            f"{math.sqrt(N / (2 * D)):.3f} (gd.dense_aligned); b < n gives |cos| = "
            "a_k(0)/||w_0|| for the winning coordinate k, at most max_i a_i(0)/||w_0||, of "
            f"scale sqrt(2 log n / d) = {math.sqrt(2 * math.log(N) / D):.3f} "
            "(sgd.orthogonal). The sqrt(2 log n / d) line is the asymptotic scale of the "
            "bound, not a prediction of the mean: the winner is biased toward, but not "
            "always, the largest coordinate, so the simulated mean sits below the bound. "
            "Points: mean |cos| with interquartile bars; triangles: the exact per-seed bound "
            "(mean); square: the exact full-batch value (mean). " + common),
        "hessian_trace_vs_batch_size": (
            "Trace of the Hessian at the minimum found vs batch size. Theory "
            "(hessian.trace_at_min): tr = (d - s + 4)/n with s active coordinates; s = 1 "
            f"for b < n (line at {rows[0]['trace_theory']['mean']:.3f}), s = |P+| for b = n "
            f"(mean {full['trace_theory']['mean']:.3f} over seeds with its 95% CLT "
            "interval), so the full-batch minimum is flatter by (|P+| - 1)/n "
            f"(here {gap:.3f} on average; P4). Blue points: tr H at the limit point "
            "(coordinates below 1e-6 of the largest set to 0), mean +- 1.96 s/sqrt(seeds). "
            "Faint crosses: tr H at the raw final iterate. They differ for b < n because "
            "the losing coordinates decay to 0 from above: at the raw iterate a tiny "
            "positive coordinate is still active (curvature 0 along it) until it underflows "
            "to exactly 0, while at the limit x_k it is inactive (curvature 1/n, relu'(0) = "
            "0): the gap is a property of the limit and of the kink convention "
            "(hessian.kink_convention), not of the iterates. " + common),
        "two_d_picture": (
            "d = n = 2, relu. Grey contours: the loss L(r, S, 2) from loss.coordinates; "
            "thick arc: the global minima (unit vectors with a_1, a_2 >= 0, minima.set); "
            "shaded: the dead region a_1, a_2 <= 0 where L = 1/2 and the gradient vanishes "
            "(stationary.other). From w_0 = (0.3, 0.2): full batch (b = 2, eta = "
            f"{two_d['full_batch']['eta']:g}) moves along the ray of w_0 and stops at "
            "w_0/||w_0|| on the arc (gd.limit: ratios are frozen); "
            f"{len(b1)} b = 1 paths (eta = {b1[0]['eta']:g}, the same gamma, different batch "
            f"seeds, {two_d['steps']} steps) reach the arc and then slide along it to a "
            f"corner x_k (sgd.sparse_limit); they ended at {', '.join(ends)}."),
        "log_ratio_walk": (
            "The top gap G = log(a_(1)/a_(2)) (the two largest positive coordinates, "
            f"re-ranked every step; walk.top_gap) along SGD runs, {walk_runs[0]['seeds']} "
            f"seeds per setting, relu, d = {D}, n = {N}. Theory: for b < n, G is a walk on "
            "[0, inf) pushed away from 0 (walk.outward_drift) that escapes to infinity, "
            "which is the mechanism of sparsity (P3, P6); for b = n every ratio is frozen "
            f"(gd.ratio_invariance), so G is constant: the largest change of G over "
            f"{walk['steps']} steps was {flat:.1e} here. Time axis logarithmic (step + 1), "
            "G axis linear below 1 and logarithmic above."),
    }


# ------------------------------------------------------------------------------ figures
def _figures(outdir: Path, budget: Budget, progress: Callable[[str], None] | None
             ) -> tuple[dict[str, Any], list[Path]]:
    fs = figure_settings(budget)

    def say(msg: str) -> None:
        if progress is not None:
            progress(msg)

    timings: dict[str, float] = {}
    say("figures: batch-size sweep")
    t0 = time.perf_counter()
    sweep = _sweep(fs)
    timings["sweep"] = time.perf_counter() - t0
    say("figures: 2-D paths")
    t0 = time.perf_counter()
    two_d = _two_d(fs)
    timings["two_d"] = time.perf_counter() - t0
    say("figures: top-gap walks")
    t0 = time.perf_counter()
    walk = _walk(fs)
    timings["walk"] = time.perf_counter() - t0

    captions = _captions(sweep, two_d, walk)
    plots: dict[str, tuple[Callable[[dict[str, Any], Path], None], dict[str, Any], str]] = {
        "support_vs_batch_size": (_plot_support, sweep, "sweep"),
        "alignment_vs_batch_size": (_plot_alignment, sweep, "sweep"),
        "hessian_trace_vs_batch_size": (_plot_trace, sweep, "sweep"),
        "two_d_picture": (_plot_two_d, two_d, "two_d"),
        "log_ratio_walk": (_plot_walk, walk, "walk"),
    }
    out: dict[str, Any] = {}
    paths = []
    for name in FIGURES:
        fn, data, sim = plots[name]
        say(f"figure {name}")
        t0 = time.perf_counter()
        path = outdir / f"{name}.png"
        with np.errstate(under="ignore"):  # matplotlib's own transforms may underflow
            fn(data, path)
        paths.append(path)
        out[name] = {
            "file": path.name,
            "title": FIGURE_TITLES[name],
            "caption": captions[name],
            "simulation": sim,
            "simulation_seconds": round(timings[sim], 3),
            "plot_seconds": round(time.perf_counter() - t0, 3),
            "data": _sweep_view(sweep, name) if sim == "sweep" else data,
        }
    meta = {
        "settings": asdict(fs),
        "level": budget.level,
        "simulation_seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    return {"figures": out, "figures_meta": meta, "sweep": sweep}, paths


_SWEEP_FIELDS = {
    "support_vs_batch_size": ("support", "initially_positive", "p_move_one_direction",
                              "log_ratio_variance_per_step"),
    "alignment_vs_batch_size": ("abs_alignment", "alignment_bound_b_lt_n",
                                "alignment_gd_exact"),
    "hessian_trace_vs_batch_size": ("trace_theory", "trace_limit", "trace_iterate",
                                    "initially_positive"),
}


def _sweep_view(sweep: dict[str, Any], name: str) -> dict[str, Any]:
    """The numbers one sweep figure plots (per batch size), with the run parameters."""
    keep = ("b", "eta", "gamma", "schedule", "steps", "seeds", "status_counts",
            *_SWEEP_FIELDS[name])
    rows = [{k: r[k] for k in keep} for r in sweep["rows"]]
    extra: dict[str, Any] = {}
    if name == "support_vs_batch_size":
        extra = {"fixed_eta_rows": sweep["fixed_eta_rows"]}
    if name == "alignment_vs_batch_size":
        extra = {"line_full_batch_sqrt_n_over_2d": _r(math.sqrt(N / (2 * D))),
                 "line_b_lt_n_sqrt_2logn_over_d": _r(math.sqrt(2 * math.log(N) / D))}
    return {k: sweep[k] for k in ("d", "n", "activation", "root_seed")} | extra | {"rows": rows}


# ------------------------------------------------------------------------------- LaTeX
def _latex(outdir: Path, progress: Callable[[str], None] | None
           ) -> tuple[dict[str, Any], list[Path]]:
    from theory.latex import document

    written: list[Path] = []
    info: dict[str, Any] = {"tex": None, "pdf": None, "status": "", "detail": ""}
    try:
        tex = document("relu")
    except Exception as exc:  # report, do not crash the report
        info.update(status="tex failed", detail=f"{type(exc).__name__}: {exc}")
        return info, written
    tex_path = outdir / "formulas.tex"
    tex_path.write_text(tex, encoding="utf-8")
    written.append(tex_path)
    info["tex"] = tex_path.name
    exe = shutil.which("pdflatex")
    if exe is None:
        info.update(status="skipped", detail="pdflatex not found on PATH")
        return info, written
    if progress is not None:
        progress("formulas.pdf")
    with tempfile.TemporaryDirectory(prefix="aesgd-latex-") as tmp:
        (Path(tmp) / "formulas.tex").write_text(tex, encoding="utf-8")
        try:
            proc = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", "formulas.tex"],
                cwd=tmp, capture_output=True, timeout=_LATEX_TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired:
            info.update(status="failed", detail=f"pdflatex timed out after {_LATEX_TIMEOUT} s")
            return info, written
        except OSError as exc:
            info.update(status="failed", detail=f"pdflatex could not run: {exc}")
            return info, written
        pdf = Path(tmp) / "formulas.pdf"
        if proc.returncode != 0 or not pdf.exists():
            tail = proc.stdout.decode("utf-8", "replace").splitlines()[-15:]
            info.update(status="failed",
                        detail=f"pdflatex exit code {proc.returncode}: " + " / ".join(tail))
            return info, written
        shutil.copyfile(pdf, outdir / "formulas.pdf")
    written.append(outdir / "formulas.pdf")
    info.update(pdf="formulas.pdf", status="compiled", detail="pdflatex exit code 0")
    return info, written


# ----------------------------------------------------------------------------- content
def _oracles(claim: dict[str, Any]) -> str:
    seen: list[str] = []
    for ch in claim.get("checks", []):
        o = str(ch.get("oracle", ""))
        if o and o not in seen:
            seen.append(o)
    return ", ".join(seen)


def _evidence(ev: Any) -> str:
    text = json.dumps(ev, separators=(", ", ": "), default=str, ensure_ascii=False)
    if len(text) > _EVIDENCE_CHARS:
        text = text[: _EVIDENCE_CHARS - 3] + "..."
    return text


def _status(s: Any) -> str:
    return str(s) if s in _STATUS_WORD else "undecided"


def _caveat_paragraphs(payload: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """What the caveats mean for P3 and P4, with the numbers of this run."""
    by = {c.get("id"): c for c in payload.get("claims", [])}
    sweep = figures["sweep"]["rows"]
    full = sweep[-1]
    fixed_eta = figures["sweep"]["fixed_eta_rows"]
    paras = []

    def verdict(cid: str) -> str:
        c = by.get(cid)
        return f"{cid}: {_STATUS_WORD[_status(c.get('status'))]}" if c else f"{cid}: not run"

    paras.append(
        "P3 (small batch is sparse) is a statement about the limit t -> infinity. For every "
        "b < n the top gap G escapes (walk.top_gap), but how fast depends on the per-step "
        "variance of the log-ratios, about 2 p gamma^2 with p = b(n - b)/(n(n - 1)) "
        "(walk.variance_scale). At a fixed step size eta this is 2 eta^2 (n - b)/(b n (n - 1)), "
        "which vanishes as b -> n: with b = n - 1 and a step budget tuned for small b, SGD can "
        "still look dense when it is stopped, although it would end sparse. A dense final "
        "iterate at b close "
        "to n is therefore not a counterexample, and a check of P3 must either hold gamma "
        "fixed (as the figures here do) or allow steps that grow like n/(n - b). In this run "
        f"fixed eta = {FIXED_ETA}, b = {fixed_eta[-1]['b']} ended "
        f"{fixed_eta[-1]['support']['fraction_one_sparse']:.0%} 1-sparse (mean support "
        f"{fixed_eta[-1]['support']['mean']:.1f}) against "
        f"{fixed_eta[0]['support']['fraction_one_sparse']:.0%} at b = 1, and at fixed "
        f"gamma = {GAMMA_SGD} b = {sweep[-2]['b']} ended "
        f"{sweep[-2]['support']['fraction_one_sparse']:.0%} 1-sparse, all after "
        f"{sweep[0]['steps']} steps (support figure). "
        "Cyclic order (P7) is sparse only when gcd(b, n) = 1 (cyclic.blocks). Verdicts: "
        + "; ".join(verdict(c) for c in ("P3", "sgd.sparse_limit", "P7", "cyclic.blocks"))
        + ".")
    paras.append(
        "P4 (full batch is flatter by the Hessian trace) holds for relu with relu'(0) = 0 "
        "and only there. For linear activation every global minimum has the same trace "
        "(d - n + 4)/n, so full batch and small batch are equally sharp "
        "(hessian.linear_equal). For relu the gap (|P+| - 1)/n comes entirely from the "
        "coordinates that die: at x_k they sit at the kink, where the curvature is 0 from "
        "the positive side and 1/n from the negative side (hessian.kink_convention); "
        "relu'(0) = 0 counts them as inactive (curvature 1/n each), relu'(0) = 1 as active "
        "(curvature 0), and then the gap vanishes. The SGD iterates approach x_k from the "
        "positive side, so the trace at a raw finite iterate still looks like the full-batch "
        "value until the losers underflow (faint crosses in the Hessian figure). "
        f"In this run: theory gap "
        f"{sweep[0]['trace_theory']['mean'] - full['trace_theory']['mean']:.3f} "
        f"(mean |P+| = {full['initially_positive']['mean']:.2f}), simulated trace at the "
        f"limit {sweep[0]['trace_limit']['mean']:.3f} (b = 1) vs "
        f"{full['trace_limit']['mean']:.3f} (b = n). P5 (same largest eigenvalue 4/n) needs "
        "no such caveat. Verdicts: " + "; ".join(verdict(c) for c in (
            "P4", "hessian.trace_at_min", "hessian.linear_equal", "hessian.kink_convention"))
        + ".")
    for cid in ("P3", "P4"):
        cav = by.get(cid, {}).get("caveat")
        if cav:
            paras.append(f"Registry caveat of {cid}: {cav}")
    return paras


# ------------------------------------------------------------------------------ markdown
def _md_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell or code span."""
    return str(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")


def _markdown(payload: dict[str, Any], figs: dict[str, Any], latex: dict[str, Any]) -> str:
    claims = payload.get("claims", [])
    summary = payload.get("summary", {})
    level = payload.get("level", "?")
    lines = [
        "# aesgd verification report",
        "",
        "Claims about Ghosh, Frei, Ha, Yu, *The Effect of SGD Batch Size on Autoencoder "
        "Learning* (arXiv:2308.03215), each checked by independent oracles.",
        "",
        f"Level: **{_md_cell(level)}**. "
        + ", ".join(f"{_md_cell(k)}: {_md_cell(v)}" for k, v in summary.items()),
        "",
        "## Claims",
        "",
        "| claim | provenance | oracles | verdict | key number |",
        "|---|---|---|---|---|",
    ]
    for c in claims:
        cid = _md_cell(c.get("id", ""))
        lines.append(f"| [{cid}](#claim-{_anchor(c.get('id', ''))}) | "
                     f"{_md_cell(c.get('provenance', ''))} | {_md_cell(_oracles(c))} | "
                     f"**{_STATUS_WORD[_status(c.get('status'))]}** | "
                     f"{_md_cell(c.get('key', ''))} |")
    lines += ["", "## What the caveats mean for P3 and P4", ""]
    for p in _caveat_paragraphs(payload, figs):
        lines += [p, ""]
    lines += ["## Figures", ""]
    for name in FIGURES:
        f = figs["figures"][name]
        lines += [f"### {FIGURE_TITLES[name]}", "", f"![{name}]({f['file']})", "",
                  f["caption"], ""]
    lines += ["## Formulas", "",
              f"LaTeX source: `{latex.get('tex') or 'not written'}`; PDF: "
              f"{latex.get('status')} ({_md_cell(latex.get('detail', ''))}).", ""]
    lines += ["## Claims in detail", ""]
    for c in claims:
        lines += _md_claim(c)
    mutants = payload.get("mutants")
    if mutants is not None:
        rejected = sum(bool(m.get("rejected")) for m in mutants)
        lines += ["## Mutants (wrong variants that must be rejected)", "",
                  f"{rejected} of {len(mutants)} rejected.", "",
                  "| mutant | claim | wrong variant | rejected | check status | note |",
                  "|---|---|---|---|---|---|"]
        for m in mutants:
            lines.append(
                f"| {_md_cell(m.get('id', ''))} | {_md_cell(m.get('claim', ''))} | "
                f"{_md_cell(m.get('description', ''))} | "
                f"**{'yes' if m.get('rejected') else 'NO (survived)'}** | "
                f"{_md_cell(m.get('status'))} | {_md_cell(m.get('error') or '')} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _anchor(cid: Any) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(cid).lower())


def _md_claim(c: dict[str, Any]) -> list[str]:
    cid = str(c.get("id", ""))
    out = [
        f'<a id="claim-{_anchor(cid)}"></a>',
        "",
        f"### {cid}: {c.get('title', '')}",
        "",
        f"Verdict: **{_STATUS_WORD[_status(c.get('status'))]}**; provenance: "
        f"{c.get('provenance', '')}; key number: {c.get('key') or 'none'}; "
        f"{c.get('seconds', '?')} s.",
        "",
        str(c.get("statement", "")),
        "",
        "```latex",
        str(c.get("latex", "")).replace("```", "'''"),
        "```",
        "",
    ]
    conv = c.get("conventions") or []
    sup = c.get("supports") or []
    if conv:
        out += ["Conventions: " + "; ".join(str(x) for x in conv) + ".", ""]
    if sup:
        out += ["Supports / supported by: " + ", ".join(str(x) for x in sup) + ".", ""]
    out += ["| check | oracle | tolerance | status | evidence |", "|---|---|---|---|---|"]
    for ch in c.get("checks", []):
        detail = ch.get("detail") or ""
        out.append(
            f"| {_md_cell(ch.get('name', ''))}{' (' + _md_cell(detail) + ')' if detail else ''}"
            f" | {_md_cell(ch.get('oracle', ''))} | {_md_cell(ch.get('tolerance', ''))} | "
            f"**{_STATUS_WORD[_status(ch.get('status'))]}** | "
            f"`{_md_cell(_evidence(ch.get('evidence', {})))}` |")
    out.append("")
    if c.get("caveat"):
        out += [f"Caveat: {c['caveat']}", ""]
    return out


# ---------------------------------------------------------------------------------- html
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em;width:100%}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0}
.pass{background:#e3f6e3;color:#135d13;font-weight:bold}
.fail{background:#fbe0e0;color:#8a1010;font-weight:bold}
.undecided{background:#fff3d6;color:#7a5200;font-weight:bold}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.88em}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:6px;white-space:pre-wrap}
td code{word-break:break-word}
figure{margin:1.2em 0;border-top:1px solid #ddd;padding-top:0.6em}
figure img{max-width:100%;height:auto}
figcaption{font-size:0.9em;color:#333}
.caveat{background:#fff8e6;border-left:4px solid #e0a800;padding:4px 10px}
"""


def _h(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _badge(status: Any) -> str:
    s = _status(status)
    return f'<span class="{s}">{_STATUS_WORD[s]}</span>'


def _html(payload: dict[str, Any], figs: dict[str, Any], latex: dict[str, Any],
          images: dict[str, bytes]) -> str:
    claims = payload.get("claims", [])
    summary = payload.get("summary", {})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>aesgd verification report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>aesgd verification report</h1>",
        "<p>Claims about Ghosh, Frei, Ha, Yu, <em>The Effect of SGD Batch Size on "
        "Autoencoder Learning</em> (arXiv:2308.03215), each checked by independent "
        "oracles. Formulas are shown as LaTeX source next to their plain-text statement.</p>",
        f"<p>Level: <b>{_h(payload.get('level', '?'))}</b>. "
        + ", ".join(f"{_h(k)}: {_h(v)}" for k, v in summary.items()) + "</p>",
        "<h2>Claims</h2>",
        "<table><tr><th>claim</th><th>provenance</th><th>oracles</th><th>verdict</th>"
        "<th>key number</th></tr>",
    ]
    for c in claims:
        cid = c.get("id", "")
        parts.append(
            f'<tr><td><a href="#claim-{_h(_anchor(cid))}">{_h(cid)}</a></td>'
            f"<td>{_h(c.get('provenance', ''))}</td><td>{_h(_oracles(c))}</td>"
            f"<td class=\"{_status(c.get('status'))}\">{_STATUS_WORD[_status(c.get('status'))]}"
            f"</td><td>{_h(c.get('key', ''))}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>What the caveats mean for P3 and P4</h2>")
    parts += [f'<p class="caveat">{_h(p)}</p>' for p in _caveat_paragraphs(payload, figs)]
    parts.append("<h2>Figures</h2>")
    for name in FIGURES:
        f = figs["figures"][name]
        b64 = base64.b64encode(images[name]).decode("ascii")
        parts.append(
            f'<figure id="fig-{_h(name)}"><img alt="{_h(name)}" '
            f'src="data:image/png;base64,{b64}"><figcaption><b>{_h(FIGURE_TITLES[name])}'
            f' ({_h(f["file"])}).</b> '
            f"{_h(f['caption'])}</figcaption></figure>")
    parts.append("<h2>Formulas</h2>")
    parts.append(f"<p>LaTeX source: <code>{_h(latex.get('tex') or 'not written')}</code>; "
                 f"PDF: {_h(latex.get('status'))} ({_h(latex.get('detail', ''))}).</p>")
    parts.append("<h2>Claims in detail</h2>")
    for c in claims:
        parts += _html_claim(c)
    mutants = payload.get("mutants")
    if mutants is not None:
        rejected = sum(bool(m.get("rejected")) for m in mutants)
        parts += ["<h2>Mutants (wrong variants that must be rejected)</h2>",
                  f"<p>{rejected} of {len(mutants)} rejected.</p>",
                  "<table><tr><th>mutant</th><th>claim</th><th>wrong variant</th>"
                  "<th>rejected</th><th>check status</th><th>note</th></tr>"]
        for m in mutants:
            ok = bool(m.get("rejected"))
            parts.append(
                f"<tr><td>{_h(m.get('id', ''))}</td><td>{_h(m.get('claim', ''))}</td>"
                f"<td>{_h(m.get('description', ''))}</td>"
                f'<td class="{"pass" if ok else "fail"}">{"yes" if ok else "NO (survived)"}'
                f"</td><td>{_h(m.get('status'))}</td><td>{_h(m.get('error') or '')}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_claim(c: dict[str, Any]) -> list[str]:
    cid = c.get("id", "")
    out = [
        f'<section id="claim-{_h(_anchor(cid))}">',
        f"<h3>{_h(cid)}: {_h(c.get('title', ''))}</h3>",
        f"<p>Verdict: {_badge(c.get('status'))}; provenance: {_h(c.get('provenance', ''))}; "
        f"key number: {_h(c.get('key') or 'none')}; {_h(c.get('seconds', '?'))} s.</p>",
        f"<p>{_h(c.get('statement', ''))}</p>",
        f"<pre><code class=\"latex\">{_h(c.get('latex', ''))}</code></pre>",
    ]
    conv = c.get("conventions") or []
    sup = c.get("supports") or []
    if conv:
        out.append(f"<p>Conventions: {_h('; '.join(str(x) for x in conv))}.</p>")
    if sup:
        out.append(f"<p>Supports / supported by: {_h(', '.join(str(x) for x in sup))}.</p>")
    out.append("<table><tr><th>check</th><th>oracle</th><th>tolerance</th><th>status</th>"
               "<th>evidence</th></tr>")
    for ch in c.get("checks", []):
        detail = ch.get("detail") or ""
        out.append(
            f"<tr><td>{_h(ch.get('name', ''))}"
            + (f"<br><small>{_h(detail)}</small>" if detail else "")
            + f"</td><td>{_h(ch.get('oracle', ''))}</td><td>{_h(ch.get('tolerance', ''))}</td>"
            f"<td class=\"{_status(ch.get('status'))}\">{_STATUS_WORD[_status(ch.get('status'))]}"
            f"</td><td><code>{_h(_evidence(ch.get('evidence', {})))}</code></td></tr>")
    out.append("</table>")
    if c.get("caveat"):
        out.append(f'<p class="caveat">Caveat: {_h(c["caveat"])}</p>')
    out.append("</section>")
    return out


# ------------------------------------------------------------------------------- public
def write_report(
    outdir: Path,
    payload: dict[str, Any],
    budget: Budget,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write results.json, report.md, report.html, formulas.tex(/.pdf) and the figures.

    ``payload`` is the document of ``aesgd verify --json`` (it is not modified);
    ``budget.level`` sizes the figure simulations (quick: about 10 s; full: about 1.5 minutes).
    Returns the paths written: results.json, report.md, report.html, formulas.tex,
    formulas.pdf (when pdflatex exists and compiles), then the PNG figures.
    A failed LaTeX compile is recorded in results.json and the reports; it does not raise.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    figs, png_paths = _figures(outdir, budget, progress)
    fig_seconds = time.perf_counter() - start
    latex, tex_paths = _latex(outdir, progress)
    if progress is not None:
        progress("report")

    doc = dict(payload)
    doc["figures"] = figs["figures"]
    doc["formulas"] = latex
    doc["report"] = {**figs["figures_meta"], "figure_seconds": round(fig_seconds, 3),
                     "files": ["results.json", "report.md", "report.html"]
                     + [p.name for p in tex_paths + png_paths]}
    results = outdir / "results.json"
    results.write_text(json.dumps(_finite(doc), indent=2, default=str, allow_nan=False) + "\n",
                       encoding="utf-8")
    md = outdir / "report.md"
    md.write_text(_markdown(payload, figs, latex), encoding="utf-8")
    images = {name: (outdir / f"{name}.png").read_bytes() for name in FIGURES}
    page = outdir / "report.html"
    page.write_text(_html(payload, figs, latex, images), encoding="utf-8")
    return [results, md, page, *tex_paths, *png_paths]
