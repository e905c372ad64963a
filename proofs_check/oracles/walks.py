"""Simulation oracle for the walk simulators: the library's walks against walks written from
their definitions, on the same uniforms.

:func:`check_walks_against_definition` runs :func:`numerics.random_walk.simulate_walk` on
two-point laws (the Lamperti family mu_1 = c/x, mu_2 = s2 and a law with a state-dependent
mu_2), reflected or not, with and without an escape level, and a walk written here from
SPEC section 3 (X' = |X + xi|, xi = +-sqrt(mu_2(x)) with P(+) = (1 + mu_1/sqrt(mu_2))/2 at
x = max(X, floor); a path is frozen once it reaches the escape level; a return is an entry
into [0, radius]) from the same uniforms: the documented stream of path i is
``Generator(PCG64(SeedSequence([seed, i])))``, drawn in blocks of 256 steps.  Every state,
hit time, return count, record and martingale term must agree; the summaries
(:func:`~numerics.random_walk.escape_fraction`, :func:`~numerics.random_walk.return_growth`,
:func:`~numerics.random_walk.second_moment_check`) must equal their definitions computed
from the reference paths (Wilson intervals and normal quantiles from SciPy).

:func:`check_top_gap_against_definition` does the same for the SGD walks of
:mod:`numerics.sgd_walk`: the top gap of SGD written from the definition, from the
library's starts on the library's batches, at the documented record steps, and the
one-step log-ratio increments draw by draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy import stats

from numerics.random_walk import (
    escape_fraction,
    lamperti_law,
    return_growth,
    second_moment_check,
    simulate_walk,
    two_point_law,
)
from numerics.schedules import batches
from numerics.sgd import initial_state
from numerics.sgd_walk import empirical_log_ratio_increments, simulate_sgd_top_gap
from theory.conventions import LINEAR, RELU, Conventions

from ..experiments import ROOT
from ..result import CheckResult
from ..stats import Budget
from . import definition as ref

__all__ = ["WALK_CASES", "WalkCase", "check_top_gap_against_definition",
           "check_walks_against_definition"]

_BLOCK = 256  # the documented block of uniforms per path (the reproducibility contract)


@dataclass(frozen=True)
class WalkCase:
    """One walk the simulator is compared on: mu_1(x), mu_2(x) as Python functions of
    floats (the reference) and as the library's law."""

    label: str
    mu1: Callable[[np.ndarray], np.ndarray]
    mu2: Callable[[np.ndarray], np.ndarray]
    law: Callable[[], Any]
    x_floor: float
    x0: float
    reflect: bool = True
    escape_level: float | None = None
    steps: int = 700
    paths: int = 5


def _varying_law() -> Any:
    x = sp.Symbol("x", positive=True)
    return two_point_law(1 / x, 1 + 1 / x, x, 1.0)


WALK_CASES: tuple[WalkCase, ...] = (
    WalkCase("c = -1, s2 = 1 (positive recurrent)", lambda x: -1.0 / x, lambda x: 1.0 + 0 * x,
             lambda: lamperti_law(-1.0, 1.0), 1.0, 1.0),
    WalkCase("c = 0, s2 = 1, escape at 12 (null recurrent)", lambda x: 0 * x,
             lambda x: 1.0 + 0 * x, lambda: lamperti_law(0.0, 1.0), 1.0, 3.0,
             escape_level=12.0),
    WalkCase("c = 2, s2 = 2, escape at 30 (transient)", lambda x: 2.0 / x,
             lambda x: 2.0 + 0 * x, lambda: lamperti_law(2.0, 2.0), math.sqrt(2.0), 1.0,
             escape_level=30.0),
    WalkCase("c = 0.5, s2 = 1, not reflected", lambda x: 0.5 / x, lambda x: 1.0 + 0 * x,
             lambda: lamperti_law(0.5, 1.0), 1.0, 2.0, reflect=False),
    WalkCase("mu_1 = 1/x, mu_2 = 1 + 1/x (state-dependent steps)", lambda x: 1.0 / x,
             lambda x: 1.0 + 1.0 / x, _varying_law, 1.0, 1.0),
)
_RECORDS = 16


