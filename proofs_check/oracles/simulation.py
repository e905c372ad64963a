"""Simulation oracle: SGD runs of :mod:`numerics` judged against the derived claims.

Deterministic consequences (ratios, limits, supports) are checked per seed with float64
tolerances; distributional ones (mean alignment, dead initialisations, move frequencies,
escape fractions) with intervals at the pre-declared, multiplicity-corrected level
``budget.alpha`` (:mod:`proofs_check.stats`), each with its power against a named
alternative.  The runs that the report also shows come from :mod:`proofs_check.experiments`
(root seed :data:`ROOT`, cached per level), so the figures show the runs these checks
judged; the small special-purpose runs are made here under the same root seed.  Nothing is
re-drawn.  Each check compares the runs with what the library derived (its formulas,
compiled by :mod:`numerics.formulas`), so a wrong derivation fails the check.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from numerics import formulas, metrics
from numerics.compile import compile
from numerics.hessian import closed_form_matrix, dense_trace, embed, fd_matrix, hutchinson_trace
from numerics.random_walk import (
    escape_fraction,
    lamperti_law,
    second_moment_check,
    simulate_walk,
)
from numerics.result import SimulationResult
from numerics.sgd import initial_state
from numerics.sgd_walk import empirical_log_ratio_increments, top_gap
from numerics.stats import mean_interval, normal_quantile, wilson_interval
from theory import dynamics, hessian, lamperti
from theory.conventions import LINEAR, RELU, Conventions
from theory.symbols import S_B, b, d, gamma, n, r, s

from .. import experiments as ex
from ..experiments import ROOT, simulate, trajectory
from ..result import CheckResult
from ..stats import Budget
from . import definition as ref
from .enumeration import STATE
from .symbolic import lamperti_expected

__all__ = [
    "ROOT",
    "check_cyclic_classes",
    "check_dead_init",
    "check_engines_agree",
    "check_gd_alignment",
    "check_gd_limit",
    "check_gd_ratio_invariance",
    "check_lambda_max",
    "check_lamperti_escape",
    "check_large_init_dead_end",
    "check_log_ratio_moves",
    "check_sparse_limit",
    "check_sweep_sparse",
    "check_top_gap_escape",
    "check_trace_gap",
    "check_trace_numeric",
]


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def _power_two_sided(shift: float, se: float, z: float) -> float:
    """Power of |estimate - claim| <= z se against a true value claim + shift (normal)."""
    if se <= 0:
        return 1.0
    return float(stats.norm.sf(z - abs(shift) / se) + stats.norm.cdf(-z - abs(shift) / se))


def check_engines_agree(budget: Budget) -> CheckResult:
    """``sgd.multiplicative``: reduced engine vs full engine on the same batches, 1e-9."""
    kw: dict[str, Any] = dict(d=12, n=6, batch_size=2, step_size=0.6, steps=300, seeds=8,
                              seed=ROOT)
    worst = 0.0
    for conv in (RELU, LINEAR):
        red = simulate(**kw, conventions=conv, engine="reduced", checkpoints=0)
        full = simulate(**kw, conventions=conv, engine="full", checkpoints=0)
        worst = max(worst, float(np.max(np.abs(red.a - full.a))),
                    float(np.max(np.abs(red.perp - full.perp))))
    return CheckResult(
        "reduced engine vs full engine on shared batches", "simulation", _status(worst <= 1e-9),
        "1e-9: 300 steps of float64 arithmetic in two different orders",
        {"max_abs_difference": worst, **kw},
    )


def check_gd_ratio_invariance(budget: Budget) -> CheckResult:
    """``gd.ratio_invariance``: b = n keeps a_j/a_k of active coordinates (float64), for
    linear (every coordinate) and relu (the positive ones), as the library's ratio drift
    (``gd_ratio_invariance``, evaluated) says."""
    n_, d_ = 10, 20
    claimed = dynamics.gd_ratio_invariance()
    drift = 0.0
    for conv in (LINEAR, RELU):
        _, a, _ = trajectory(d_, n_, n_, 2.0, 200, 6, record_every=1, schedule="full",
                             seed=ROOT, conventions=conv)  # a: (times, seeds, n)
        active = a[0] > 0 if conv.is_relu else np.ones_like(a[0], dtype=bool)
        ref_col = np.argmax(np.where(active, np.abs(a[0]), -1), axis=1)
        base = a[:, np.arange(a.shape[1]), ref_col][:, :, None]
        ratios = np.where(active[None], a / base, 1.0)
        drift = max(drift, float(np.max(np.abs(ratios[-1] / ratios[0] - 1))))
    ok = drift <= 1e-9 and claimed == 0
    return CheckResult(
        "full batch keeps coordinate ratios", "simulation", _status(ok),
        "1e-9 relative: 200 steps of float64 rounding on a common factor",
        {"max_relative_ratio_change": drift, "claimed_ratio_drift": str(claimed), "n": n_,
         "d": d_, "steps": 200},
    )


def _positive_part(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """u: the active part of a (sigma(a) for relu, a itself for linear)."""
    return np.asarray(formulas.sigma(conventions)(a)) if conventions.is_relu else a


def check_gd_limit(budget: Budget) -> CheckResult:
    """``gd.limit``: b = n ends at u/||u|| (u = initially active part), 1e-8 per coordinate,
    and near the limit the radial error contracts per step by the library's multiplier at
    rho = 1 (``gd_radial_map``: 1 - 4 gamma), relu and linear."""
    radial = dynamics.gd_radial_map()
    worst = rate_err = 0.0
    diverged = 0
    for conv in (RELU, LINEAR):
        res = ex.gd(budget.level, conv)
        u = _positive_part(res.a0, conv)
        target = u / np.linalg.norm(u, axis=1, keepdims=True)
        ok = res.diverged_at < 0
        diverged += int(np.sum(~ok))
        if ok.any():
            worst = max(worst, float(np.max(np.abs(res.a[ok] - target[ok]))),
                        float(np.max(res.perp[ok])))
        rate_err = max(rate_err, _radial_rate_error(conv, radial["multiplier_at_1"]))
    passed = worst <= 1e-8 and diverged == 0 and rate_err <= 1e-6
    return CheckResult(
        "full batch converges to u/||u||", "simulation", _status(passed),
        "1e-8: geometric convergence at rate |1 - 4 gamma| = 0.2 over 3000 steps, float64; "
        "measured contraction vs the derived multiplier 1e-6 (second order in the error)",
        {"max_abs_error": worst, "diverged_seeds": diverged, "rate_error": rate_err,
         "d": ex.D, "n": ex.N, "seeds": int(ex.sizes(budget.level).gd_seeds)},
    )


def _radial_rate_error(conv: Conventions, multiplier: Any) -> float:
    """|measured (rho_{t+1} - 1)/(rho_t - 1) - claimed multiplier| near rho = 1 for a
    full-batch run from rho_0 = 1.05 times a positive unit vector of the data span (nothing
    else to decay: the radial map is the whole dynamics)."""
    gamma_ = ex.GAMMA_FULL
    start = np.zeros(ex.N)
    start[:5] = [0.6, 0.5, 0.4, 0.3, 0.2]
    start *= 1.05 / np.linalg.norm(start)
    res = simulate(ex.N, ex.N, ex.N, gamma_ * ex.N, 10, 1, schedule="full", seed=ROOT,
                   conventions=conv, checkpoints=0, record_steps=[8, 9], init=start)
    rho = np.sqrt(np.sum(res.record_a**2, axis=2))
    measured = (rho[1] - 1) / (rho[0] - 1)
    claimed = float(compile(multiplier, (gamma,))(gamma_))
    return float(np.max(np.abs(measured - claimed)))


def check_gd_alignment(budget: Budget, conventions: Conventions = RELU) -> CheckResult:
    """``gd.dense_aligned``: per seed, support = #initially active and cos = ||u||/||w_0||;
    over seeds, mean cos^2 equals the library's ratio of expectations (n/(2d) relu, n/d
    linear) within a CLT band at level budget.alpha (power stated against the other
    activation's ratio)."""
    res = ex.gd(budget.level, conventions)
    pos = res.a0 > 0 if conventions.is_relu else np.ones_like(res.a0, dtype=bool)
    exact_support = bool(np.all(res.support == pos.sum(axis=1)))
    r0 = np.sum(res.a0**2, axis=1) + res.perp0**2
    u = _positive_part(res.a0, conventions)
    cos_err = float(np.max(np.abs(res.alignment - np.sqrt(np.sum(u**2, axis=1) / r0))))
    pred = float(formulas.alignment_scale_full_batch(conventions)(ex.N, ex.D)) ** 2
    other = float(formulas.alignment_scale_full_batch(
        LINEAR if conventions.is_relu else RELU)(ex.N, ex.D)) ** 2
    mean, lo, hi = mean_interval(res.alignment**2, 1 - budget.alpha)
    z = normal_quantile(1 - budget.alpha)
    # the band must be the textbook one: mean -+ z_(1 - alpha/2) s / sqrt(N), z from SciPy
    x2 = res.alignment**2
    half = float(stats.norm.ppf(1 - budget.alpha / 2)) * float(x2.std(ddof=1)) / math.sqrt(
        x2.size)
    band_ok = max(abs(mean - x2.mean()), abs(lo - (x2.mean() - half)),
                  abs(hi - (x2.mean() + half))) <= 1e-12
    power = _power_two_sided(other - pred, (hi - lo) / (2 * z), z)
    return CheckResult(
        f"full batch is dense and aligned ({conventions.activation})", "simulation",
        _status(exact_support and cos_err <= 1e-8 and lo <= pred <= hi and band_ok),
        f"per seed 1e-8 (float64); mean cos^2 in a CLT band at level {budget.alpha:.2g} "
        "(E[cos^2] = E||u||^2/E||w_0||^2 exactly: a_i^2/||w_0||^2 has mean 1/d by "
        "exchangeability, and its sign is independent of it)",
        {"seeds": int(res.seed_ids.size), "support_equals_initially_active": exact_support,
         "max_cos_error": cos_err, "mean_cos2": mean, "band": [lo, hi], "predicted": pred,
         "alternative": other, "power_vs_alternative": power},
    )


def _sparse_run(budget: Budget, schedule: str, batch_size: int,
                conventions: Conventions) -> SimulationResult:
    """b < n runs of the experiments (gamma = 0.4)."""
    return ex.sgd(budget.level, batch_size, schedule=schedule, conventions=conventions)


def _sparse_verdict(res: SimulationResult, conventions: Conventions) -> dict[str, Any]:
    """Per seed: 1-sparse on an initially active winner, at the minimum, |cos| as claimed."""
    ok = res.diverged_at < 0
    a0k = res.a0[np.arange(res.a0.shape[0]), res.winner]
    r0 = np.sqrt(np.sum(res.a0**2, axis=1) + res.perp0**2)
    active = a0k > 0 if conventions.is_relu else np.ones_like(a0k, dtype=bool)
    bound = np.max(np.abs(res.a0), axis=1) / r0
    cos_err = float(np.max(np.abs(np.abs(res.alignment) - np.abs(a0k) / r0)[ok], initial=1.0
                           if not ok.any() else 0.0))
    one = float(np.mean(res.support[ok] == 1)) if ok.any() else 0.0
    gap = float(np.max(res.loss_gap))
    passed = (bool(ok.all()) and one == 1.0 and bool(np.all(active)) and gap <= 1e-9
              and cos_err <= 1e-6 and bool(np.all(np.abs(res.alignment[ok]) <= bound[ok] + 1e-12)))
    return {"passed": passed, "seeds": int(ok.size), "diverged": int(np.sum(~ok)),
            "fraction_one_sparse": one, "max_loss_gap": gap,
            "winner_initially_active": bool(np.all(active)), "max_cos_error": cos_err,
            "mean_abs_cos": float(np.mean(np.abs(res.alignment))),
            "steps": res.config.steps, "step_size": res.config.step_size}


def check_sparse_limit(budget: Budget, schedule: str = "random", batch_size: int = 1,
                       conventions: Conventions = RELU) -> CheckResult:
    """``sgd.sparse_limit`` + ``sgd.orthogonal``: b < n ends at x_k, k initially active.

    Per seed: support 1, loss gap <= 1e-9, the winner had a_k(0) > 0 (relu) and
    |cos(w_inf, w_0)| = |a_k(0)|/||w_0|| <= max_i |a_i(0)|/||w_0||.
    """
    res = _sparse_run(budget, schedule, batch_size, conventions)
    verdict = _sparse_verdict(res, conventions)
    return CheckResult(
        f"b < n ends 1-sparse ({schedule}, b = {batch_size}, {conventions.activation})",
        "simulation", _status(verdict.pop("passed")),
        "every seed: support 1 (threshold 1e-6 relative), loss gap <= 1e-9, cos to 1e-6",
        {**verdict, "sqrt(2 log n / d)": float(formulas.alignment_scale_sparse()(ex.N, ex.D))},
    )


def check_sweep_sparse(budget: Budget) -> CheckResult:
    """``sgd.sparse_limit``: every b < n of the batch-size sweep (gamma = 0.4) ends 1-sparse
    and at the minimum, while b = n ends with every initially positive coordinate."""
    rows = {}
    ok = True
    for b_, res in ex.sweep(budget.level).items():
        if b_ == ex.N:
            dense = bool(np.all(res.support == np.sum(res.a0 > 0, axis=1)))
            rows[str(b_)] = {"support_equals_initially_positive": dense}
            ok &= dense
            continue
        verdict = _sparse_verdict(res, RELU)
        ok &= verdict["passed"]
        rows[str(b_)] = {k: verdict[k] for k in ("fraction_one_sparse", "max_loss_gap")}
    return CheckResult(
        "every b < n of the sweep ends 1-sparse; b = n ends dense", "simulation", _status(ok),
        "every seed: support 1 (threshold 1e-6 relative), loss gap <= 1e-9", {"rows": rows})


def check_cyclic_classes(budget: Budget, n_: int = 6, batch_size: int = 4) -> CheckResult:
    """``cyclic.blocks``: the cyclic limit is supported on exactly one class of the
    library's cyclic classes (each of its size gcd(b, n)), holding that class's initially
    positive coordinates."""
    res = simulate(12, n_, batch_size, 0.3 * batch_size, budget.pick(20000, 40000), 16,
                   schedule="cyclic", seed=ROOT, checkpoints=0)
    classes = dynamics.cyclic_classes(n_, batch_size)
    g = int(dynamics.cyclic_class_size().subs({b: batch_size, n: n_}))
    supports = [set(np.flatnonzero(row > 1e-6 * row.max()).tolist()) for row in res.a]
    in_one = [any(sup <= set(c) for c in classes) for sup in supports]
    expected_sizes = []
    for row0, sup in zip(res.a0, supports, strict=True):
        cls = next((c for c in classes if sup <= set(c)), [])
        expected_sizes.append(int(np.sum(row0[cls] > 0)))
    passed = (all(in_one) and [len(s) for s in supports] == expected_sizes
              and all(len(c) == g for c in classes))
    return CheckResult(
        f"cyclic schedule (n = {n_}, b = {batch_size}) ends on one gcd class", "simulation",
        _status(passed), "exact support sets (relative threshold 1e-6)",
        {"classes": classes, "class_size": g,
         "supports": [sorted(s) for s in supports][:8], "all_within_one_class": all(in_one)},
    )


def _origin_run() -> bool:
    """A linear run from w_0 = 0 (a stationary point) never moves; its metrics are those of
    the origin: support 0, winner -1, alignment 0, loss gap 1/2 - min L."""
    res = simulate(6, 3, 1, 0.4, 50, 2, init=np.zeros(6), seed=ROOT, conventions=LINEAR,
                   checkpoints=0)
    gap = float(ref.loss(np.zeros((1, 6)), 3, LINEAR)[0] - metrics.min_loss(3))
    return (bool(np.all(res.a == 0)) and bool(np.all(res.support == 0))
            and bool(np.all(res.winner == -1)) and bool(np.all(res.alignment == 0))
            and bool(np.allclose(res.loss_gap, gap, rtol=0, atol=1e-15)))


def check_dead_init(budget: Budget) -> CheckResult:
    """``relu.dead_init``: a dead start never moves; P(dead) equals the library's probability
    (2^-n) within a Wilson interval (power stated against 2^-(n-1)); the origin, a linear
    stationary point, never moves either."""
    n_, d_ = 3, 6
    draws = budget.pick(4000, 20000)
    a0, _, _ = initial_state(d_, n_, range(draws), seed=ROOT)
    dead = int(np.sum(np.all(a0 <= 0, axis=1)))
    lo, hi = wilson_interval(dead, draws, 1 - budget.alpha)
    p = float(compile(dynamics.dead_init_probability(), (n,))(float(n_)))
    init = -np.abs(np.random.default_rng(ROOT).standard_normal(d_))
    init[n_:] = np.abs(init[n_:])
    res = simulate(d_, n_, 1, 0.4, 500, 4, init=init, seed=ROOT, checkpoints=0)
    unmoved = bool(np.all(res.a == res.a0)) and bool(np.all(res.perp == res.perp0))
    origin = _origin_run()
    z = normal_quantile(1 - budget.alpha)
    power = _power_two_sided(p, math.sqrt(p * (1 - p) / draws), z)  # alternative 2p
    return CheckResult(
        "dead relu start never moves; P(dead) = 2^-n", "simulation",
        _status(unmoved and origin and lo <= p <= hi),
        f"bit-exact for the dead runs; Wilson interval at level {budget.alpha:.2g}",
        {"draws": draws, "dead": dead, "interval": [lo, hi], "predicted": p,
         "dead_run_unmoved": unmoved, "origin_unmoved": origin,
         "power_vs_2^-(n-1)": power},
    )


LARGE_INIT = (0.18, -0.97, -0.41, -0.26)  # data coordinates of a start with r(0) = 3.74
LARGE_INIT_PERP = 1.59


def _growth_error() -> float:
    """|measured (a_j'/a_j)/(perp'/perp) - 1 - the library's growth| over one step of the
    large start, for the coordinate in the batch."""
    growth = compile(dynamics.active_vs_perp_growth(), (gamma, r, S_B))
    init = np.zeros(6)
    init[:4] = LARGE_INIT
    init[4] = LARGE_INIT_PERP
    res = simulate(6, 4, 1, 0.45, 1, 1, init=init, seed=ROOT, checkpoints=0,
                   record_steps=[0, 1])
    a, p = res.record_a[:, 0], res.record_perp[:, 0]
    j = 0  # the only positive coordinate: in the batch or not, its ratio is defined
    moved = not np.isclose(a[1, j] / a[0, j], p[1] / p[0], rtol=1e-12)
    if not moved:
        return 0.0
    r0 = float(np.sum(a[0] ** 2) + p[0] ** 2)
    measured = (a[1, j] / a[0, j]) / (p[1] / p[0]) - 1
    return abs(float(measured) - float(growth(0.45, r0, a[0, j] ** 2)))


def check_large_init_dead_end(budget: Budget) -> CheckResult:
    """``relu.large_init``: from a0 = (0.18, -0.97, -0.41, -0.26), ||w_perp|| = 1.59
    (r(0) = 3.74 > 2), d = 6, n = 4, b = 1, eta = 0.45, every batch seed ends on the dead
    set (S -> 0, loss 1/2): not a global minimum; and one step shrinks the batch
    coordinate relative to w_perp as the library's growth gamma (2 - r)/(1 - gamma S_B)."""
    init = np.zeros(6)
    init[:4] = LARGE_INIT
    init[4] = LARGE_INIT_PERP
    res = simulate(6, 4, 1, 0.45, budget.pick(8000, 20000), 8, init=init, seed=ROOT,
                   checkpoints=0)
    s_final, _ = metrics.coordinate_sums(res.a, res.perp, RELU)
    gap = ref.loss(np.column_stack([res.a, res.perp, np.zeros(8)]), 4, RELU) - \
        ref.loss(np.eye(6)[:1], 4, RELU)[0]
    dead_gap = float(ref.loss(np.zeros((1, 6)), 4, RELU)[0] - ref.loss(np.eye(6)[:1], 4, RELU)[0])
    growth_err = _growth_error()
    ok = (bool(np.all(s_final <= 1e-12) and np.all(np.abs(gap - dead_gap) <= 1e-9))
          and growth_err <= 1e-12)
    return CheckResult(
        "a relu start with r(0) > 2 can end on the dead set", "simulation", _status(ok),
        "1e-9 on the loss gap (float64, loss from the definition); S <= 1e-12; one-step "
        "growth 1e-12", {"r0": float(np.sum(np.square(LARGE_INIT)) + LARGE_INIT_PERP**2),
                         "final_S": s_final.tolist(), "final_loss_gap": gap.tolist(),
                         "dead_set_gap": dead_gap, "growth_error": growth_err},
    )


_LIMIT_SEEDS = 4  # seeds of the GD and SGD limits whose Hessians are built densely


def _limit_states(budget: Budget, conventions: Conventions = RELU
                  ) -> list[tuple[str, np.ndarray]]:
    """(schedule, limit point a) for the first seeds of the GD and the b = 1 runs."""
    out = []
    for schedule, res in (("full", ex.gd(budget.level, conventions)),
                          ("random", ex.sgd(budget.level, 1, conventions=conventions))):
        for row in res.a[:_LIMIT_SEEDS]:
            out.append((schedule, np.where(np.abs(row) > 1e-6 * np.abs(row).max(), row, 0.0)))
    return out


def check_trace_numeric(budget: Budget, conventions: Conventions = RELU) -> CheckResult:
    """``hessian.trace_at_min``: the library's trace at a minimum ((d - m + 4)/n) at the
    simulated GD and SGD limits vs the dense traces of the closed-form Hessian and of its
    finite differences (numerics.hessian), and Hutchinson's estimator (Rademacher probes,
    finite differences of the gradient) in a band at level budget.alpha (power stated
    against an offset of 1/n: one coordinate's curvature)."""
    rows = []
    ok = True
    rng = np.random.default_rng(ROOT)
    trace = compile(hessian.trace_at_min(conventions), (d, n, s))
    states = _limit_states(budget, conventions)
    z = normal_quantile(1 - budget.alpha / len(states))
    for schedule, a in states:
        w = embed(a, 0.0, ex.D)
        s_ = int(np.sum(np.abs(a) > 0))
        formula = float(trace(ex.D, ex.N, s_))
        eig = float(np.sum(np.linalg.eigvalsh(closed_form_matrix(w, ex.N, conventions))))
        fd = dense_trace(w, ex.N, conventions, method="fd")
        hut = hutchinson_trace(w, ex.N, conventions, probes=64, rng=rng)
        ok &= abs(eig - formula) <= 1e-9 and abs(fd - formula) <= 1e-5
        ok &= abs(hut.estimate - formula) <= z * hut.stderr + 1e-6
        rows.append({"schedule": schedule, "s": s_, "formula": formula, "eigvalsh": eig,
                     "finite_differences": fd, "hutchinson": hut.estimate,
                     "hutchinson_se": hut.stderr,
                     "power_vs_offset_1/n": _power_two_sided(1 / ex.N, hut.stderr, z)})
    return CheckResult(
        f"trace at simulated limits: formula, eigvalsh, finite differences, Hutchinson "
        f"({conventions.activation})", "simulation", _status(ok),
        f"eigvalsh 1e-9 (float64); finite differences 1e-5 (h = 1e-5); Hutchinson within "
        f"{z:.2f} standard errors (level {budget.alpha:.2g} over the cases) + 1e-6",
        {"cases": rows},
    )


def check_lambda_max(budget: Budget) -> CheckResult:
    """``hessian.lambda_max`` (P5): the largest eigenvalue of the closed-form Hessian and of
    its finite differences at the simulated GD and SGD limits = the library's lambda_max."""
    pred = float(compile(hessian.lambda_max_at_min(), (n,))(ex.N))
    vals, fds = [], []
    for _, a in _limit_states(budget):
        w = embed(a, 0.0, ex.D)
        vals.append(float(np.max(np.linalg.eigvalsh(closed_form_matrix(w, ex.N)))))
        fds.append(float(np.max(np.linalg.eigvalsh(fd_matrix(w, ex.N)))))
    err = max(float(np.max(np.abs(np.array(vals) - pred))),
              float(np.max(np.abs(np.array(fds) - pred))) / 1e4)
    return CheckResult(
        "largest eigenvalue at GD and SGD limits", "simulation", _status(err <= 1e-9),
        "1e-9: float64 eigvalsh of a 40 x 40 matrix; finite differences 1e-5",
        {"lambda_max": vals, "finite_differences": fds, "predicted": pred},
    )


def check_trace_gap(budget: Budget, conventions: Conventions = RELU) -> CheckResult:
    """P4 / ``hessian.trace_gap``: per seed, from the same w_0, tr(SGD limit) - tr(GD limit)
    (traces of the definition's Hessian, by finite differences on the activation region)
    equals the library's gap at |P+| under the run's conventions ((|P+| - 1)/n for relu
    with relu'(0) = 0, else 0)."""
    gd = ex.gd(budget.level, conventions)
    sgd = ex.sgd(budget.level, 1, conventions=conventions)
    k = min(gd.seed_ids.size, sgd.seed_ids.size, budget.pick(8, 24))
    p_plus = np.sum(gd.a0[:k] > 0, axis=1)
    pred = np.asarray(formulas.trace_gap(conventions)(p_plus, ex.N), dtype=float)
    gap = []
    for i in range(k):
        pts = [embed(np.where(np.abs(r.a[i]) > 1e-6 * np.abs(r.a[i]).max(), r.a[i], 0.0),
                     0.0, ex.D) for r in (sgd, gd)]
        traces = [ref.fd_trace(w, ex.N, conventions) for w in pts]
        gap.append(traces[0] - traces[1])
    same_init = bool(np.array_equal(gd.a0[:k], sgd.a0[:k]))
    err = float(np.max(np.abs(np.array(gap) - pred)))
    return CheckResult(
        f"trace gap SGD - GD from the same start ({conventions.activation})", "simulation",
        _status(same_init and err <= 1e-5),
        "1e-5: central differences (h = 1e-5) of the definition's gradient at the limit points",
        {"seeds": int(k), "same_initialisation": same_init, "max_abs_error": err,
         "mean_gap": float(np.mean(gap)), "mean_predicted": float(np.mean(pred))},
    )


# ----------------------------------------------------------------------- walks
def check_log_ratio_moves(budget: Budget) -> CheckResult:
    """``walk.log_ratio``: one-step increments of the engine from a fixed state (n = 5,
    b = 3): the up and down frequencies of D are the library's p within Wilson intervals
    (power stated against p + 0.05)."""
    draws = budget.pick(20000, 100000)
    a = np.array([float(x) for x in STATE])
    inc = empirical_log_ratio_increments(a, 0, 1, 0.6, 3, draws, seed=ROOT)
    up, down = int(np.sum(inc > 1e-12)), int(np.sum(inc < -1e-12))
    p_ = float(formulas.move_probability("random")(5, 3))
    level = 1 - budget.alpha / 2
    lo_u, hi_u = wilson_interval(up, draws, level)
    lo_d, hi_d = wilson_interval(down, draws, level)
    z = normal_quantile(level)
    power = _power_two_sided(0.05, math.sqrt(p_ * (1 - p_) / draws), z)
    return CheckResult(
        "engine's one-step log-ratio moves (n = 5, b = 3)", "simulation",
        _status(lo_u <= p_ <= hi_u and lo_d <= p_ <= hi_d),
        f"Wilson intervals at level {budget.alpha / 2:.2g} each (two proportions)",
        {"draws": draws, "up": up, "down": down, "predicted_p": p_,
         "up_interval": [lo_u, hi_u], "down_interval": [lo_d, hi_d],
         "power_vs_p+0.05": power},
    )


def _top_gap_by_definition(a: np.ndarray) -> np.ndarray:
    """log(a_(1)/a_(2)) of the two largest positive coordinates, by sorting (inf if one)."""
    v = np.sort(np.where(a > 0, a, 0.0), axis=-1)
    with np.errstate(divide="ignore"):
        return np.where(v[..., -2] > 0, np.log(v[..., -1]) - np.log(v[..., -2]), np.inf)


def check_top_gap_escape(budget: Budget) -> CheckResult:
    """``walk.top_gap``: in the walk runs of the experiments (n = 20, d = 40) the top gap G
    escapes (reaches log 10^6) for b = 1 and b = 5 and never moves for b = n; and the
    library's G read off states of SGD written from the definition (200 steps, 4 runs per
    batch size) equals log(a_(1)/a_(2)) by sorting."""
    runs = ex.top_gap(budget.level)
    esc = {b_: run.summary()["escaped_fraction"] for b_, run in runs.items()}
    moved_full = runs[ex.N].summary()["moved_fraction"]
    gap_err = 0.0
    rng = np.random.default_rng([ROOT, 7])
    for b_ in runs:
        w0 = rng.normal(0.0, 1.0 / math.sqrt(ex.D), size=(4, ex.D))
        path = ref.sgd_path(w0, ref.sample_batches(rng, 4, 200, ex.N, b_),
                            runs[b_].config.step_size / b_, RELU, ex.N, record=[0, 100, 200])
        a = np.stack([w[:, :ex.N] for w in path.w])
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = top_gap(a, RELU) - _top_gap_by_definition(a)
        gap_err = max(gap_err, float(np.nanmax(np.abs(np.where(np.isinf(diff), 0, diff)))))
    ok = (all(esc[b_] >= 0.99 for b_ in runs if b_ < ex.N) and moved_full == 0.0
          and gap_err <= 1e-12)
    z = ex.sizes(budget.level)
    return CheckResult(
        "top gap: escapes for b < n, frozen for b = n (n = 20)", "simulation", _status(ok),
        "escape level log(10^6); b < n: at least 99% of paths escape; b = n: no path moves "
        "by more than 1e-9; the library's G = the sorted definition to 1e-12",
        {"paths": z.walk_seeds, "steps": z.walk_steps,
         "escaped_fraction": {str(b_): v for b_, v in esc.items()},
         "escaped_fraction_b1": esc[1], "moved_fraction_full": moved_full,
         "max_gap_error": gap_err},
    )


_LAMPERTI_RATIOS = (-1.0, 0.0, 1.0)  # c / s2: positive recurrent, null recurrent, transient
_LAMPERTI_S2 = (0.5, 2.0)


def _escape_rows(budget: Budget, level: float) -> list[dict[str, Any]]:
    """Escape fractions of walks mu_1 = c/x, mu_2 = s2 (to 60 sqrt(s2) from sqrt(s2))."""
    paths, steps = budget.pick(400, 2000), budget.pick(3000, 10000)
    rows = []
    for s2 in _LAMPERTI_S2:
        for t in _LAMPERTI_RATIOS:
            c = t * s2
            mu1, mu2, x = lamperti.lamperti_family(c, s2)
            res = simulate_walk(lamperti_law(c, s2), math.sqrt(s2), steps, paths, seed=ROOT,
                                escape_level=60.0 * math.sqrt(s2))
            rows.append({"c": c, "s2": s2, "classification":
                         lamperti.classify_lamperti(mu1, mu2, x).classification,
                         "escape": escape_fraction(res, confidence=level),
                         "second_moment_identity": second_moment_check(res, level)["passed"]})
    return rows


def check_lamperti_escape(budget: Budget) -> CheckResult:
    """``lamperti.criterion``: simulated walks mu_1 = c/x, mu_2 = s2 for c/s2 = -1, 0, 1 and
    s2 = 1/2, 2: the classifier gives the class of 2c against s2; the escape fractions (to
    60 sqrt(s2)) are ordered positive-recurrent < null-recurrent < transient with disjoint
    Wilson intervals for each s2; the fractions depend on c/s2 only (X/sqrt(s2) has the
    same law), so they agree across s2 within their intervals; and the exact identity
    E[X_T^2] = X_0^2 + sum E[2 X mu_1 + mu_2] holds in a CLT band."""
    level = 1 - budget.alpha / 12
    rows = _escape_rows(budget, level)
    classes_ok = all(r["classification"] == lamperti_expected(r["c"], r["s2"]) for r in rows)
    ordered = True
    for s2 in _LAMPERTI_S2:
        e = [r["escape"] for r in rows if r["s2"] == s2]
        ordered &= e[0]["ci_high"] < e[1]["ci_low"] and e[1]["ci_high"] < e[2]["ci_low"]
    agree = all(max(r1["escape"]["ci_low"], r2["escape"]["ci_low"])
                <= min(r1["escape"]["ci_high"], r2["escape"]["ci_high"])
                for r1, r2 in zip(rows[:3], rows[3:], strict=True))
    moments = all(r["second_moment_identity"] for r in rows)
    z = normal_quantile(level)
    paths = budget.pick(400, 2000)
    # power, normal approximation at the middle class's fraction: the ordering fails when two
    # adjacent classes have equal fractions (their intervals of half-width z se overlap
    # unless the difference, sd sqrt(2) se, exceeds 2 z se); the agreement across s2 fails
    # when the law at s2 = 2 is off by 0.1 in escape fraction
    p_mid = float(rows[1]["escape"]["fraction"])
    se = math.sqrt(max(p_mid * (1 - p_mid), 1e-12) / paths)
    power_equal = 1.0 - 2.0 * float(stats.norm.sf(math.sqrt(2.0) * z))
    power_shift = _power_two_sided(0.1, math.sqrt(2.0) * se, 2.0 * z / math.sqrt(2.0))
    shift_80 = 2.0 * z * se + float(stats.norm.ppf(0.8)) * math.sqrt(2.0) * se
    return CheckResult(
        "escape fractions ordered by the classifier's class; depend on c/s2 only",
        "simulation", _status(classes_ok and ordered and agree and moments),
        f"Wilson intervals and CLT bands at level {budget.alpha / 12:.2g} each (twelve)",
        {"rows": rows, "classes_as_classified": classes_ok, "ordered": ordered,
         "same_law_across_s2": agree, "second_moment_identity": moments,
         "alternative": "two adjacent classes escape equally often; or the law at s2 = 2 "
                        "is off by 0.1 in escape fraction",
         "power_vs_equal_classes": power_equal, "power_vs_shift_0.1_across_s2": power_shift,
         "shift_across_s2_detected_with_power_0.8": shift_80},
    )

