"""Simulation oracle: SGD runs of :mod:`numerics` judged against the derived claims.

Deterministic consequences (ratios, limits, supports) are checked per seed with float64
tolerances; distributional ones (mean alignment, dead initialisations, move frequencies,
escape fractions) with intervals at the pre-declared, multiplicity-corrected level
``budget.alpha`` (:mod:`proofs_check.stats`).  The runs that the report also shows come
from :mod:`proofs_check.experiments` (root seed :data:`ROOT`, cached per level), so the
figures show the runs these checks judged; the small special-purpose runs are made here
under the same root seed.  Nothing is re-drawn.

Each check takes keyword arguments that wrong variants use to inject a wrong prediction
or a parameter outside the claim's hypotheses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numerics import formulas, metrics
from numerics.hessian import closed_form_matrix, embed, hutchinson_trace
from numerics.random_walk import escape_fraction, lamperti_law, simulate_walk
from numerics.result import SimulationResult
from numerics.sgd import initial_state, simulate
from numerics.sgd_walk import empirical_log_ratio_increments
from numerics.stats import mean_interval, wilson_interval
from theory import dynamics, hessian
from theory.conventions import LINEAR, RELU, Conventions
from theory.dynamics import cyclic_classes
from theory.symbols import b, n

from .. import experiments as ex
from ..experiments import ROOT
from ..result import CheckResult
from ..stats import Budget
from .enumeration import STATE

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
    "check_top_gap_escape",
    "check_trace_gap",
    "check_trace_numeric",
]


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def check_engines_agree(budget: Budget, perturb_multiplier: float = 0.0) -> CheckResult:
    """``sgd.multiplicative``: reduced engine vs full engine on the same batches, 1e-9.

    ``perturb_multiplier`` scales the reduced end state by (1 + perturb) (negative control).
    """
    kw: dict[str, Any] = dict(d=12, n=6, batch_size=2, step_size=0.6, steps=300, seeds=8,
                              seed=ROOT)
    worst = 0.0
    for conv in (RELU, LINEAR):
        red = simulate(**kw, conventions=conv, engine="reduced", checkpoints=0)
        full = simulate(**kw, conventions=conv, engine="full", checkpoints=0)
        a_red = red.a * (1 + perturb_multiplier)
        worst = max(worst, float(np.max(np.abs(a_red - full.a))),
                    float(np.max(np.abs(red.perp - full.perp))))
    return CheckResult(
        "reduced engine vs full engine on shared batches", "simulation", _status(worst <= 1e-9),
        "1e-9: 300 steps of float64 arithmetic in two different orders",
        {"max_abs_difference": worst, **kw},
    )


def check_gd_ratio_invariance(budget: Budget, batch_size: int | None = None) -> CheckResult:
    """``gd.ratio_invariance``: b = n keeps a_j/a_k of active coordinates (float64).

    ``batch_size`` < n is a negative control (ratios then move).
    """
    n_, d_ = 10, 20
    b_ = n_ if batch_size is None else batch_size
    sched = "full" if b_ == n_ else "random"
    res = simulate(d_, n_, b_, 2.0, 200, 6, schedule=sched, seed=ROOT, checkpoints=0,
                   record_steps=[0, 50, 200], conventions=LINEAR)
    a = res.record_a  # (times, seeds, n)
    ratios = a / a[:, :, :1]
    drift = float(np.max(np.abs(ratios[-1] / ratios[0] - 1)))
    return CheckResult(
        "full batch keeps coordinate ratios", "simulation", _status(drift <= 1e-9),
        "1e-9 relative: 200 steps of float64 rounding on a common factor",
        {"max_relative_ratio_change": drift, "n": n_, "d": d_, "batch_size": b_, "steps": 200},
    )


def _positive_part(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """u: the active part of a (sigma(a) for relu, a itself for linear)."""
    return np.asarray(formulas.sigma(conventions)(a)) if conventions.is_relu else a


def check_gd_limit(budget: Budget, step_size: float = ex.GAMMA_FULL * ex.N) -> CheckResult:
    """``gd.limit``: b = n ends at u/||u|| (u = initially active part), 1e-8 per coordinate.

    eta = 4 with b = n = 20 gives gamma = 0.2 < 1/2 (the radial stability bound);
    ``step_size`` past n/2 = 10 is a negative control (the radial map is unstable there).
    """
    worst = 0.0
    diverged = 0
    for conv in (RELU, LINEAR):
        res = ex.gd(budget.level, conv, step_size)
        u = _positive_part(res.a0, conv)
        target = u / np.linalg.norm(u, axis=1, keepdims=True)
        ok = res.diverged_at < 0
        diverged += int(np.sum(~ok))
        if ok.any():
            worst = max(worst, float(np.max(np.abs(res.a[ok] - target[ok]))),
                        float(np.max(res.perp[ok])))
    passed = worst <= 1e-8 and diverged == 0
    return CheckResult(
        "full batch converges to u/||u||", "simulation", _status(passed),
        "1e-8: geometric convergence at rate |1 - 4 gamma| = 0.2 over 3000 steps, float64",
        {"max_abs_error": worst, "diverged_seeds": diverged, "step_size": step_size,
         "d": ex.D, "n": ex.N, "seeds": int(ex.sizes(budget.level).gd_seeds)},
    )


def check_gd_alignment(budget: Budget, predicted_ratio: float | None = None) -> CheckResult:
    """``gd.dense_aligned``: per seed, support = #initially active and cos = ||u||/||w_0||;
    over seeds, mean cos^2 = n/(2d) (relu) within a CLT band at level budget.alpha.

    E[cos^2] = n/(2d) exactly: a_i^2/||w_0||^2 has mean 1/d by exchangeability and its
    sign is independent of it.  ``predicted_ratio`` replaces n/(2d) (negative control).
    """
    res = ex.gd(budget.level)
    pos = res.a0 > 0
    exact_support = bool(np.all(res.support == pos.sum(axis=1)))
    r0 = np.sum(res.a0**2, axis=1) + res.perp0**2
    u = _positive_part(res.a0, RELU)
    cos_pred = np.sqrt(np.sum(u**2, axis=1) / r0)
    cos_err = float(np.max(np.abs(res.alignment - cos_pred)))
    scale = float(formulas.alignment_scale_full_batch(RELU)(ex.N, ex.D))
    pred = scale**2 if predicted_ratio is None else predicted_ratio
    mean, lo, hi = mean_interval(res.alignment**2, 1 - budget.alpha)
    inside = lo <= pred <= hi
    return CheckResult(
        "full batch is dense and aligned", "simulation",
        _status(exact_support and cos_err <= 1e-8 and inside),
        f"per seed 1e-8 (float64); mean cos^2 in a CLT band at level {budget.alpha:.2g} "
        "(E[cos^2] = n/(2d) exactly: a_i^2/||w_0||^2 has mean 1/d by exchangeability, and "
        "its sign is independent of it, so the symbolic ratio of expectations is also the "
        "expectation of the ratio)",
        {"seeds": int(res.seed_ids.size), "support_equals_initially_positive": exact_support,
         "max_cos_error": cos_err, "mean_cos2": mean, "band": [lo, hi], "predicted": pred},
    )


def _sparse_run(budget: Budget, schedule: str, batch_size: int,
                conventions: Conventions) -> SimulationResult:
    """b < n runs of the experiments (gamma = 0.4); b = n is gradient descent."""
    if batch_size == ex.N:
        return ex.gd(budget.level, conventions)
    return ex.sgd(budget.level, batch_size, schedule=schedule, conventions=conventions)


def check_sparse_limit(budget: Budget, schedule: str = "random", batch_size: int = 1,
                       conventions: Conventions = RELU,
                       winner_is_argmax: bool = False) -> CheckResult:
    """``sgd.sparse_limit`` + ``sgd.orthogonal``: b < n ends at x_k, k initially active.

    Per seed: support 1, loss gap <= 1e-9, the winner had a_k(0) > 0 (relu) and
    |cos(w_inf, w_0)| = |a_k(0)|/||w_0|| <= max_i |a_i(0)|/||w_0||.  ``batch_size`` = n
    (full batch) is a negative control: the limit is then dense.  ``winner_is_argmax``
    predicts |cos| = max_i |a_i(0)|/||w_0|| (the winner is not always the largest initial
    coordinate, so this wrong prediction must be rejected).
    """
    res = _sparse_run(budget, schedule, batch_size, conventions)
    sched = res.config.schedule
    ok = res.diverged_at < 0
    win = res.winner
    a0k = res.a0[np.arange(res.a0.shape[0]), win]
    r0 = np.sqrt(np.sum(res.a0**2, axis=1) + res.perp0**2)
    active_at_init = a0k > 0 if conventions.is_relu else np.ones_like(a0k, dtype=bool)
    cos_bound = np.max(np.abs(res.a0), axis=1) / r0
    cos_pred = cos_bound if winner_is_argmax else np.abs(a0k) / r0
    one_sparse = float(np.mean(res.support[ok] == 1)) if ok.any() else 0.0
    cos_err = float(np.max(np.abs(np.abs(res.alignment) - cos_pred)[ok])) if ok.any() else 1.0
    passed = (
        bool(ok.all()) and one_sparse == 1.0 and bool(np.all(active_at_init))
        and float(np.max(res.loss_gap)) <= 1e-9 and cos_err <= 1e-6
        and bool(np.all(np.abs(res.alignment[ok]) <= cos_bound[ok] + 1e-12))
    )
    return CheckResult(
        f"b < n ends 1-sparse ({sched}, b = {batch_size}, {conventions.activation})",
        "simulation", _status(passed),
        "every seed: support 1 (threshold 1e-6 relative), loss gap <= 1e-9, cos to 1e-6",
        {"seeds": int(ok.size), "diverged": int(np.sum(~ok)), "fraction_one_sparse": one_sparse,
         "max_loss_gap": float(np.max(res.loss_gap)),
         "winner_initially_active": bool(np.all(active_at_init)), "max_cos_error": cos_err,
         "mean_abs_cos": float(np.mean(np.abs(res.alignment))),
         "sqrt(2 log n / d)": float(formulas.alignment_scale_sparse()(ex.N, ex.D)),
         "steps": res.config.steps, "step_size": res.config.step_size},
    )


def check_cyclic_classes(budget: Budget, n_: int = 6, batch_size: int = 4,
                         predicted_class_size: int | None = None) -> CheckResult:
    """``cyclic.blocks``: the cyclic limit is supported on exactly one gcd(b, n) class.

    ``predicted_class_size`` replaces gcd(b, n) (negative control: 1, as P7 says).
    """
    res = simulate(12, n_, batch_size, 0.3 * batch_size, budget.pick(20000, 40000), 16,
                   schedule="cyclic", seed=ROOT, checkpoints=0)
    classes = cyclic_classes(n_, batch_size)
    gcd = int(dynamics.cyclic_class_size().subs({b: batch_size, n: n_}))
    g = gcd if predicted_class_size is None else predicted_class_size
    supports = [set(np.flatnonzero(row > 1e-6 * row.max()).tolist()) for row in res.a]
    in_one = [any(sup <= set(c) for c in classes) for sup in supports]
    sizes = [len(s) for s in supports]
    # each class holds the initially positive members of it (relu), ratios unchanged
    expected_sizes = []
    for row0, sup in zip(res.a0, supports, strict=True):
        cls = next((c for c in classes if sup <= set(c)), [])
        expected_sizes.append(int(np.sum(row0[cls] > 0)))
    passed = all(in_one) and sizes == expected_sizes and all(len(c) == g for c in classes)
    return CheckResult(
        f"cyclic schedule (n = {n_}, b = {batch_size}) ends on one gcd class", "simulation",
        _status(passed), "exact support sets (relative threshold 1e-6)",
        {"classes": classes, "gcd": gcd, "predicted_class_size": g,
         "supports": [sorted(s) for s in supports][:8], "all_within_one_class": all(in_one)},
    )


def check_dead_init(budget: Budget, predicted: float | None = None) -> CheckResult:
    """``relu.dead_init``: a dead start never moves; P(dead) = 2^-n within a Wilson interval.

    ``predicted`` replaces 2^-n (negative control).
    """
    n_, d_ = 3, 6
    draws = budget.pick(4000, 20000)
    a0, _, _ = initial_state(d_, n_, range(draws), seed=ROOT)
    dead = int(np.sum(np.all(a0 <= 0, axis=1)))
    lo, hi = wilson_interval(dead, draws, 1 - budget.alpha)
    p = float(dynamics.dead_init_probability().subs(n, n_)) if predicted is None else predicted
    init = -np.abs(np.random.default_rng(ROOT).standard_normal(d_))
    init[n_:] = np.abs(init[n_:])
    res = simulate(d_, n_, 1, 0.4, 500, 4, init=init, seed=ROOT, checkpoints=0)
    unmoved = bool(np.all(res.a == res.a0)) and bool(np.all(res.perp == res.perp0))
    return CheckResult(
        "dead relu start never moves; P(dead) = 2^-n", "simulation",
        _status(unmoved and lo <= p <= hi),
        f"bit-exact for the dead run; Wilson interval at level {budget.alpha:.2g}",
        {"draws": draws, "dead": dead, "interval": [lo, hi], "predicted": p,
         "dead_run_unmoved": unmoved},
    )


LARGE_INIT = (0.18, -0.97, -0.41, -0.26)  # data coordinates of a start with r(0) = 3.74
LARGE_INIT_PERP = 1.59


def check_large_init_dead_end(budget: Budget, expect_global_minimum: bool = False
                              ) -> CheckResult:
    """``relu.large_init``: from a0 = (0.18, -0.97, -0.41, -0.26), ||w_perp|| = 1.59
    (r(0) = 3.74 > 2, one positive coordinate), d = 6, n = 4, b = 1, eta = 0.45, every batch
    seed ends on the dead set: S -> 0 and loss gap 1/2 - 3/8 = 1/8, not a global minimum.

    The start was found by the Hypothesis property suite (seed 7 of a d = 6 run).
    ``expect_global_minimum`` is the negative control (P1 read without the caveat).
    """
    init = np.zeros(6)
    init[:4] = LARGE_INIT
    init[4] = LARGE_INIT_PERP
    res = simulate(6, 4, 1, 0.45, budget.pick(8000, 20000), 8, init=init, seed=ROOT,
                   checkpoints=0)
    s_final, _ = metrics.coordinate_sums(res.a, res.perp, RELU)
    gap = res.loss_gap
    # the loss on the dead set (S = 0) minus the minimum, from loss.coordinates / minima.value
    dead_gap = float(formulas.loss_reduced()(1.0, 0.0, 4)) - metrics.min_loss(4)
    if expect_global_minimum:
        ok = bool(np.all(np.abs(gap) <= 1e-9))
    else:
        ok = bool(np.all(s_final <= 1e-12) and np.all(np.abs(gap - dead_gap) <= 1e-9))
    return CheckResult(
        "a relu start with r(0) > 2 can end on the dead set", "simulation", _status(ok),
        "1e-9 on the loss gap (float64); S <= 1e-12",
        {"r0": float(np.sum(np.square(LARGE_INIT)) + LARGE_INIT_PERP**2),
         "final_S": s_final.tolist(), "final_loss_gap": gap.tolist(),
         "predicted_gap": f"{dead_gap} (dead set)" if not expect_global_minimum else "0"},
    )


_LIMIT_SEEDS = 4  # seeds of the GD and SGD limits whose Hessians are built densely


def _limit_states(budget: Budget) -> list[tuple[str, np.ndarray]]:
    """(schedule, limit point a) for the first seeds of the GD and the b = 1 runs."""
    out = []
    for schedule, res in (("full", ex.gd(budget.level)), ("random", ex.sgd(budget.level, 1))):
        for row in res.a[:_LIMIT_SEEDS]:
            out.append((schedule, np.where(np.abs(row) > 1e-6 * np.abs(row).max(), row, 0.0)))
    return out


def check_trace_numeric(budget: Budget, trace_offset: float = 0.0) -> CheckResult:
    """``hessian.trace_at_min``: closed-form trace at simulated limits vs dense eigvalsh of
    the closed-form matrix and Hutchinson (finite differences of the gradient, 4 standard
    errors).  ``trace_offset`` shifts the formula (negative control)."""
    rows = []
    ok = True
    rng = np.random.default_rng(ROOT)
    trace_min = formulas.trace_at_min()
    for schedule, a in _limit_states(budget):
        w = embed(a, 0.0, ex.D)
        s_ = int(np.sum(a > 0))
        formula = float(trace_min(ex.D, ex.N, s_)) + trace_offset
        eig = float(np.sum(np.linalg.eigvalsh(closed_form_matrix(w, ex.N))))
        hut = hutchinson_trace(w, ex.N, probes=64, rng=rng)
        ok &= abs(eig - formula) <= 1e-9 and hut.contains(formula)
        rows.append({"schedule": schedule, "s": s_, "formula": formula, "eigvalsh": eig,
                     "hutchinson": hut.estimate, "hutchinson_se": hut.stderr})
    return CheckResult(
        "trace at simulated limits: formula vs eigvalsh vs Hutchinson", "simulation",
        _status(ok), "eigvalsh 1e-9 (float64); Hutchinson within 4 standard errors",
        {"cases": rows},
    )


def check_lambda_max(budget: Budget, predicted: float | None = None) -> CheckResult:
    """``hessian.spectrum_at_min`` (P5): lambda_max = 4/n at GD and SGD limits (eigvalsh)."""
    pred = float(hessian.lambda_max_at_min().subs(n, ex.N)) if predicted is None else predicted
    vals = [float(np.max(np.linalg.eigvalsh(closed_form_matrix(embed(a, 0.0, ex.D), ex.N))))
            for _, a in _limit_states(budget)]
    err = float(np.max(np.abs(np.array(vals) - pred)))
    return CheckResult(
        "largest eigenvalue at GD and SGD limits", "simulation", _status(err <= 1e-9),
        "1e-9: float64 eigvalsh of a 40 x 40 matrix", {"lambda_max": vals, "predicted": pred},
    )


def check_trace_gap(budget: Budget, conventions: Conventions = RELU,
                    predicted_gap: str = "derived") -> CheckResult:
    """P4 / ``hessian.trace_at_min`` / ``hessian.linear_equal``: per seed, from the same w_0,
    tr(SGD limit) - tr(GD limit) = (|P+| - 1)/n (relu) or 0 (linear), from
    :func:`theory.hessian.trace_gap` under the run's conventions.

    ``predicted_gap`` picks the prediction: ``"derived"`` (the theory's gap for these
    conventions), ``"zero"`` or ``"relu"`` (the relu gap whatever the conventions; wrong
    variants pass the one that does not apply).
    """
    gd = ex.gd(budget.level, conventions)
    sgd = ex.sgd(budget.level, 1, conventions=conventions)
    k = min(gd.seed_ids.size, sgd.seed_ids.size)
    gap = sgd.hessian_trace[:k] - gd.hessian_trace[:k]
    p_plus = np.sum(gd.a0[:k] > 0, axis=1)
    gap_conventions = {"derived": conventions, "relu": RELU, "zero": LINEAR}[predicted_gap]
    pred = np.asarray(formulas.trace_gap(gap_conventions)(p_plus, ex.N), dtype=float)
    same_init = bool(np.array_equal(gd.a0[:k], sgd.a0[:k]))
    err = float(np.max(np.abs(gap - pred)))
    return CheckResult(
        f"trace gap SGD - GD from the same start ({conventions.activation})", "simulation",
        _status(same_init and err <= 1e-9),
        "1e-9: closed-form traces at the limit points (float64)",
        {"seeds": int(k), "same_initialisation": same_init, "max_abs_error": err,
         "mean_gap": float(np.mean(gap)), "mean_predicted": float(np.mean(pred)),
         "prediction": predicted_gap},
    )


# ----------------------------------------------------------------------- walks
def check_log_ratio_moves(budget: Budget, shift: float = 0.0) -> CheckResult:
    """``walk.log_ratio``: one-step increments of the engine from a fixed state (n = 5,
    b = 3): the up and down frequencies of D are p = b(n - b)/(n(n - 1)) within Wilson
    intervals (``shift`` moves the prediction: a wrong variant)."""
    draws = budget.pick(20000, 100000)
    a = np.array([float(x) for x in STATE])
    inc = empirical_log_ratio_increments(a, 0, 1, 0.6, 3, draws, seed=ROOT)
    up, down = int(np.sum(inc > 1e-12)), int(np.sum(inc < -1e-12))
    p_ = float(formulas.move_probability("random")(5, 3)) + shift
    lo_u, hi_u = wilson_interval(up, draws, 1 - budget.alpha / 2)
    lo_d, hi_d = wilson_interval(down, draws, 1 - budget.alpha / 2)
    return CheckResult(
        "engine's one-step log-ratio moves (n = 5, b = 3)", "simulation",
        _status(lo_u <= p_ <= hi_u and lo_d <= p_ <= hi_d),
        f"Wilson intervals at level {budget.alpha / 2:.2g} each (two proportions)",
        {"draws": draws, "up": up, "down": down, "predicted_p": p_,
         "up_interval": [lo_u, hi_u], "down_interval": [lo_d, hi_d]},
    )


def check_top_gap_escape(budget: Budget, full_should_escape: bool = False) -> CheckResult:
    """``walk.top_gap``: in the walk runs of the experiments (n = 20, d = 40) the top gap G
    escapes (reaches log 10^6) for b = 1 and b = 5 and never moves for b = n.

    ``full_should_escape`` also requires escape at b = n (a wrong variant).
    """
    runs = ex.top_gap(budget.level)
    esc = {b: r.summary()["escaped_fraction"] for b, r in runs.items()}
    moved_full = runs[ex.N].summary()["moved_fraction"]
    small = [b for b in runs if b < ex.N]
    ok = all(esc[b] >= 0.99 for b in small) and moved_full == 0.0
    if full_should_escape:
        ok = ok and esc[ex.N] >= 0.99
    z = ex.sizes(budget.level)
    return CheckResult(
        "top gap: escapes for b < n, frozen for b = n (n = 20)", "simulation", _status(ok),
        "escape level log(10^6); b < n: at least 99% of paths escape; b = n: no path moves "
        "by more than 1e-9",
        {"paths": z.walk_seeds, "steps": z.walk_steps,
         "escaped_fraction": {str(b): v for b, v in esc.items()},
         "escaped_fraction_b1": esc[1], "moved_fraction_full": moved_full,
         "escaped_fraction_full": esc[ex.N]},
    )


def check_lamperti_escape(budget: Budget) -> CheckResult:
    """``lamperti.criterion``: escape fractions of simulated walks (mu_1 = c/x, mu_2 = 1)
    are ordered positive-recurrent (c = -0.6) < null-recurrent (c = 0) < transient (c = 0.6)
    with disjoint Wilson intervals."""
    paths = budget.pick(400, 2000)
    steps = budget.pick(3000, 10000)
    out = {}
    for c in (-0.6, 0.0, 0.6):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, steps, paths, seed=ROOT,
                            escape_level=60.0)
        out[c] = escape_fraction(res, confidence=1 - budget.alpha / 3)
    lo = {c: v["ci_low"] for c, v in out.items()}
    hi = {c: v["ci_high"] for c, v in out.items()}
    ordered = hi[-0.6] < lo[0.0] and hi[0.0] < lo[0.6]
    return CheckResult(
        "escape fractions ordered positive-recurrent < null-recurrent < transient",
        "simulation", _status(ordered),
        f"disjoint Wilson intervals at level {budget.alpha / 3:.2g} each (three proportions)",
        {"paths": paths, "steps": steps, "escape_level": 60.0,
         "escape": {str(c): v for c, v in out.items()}},
    )
