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

from theory.gradients import per_sample_gradient_coefficients
from theory.hessian import closed_form_matrix, hessian_trace, trace_at_min
from theory.model import reduced_loss
from theory.symbols import Conventions, S, a_i, d, m, n, r, s

from ..result import CheckResult

__all__ = [
    "check_gradient_fd",
    "check_hessian_fd",
    "check_loss_reduced",
    "check_trace_at_min_fd",
    "fd_gradient",
    "loss_by_definition",
    "random_point",
]

GRAD_STEP, GRAD_TOL = mpmath.mpf("1e-15"), mpmath.mpf("1e-24")
HESS_STEP, HESS_TOL = mpmath.mpf("1e-12"), mpmath.mpf("1e-18")
DPS = 50


def _mp_heaviside(x: Any, h0: Any) -> Any:
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(h0) if x == 0 else mpmath.mpf(0))


def _lambdify_mp(args: tuple[sp.Symbol, ...], expr: sp.Expr) -> Callable[..., Any]:
    return sp.lambdify(args, expr, modules=[{"Heaviside": _mp_heaviside}, "mpmath"])


def loss_by_definition(w: Sequence[Any], n_: int, conv: Conventions) -> Any:
    """L(w) from the definition, in the current mpmath precision (no reduced formula)."""
    total = mpmath.mpf(0)
    for i in range(n_):
        a = w[i]
        sig = a if (not conv.is_relu or a > 0) else mpmath.mpf(0)
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


def fd_gradient(w: Sequence[Any], n_: int, conv: Conventions) -> list[Any]:
    """Central differences (step ``GRAD_STEP``) of :func:`loss_by_definition` at w."""
    out = []
    for mm in range(len(w)):
        wp, wn = list(w), list(w)
        wp[mm] += GRAD_STEP
        wn[mm] -= GRAD_STEP
        out.append((loss_by_definition(wp, n_, conv) - loss_by_definition(wn, n_, conv))
                   / (2 * GRAD_STEP))
    return out


def _mp(x: Fraction) -> Any:
    return mpmath.mpf(x.numerator) / x.denominator


def check_loss_reduced(conv: Conventions, points: int = 20, seed: int = 0,
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
        sig = [(x if (not conv.is_relu or x > 0) else Fraction(0)) for x in w[:n_]]
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


def check_gradient_fd(conv: Conventions, points: int = 4, seed: int = 0,
                      coefficients: tuple[sp.Expr, sp.Expr] | None = None) -> CheckResult:
    """``grad.per_sample``: the closed-form gradient vs central differences at 50 digits."""
    cw, cx = per_sample_gradient_coefficients(conv) if coefficients is None else coefficients
    fw, fx = _lambdify_mp((a_i, r), cw), _lambdify_mp((a_i, r), cx)
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
            fd = fd_gradient(w, n_, conv)
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
    conv: Conventions, points: int = 2, seed: int = 0,
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
                           n_, conv)
            w = [_mp(x) for x in wq]

            def f(x: list[Any], n_: int = n_) -> Any:
                return loss_by_definition(x, n_, conv)

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


def random_sparse_minimum(rng: random.Random, d_: int, n_: int, s_: int, conv: Conventions
                          ) -> list[Any]:
    """A unit vector with s nonzero data coordinates (positive for relu), in mpmath."""
    support = rng.sample(range(n_), s_)
    w = [mpmath.mpf(0)] * d_
    for i in support:
        mag = mpmath.mpf(rng.randint(100, 1000)) / 1000
        sign = 1 if conv.is_relu or rng.random() < 0.5 else -1
        w[i] = sign * mag
    norm = mpmath.sqrt(mpmath.fsum(x * x for x in w))
    return [x / norm for x in w]


def check_trace_at_min_fd(conv: Conventions, cases: int = 6, seed: int = 0,
                          trace_expr: sp.Expr | None = None) -> CheckResult:
    """``hessian.trace_at_min``: the trace formula vs finite differences at s-sparse minima.

    Relu (relu'(0) = 0): formula (d - s + 4)/n.  Linear: the general trace with m = n
    active, (d - n + 4)/n, whatever s is.  Zero data coordinates of a relu minimum are on
    the kink and differenced one-sidedly from below (the inactive side) with an O(h)
    stencil, h = 1e-12, so there the error is about 1e-12 and the tolerance is 1e-9.
    """
    if trace_expr is None:
        if conv.is_relu and conv.relu_prime_at_zero == 0:
            trace_expr = trace_at_min()
        else:
            trace_expr = hessian_trace().subs({S: 1, r: 1, m: n})
    fn = _lambdify_mp((d, n, s), trace_expr)
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    rows = []
    tol = mpmath.mpf("1e-9")
    with mpmath.workdps(DPS):
        for _ in range(cases):
            n_ = rng.randint(2, 4)
            d_ = n_ + rng.randint(0, 3)
            s_ = rng.randint(1, n_)
            w = random_sparse_minimum(rng, d_, n_, s_, conv)

            def f(x: list[Any], n_: int = n_) -> Any:
                return loss_by_definition(x, n_, conv)

            fd_trace = mpmath.fsum(
                _second_difference(f, w, i, i, HESS_STEP,
                                   one_sided=conv.is_relu and i < n_ and w[i] == 0)
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