@dataclass
class _Paths:
    x: np.ndarray
    hit: np.ndarray
    returns: np.ndarray
    mart: np.ndarray
    times: np.ndarray
    record_x: np.ndarray
    record_returns: np.ndarray
    radius: float


def _uniforms(seed: int, paths: int, steps: int) -> np.ndarray:
    """(paths, steps) uniforms: path i from PCG64(SeedSequence([seed, i])), 256 at a time."""
    blocks = -(-steps // _BLOCK)
    out = np.empty((paths, blocks * _BLOCK))
    for i in range(paths):
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, i])))
        for q in range(blocks):
            out[i, q * _BLOCK:(q + 1) * _BLOCK] = g.random(_BLOCK)
    return out[:, :steps]


def _reference(case: WalkCase, seed: int) -> _Paths:
    """The walk of SPEC section 3 written out: X' = |X + xi| (or X + xi)."""
    u = _uniforms(seed, case.paths, case.steps)
    x = np.full(case.paths, case.x0)
    hit = np.full(case.paths, -1)
    returns = np.zeros(case.paths, dtype=np.int64)
    mart = np.zeros(case.paths)
    active = np.ones(case.paths, dtype=bool)
    radius = 0.5 * math.sqrt(float(case.mu2(np.array([case.x_floor]))[0]))
    times = np.unique(np.geomspace(1, case.steps, num=min(_RECORDS, case.steps)).astype(int))
    rec_x, rec_r = [], []
    for t in range(case.steps):
        xe = np.maximum(x, case.x_floor)
        h = np.sqrt(case.mu2(xe))
        up = np.clip(0.5 * (1.0 + case.mu1(xe) / h), 0.0, 1.0)
        m1 = h * up - h * (1.0 - up)
        new = x + np.where(u[:, t] < up, h, -h)
        if case.reflect:
            new = np.abs(new)
        mart += np.where(active, 2.0 * x * m1 + h * h, 0.0)
        returns += active & (x > radius) & (new <= radius)
        x = np.where(active, new, x)
        if case.escape_level is not None:
            reached = active & (x >= case.escape_level)
            hit[reached] = t + 1
            active &= ~reached
        if t + 1 in times:
            rec_x.append(x.copy())
            rec_r.append(returns.copy())
    return _Paths(x, hit, returns, x * x - case.x0**2 - mart, times, np.array(rec_x),
                  np.array(rec_r), radius)


def _wilson(k: int, total: int, confidence: float) -> tuple[float, float]:
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / total
    mid = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return mid - half, mid + half


def _summary_errors(res: Any, want: _Paths) -> dict[str, float]:
    """The library's summaries against their definitions on the reference paths."""
    err: dict[str, float] = {}
    mean = want.record_returns.mean(axis=1)
    t = want.times.astype(float)
    half = t >= math.sqrt(t[-1])
    slope = np.linalg.lstsq(np.column_stack([np.log(t[half]), np.ones(half.sum())]),
                            np.log1p(mean[half]), rcond=None)[0][0]
    got = return_growth(res)
    err["return_growth"] = max(abs(got["final_mean"] - want.returns.mean()),
                               abs(got["final_se"] - want.returns.std(ddof=1)
                                   / math.sqrt(want.returns.size)),
                               abs(got["growth_exponent"] - slope))
    sd = float(want.mart.std(ddof=1) / math.sqrt(want.mart.size))
    mom = second_moment_check(res, 0.9)
    z_crit = float(stats.norm.ppf(0.95))
    err["second_moment"] = max(abs(mom["mean"] - want.mart.mean()), abs(mom["se"] - sd),
                               abs(mom["z_crit"] - z_crit),
                               abs(mom["mean_x2"] - float(np.mean(want.x**2))),
                               float(mom["passed"] != (abs(want.mart.mean()) <= z_crit * sd)))
    if res.escape_level is not None:
        esc = escape_fraction(res, 0.9)
        k = int(np.sum(want.hit >= 0))
        lo, hi = _wilson(k, want.hit.size, 0.9)
        err["escape_fraction"] = max(abs(esc["fraction"] - k / want.hit.size),
                                     abs(esc["ci_low"] - lo), abs(esc["ci_high"] - hi))
    return err


