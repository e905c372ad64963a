"""Simulation oracle: SGD runs of :mod:`numerics.sgd` judged against the derived claims.

Deterministic consequences (ratios, limits, supports) are checked per seed with float64
tolerances; distributional ones (mean alignment, dead initialisations) with intervals at
the pre-declared, multiplicity-corrected level ``budget.alpha`` (:mod:`proofs_check.stats`).
Every run has a fixed seed; nothing is re-drawn.

Each check takes keyword arguments that negative controls use to inject a wrong
prediction or a parameter outside the claim's hypotheses.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from numerics import formulas
from numerics.hessian import closed_form_matrix, embed, hutchinson_trace
from numerics.sgd import SimulationResult, initial_state, simulate
from theory.dynamics import cyclic_classes

from ..result import CheckResult
from ..stats import Budget, mean_interval, proportion_interval

__all__ = [
    "check_cyclic_classes",
    "check_dead_init",
    "check_engines_agree",
    "check_gd_alignment",
    "check_gd_limit",
    "check_gd_ratio_invariance",
    "check_lambda_max",
    "check_large_init_dead_end",
    "check_sparse_limit",
    "check_trace_gap",
    "check_trace_numeric",
]

ROOT = 20230803  # root seed of every verification run (arXiv:2308.03215)


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def check_engines_agree(budget: Budget, perturb_multiplier: float = 0.0) -> CheckResult:
    """``sgd.multiplicative``: reduced engine vs full engine on the same batches, 1e-9.

    ``perturb_multiplier`` scales the reduced end state by (1 + perturb) (negative control).
    """
    kw: dict[str, Any] = dict(d=12, n=6, batch_size=2, step_size=0.6, steps=300, seeds=8,
                              root_seed=ROOT, checkpoints=0)
    worst = 0.0
    for act in ("relu", "linear"):
        red = simulate(**kw, activation=act, engine="reduced")
        full = simulate(**kw, activation=act, engine="full")
        a_red = red.a * (1 + perturb_multiplier)
        worst = max(worst, float(np.max(np.abs(a_red - full.a))),
                    float(np.max(np.abs(red.perp - full.perp))))
    return CheckResult(
        "reduced engine vs full engine on shared batches", "simulation", _status(worst <= 1e-9),
        "1e-9: 300 steps of float64 arithmetic in two different orders",
        {"max_abs_difference": worst, **{k: v for k, v in kw.items() if k != "checkpoints"}},
    )


def check_gd_ratio_invariance(budget: Budget, batch_size: int | None = None) -> CheckResult:
    """``gd.ratio_invariance``: b = n keeps a_j/a_k of active coordinates (float64).

    ``batch_size`` < n is a negative control (ratios then move).
    """
    n_, d_ = 10, 20
    b_ = n_ if batch_size is None else batch_size
    sched = "full" if b_ == n_ else "random"
    res = simulate(d_, n_, b_, 2.0, 200, 6, schedule=sched, root_seed=ROOT, checkpoints=0,
                   record_steps=[0, 50, 200], activation="linear")
    a = res.record_a  # (times, seeds, n)
    ratios = a / a[:, :, :1]
    drift = float(np.max(np.abs(ratios[-1] / ratios[0] - 1)))
    return CheckResult(
        "full batch keeps coordinate ratios", "simulation", _status(drift <= 1e-9),
        "1e-9 relative: 200 steps of float64 rounding on a common factor",
        {"max_relative_ratio_change": drift, "n": n_, "d": d_, "batch_size": b_, "steps": 200},
    )


def _gd_run(budget: Budget, activation: str, seeds: int, step_size: float = 4.0
            ) -> SimulationResult:
    return simulate(40, 20, 20, step_size, 3000, seeds, schedule="full", activation=activation,
                    root_seed=ROOT, checkpoints=0)


def check_gd_limit(budget: Budget, step_size: float = 4.0) -> CheckResult:
    """``gd.limit``: b = n ends at u/||u|| (u = initially active part), 1e-8 per coordinate.

    eta = 4 with b = n = 20 gives gamma = 0.2 < 1/2 (the radial stability bound);
    ``step_size`` past n/2 = 10 is a negative control (the radial map is unstable there).
    """
    worst = 0.0
    diverged = 0
    for act in ("relu", "linear"):
        res = _gd_run(budget, act, 16, step_size)
        u = np.where(res.a0 > 0, res.a0, 0.0) if act == "relu" else res.a0
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
         "d": 40, "n": 20},
    )


def check_gd_alignment(budget: Budget, predicted_ratio: float | None = None) -> CheckResult:
    """``gd.dense_aligned``: per seed, support = #initially active and cos = ||u||/||w_0||;
    over seeds, mean cos^2 = n/(2d) (relu) within a CLT band at level budget.alpha.

    E[cos^2] = n/(2d) exactly: a_i^2/||w_0||^2 has mean 1/d by exchangeability and its
    sign is independent of it.  ``predicted_ratio`` replaces n/(2d) (negative control).
    """
    seeds = budget.pick(200, 1000)
    res = _gd_run(budget, "relu", seeds)
    d_, n_ = 40, 20
    pos = res.a0 > 0
    exact_support = bool(np.all(res.support == pos.sum(axis=1)))
    r0 = np.sum(res.a0**2, axis=1) + res.perp0**2
    cos_pred = np.sqrt(np.sum(np.where(pos, res.a0, 0) ** 2, axis=1) / r0)
    cos_err = float(np.max(np.abs(res.alignment - cos_pred)))
    pred = n_ / (2 * d_) if predicted_ratio is None else predicted_ratio
    mean, lo, hi = mean_interval(res.alignment**2, budget.alpha)
    inside = lo <= pred <= hi
    return CheckResult(
        "full batch is dense and aligned", "simulation",
        _status(exact_support and cos_err <= 1e-8 and inside),
        f"per seed 1e-8 (float64); mean cos^2 in a CLT band at level {budget.alpha:.2g} "
        "(E[cos^2] = n/(2d) exactly: a_i^2/||w_0||^2 has mean 1/d by exchangeability, and "
        "its sign is independent of it, so the symbolic ratio of expectations is also the "
        "expectation of the ratio)",
        {"seeds": seeds, "support_equals_initially_positive": exact_support,
         "max_cos_error": cos_err, "mean_cos2": mean, "band": [lo, hi], "predicted": pred},
    )


@cache
def sparse_run(budget: Budget, schedule: str, batch_size: int = 1, step_size: float = 0.4,
               activation: str = "relu", seeds: int | None = None) -> SimulationResult:
    """The b < n runs shared by the sparsity, orthogonality and trace checks.

    Cached: the runs are deterministic (fixed root seed) and only read by the checks, so
    checks and mutants asking for the same run share one simulation.
    """
    n_seeds = seeds if seeds is not None else budget.pick(48, 500)
    steps = budget.pick(30000, 100000)
    return simulate(40, 20, batch_size, step_size, steps, n_seeds, schedule=schedule,
                    activation=activation, root_seed=ROOT, checkpoints=0)


def check_sparse_limit(budget: Budget, schedule: str = "random", batch_size: int = 1,
                       activation: str = "relu", winner_is_argmax: bool = False) -> CheckResult:
    """``sgd.sparse_limit`` + ``sgd.orthogonal``: b < n ends at x_k, k initially active.

    Per seed: support 1, loss gap <= 1e-9, the winner had a_k(0) > 0 (relu) and
    |cos(w_inf, w_0)| = |a_k(0)|/||w_0|| <= max_i |a_i(0)|/||w_0||.  ``batch_size`` = n
    (full batch) is a negative control: the limit is then dense.  ``winner_is_argmax``
    predicts |cos| = max_i |a_i(0)|/||w_0|| (the winner is not always the largest initial
    coordinate, so this wrong prediction must be rejected).
    """
    sched = "full" if batch_size == 20 else schedule
    # per-sample rate gamma = eta/b = 0.4 < 1/2 for every b < n (the stability bound);
    # at fixed gamma the escape time does not grow with b (walk.variance_scale)
    res = sparse_run(budget, sched, batch_size, activation=activation,
                     step_size=0.4 * batch_size if batch_size < 20 else 4.0)
    ok = res.diverged_at < 0
    support = res.support
    win = res.winner
    rows = np.arange(res.a0.shape[0])
    a0k = res.a0[rows, win]
    r0 = np.sqrt(np.sum(res.a0**2, axis=1) + res.perp0**2)
    active_at_init = a0k > 0 if activation == "relu" else np.ones_like(a0k, dtype=bool)
    cos_bound = np.max(np.abs(res.a0), axis=1) / r0
    cos_pred = cos_bound if winner_is_argmax else np.abs(a0k) / r0
    one_sparse = float(np.mean(support[ok] == 1)) if ok.any() else 0.0
    cos_err = float(np.max(np.abs(np.abs(res.alignment) - cos_pred)[ok])) if ok.any() else 1.0
    passed = (
        bool(ok.all()) and one_sparse == 1.0 and bool(np.all(active_at_init))
        and float(np.max(res.loss_gap)) <= 1e-9 and cos_err <= 1e-6
        and bool(np.all(np.abs(res.alignment[ok]) <= cos_bound[ok] + 1e-12))
    )
    return CheckResult(
        f"b < n ends 1-sparse ({sched}, b = {batch_size}, {activation})", "simulation",
        _status(passed),
        "every seed: support 1 (threshold 1e-6 relative), loss gap <= 1e-9, cos to 1e-6",
        {"seeds": int(ok.size), "diverged": int(np.sum(~ok)), "fraction_one_sparse": one_sparse,
         "max_loss_gap": float(np.max(res.loss_gap)),
         "winner_initially_active": bool(np.all(active_at_init)), "max_cos_error": cos_err,
         "mean_abs_cos": float(np.mean(np.abs(res.alignment))),
         "sqrt(2 log n / d)": math.sqrt(2 * math.log(20) / 40),
         "steps": int(res.params["steps"]), "step_size": float(res.params["step_size"])},
    )


def check_cyclic_classes(budget: Budget, n_: int = 6, batch_size: int = 4,
                         predicted_class_size: int | None = None) -> CheckResult:
    """``cyclic.blocks``: the cyclic limit is supported on exactly one gcd(b, n) class.

    ``predicted_class_size`` replaces gcd(b, n) (negative control: 1, as P7 says).
    """
    res = simulate(12, n_, batch_size, 0.3 * batch_size, budget.pick(20000, 40000), 16,
                   schedule="cyclic", root_seed=ROOT, checkpoints=0)
    classes = cyclic_classes(n_, batch_size)
    g = math.gcd(n_, batch_size) if predicted_class_size is None else predicted_class_size
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
        {"classes": classes, "gcd": math.gcd(n_, batch_size), "predicted_class_size": g,
         "supports": [sorted(s) for s in supports][:8], "all_within_one_class": all(in_one)},
    )


def check_dead_init(budget: Budget, predicted: float | None = None) -> CheckResult:
    """``relu.dead_init``: a dead start never moves; P(dead) = 2^-n within a Wilson interval.

    ``predicted`` replaces 2^-n (negative control).
    """
    n_, d_ = 3, 6
    draws = budget.pick(4000, 20000)
    a0, _, _ = initial_state(d_, n_, range(draws), root_seed=ROOT)
    dead = int(np.sum(np.all(a0 <= 0, axis=1)))
    lo, hi = proportion_interval(dead, draws, budget.alpha)
    p = 2.0**-n_ if predicted is None else predicted
    init = -np.abs(np.random.default_rng(ROOT).standard_normal(d_))
    init[n_:] = np.abs(init[n_:])
    res = simulate(d_, n_, 1, 0.4, 500, 4, init=init, root_seed=ROOT, checkpoints=0)
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
    res = simulate(6, 4, 1, 0.45, budget.pick(8000, 20000), 8, init=init, root_seed=ROOT,
                   checkpoints=0)
    s_final = np.sum(np.maximum(res.a, 0.0) ** 2, axis=1)
    gap = res.loss_gap
    if expect_global_minimum:
        ok = bool(np.all(np.abs(gap) <= 1e-9))
    else:
        ok = bool(np.all(s_final <= 1e-12) and np.all(np.abs(gap - 0.125) <= 1e-9))
    return CheckResult(
        "a relu start with r(0) > 2 can end on the dead set", "simulation", _status(ok),
        "1e-9 on the loss gap (float64); S <= 1e-12",
        {"r0": float(np.sum(np.square(LARGE_INIT)) + LARGE_INIT_PERP**2),
         "final_S": s_final.tolist(), "final_loss_gap": gap.tolist(),
         "predicted_gap": "1/8 (dead set)" if not expect_global_minimum else "0"},
    )


def check_trace_numeric(budget: Budget, trace_offset: float = 0.0) -> CheckResult:
    """``hessian.trace_at_min``: closed-form trace at simulated limits vs dense eigvalsh of
    the closed-form matrix and Hutchinson (finite differences of the gradient, 4 standard
    errors).  ``trace_offset`` shifts the formula (negative control)."""
    rows = []
    ok = True
    rng = np.random.default_rng(ROOT)
    trace_min = formulas.trace_at_min()
    for schedule, b_ in (("full", 20), ("random", 1)):
        res = sparse_run(budget, schedule, b_, 4.0 if b_ == 20 else 0.4, seeds=4)
        for k in range(res.a.shape[0]):
            a = np.where(np.abs(res.a[k]) > 1e-6 * np.abs(res.a[k]).max(), res.a[k], 0.0)
            w = embed(a, 0.0, 40)
            s_ = int(np.sum(a > 0))
            formula = float(trace_min(40, 20, s_)) + trace_offset
            eig = float(np.sum(np.linalg.eigvalsh(closed_form_matrix(w, 20))))
            hut = hutchinson_trace(w, 20, probes=64, rng=rng)
            good = abs(eig - formula) <= 1e-9 and hut.contains(formula)
            ok &= good
            rows.append({"schedule": schedule, "s": s_, "formula": formula, "eigvalsh": eig,
                         "hutchinson": hut.estimate, "hutchinson_se": hut.stderr})
    return CheckResult(
        "trace at simulated limits: formula vs eigvalsh vs Hutchinson", "simulation",
        _status(ok), "eigvalsh 1e-9 (float64); Hutchinson within 4 standard errors",
        {"cases": rows},
    )


def check_lambda_max(budget: Budget, predicted: float | None = None) -> CheckResult:
    """``hessian.spectrum_at_min`` (P5): lambda_max = 4/n at GD and SGD limits (eigvalsh)."""
    n_ = 20
    pred = 4 / n_ if predicted is None else predicted
    vals = []
    for schedule, b_ in (("full", 20), ("random", 1)):
        res = sparse_run(budget, schedule, b_, 4.0 if b_ == 20 else 0.4, seeds=4)
        for row in res.a:
            a = np.where(np.abs(row) > 1e-6 * np.abs(row).max(), row, 0.0)
            vals.append(float(np.max(np.linalg.eigvalsh(closed_form_matrix(embed(a, 0.0, 40),
                                                                             n_)))))
    err = float(np.max(np.abs(np.array(vals) - pred)))
    return CheckResult(
        "largest eigenvalue at GD and SGD limits", "simulation", _status(err <= 1e-9),
        "1e-9: float64 eigvalsh of a 40 x 40 matrix", {"lambda_max": vals, "predicted": pred},
    )


def check_trace_gap(budget: Budget, activation: str = "relu",
                    predicted_gap: str = "derived") -> CheckResult:
    """P4 / ``hessian.trace_at_min`` / ``hessian.linear_equal``: per seed, from the same w_0,
    tr(SGD limit) - tr(GD limit) = (|P+| - 1)/n (relu) or 0 (linear).

    ``predicted_gap="zero"`` or ``"derived"`` picks the prediction; a negative control passes
    the other one.
    """
    seeds = budget.pick(24, 100)
    gd = simulate(40, 20, 20, 4.0, 3000, seeds, schedule="full", activation=activation,
                  root_seed=ROOT, checkpoints=0)
    sgd = sparse_run(budget, "random", 1, 0.4, activation=activation, seeds=seeds)
    gap = sgd.hessian_trace - gd.hessian_trace
    if predicted_gap == "derived" and activation == "relu":
        pred = (np.sum(gd.a0 > 0, axis=1) - 1) / 20
    elif predicted_gap == "derived" or predicted_gap == "zero":
        pred = np.zeros(seeds)
    else:
        pred = (np.sum(gd.a0 > 0, axis=1) - 1) / 20
    same_init = bool(np.array_equal(gd.a0, sgd.a0))
    err = float(np.max(np.abs(gap - pred)))
    return CheckResult(
        f"trace gap SGD - GD from the same start ({activation})", "simulation",
        _status(same_init and err <= 1e-9),
        "1e-9: closed-form traces at the limit points (float64)",
        {"seeds": seeds, "same_initialisation": same_init, "max_abs_error": err,
         "mean_gap": float(np.mean(gap)), "mean_predicted": float(np.mean(pred)),
         "prediction": predicted_gap},
    )
