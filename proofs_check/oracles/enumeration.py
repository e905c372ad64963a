"""Exact-enumeration oracle: finite objects enumerated completely, compared exactly.

Every batch of a schedule, every activation pattern, every pair of coordinates or every
case of a finite grid is visited; sums are exact (Rationals) or evaluated at 50 digits
where logarithms enter.  A check names what it enumerated and how many cases.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import sympy as sp

from numerics.compile import compile
from theory import dynamics, lamperti, stationary
from theory import walk as theory_walk
from theory.conventions import RELU, Conventions
from theory.gradients import sgd_step_map
from theory.symbols import S_B, a_j, b, gamma, n, r

from ..result import CheckResult
from .symbolic import LAMPERTI_GRID, lamperti_expected

__all__ = [
    "STATE",
    "birth_death_series",
    "cyclic_classes",
    "drift_is_coupling_form",
    "fixed_points",
    "log_ratio_law",
    "replacement_up_probability",
    "stability_at_xk",
    "stationary_points",
    "variance_near_minimum",
]

STATE = (sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 5), sp.Rational(1, 10),
         sp.Rational(2, 5))
"""A fixed rational state for the walk enumerations: n = 5, every coordinate active, r < 2."""


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def stationary_points(conventions: Conventions,
                      dims: Sequence[tuple[int, int]] = ((2, 2), (3, 2)),
                      expected_min: sp.Expr | None = None) -> CheckResult:
    """``minima.set`` / ``stationary.other`` over every activation pattern (small d, n).

    ``expected_min`` (an expression in n) replaces the minimum value the points are
    compared with.
    """
    rows = []
    bad = 0
    for d_, n_ in dims:
        em = None if expected_min is None else expected_min.subs(n, n_)
        found = stationary.exhaustive_check(d_, n_, conventions, expected_min=em)
        bad += len(found["other"])
        rows.append({"d": d_, "n": n_, "minima": found["minimum"], "dead": found["dead"],
                     "other": len(found["other"])})
    return CheckResult(
        "stationary points over all activation patterns", "exact-enumeration",
        "fail" if bad else "pass", "exact (SymPy solve of the polynomial system per pattern)",
        {"cases": rows, "conventions": list(conventions.tags())},
        "every solution of grad L = 0 is a global minimum (S = r = 1) or has S = 0",
    )


def fixed_points(max_fixed_support: int = 1) -> CheckResult:
    """``sgd.fixed_points``: at minima with support s, enumerate every batch (n = 5) and
    find whether all batch gradients vanish; claimed: iff s = 1 (for every b < n)."""
    rows = []
    ok = True
    n_ = 5
    comp = dynamics.batch_gradient_coefficients_at_min()
    for b_ in range(1, n_):
        for s_ in range(1, n_ + 1):
            w = [sp.Integer(1) if i < s_ else sp.Integer(0) for i in range(n_)]
            norm = sp.sqrt(sum(x**2 for x in w))
            w = [x / norm for x in w]
            all_zero = True
            for batch in itertools.combinations(range(n_), b_):
                sb = sum((w[i] ** 2 for i in batch), sp.Integer(0))
                for j in range(n_):
                    coef = comp["in_batch"] if j in batch else comp["out_of_batch"]
                    if sp.simplify(w[j] * coef.subs(S_B, sb)):
                        all_zero = False
            expected = s_ <= max_fixed_support
            ok &= all_zero == expected
            rows.append({"b": b_, "s": s_, "every_batch_gradient_zero": all_zero})
    return CheckResult(
        "every batch gradient vanishes at an s-sparse minimum iff s = 1 (n = 5, all b < n)",
        "exact-enumeration", _status(ok), "exact (enumeration of all batches)",
        {"cases": rows, "claimed_max_fixed_support": max_fixed_support})


def cyclic_classes(predicted: Callable[[int, int], int] | None = None) -> CheckResult:
    """``cyclic.blocks``: the classes of the cyclic schedule have gcd(b, n) members, for
    every 1 <= b <= n <= 12 (one full period of batches each)."""
    pred: Callable[[int, int], int] = math.gcd if predicted is None else predicted
    bad = []
    count = 0
    for n_ in range(1, 13):
        for b_ in range(1, n_ + 1):
            count += 1
            classes = dynamics.cyclic_classes(n_, b_)
            if any(len(c) != pred(n_, b_) for c in classes):
                bad.append([n_, b_])
    return CheckResult("cyclic classes vs gcd(b, n)", "exact-enumeration",
                       "fail" if bad else "pass", "exact (one full period of batches)",
                       {"pairs": count, "mismatches": bad[:10]})


def replacement_up_probability(n_: int, b_: int) -> sp.Rational:
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
    return sp.Rational(total)


def log_ratio_law(predicted_p: Callable[[int, int], sp.Rational] | None = None
                  ) -> CheckResult:
    """``walk.log_ratio``: the exact law over all batches (n = 5): P(+) = P(-) = p with
    values +-log(1 + c_B); under ``replacement`` P(+) is the multinomial count."""
    pred = predicted_p or (lambda nn, bb: sp.Rational(bb * (nn - bb), nn * (nn - 1)))
    rows = []
    ok = True
    for schedule in ("random", "replacement"):
        for b_ in (1, 2, 4):
            law = theory_walk.log_ratio_increment_law(list(STATE), 0, 1, sp.Rational(1, 5), b_,
                                                      schedule=schedule)
            up = sum((w for v, w in law.items() if v.is_positive), sp.Integer(0))
            down = sum((w for v, w in law.items() if v.is_negative), sp.Integer(0))
            expected = (pred(5, b_) if schedule == "random"
                        else replacement_up_probability(5, b_))
            good = up == expected and down == expected
            ok &= good
            rows.append({"schedule": schedule, "b": b_, "P(+)": str(up), "P(-)": str(down),
                         "predicted": str(expected),
                         "P(j in B, k not in B)": str(
                             theory_walk.move_probability(schedule).subs({n: 5, b: b_}))})
    law_full = theory_walk.log_ratio_increment_law(list(STATE), 0, 1, sp.Rational(1, 5), 5)
    never = set(law_full) == {0}
    return CheckResult(
        "exact increment law by enumerating every batch (n = 5)", "exact-enumeration",
        _status(ok and never), "exact (Rationals)",
        {"cases": rows, "full_batch_never_moves": never},
    )


def drift_is_coupling_form() -> CheckResult:
    """``walk.outward_drift``: exact drift (enumeration) = the coupling form, and its sign
    is that of |a_j| - |a_k|, for every ordered pair of the fixed state and b = 1, 2, 3."""
    worst = mpmath.mpf(0)
    signs_ok = True
    count = 0
    with mpmath.workdps(50):
        for b_ in (1, 2, 3):
            for j, k in itertools.permutations(range(5), 2):
                e = theory_walk.exact_drift(list(STATE), j, k, sp.Rational(1, 5), b_)
                c = theory_walk.coupling_drift(list(STATE), j, k, sp.Rational(1, 5), b_)
                worst = max(worst, abs(e - c))
                sign = int(bool(STATE[j] > STATE[k])) - int(bool(STATE[j] < STATE[k]))
                signs_ok &= int(e > 0) - int(e < 0) == sign
                count += 1
    return CheckResult(
        "exact drift (enumeration) = coupling form; outward sign", "exact-enumeration",
        _status(worst <= mpmath.mpf("1e-40") and signs_ok),
        "1e-40: two 50-digit evaluations of the same finite sum in different orders",
        {"pairs": count, "max_abs_difference": mpmath.nstr(worst, 5), "signs_ok": signs_ok})


def _radial_check(fin: Callable[..., Any], g: Any) -> Any:
    """d a_k'/d a_k at a_k = 1 (k in the batch, w = a_k x_k) by a central difference."""
    h = mpmath.mpf("1e-20")

    def radial(x: Any) -> Any:
        return fin(x, x * x, x * x, g)

    return (radial(1 + h) - radial(1 - h)) / (2 * h)


