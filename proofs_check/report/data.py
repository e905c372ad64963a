"""The numbers behind each figure, read off the runs of :mod:`proofs_check.experiments`.

No simulation is made here: every number comes from the cached runs that the verify checks
judge (``experiments.sweep``, ``fixed_eta_sweep``, ``top_gap``, ``two_d`` at the budget
level, root seed :data:`proofs_check.experiments.ROOT`), and every formula the theory
derives is evaluated through :mod:`numerics.formulas` / :mod:`numerics.metrics`.

``sweep(level)``   per batch size: support, alignment, Hessian trace (figures 1-3)
``two_d(level)``   the d = n = 2 paths and the loss contours (figure 4)
``walk(level)``    the top gap G of b = 1, b = 5 and b = n (figure 5)

Bands are 95% CLT intervals of the mean (:func:`numerics.stats.mean_interval`):

>>> band([1.0, 2.0, 3.0])["mean"], band([4.0])["samples"]
(2.0, 1)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numerics import formulas, metrics
from numerics.result import SimulationResult
from numerics.sgd_walk import SGDWalkResult
from numerics.stats import mean_interval
from theory.conventions import RELU

from .. import experiments

__all__ = [
    "CONFIDENCE",
    "WALK_PATHS_DRAWN",
    "band",
    "loss_grid",
    "support_summary",
    "sweep",
    "sweep_view",
    "two_d",
    "walk",
]

CONFIDENCE = 0.95
"""Confidence of the CLT bands drawn in the figures (mean +- 1.96 standard errors)."""
WALK_PATHS_DRAWN = 8
"""Paths of each top-gap setting drawn in the walk figure (all paths enter its numbers)."""
_CONTOUR_GRID = (-0.7, 1.35, 161)
_CONTOUR_LEVELS = (0.27, 0.3, 0.35, 0.4, 0.45, 0.49, 0.55, 0.7, 1.0, 1.5)
_PATH_TOL = 1e-3


def _r(x: Any, digits: int = 6) -> float:
    """Rounded for the JSON record; non-finite values are kept (:func:`jsonable` names them)."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else x


def band(samples: Any) -> dict[str, float | int | None]:
    """Mean and 95% CLT band of the samples; the band is the mean itself for one sample."""
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        return {"mean": None, "low": None, "high": None, "samples": 0}
    if x.size < 2:
        m = _r(x[0])
        return {"mean": m, "low": m, "high": m, "samples": 1}
    mean, lo, hi = mean_interval(x, CONFIDENCE)
    return {"mean": _r(mean), "low": _r(lo), "high": _r(hi), "samples": int(x.size)}


def _quartiles(x: np.ndarray) -> dict[str, float]:
    return {"q25": _r(np.quantile(x, 0.25)), "q75": _r(np.quantile(x, 0.75))}


def _settled_at(support: np.ndarray, steps: np.ndarray) -> int | None:
    """The first checkpoint step from which a run's support stays 1 (None: never)."""
    bad = np.nonzero(support != 1)[0]
    if bad.size == 0:
        return int(steps[0])
    return int(steps[bad[-1] + 1]) if bad[-1] + 1 < steps.size else None


def support_summary(res: SimulationResult) -> dict[str, Any]:
    """Support of the final iterate over the non-diverged seeds, and when each run became
    1-sparse for good (the first log-spaced checkpoint from which its support stays 1)."""
    ok = res.status != "diverged"
    sup = res.support[ok].astype(float)
    ck = res.checkpoints["support"][:, ok]  # (K, seeds)
    settled = [_settled_at(ck[:, k], res.checkpoint_steps) for k in range(ck.shape[1])]
    done = [s for s in settled if s is not None]
    every = len(done) == sup.size
    return {
        "mean": _r(sup.mean()), "min": _r(sup.min()), "max": _r(sup.max()), **_quartiles(sup),
        "fraction_one_sparse": _r(np.mean(sup == 1)),
        # checkpoint step by which a run was 1-sparse for good (runs that never were: none)
        "median_steps_to_one_sparse": int(np.median(done)) if every else None,
        "max_steps_to_one_sparse": max(done) if every else None,
    }


def _run(res: SimulationResult) -> dict[str, Any]:
    """The parameters of a run, from its own configuration."""
    c = res.config
    return {"b": c.batch_size, "eta": c.step_size, "gamma": c.gamma, "schedule": c.schedule,
            "steps": c.steps, "seeds": c.seeds}


