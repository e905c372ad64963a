"""Claims and checks of the random-walk module: SPEC ``walk.*`` and section 3 (Lamperti).

Registered into :mod:`proofs_check.claims` by :func:`claims` and :func:`mutants`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from numerics.walk import (
    empirical_log_ratio_increments,
    escape_fraction,
    lamperti_law,
    simulate_sgd_top_gap,
    simulate_walk,
)
from theory import dynamics, lamperti
from theory import walk as tw
from theory.gradients import sgd_step_map
from theory.symbols import S_B, Conventions, a_j, b, eta, gamma, n, p, r

from .oracles import symbolic as sym
from .registry import Check, Claim, Mutant
from .result import CheckResult
from .stats import Budget, proportion_interval

__all__ = ["claims", "mutants"]

RELU = Conventions("relu", 0)
ROOT = 20230803
# a fixed rational state: n = 5, coordinates active, r < 2
STATE = [sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 5), sp.Rational(1, 10),
         sp.Rational(2, 5)]


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


# ------------------------------------------------------------------------ log-ratio law
def _symbolic_cases() -> CheckResult:
    c = tw.log_ratio_increment_cases(RELU)
    cb = gamma * (2 - r) / (1 - gamma * S_B)
    return sym.check_expression(
        "D' - D in the four batch cases; move probability",
        sp.Tuple(c["j_only"], c["k_only"], c["both"], c["neither"], tw.move_probability()),
        sp.Tuple(sp.log(1 + cb), -sp.log(1 + cb), 0, 0, b * (n - b) / (n * (n - 1))),
    )


def _enumeration_law(predicted_p: Callable[[int, int], sp.Rational] | None = None
                     ) -> CheckResult:
    """Exact law over all batches: P(+) = P(-) = p, values +-log(1 + c_B)."""
    pred = predicted_p or (lambda nn, bb: sp.Rational(bb * (nn - bb), nn * (nn - 1)))
    rows = []
    ok = True
    for schedule in ("random", "replacement"):
        for b_ in (1, 2, 4):
            law = tw.log_ratio_increment_law(STATE, 0, 1, sp.Rational(1, 5), b_,
                                             schedule=schedule)
            up = sum((w for v, w in law.items() if v.is_positive), sp.Integer(0))
            down = sum((w for v, w in law.items() if v.is_negative), sp.Integer(0))
            expected = (pred(5, b_) if schedule == "random"
                        else _replacement_up_probability(5, b_))
            good = up == expected and down == expected
            ok &= good
            rows.append({"schedule": schedule, "b": b_, "P(+)": str(up), "P(-)": str(down),
                         "predicted": str(expected),
                         "P(j in B, k not in B)": str(
                             tw.move_probability(schedule).subs({n: 5, b: b_}))})
    law_full = tw.log_ratio_increment_law(STATE, 0, 1, sp.Rational(1, 5), 5)
    never = set(law_full) == {0}
    return CheckResult(
        "exact increment law by enumerating every batch (n = 5)", "exact-enumeration",
        _status(ok and never), "exact (Rationals)",
        {"cases": rows, "full_batch_never_moves": never},
    )


def _replacement_up_probability(n_: int, b_: int) -> sp.Rational:
    """P(count of j > count of k) for b i.i.d. uniform draws from n (multinomial sum).

    Under ``replacement`` D moves up whenever j is drawn more often than k, not only when
    j is drawn and k is not: for b >= 3 this exceeds (1 - 1/n)^b - (1 - 2/n)^b.
    """
    total = sp.Integer(0)
    for cj in range(b_ + 1):
        for ck in range(min(cj, b_ - cj + 1)):
            rest = b_ - cj - ck
            total += (sp.factorial(b_) / (sp.factorial(cj) * sp.factorial(ck) * sp.factorial(rest))
                      * sp.Rational(1, n_) ** (cj + ck) * sp.Rational(n_ - 2, n_) ** rest)
    return sp.nsimplify(total)


def _empirical_law(budget: Budget, shift: float = 0.0) -> CheckResult:
    """One-step increments of the engine: move frequencies within Wilson intervals."""
    draws = budget.pick(20000, 100000)
    a = np.array([float(x) for x in STATE])
    inc = empirical_log_ratio_increments(a, 0, 1, 0.6, 3, draws, root=ROOT)
    up, down = int(np.sum(inc > 1e-12)), int(np.sum(inc < -1e-12))
    p_ = 3 * 2 / (5 * 4) + shift
    lo_u, hi_u = proportion_interval(up, draws, budget.alpha / 2)
    lo_d, hi_d = proportion_interval(down, draws, budget.alpha / 2)
    return CheckResult(
        "engine's one-step log-ratio moves (n = 5, b = 3)", "simulation",
        _status(lo_u <= p_ <= hi_u and lo_d <= p_ <= hi_d),
        f"Wilson intervals at level {budget.alpha / 2:.2g} each (two proportions)",
        {"draws": draws, "up": up, "down": down, "predicted_p": p_,
         "up_interval": [lo_u, hi_u], "down_interval": [lo_d, hi_d]},
    )


# ------------------------------------------------------------------------------ top gap
def _top_gap_symbolic() -> CheckResult:
    return sym.check_expression(
        "G' - G at b = n (all active in the batch) and the full-batch ratio drift",
        sp.Tuple(tw.log_ratio_increment_cases(RELU)["both"], dynamics.gd_ratio_invariance()),
        sp.Tuple(0, 0))


def _top_gap_sim(budget: Budget, full_should_escape: bool = False) -> CheckResult:
    steps = budget.pick(20000, 40000)
    paths = budget.pick(64, 256)
    small = simulate_sgd_top_gap(10, 1, 0.3, steps, paths, root=ROOT)
    full = simulate_sgd_top_gap(10, 10, 0.3, steps, paths, schedule="full", root=ROOT)
    esc_small = small.summary()["escaped_fraction"]
    moved_full = full.summary()["moved_fraction"]
    esc_full = full.summary()["escaped_fraction"]
    ok = esc_small >= 0.99 and moved_full == 0.0
    if full_should_escape:
        ok = ok and esc_full >= 0.99
    return CheckResult(
        "top gap: escapes for b = 1, frozen for b = n (n = 10)", "simulation", _status(ok),
        "escape level log(10^6); b < n: at least 99% of paths escape; b = n: no path moves "
        "by more than 1e-9",
        {"paths": paths, "steps": steps, "escaped_fraction_b1": esc_small,
         "moved_fraction_full": moved_full, "escaped_fraction_full": esc_full},
    )


# ------------------------------------------------------------------------ outward drift
def _drift_monotone() -> CheckResult:
    proof = tw.f_increasing_proof()
    return CheckResult(
        "f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing", "symbolic",
        _status(bool(proof["positive"])), "exact (sign of a product of positive factors)",
        {k: str(v) for k, v in proof.items()})


def _drift_enumeration() -> CheckResult:
    """Exact drift = coupling form, and its sign is that of |a_j| - |a_k| (all pairs)."""
    worst = mpmath.mpf(0)
    signs_ok = True
    count = 0
    with mpmath.workdps(50):
        for b_ in (1, 2, 3):
            for j, k in itertools.permutations(range(5), 2):
                e = tw.exact_drift(STATE, j, k, sp.Rational(1, 5), b_)
                c = tw.coupling_drift(STATE, j, k, sp.Rational(1, 5), b_)
                worst = max(worst, abs(e - c))
                sign = int(bool(STATE[j] > STATE[k])) - int(bool(STATE[j] < STATE[k]))
                signs_ok &= int(e > 0) - int(e < 0) == sign
                count += 1
    return CheckResult(
        "exact drift (enumeration) = coupling form; outward sign", "exact-enumeration",
        _status(worst <= mpmath.mpf("1e-40") and signs_ok),
        "1e-40: two 50-digit evaluations of the same finite sum in different orders",
        {"pairs": count, "max_abs_difference": mpmath.nstr(worst, 5), "signs_ok": signs_ok})


def _drift_order(flip: bool = False) -> CheckResult:
    """Leading-order formula: the error of the gamma^2 and gamma^3 truncations shrinks like
    gamma^3 and gamma^4 (halving gamma divides them by about 8 and 16)."""
    exp = tw.drift_expansion()
    j, k, b_ = 0, 1, 2
    s_tot = sum(x**2 for x in STATE)
    rows = []
    errs2, errs3 = [], []
    with mpmath.workdps(50):
        for g in (sp.Rational(1, 1000), sp.Rational(1, 2000), sp.Rational(1, 4000)):
            exact = tw.exact_drift(STATE, j, k, g, b_)
            sub = {gamma: g, p: sp.Rational(b_ * 3, 20), a_j: STATE[j],
                   sp.Symbol("a_k", real=True): STATE[k], r: s_tot,
                   sp.Symbol("S", nonnegative=True): s_tot, n: 5, b: b_}
            sign = -1 if flip else 1
            o2 = sign * p * gamma**2 * exp["gamma2"]
            o3 = o2 + p * gamma**3 * exp["gamma3"]
            v2 = mpmath.mpf(str(sp.N(o2.subs(sub), 60)))
            v3 = mpmath.mpf(str(sp.N(o3.subs(sub), 60)))
            errs2.append(abs(exact - v2))
            errs3.append(abs(exact - v3))
            rows.append({"gamma": str(g), "exact": mpmath.nstr(exact, 10),
                         "order2": mpmath.nstr(v2, 10), "order3": mpmath.nstr(v3, 10)})
        r2 = [float(errs2[i] / errs2[i + 1]) for i in range(2)]
        r3 = [float(errs3[i] / errs3[i + 1]) for i in range(2)]
    ok = all(6 <= x <= 10 for x in r2) and all(12 <= x <= 20 for x in r3)
    return CheckResult(
        "drift expansion: truncation errors scale like gamma^3 and gamma^4", "high-precision",
        _status(ok), "error ratios under halving gamma in [6, 10] and [12, 20] (8 and 16 "
        "expected), 50 digits", {"cases": rows, "ratios_order2": r2, "ratios_order3": r3})


# --------------------------------------------------------------------- stability at x_k
def _stability_symbolic(claimed: sp.Expr | None = None) -> CheckResult:
    st = tw.stability_at_xk(RELU)
    want = p * sp.log(1 - gamma**2) if claimed is None else claimed
    return sym.check_expression("E[increment of log a_i] near x_k; radial multiplier",
                                sp.Tuple(st["expected_log_increment"], st["radial_multiplier"]),
                                sp.Tuple(want, 1 - 4 * gamma))


def _stability_enumeration(claimed_factor: int = 1) -> CheckResult:
    """Enumerate every batch at w = (1, eps, 0, ...) (n = 5, b = 2) with the step map in
    mpmath; E[log a_i'/a_i] -> p log(1 - gamma^2) as eps -> 0 (error O(eps^2))."""
    step = sgd_step_map(RELU)
    fin = sp.lambdify((a_j, r, S_B, gamma), step["in_batch"], modules=[
        {"Heaviside": lambda x, h: 1 if x > 0 else (h if x == 0 else 0)}, "mpmath"])
    fout = sp.lambdify((a_j, S_B, gamma), step["out_of_batch"], modules="mpmath")
    n_, b_ = 5, 2
    rows = []
    ok = True
    with mpmath.workdps(50):
        eps = mpmath.mpf("1e-12")
        for g in (mpmath.mpf("0.1"), mpmath.mpf("0.3")):
            a = [mpmath.mpf(1), eps] + [mpmath.mpf(0)] * (n_ - 2)
            rr = mpmath.fsum(x * x for x in a)
            total = mpmath.mpf(0)
            batches = list(itertools.combinations(range(n_), b_))
            for bt in batches:
                sb = mpmath.fsum(a[i] ** 2 for i in bt)
                new = fin(a[1], rr, sb, g) if 1 in bt else fout(a[1], sb, g)
                total += mpmath.log(new / a[1])
            mean = total / len(batches)
            p_ = mpmath.mpf(b_ * (n_ - b_)) / (n_ * (n_ - 1))
            want = claimed_factor * p_ * mpmath.log(1 - g**2) if claimed_factor == 1 else (
                p_ * mpmath.log(1 - claimed_factor * g**2))
            err = abs(mean - want)
            ok &= err <= mpmath.mpf("1e-18")
            rows.append({"gamma": mpmath.nstr(g, 3), "enumerated": mpmath.nstr(mean, 15),
                         "predicted": mpmath.nstr(want, 15)})
            # radial multiplier: d a_k'/d a_k at a_k = 1 with k in the batch, central difference
            h = mpmath.mpf("1e-20")

            def radial(x: Any, g: Any = g) -> Any:
                return fin(x, x * x, x * x, g)

            mult = (radial(1 + h) - radial(1 - h)) / (2 * h)
            ok &= abs(mult - (1 - 4 * g)) <= mpmath.mpf("1e-18")
            rows[-1]["radial_multiplier"] = mpmath.nstr(mult, 15)
    return CheckResult(
        "small coordinate near x_k: enumerated mean log-increment", "exact-enumeration",
        _status(ok), "1e-18: O(eps^2) with eps = 1e-12 at 50 digits; radial by central "
        "difference h = 1e-20", {"cases": rows})


# ------------------------------------------------------------------------ variance scale
def _variance_symbolic() -> CheckResult:
    v = tw.variance_scale()
    return sym.check_expression("variance of D near the minimum", sp.Tuple(v["variance"],
                                v["in_eta"]), sp.Tuple(2 * p * gamma**2,
                                2 * eta**2 * (n - b) / (b * n * (n - 1))))


def _variance_enumeration(factor: int = 2) -> CheckResult:
    """Exact variance of D for two small coordinates next to a winner (n = 6): the ratio
    to factor * p gamma^2 tends to 1 as gamma -> 0 (a leading-order statement)."""
    rows = []
    ratios = []
    state = [sp.Rational(999, 1000), sp.Rational(1, 100), sp.Rational(1, 200),
             sp.Rational(1, 300), sp.Rational(1, 400), sp.Rational(1, 500)]
    b_ = 2
    p_ = sp.Rational(b_ * (6 - b_), 30)
    with mpmath.workdps(30):
        for g in (sp.Rational(1, 100), sp.Rational(1, 1000)):
            law = tw.log_ratio_increment_law(state, 1, 2, g, b_)
            mean = mpmath.fsum(mpmath.mpf(w.p) / w.q * mpmath.mpf(str(sp.N(v, 40)))
                               for v, w in law.items())
            var = mpmath.fsum(mpmath.mpf(w.p) / w.q * (mpmath.mpf(str(sp.N(v, 40))) - mean) ** 2
                              for v, w in law.items())
            ratio = var / (factor * mpmath.mpf(p_.p) / p_.q * (mpmath.mpf(g.p) / g.q) ** 2)
            ratios.append(float(ratio))
            rows.append({"gamma": str(g), "variance": mpmath.nstr(var, 10),
                         "ratio_to_prediction": mpmath.nstr(ratio, 8)})
    ok = abs(ratios[0] - 1) <= 0.05 and abs(ratios[1] - 1) <= 0.01
    return CheckResult(
        "exact variance of D near the minimum vs 2 p gamma^2", "exact-enumeration",
        _status(ok), "leading order: |ratio - 1| <= 5 gamma (0.05 at gamma = 0.01, 0.01 at 0.001)",
        {"cases": rows})


# ------------------------------------------------------------------------------ Lamperti
GRID = (-1.5, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 0.6, 1.5)


def _lamperti_expected(c: float, s2: float = 1.0) -> str:
    if 2 * c > s2:
        return "transient"
    if 2 * c < -s2:
        return "positive-recurrent"
    return "null-recurrent"


def _lamperti_symbolic(flip: bool = False) -> CheckResult:
    rows = []
    ok = True
    for c in GRID:
        cc = sp.nsimplify(-c if flip else c)
        mu1, mu2, x = lamperti.lamperti_family(cc, 1)
        got = lamperti.classify_lamperti(mu1, mu2, x).classification
        ok &= got == _lamperti_expected(c)
        rows.append({"c": c, "classification": got, "expected": _lamperti_expected(c)})
    return CheckResult("Lamperti criterion for mu_1 = c/x, mu_2 = 1 (incl. both critical "
                       "lines)", "symbolic", _status(ok), "exact limits (SymPy)", {"grid": rows})


def _birth_death_series() -> CheckResult:
    rows = []
    ok = True
    for c in GRID:
        if abs(c) >= 1:
            continue  # p_x = 1/2 + c/(2x) leaves (0, 1) too often for |c| >= 1
        x = sp.Symbol("x", positive=True)
        got = lamperti.classify_birth_death(sp.Rational(1, 2) + sp.nsimplify(c) / (2 * x), x,
                                            closed_form=False).classification
        ok &= got == _lamperti_expected(c)
        rows.append({"c": c, "classification": got, "expected": _lamperti_expected(c)})
    return CheckResult("birth-death chain p_x = 1/2 + c/(2x): exact series tests",
                       "exact-enumeration", _status(ok),
                       "exact (ratio / Raabe / Bertrand tests on the series terms)",
                       {"grid": rows})


def _lamperti_sim(budget: Budget) -> CheckResult:
    paths = budget.pick(400, 2000)
    steps = budget.pick(3000, 10000)
    out = {}
    for c in (-0.6, 0.0, 0.6):
        res = simulate_walk(lamperti_law(c, 1.0), 1.0, steps, paths, root=ROOT,
                            stop_level=60.0)
        out[c] = escape_fraction(res, confidence=1 - budget.alpha / 3)
    lo = {c: v["ci_low"] for c, v in out.items()}
    hi = {c: v["ci_high"] for c, v in out.items()}
    ordered = hi[-0.6] < lo[0.0] and hi[0.0] < lo[0.6]
    return CheckResult(
        "escape fractions ordered positive-recurrent < null-recurrent < transient",
        "simulation", _status(ordered),
        f"disjoint Wilson intervals at level {budget.alpha / 3:.2g} each (three proportions)",
        {"paths": paths, "steps": steps, "stop_level": 60.0,
         "escape": {str(c): v for c, v in out.items()}}, )


# --------------------------------------------------------------------------- registry
CHECKS: dict[str, Check] = {}


def _c(name: str, oracle: str, fn: Callable[[Budget], CheckResult],
       statistical: bool = False) -> Check:
    CHECKS[name] = Check(name, oracle, fn, statistical)
    return CHECKS[name]


def _k(fn: Callable[[], CheckResult]) -> Callable[[Budget], CheckResult]:
    return lambda _b: fn()


_c("walk: increment cases and move probability (symbolic)", "symbolic", _k(_symbolic_cases))
_c("walk: exact law by enumerating batches", "exact-enumeration", _k(_enumeration_law))
_c("walk: engine's one-step moves in Wilson bands", "simulation", _empirical_law,
   statistical=True)
_c("walk: G frozen at b = n (symbolic)", "symbolic", _k(_top_gap_symbolic))
_c("walk: top gap escapes for b < n, frozen for b = n", "simulation", _top_gap_sim)
_c("walk: f increasing (coupling)", "symbolic", _k(_drift_monotone))
_c("walk: exact drift = coupling form, outward sign", "exact-enumeration",
   _k(_drift_enumeration))
_c("walk: drift expansion order", "high-precision", _k(_drift_order))
_c("walk: stability at x_k (symbolic)", "symbolic", _k(_stability_symbolic))
_c("walk: stability at x_k (enumeration)", "exact-enumeration", _k(_stability_enumeration))
_c("walk: variance scale (symbolic)", "symbolic", _k(_variance_symbolic))
_c("walk: variance scale (enumeration)", "exact-enumeration", _k(_variance_enumeration))
_c("Lamperti: criterion on a grid of c", "symbolic", _k(_lamperti_symbolic))
_c("Lamperti: birth-death exact series", "exact-enumeration", _k(_birth_death_series))
_c("Lamperti: escape fractions ordered (simulation)", "simulation", _lamperti_sim,
   statistical=True)

IDS = {
    "walk.log_ratio": ["walk: increment cases and move probability (symbolic)",
                       "walk: exact law by enumerating batches",
                       "walk: engine's one-step moves in Wilson bands"],
    "walk.move_probability": ["walk: increment cases and move probability (symbolic)",
                              "walk: exact law by enumerating batches"],
    "walk.top_gap": ["walk: G frozen at b = n (symbolic)",
                     "walk: top gap escapes for b < n, frozen for b = n"],
    "walk.outward_drift": ["walk: f increasing (coupling)",
                           "walk: exact drift = coupling form, outward sign",
                           "walk: drift expansion order"],
    "walk.stability_at_xk": ["walk: stability at x_k (symbolic)",
                             "walk: stability at x_k (enumeration)"],
    "walk.variance_scale": ["walk: variance scale (symbolic)",
                            "walk: variance scale (enumeration)"],
    "lamperti.criterion": ["Lamperti: criterion on a grid of c",
                           "Lamperti: birth-death exact series",
                           "Lamperti: escape fractions ordered (simulation)"],
}


def _key_top_gap(rs: list[CheckResult]) -> str:
    ev = rs[1].evidence
    return (f"escaped {ev['escaped_fraction_b1']:.0%} (b=1), "
            f"moved {ev['moved_fraction_full']:.0%} (b=n)")


KEYS: dict[str, Callable[[list[CheckResult]], str]] = {
    "walk.top_gap": _key_top_gap,
    "walk.log_ratio": lambda rs: f"P(+) {rs[2].evidence['up'] / rs[2].evidence['draws']:.3f}"
                                 f" vs p = {rs[2].evidence['predicted_p']:.3f}",
}


def claims(derived: Callable[..., Claim], _shared: dict[str, Check]) -> list[Claim]:
    out = []
    for cid, names in IDS.items():
        caveat = ""
        if cid == "walk.variance_scale":
            caveat = ("Heuristic, leading order in gamma: near b = n the move probability "
                      "2p vanishes and sparsification can need very many steps.")
        out.append(derived(cid, [], caveat=caveat, key=KEYS.get(cid)))
        out[-1] = _with_checks(out[-1], [CHECKS[nm] for nm in names])
    return out


def _with_checks(claim: Claim, checks: list[Check]) -> Claim:
    from dataclasses import replace

    return replace(claim, checks=tuple(checks))


def mutants() -> list[Mutant]:
    return [
        Mutant("walk.p_without_n_minus_1", "walk.log_ratio", "p = b(n - b)/n^2",
               _k(lambda: _enumeration_law(lambda nn, bb: sp.Rational(bb * (nn - bb), nn**2)))),
        Mutant("walk.empirical_p_shifted", "walk.log_ratio", "p + 0.05",
               partial(_empirical_law, shift=0.05)),
        Mutant("walk.move_probability_b_over_n", "walk.move_probability", "p = b/n",
               _k(lambda: _enumeration_law(lambda nn, bb: sp.Rational(bb, nn)))),
        Mutant("walk.full_batch_escapes", "walk.top_gap", "require escape at b = n too",
               partial(_top_gap_sim, full_should_escape=True)),
        Mutant("walk.drift_sign_flipped", "walk.outward_drift", "gamma^2 term with sign flipped",
               _k(lambda: _drift_order(flip=True))),
        Mutant("walk.stability_2gamma2", "walk.stability_at_xk", "p log(1 - 2 gamma^2)",
               _k(lambda: _stability_enumeration(claimed_factor=2))),
        Mutant("walk.stability_symbolic_wrong", "walk.stability_at_xk", "p log(1 - gamma)",
               _k(lambda: _stability_symbolic(p * sp.log(1 - gamma)))),
        Mutant("walk.variance_4p", "walk.variance_scale", "variance 4 p gamma^2",
               _k(lambda: _variance_enumeration(factor=4))),
        Mutant("lamperti.drift_sign_flipped", "lamperti.criterion", "c/x with c -> -c",
               _k(lambda: _lamperti_symbolic(flip=True))),
    ]