def check_walks_against_definition(budget: Budget) -> CheckResult:
    """``lamperti.criterion``: the library's walk simulator against the walk written from
    its definition on the same uniforms (five laws, reflected or not, with escape levels):
    states, hit times, returns, records and the martingale of every path, and the escape
    fraction, return growth and second-moment summaries."""
    rows = []
    ok = True
    for case in WALK_CASES:
        res = simulate_walk(case.law(), case.x0, case.steps, case.paths, seed=ROOT,
                            reflect=case.reflect, escape_level=case.escape_level,
                            records=_RECORDS)
        want = _reference(case, ROOT)
        scale = np.maximum(1.0, np.abs(want.x))
        err = {
            "state": float(np.max(np.abs(res.x - want.x) / scale)),
            "martingale": float(np.max(np.abs(res.mart - want.mart) / scale**2)),
            "records": float(np.max(np.abs(res.record_x - want.record_x), initial=0.0)),
            "counts": float(np.sum(res.hit_time != want.hit) + np.sum(res.returns != want.returns)
                            + np.sum(res.record_returns != want.record_returns)
                            + (not np.array_equal(res.record_times, want.times))
                            + (res.return_radius != want.radius)),
            **_summary_errors(res, want),
        }
        good = (err["counts"] == 0 and max(v for k, v in err.items() if k != "counts") <= 1e-9)
        ok &= good
        rows.append({"case": case.label, **{k: float(f"{v:.3g}") for k, v in err.items()},
                     "escaped_paths": int(np.sum(want.hit >= 0)),
                     "returns": int(want.returns.sum())})
    return CheckResult(
        "walk simulator vs the walk written from its definition (same uniforms)",
        "simulation", "pass" if ok else "fail",
        "states, records and martingale terms 1e-9 relative (float64 in another order); hit "
        "times, returns, record times and radius exactly; summaries 1e-9",
        {"cases": rows})


# ------------------------------------------------------------------------- SGD walks

def _record_grid(steps: int, records: int) -> np.ndarray:
    """The documented record steps: about ``records`` log-spaced and ``records + 1``
    linearly spaced steps of [0, steps], rounded, 0 and ``steps`` included."""
    k = min(records, steps)
    grid = np.concatenate([np.geomspace(1, steps, num=k), np.linspace(0, steps, num=k + 1)])
    return np.unique(np.round(grid).astype(np.int64))