def stability_at_xk(claimed_factor: int = 1) -> CheckResult:
    """``walk.stability_at_xk``: enumerate every batch at w = (1, eps, 0, ...) (n = 5, b = 2)
    with the step map in mpmath; E[log a_i'/a_i] -> p log(1 - gamma^2) as eps -> 0 (error
    O(eps^2)), and the radial multiplier at x_k is 1 - 4 gamma.

    ``claimed_factor`` c replaces the claim by p log(1 - c gamma^2).
    """
    step = sgd_step_map(RELU)
    fin = compile(step["in_batch"], (a_j, r, S_B, gamma), "mpmath")
    fout = compile(step["out_of_batch"], (a_j, S_B, gamma), "mpmath")
    n_, b_ = 5, 2
    rows = []
    ok = True
    with mpmath.workdps(50):
        eps = mpmath.mpf("1e-12")
        for g in (mpmath.mpf("0.1"), mpmath.mpf("0.3")):
            a = [mpmath.mpf(1), eps] + [mpmath.mpf(0)] * (n_ - 2)
            rr = mpmath.fsum(x * x for x in a)
            batches = list(itertools.combinations(range(n_), b_))
            total = mpmath.mpf(0)
            for bt in batches:
                sb = mpmath.fsum(a[i] ** 2 for i in bt)
                new = fin(a[1], rr, sb, g) if 1 in bt else fout(a[1], sb, g)
                total += mpmath.log(new / a[1])
            mean = total / len(batches)
            p_ = mpmath.mpf(b_ * (n_ - b_)) / (n_ * (n_ - 1))
            want = p_ * mpmath.log(1 - claimed_factor * g**2)
            mult = _radial_check(fin, g)
            ok &= abs(mean - want) <= mpmath.mpf("1e-18")
            ok &= abs(mult - (1 - 4 * g)) <= mpmath.mpf("1e-18")
            rows.append({"gamma": mpmath.nstr(g, 3), "enumerated": mpmath.nstr(mean, 15),
                         "predicted": mpmath.nstr(want, 15),
                         "radial_multiplier": mpmath.nstr(mult, 15)})
    return CheckResult(
        "small coordinate near x_k: enumerated mean log-increment", "exact-enumeration",
        _status(ok), "1e-18: O(eps^2) with eps = 1e-12 at 50 digits; radial by central "
        "difference h = 1e-20", {"cases": rows})


