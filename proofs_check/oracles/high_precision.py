"""High-precision oracle: closed forms against finite differences of the loss definition.

The loss is evaluated *from its definition*, L = (1/n) sum_i 1/2 ||w sigma(w_i) - e_i||^2,
in mpmath at 50 significant digits (scoped with ``mp.workdps``), at random rational points
drawn from a seeded ``random.Random``.  The closed forms come from :mod:`theory`.

Tolerances (stated in every result):

* gradient, central difference with step h = 1e-15: truncation <= h^2 M_3 / 6 (about
  1e-29 for |w| <= 2) and rounding <= 10^-dps / h (1e-35): tolerance 1e-24.
* Hessian, second differences with h = 1e-12: truncation about h^2 M_4 (1e-23) and
  rounding 10^-dps / h^2 (1e-26): tolerance 1e-18.
* Points keep every data coordinate at least 0.05 away from the relu kink, so no
  difference stencil crosses it; at a minimum the zero coordinates sit on the kink and are
  differenced one-sidedly from below (the inactive side), which is what relu'(0) = 0 means.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from numerics.compile import compile
from theory import walk as theory_walk
from theory.conventions import RELU, Conventions
from theory.gradients import per_sample_gradient_coefficients
from theory.hessian import closed_form_matrix, hessian_trace, trace_at_min
from theory.model import reduced_loss
from theory.symbols import S, a_i, a_j, a_k, b, d, gamma, m, n, p, r, s

from ..result import CheckResult
from .enumeration import STATE

__all__ = [
    "check_gradient_fd",
    "check_hessian_fd",
    "check_loss_reduced",
    "check_trace_at_min_fd",
    "dead_set_fd",
    "drift_expansion_order",
    "fd_gradient",
    "kink_fd",
    "loss_by_definition",
    "random_point",
]

GRAD_STEP, GRAD_TOL = mpmath.mpf("1e-15"), mpmath.mpf("1e-24")
HESS_STEP, HESS_TOL = mpmath.mpf("1e-12"), mpmath.mpf("1e-18")
DPS = 50


def _mpmath(args: tuple[sp.Symbol, ...], expr: sp.Expr) -> Callable[..., Any]:
    return compile(expr, args, "mpmath")


def loss_by_definition(w: Sequence[Any], n_: int, conventions: Conventions) -> Any:
    """L(w) from the definition, in the current mpmath precision (no reduced formula)."""
    total = mpmath.mpf(0)
    for i in range(n_):
        a = w[i]
        sig = a if (not conventions.is_relu or a > 0) else mpmath.mpf(0)
        for mm, wm in enumerate(w):
            total += (wm * sig - (1 if mm == i else 0)) ** 2 / 2
    return total / n_


def random_point(rng: random.Random, d_: int, n_: int, margin: Fraction = Fraction(1, 20)
                 ) -> list[Fraction]:
    """A random rational point with |w_i| in [margin, 2] for data coordinates i < n."""
    out = []
    for i in range(d_):
        val = Fraction(rng.randint(-2000, 2000), 1000)
        if i < n_ and abs(val) < margin:
            val = margin if val >= 0 else -margin
        out.append(val)
    return out


def fd_gradient(w: Sequence[Any], n_: int, conventions: Conventions) -> list[Any]:
    """Central differences (step ``GRAD_STEP``) of :func:`loss_by_definition` at w."""
    out = []
    for mm in range(len(w)):
        wp, wn = list(w), list(w)
        wp[mm] += GRAD_STEP
        wn[mm] -= GRAD_STEP
        up, down = loss_by_definition(wp, n_, conventions), loss_by_definition(wn, n_, conventions)
        out.append((up - down) / (2 * GRAD_STEP))
    return out


def _mp(x: Fraction) -> Any:
    return mpmath.mpf(x.numerator) / x.denominator


def check_loss_reduced(conventions: Conventions, points: int = 20, seed: int = 0,
                       loss_expr: sp.Expr | None = None) -> CheckResult:
    """``loss.coordinates`` in exact rationals: reduced form vs the definition.

    Exact: both sides are rational at rational points, so they must be equal.
    """
    expr = reduced_loss() if loss_expr is None else loss_expr
    rng = random.Random(seed)
    worst = Fraction(0)
    for _ in range(points):
        n_ = rng.randint(1, 5)
        d_ = n_ + rng.randint(0, 3)
        w = random_point(rng, d_, n_)
        sig = [(x if (not conventions.is_relu or x > 0) else Fraction(0)) for x in w[:n_]]
        definition = Fraction(0)
        for i in range(n_):
            for mm in range(d_):
                definition += (w[mm] * sig[i] - (1 if mm == i else 0)) ** 2 / 2
        definition /= n_
        reduced = expr.subs({r: sp.Rational(sum(x * x for x in w)),
                             S: sp.Rational(sum(x * x for x in sig)), n: n_})
        diff = abs(Fraction(str(sp.Rational(reduced))) - definition)
        worst = max(worst, diff)
    status = "pass" if worst == 0 else "fail"
    return CheckResult(
        "reduced loss vs definition at rational points", "high-precision", status, "exact",
        {"points": points, "max_abs_difference": str(worst), "seed": seed},
        "exact rational arithmetic at random points (d <= 8, n <= 5)",
    )


def check_gradient_fd(conventions: Conventions, points: int = 4, seed: int = 0,
                      coefficients: tuple[sp.Expr, sp.Expr] | None = None) -> CheckResult:
    """``grad.per_sample``: the closed-form gradient vs central differences at 50 digits."""
    cw, cx = per_sample_gradient_coefficients(conventions) if coefficients is None else coefficients
    fw, fx = _mpmath((a_i, r), cw), _mpmath((a_i, r), cx)
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(DPS):
        for _ in range(points):
            n_ = rng.randint(1, 4)
            d_ = n_ + rng.randint(0, 2)
            w = [_mp(x) for x in random_point(rng, d_, n_)]
            rr = mpmath.fsum(x * x for x in w)
            closed = [mpmath.mpf(0)] * d_
            for i in range(n_):
                c_w, c_x = fw(w[i], rr), fx(w[i], rr)
                for mm in range(d_):
                    closed[mm] += c_w * w[mm] / n_
                closed[i] += c_x / n_
            fd = fd_gradient(w, n_, conventions)
            worst = max(worst, *(abs(fd[mm] - closed[mm]) for mm in range(d_)))
    status = "pass" if worst <= GRAD_TOL else "fail"
    return CheckResult(
        "gradient vs central differences of the loss definition", "high-precision", status,
        f"{mpmath.nstr(GRAD_TOL, 3)}: h = 1e-15 at {DPS} digits (truncation ~1e-29, rounding "
        "~1e-35)",
        {"points": points, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed},
    )


def _second_difference(f: Callable[[list[Any]], Any], w: list[Any], i: int, j: int,
                       h: Any, one_sided: bool = False) -> Any:
    def at(di: int, dj: int) -> Any:
        x = list(w)
        x[i] += di * h
        x[j] += dj * h
        return f(x)

    if i == j:
        if one_sided:  # backward stencil: f(x) - 2 f(x - h) + f(x - 2h), O(h) accurate
            return (at(0, 0) - 2 * at(-1, 0) + at(-2, 0)) / h**2
        x_p, x_m = list(w), list(w)
        x_p[i] += h
        x_m[i] -= h
        return (f(x_p) - 2 * f(w) + f(x_m)) / h**2
    return (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h**2)


def check_hessian_fd(
    conventions: Conventions, points: int = 2, seed: int = 0,
    hessian_fn: Callable[[sp.Matrix, int, Conventions], sp.Matrix] | None = None,
) -> CheckResult:
    """``hessian.closed_form``: exact closed form at rational w vs second differences."""
    build = closed_form_matrix if hessian_fn is None else hessian_fn
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(DPS):
        for _ in range(points):
            n_ = rng.randint(1, 3)
            d_ = n_ + rng.randint(0, 2)
            wq = random_point(rng, d_, n_)
            closed = build(sp.Matrix([sp.Rational(x.numerator, x.denominator) for x in wq]),
                           n_, conventions)
            w = [_mp(x) for x in wq]

            def f(x: list[Any], n_: int = n_) -> Any:
                return loss_by_definition(x, n_, conventions)

            for i in range(d_):
                for j in range(i, d_):
                    fd = _second_difference(f, w, i, j, HESS_STEP)
                    exact = mpmath.mpf(sp.Rational(closed[i, j]).p) / sp.Rational(closed[i, j]).q
                    worst = max(worst, abs(fd - exact))
    status = "pass" if worst <= HESS_TOL else "fail"
    return CheckResult(
        "closed-form Hessian vs second differences of the loss definition", "high-precision",
        status,
        f"{mpmath.nstr(HESS_TOL, 3)}: h = 1e-12 at {DPS} digits (truncation ~1e-23, rounding "
        "~1e-26)",
        {"points": points, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed},
    )


def random_sparse_minimum(rng: random.Random, d_: int, n_: int, s_: int, conventions: Conventions
                          ) -> list[Any]:
    """A unit vector with s nonzero data coordinates (positive for relu), in mpmath."""
    support = rng.sample(range(n_), s_)
    w = [mpmath.mpf(0)] * d_
    for i in support:
        mag = mpmath.mpf(rng.randint(100, 1000)) / 1000
        sign = 1 if conventions.is_relu or rng.random() < 0.5 else -1
        w[i] = sign * mag
    norm = mpmath.sqrt(mpmath.fsum(x * x for x in w))
    return [x / norm for x in w]


def check_trace_at_min_fd(conventions: Conventions, cases: int = 6, seed: int = 0,
                          trace_expr: sp.Expr | None = None) -> CheckResult:
    """``hessian.trace_at_min``: the trace formula vs finite differences at s-sparse minima.

    Relu (relu'(0) = 0): formula (d - s + 4)/n.  Linear: the general trace with m = n
    active, (d - n + 4)/n, whatever s is.  Zero data coordinates of a relu minimum are on
    the kink and differenced one-sidedly from below (the inactive side) with an O(h)
    stencil, h = 1e-12, so there the error is about 1e-12 and the tolerance is 1e-9.
    """
    if trace_expr is None:
        if conventions.is_relu and conventions.relu_prime_at_zero == 0:
            trace_expr = trace_at_min()
        else:
            trace_expr = hessian_trace().subs({S: 1, r: 1, m: n})
    fn = _mpmath((d, n, s), trace_expr)
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    rows = []
    tol = mpmath.mpf("1e-9")
    with mpmath.workdps(DPS):
        for _ in range(cases):
            n_ = rng.randint(2, 4)
            d_ = n_ + rng.randint(0, 3)
            s_ = rng.randint(1, n_)
            w = random_sparse_minimum(rng, d_, n_, s_, conventions)

            def f(x: list[Any], n_: int = n_) -> Any:
                return loss_by_definition(x, n_, conventions)

            fd_trace = mpmath.fsum(
                _second_difference(f, w, i, i, HESS_STEP,
                                   one_sided=conventions.is_relu and i < n_ and w[i] == 0)
                for i in range(d_)
            )
            formula = fn(d_, n_, s_)
            err = abs(fd_trace - formula)
            worst = max(worst, err)
            rows.append({"d": d_, "n": n_, "s": s_, "formula": mpmath.nstr(formula, 12),
                         "finite_difference": mpmath.nstr(fd_trace, 12)})
    status = "pass" if worst <= tol else "fail"
    return CheckResult(
        "trace formula vs finite-difference trace at random s-sparse minima", "high-precision",
        status,
        "1e-9: one-sided O(h) stencil with h = 1e-12 on kink coordinates, central elsewhere",
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed},
    )


def dead_set_fd(conventions: Conventions, expected_loss: str = "1/2") -> CheckResult:
    """``stationary.other`` at 50 digits: at random points of the S = 0 set (relu: every
    a_i < 0; linear: a = 0, w_perp random) central differences of the loss definition
    vanish and L = 1/2 (``expected_loss`` replaces 1/2, a decimal or rational literal)."""
    rng = random.Random(5)
    worst_grad = mpmath.mpf(0)
    worst_loss = mpmath.mpf(0)
    want = Fraction(expected_loss)
    with mpmath.workdps(DPS):
        target = mpmath.mpf(want.numerator) / want.denominator
        for _ in range(6):
            n_ = rng.randint(1, 4)
            d_ = n_ + rng.randint(1, 3)
            w = [mpmath.mpf(rng.randint(-2000, -50)) / 1000 if (i < n_ and conventions.is_relu)
                 else (mpmath.mpf(0) if i < n_ else mpmath.mpf(rng.randint(-2000, 2000)) / 1000)
                 for i in range(d_)]
            worst_loss = max(worst_loss, abs(loss_by_definition(w, n_, conventions) - target))
            worst_grad = max(worst_grad, *(abs(g) for g in fd_gradient(w, n_, conventions)))
    ok = worst_grad <= GRAD_TOL and worst_loss <= mpmath.mpf("1e-45")
    return CheckResult(
        "gradient 0 and L = 1/2 at random points of the S = 0 set", "high-precision",
        "pass" if ok else "fail",
        "gradient 1e-24 (h = 1e-15 at 50 digits, as for grad.per_sample); loss 1e-45",
        {"max_abs_gradient": mpmath.nstr(worst_grad, 5),
         "max_loss_error": mpmath.nstr(worst_loss, 5), "conventions": list(conventions.tags())})


def kink_fd(expected: tuple[int, int] = (0, 1)) -> CheckResult:
    """``hessian.kink_convention``: one-sided second differences of the loss definition at
    x_1 along +-e_2 (n = d = 2) are n times the claimed curvatures (0 on the positive side,
    1/n on the negative side; ``expected`` gives the claimed (positive, negative) times n)."""
    with mpmath.workdps(DPS):
        h = mpmath.mpf("1e-12")

        def f(t: Any) -> Any:
            return loss_by_definition([mpmath.mpf(1), t], 2, RELU)

        plus = (f(2 * h) - 2 * f(h) + f(0)) / h**2
        minus = (f(-2 * h) - 2 * f(-h) + f(0)) / h**2
        want = [mpmath.mpf(e) / 2 for e in expected]
        err = max(abs(plus - want[0]), abs(minus - want[1]))
        return CheckResult(
            "one-sided curvatures at x_1 along e_2 (n = 2)", "high-precision",
            "pass" if err <= mpmath.mpf("1e-9") else "fail",
            "1e-9: one-sided O(h) stencils, h = 1e-12, 50 digits",
            {"positive_side": mpmath.nstr(plus, 12), "negative_side": mpmath.nstr(minus, 12),
             "expected": [str(sp.Rational(e, 2)) for e in expected]},
        )


def drift_expansion_order(flip: bool = False) -> CheckResult:
    """``walk.outward_drift``: the gamma^2 and gamma^3 truncations of the drift have errors
    that shrink like gamma^3 and gamma^4 (halving gamma divides them by about 8 and 16).

    ``flip`` reverses the sign of the gamma^2 term (a wrong leading order).
    """
    exp = theory_walk.drift_expansion()
    j, k, b_ = 0, 1, 2
    state = list(STATE)
    s_tot = sum(x**2 for x in state)
    rows = []
    errs2, errs3 = [], []
    p_ = theory_walk.move_probability("random").subs({n: 5, b: b_})
    with mpmath.workdps(50):
        for g in (sp.Rational(1, 1000), sp.Rational(1, 2000), sp.Rational(1, 4000)):
            exact = theory_walk.exact_drift(state, j, k, g, b_)
            sub = {gamma: g, p: p_, a_j: state[j], a_k: state[k], r: s_tot, S: s_tot, n: 5,
                   b: b_}
            o2 = (-1 if flip else 1) * p * gamma**2 * exp["gamma2"]
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
        "pass" if ok else "fail", "error ratios under halving gamma in [6, 10] and [12, 20] "
        "(8 and 16 expected), 50 digits", {"cases": rows, "ratios_order2": r2,
                                            "ratios_order3": r3})