def _variance(res: SimulationResult) -> dict[str, float]:
    """``walk.variance_scale``: a log-ratio moves with probability 2p per step (p from
    ``walk.log_ratio``), variance 2 p gamma^2 = 2 eta^2 (n - b)/(b n (n - 1))."""
    c = res.config
    return {"p_move_one_direction": _r(formulas.move_probability(c.schedule)(c.n, c.batch_size)),
            "log_ratio_variance_per_step": _r(formulas.variance_scale()(c.step_size, c.n,
                                                                        c.batch_size))}


def _initial(res: SimulationResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of the non-diverged seeds: ||w_0||, the positive part u of a(0), ||u|| and |P+|."""
    ok = res.status != "diverged"
    a0, c = res.a0[ok], res.config
    s_val, r = metrics.coordinate_sums(a0, res.perp0[ok], c.conventions)  # ||u||^2, ||w_0||^2
    return (np.sqrt(r), formulas.sigma(c.conventions)(a0), np.sqrt(s_val),
            metrics.active_count(a0, c.conventions))


def _sweep_row(res: SimulationResult) -> dict[str, Any]:
    """The numbers of one batch size of the gamma-fixed sweep."""
    c = res.config
    ok = res.status != "diverged"
    norm0, pos0, u_norm, p_plus = _initial(res)
    full = c.schedule == "full"
    abs_align = np.abs(res.alignment[ok])
    return {
        **_run(res),
        "status_counts": {s: int(np.sum(res.status == s))
                          for s in ("converged", "running", "diverged")},
        "support": support_summary(res),
        "abs_alignment": {**band(abs_align), **_quartiles(abs_align)},
        # sgd.orthogonal: |cos| = a_k(0)/||w_0|| <= max_i a_i(0)^+/||w_0|| (winner active)
        "alignment_bound_b_lt_n": band(np.max(pos0, axis=1) / norm0),
        # gd.dense_aligned: cos = ||u||/||w_0||, u = positive part of a(0)
        "alignment_gd_exact": band(u_norm / norm0),
        "initially_positive": band(p_plus),
        # hessian.trace_at_min with s = |P+| (b = n) or s = 1 (b < n)
        "trace_theory": band(formulas.trace_at_min()(c.d, c.n,
                                                     p_plus if full else np.ones_like(p_plus))),
        "trace_limit": band(res.hessian_trace[ok]),
        "trace_iterate": band(res.hessian_trace_iterate[ok]),
        **_variance(res),
    }


def sweep(level: str) -> dict[str, Any]:
    """Figures 1-3: one row per b of ``experiments.sweep`` (gamma fixed, b = n is gradient
    descent) and the b < n rows of ``experiments.fixed_eta_sweep`` (eta fixed)."""
    runs = experiments.sweep(level)
    gd = runs[experiments.N]
    n, d = gd.config.n, gd.config.d
    _, _, _, p_plus = _initial(gd)
    return {
        "d": d, "n": n, "conventions": RELU.to_json(), "seed": experiments.ROOT,
        "rows": [_sweep_row(runs[b]) for b in sorted(runs)],
        "fixed_eta_rows": [{**_run(res), "support": support_summary(res), **_variance(res)}
                           for _, res in sorted(experiments.fixed_eta_sweep(level).items())],
        # hessian.trace_gap: tr(SGD minimum) - tr(GD minimum) = (|P+| - 1)/n per GD seed
        "trace_gap_theory": band(formulas.trace_gap(RELU)(p_plus, n)),
        "line_full_batch_sqrt_n_over_2d": _r(formulas.alignment_scale_full_batch(RELU)(n, d)),
        "line_b_lt_n_sqrt_2logn_over_d": _r(formulas.alignment_scale_sparse()(n, d)),
    }


_SWEEP_FIELDS = {
    "support_vs_batch_size": ("support", "initially_positive", "p_move_one_direction",
                              "log_ratio_variance_per_step"),
    "alignment_vs_batch_size": ("abs_alignment", "alignment_bound_b_lt_n",
                                "alignment_gd_exact"),
    "hessian_trace_vs_batch_size": ("trace_theory", "trace_limit", "trace_iterate",
                                    "initially_positive"),
}
_SWEEP_EXTRA = {
    "support_vs_batch_size": ("fixed_eta_rows",),
    "alignment_vs_batch_size": ("line_full_batch_sqrt_n_over_2d",
                                "line_b_lt_n_sqrt_2logn_over_d"),
    "hessian_trace_vs_batch_size": ("trace_gap_theory",),
}


def sweep_view(numbers: dict[str, Any], name: str) -> dict[str, Any]:
    """The numbers one sweep figure plots (per batch size), with the run parameters."""
    keep = ("b", "eta", "gamma", "schedule", "steps", "seeds", "status_counts",
            *_SWEEP_FIELDS[name])
    head = {k: numbers[k] for k in ("d", "n", "conventions", "seed", *_SWEEP_EXTRA[name])}
    return head | {"rows": [{k: r[k] for k in keep} for r in numbers["rows"]]}


def _path(a: np.ndarray) -> list[list[float]]:
    """The path with steps closer than 1e-3 to the last kept point dropped (JSON size);
    the figure draws exactly these points."""
    keep = [0]
    for t in range(1, a.shape[0]):
        if t == a.shape[0] - 1 or np.max(np.abs(a[t] - a[keep[-1]])) > _PATH_TOL:
            keep.append(t)
    return [[_r(x, 5), _r(y, 5)] for x, y in a[keep]]


def two_d(level: str) -> dict[str, Any]:
    """Figure 4: ``experiments.two_d`` (d = n = 2, relu, from w_0 = PATH_START): the
    full-batch path (eta = 2 GAMMA_FULL) and the b = 1 paths at the same gamma."""
    runs = experiments.two_d(level)
    gamma = experiments.GAMMA_FULL
    b1 = [_path(runs["b1"][:, k, :]) for k in range(runs["b1"].shape[1])]
    return {
        "d": 2, "n": 2, "conventions": RELU.to_json(), "start": list(experiments.PATH_START),
        "steps": int(runs["full_batch"].shape[0] - 1), "seed": experiments.ROOT,
        "full_batch": {"b": 2, "eta": 2 * gamma, "gamma": gamma, "schedule": "full",
                       "path": _path(runs["full_batch"])},
        "b1": [{"b": 1, "eta": gamma, "gamma": gamma, "schedule": "random", "seed_index": k,
                "path": p, "end": p[-1]} for k, p in enumerate(b1)],
        "contours": {"grid": list(_CONTOUR_GRID), "levels": list(_CONTOUR_LEVELS),
                     "loss": "numerics.formulas.loss_reduced()(r, S, 2)"},
    }


def loss_grid(lo: float, hi: float, num: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(w_1, w_2, L) on a num x num grid of [lo, hi]^2 (d = n = 2, relu, ``loss.coordinates``)."""
    g = np.linspace(lo, hi, num)
    w1, w2 = np.meshgrid(g, g)
    s_val, r = metrics.coordinate_sums(np.stack([w1, w2], axis=-1), np.zeros(w1.shape), RELU)
    return w1, w2, np.asarray(formulas.loss_reduced()(r, s_val, 2), dtype=float)


def _walk_run(res: SGDWalkResult) -> dict[str, Any]:
    c = res.config
    g = res.record_g  # (records, paths); inf where a_(2) underflowed to 0
    with np.errstate(invalid="ignore"):
        change = float(np.max(np.abs(g[-1] - g[0]))) if np.isfinite(g[-1]).all() else math.inf
    summary = res.summary(CONFIDENCE)
    return {
        "b": c.batch_size, "eta": c.step_size, "gamma": c.step_size / c.batch_size,
        "schedule": c.schedule, "seeds": c.paths, "paths_drawn": min(WALK_PATHS_DRAWN, c.paths),
        "G": [[_r(v, 4) for v in g[:, k]] for k in range(min(WALK_PATHS_DRAWN, c.paths))],
        "G0": [_r(v, 4) for v in g[0]],
        "G_end": [_r(v, 4) for v in g[-1]],
        "max_abs_change": _r(change),
        "escaped_fraction": _r(summary["escaped_fraction"]),
        "escaped_ci": [_r(x) for x in summary["escaped_ci"]],
        "eligible_paths": summary["paths"],
    }


def walk(level: str) -> dict[str, Any]:
    """Figure 5: the top gap G along ``experiments.top_gap`` (b = 1, b = 5, b = n)."""
    runs = experiments.top_gap(level)
    first = runs[min(runs)]
    return {
        "d": first.config.d, "n": first.config.n, "conventions": RELU.to_json(),
        "seed": experiments.ROOT, "steps": first.config.steps,
        "escape_level": float(first.config.escape_level),
        "times": first.record_times.tolist(), "runs": [_walk_run(runs[b]) for b in sorted(runs)],
    }