def variance_near_minimum(factor: int = 2) -> CheckResult:
    """``walk.variance_scale``: the exact variance of D for two small coordinates next to a
    winner (n = 6, b = 2): its ratio to factor p gamma^2 tends to 1 as gamma -> 0."""
    rows = []
    ratios = []
    state = [sp.Rational(999, 1000), sp.Rational(1, 100), sp.Rational(1, 200),
             sp.Rational(1, 300), sp.Rational(1, 400), sp.Rational(1, 500)]
    b_ = 2
    p_ = theory_walk.move_probability("random").subs({n: 6, b: b_})
    with mpmath.workdps(30):
        for g in (sp.Rational(1, 100), sp.Rational(1, 1000)):
            law = theory_walk.log_ratio_increment_law(state, 1, 2, g, b_)
            vals = [(mpmath.mpf(w.p) / w.q, mpmath.mpf(str(sp.N(v, 40)))) for v, w in law.items()]
            mean = mpmath.fsum(w * v for w, v in vals)
            var = mpmath.fsum(w * (v - mean) ** 2 for w, v in vals)
            ratio = var / (factor * mpmath.mpf(p_.p) / p_.q * (mpmath.mpf(g.p) / g.q) ** 2)
            ratios.append(float(ratio))
            rows.append({"gamma": str(g), "variance": mpmath.nstr(var, 10),
                         "ratio_to_prediction": mpmath.nstr(ratio, 8)})
    ok = abs(ratios[0] - 1) <= 0.05 and abs(ratios[1] - 1) <= 0.01
    return CheckResult(
        "exact variance of D near the minimum vs 2 p gamma^2", "exact-enumeration",
        _status(ok), "leading order: |ratio - 1| <= 5 gamma (0.05 at gamma = 0.01, 0.01 at 0.001)",
        {"cases": rows})


def birth_death_series() -> CheckResult:
    """``lamperti.criterion``: the birth-death chain p_x = 1/2 + c/(2x) classified by its exact
    series (|c| < 1 on the Lamperti grid), against the 2c vs +-1 thresholds."""
    rows = []
    ok = True
    x = sp.Symbol("x", positive=True)
    for c in LAMPERTI_GRID:
        if abs(c) >= 1:
            continue  # p_x = 1/2 + c/(2x) leaves (0, 1) too often for |c| >= 1
        got = lamperti.classify_birth_death(sp.Rational(1, 2) + sp.nsimplify(c) / (2 * x), x,
                                            closed_form=False).classification
        ok &= got == lamperti_expected(c)
        rows.append({"c": c, "classification": got, "expected": lamperti_expected(c)})
    return CheckResult("birth-death chain p_x = 1/2 + c/(2x): exact series tests",
                       "exact-enumeration", _status(ok),
                       "exact (ratio / Raabe / Bertrand tests on the series terms)",
                       {"grid": rows})