def _definition_gap(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """G = log(a_(1)/a_(2)) of the active magnitudes by sorting (inf: one active; nan: none)."""
    v = np.sort(np.where(a > 0, a, 0.0) if conventions.is_relu else np.abs(a), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(v[..., -1]) - np.log(v[..., -2])
    return np.where(v[..., -1] > 0, np.where(v[..., -2] > 0, g, np.inf), np.nan)


def _top_gap_errors(n: int, d: int, b: int, eta: float, schedule: str,
                    conventions: Conventions, steps: int, paths: int, level: float = 8.0
                    ) -> dict[str, float]:
    res = simulate_sgd_top_gap(n=n, d=d, batch_size=b, step_size=eta, steps=steps, paths=paths,
                               schedule=schedule, seed=ROOT, conventions=conventions,
                               records=8, escape_level=level)
    a0, perp0, _ = initial_state(d, n, list(range(paths)), seed=ROOT)
    w0 = np.zeros((paths, d))
    w0[:, :n], w0[:, n] = a0, perp0
    bt = np.full((paths, steps, b), n, dtype=np.intp)
    for i in range(paths):
        for t, batch in enumerate(batches(schedule, n, b, seed_index=i, seed=ROOT,
                                          steps=steps)):
            bt[i, t, :batch.size] = batch
    times = _record_grid(steps, 8)
    path = ref.sgd_path(w0, bt, eta / b, conventions, n, [int(t) for t in times])
    g = _definition_gap(np.stack([w[:, :n] for w in path.w]), conventions)
    passed = g >= level
    escape = np.where(passed.any(axis=0), times[np.argmax(passed, axis=0)], -1)
    with np.errstate(invalid="ignore"):
        moved = np.any(np.abs(g - g[0][None, :]) > res.config.moved_tol, axis=0)
    same = np.isclose(res.record_g, g, rtol=1e-9, atol=1e-9) | (np.isnan(res.record_g)
                                                               & np.isnan(g))
    elig = np.isfinite(g[0])
    summ = res.summary(0.9)
    k_esc = int(np.sum((escape >= 0) & elig))
    lo, hi = _wilson(k_esc, int(elig.sum()), 0.9)
    return {
        "escaped_paths": float(k_esc), "moved_paths": float(np.sum(moved)),
        "gap": float(np.sum(~same)),
        "times": float(not np.array_equal(res.record_times, times)),
        "ends": float(np.sum(~(np.isclose(res.g0, g[0]) | ~np.isfinite(g[0])))
                      + np.sum(~(np.isclose(res.g_final, g[-1]) | ~np.isfinite(g[-1])))),
        "escape": float(np.sum(res.escape_time != escape) + np.sum(res.moved != moved)),
        "summary": float(summ["escaped_fraction"] != k_esc / elig.sum()
                         or summ["paths"] != int(elig.sum())
                         or abs(summ["escaped_ci"][0] - lo) > 1e-12
                         or abs(summ["escaped_ci"][1] - hi) > 1e-12
                         or summ["moved_fraction"] != np.sum(moved & elig) / elig.sum()),
    }


def _increment_errors(draws: int) -> float:
    """empirical_log_ratio_increments against one step from the definition, draw by draw,
    on the batches of the documented stream (seed index 0)."""
    a = np.array([0.5, 0.3, 0.2, 0.1, 0.4])
    inc = empirical_log_ratio_increments(a, 0, 1, 0.6, 3, draws, perp=0.2, seed=ROOT)
    bt = np.stack(list(batches("random", 5, 3, seed=ROOT, steps=draws)))  # seed index 0
    w0 = np.zeros((draws, 6))
    w0[:, :5], w0[:, 5] = a, 0.2
    path = ref.sgd_path(w0, bt[:, None, :], 0.2, RELU, 5, [1])
    new = path.w[0]
    want = np.log(new[:, 0] / new[:, 1]) - math.log(a[0] / a[1])
    return float(np.max(np.abs(inc - want)))


def check_top_gap_against_definition(budget: Budget) -> CheckResult:
    """``walk.top_gap``: the library's SGD top-gap walks against SGD written from the
    definition (the library's starts and batches), G by sorting at the documented record
    steps: every recorded G, G_0, G_T, escape time, moved flag and the summary; and the
    one-step log-ratio increments of ``empirical_log_ratio_increments`` draw by draw."""
    rows = {
        "relu, random b = 1": _top_gap_errors(6, 8, 1, 0.4, "random", RELU, 400, 6),
        "relu, reshuffle b = 2": _top_gap_errors(6, 8, 2, 0.8, "reshuffle", RELU, 400, 6),
        "linear, full batch": _top_gap_errors(6, 8, 6, 2.0, "full", LINEAR, 200, 4),
        "relu, random b = 2, escape level 0.3 (some start escaped)":
            _top_gap_errors(6, 8, 2, 0.8, "random", RELU, 100, 8, level=0.3),
    }
    inc = _increment_errors(400)
    ok = all(v == 0 for r in rows.values() for k, v in r.items()
             if not k.endswith("_paths")) and inc <= 1e-12
    return CheckResult(
        "SGD top-gap walks and one-step increments vs SGD written from the definition",
        "simulation", "pass" if ok else "fail",
        "G to 1e-9 (float64 over 400 steps in another order); record steps, escape times, "
        "moved flags and summary counts exactly; increments 1e-12",
        {"cases": rows, "max_increment_error": inc})
