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

import itertools
import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from numerics.compile import compile
from theory import dynamics, hessian, stationary
from theory import walk as theory_walk
from theory.conventions import RELU, Conventions
from theory.gradients import per_sample_gradient_coefficients
from theory.hessian import closed_form_matrix, lambda_max_at_min, trace_at_min
from theory.hessian import spectrum_at_min as hessian_spectrum
from theory.model import reduced_loss
from theory.symbols import P_plus, S, a_i, a_j, a_k, b, d, gamma, n, p, r, s

from ..result import CheckResult
from .enumeration import STATE

__all__ = [
    "check_gradient_fd",
    "check_hessian_fd",
    "check_loss_reduced",
    "dead_set_fd",
    "drift_expansion_order",
    "fd_gradient",
    "fd_hessian",
    "gd_radial_step_fd",
    "kink_fd",
    "lambda_max_fd",
    "loss_by_definition",
    "max_gaussian_scale",
    "minimisers_fd",
    "random_point",
    "spectrum_at_minima_fd",
    "trace_at_minima_fd",
    "trace_gap_fd",
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


def check_loss_reduced(conventions: Conventions, points: int = 20, seed: int = 0
                       ) -> CheckResult:
    """``loss.coordinates`` in exact rationals: reduced form vs the definition.

    Exact: both sides are rational at rational points, so they must be equal.
    """
    expr = reduced_loss()
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


def _gradient_against_fd(closed_at: Callable[[list[Any], int, Any], list[Any]],
                         conventions: Conventions, points: int, seed: int, what: str
                         ) -> CheckResult:
    """``closed_at(w, n, r)`` (a closed-form gradient in R^d) vs central differences of the
    loss definition at 50 digits, at ``points`` random points (n <= 4, d <= n + 2)."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(DPS):
        for _ in range(points):
            n_ = rng.randint(1, 4)
            d_ = n_ + rng.randint(0, 2)
            w = [_mp(x) for x in random_point(rng, d_, n_)]
            closed = closed_at(w, n_, mpmath.fsum(x * x for x in w))
            fd = fd_gradient(w, n_, conventions)
            worst = max(worst, *(abs(fd[mm] - closed[mm]) for mm in range(d_)))
    status = "pass" if worst <= GRAD_TOL else "fail"
    return CheckResult(
        what, "high-precision", status,
        f"{mpmath.nstr(GRAD_TOL, 3)}: h = 1e-15 at {DPS} digits (truncation ~1e-29, rounding "
        "~1e-35)",
        {"points": points, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed},
    )


def check_gradient_fd(conventions: Conventions, points: int = 4, seed: int = 0
                      ) -> CheckResult:
    """``grad.per_sample``: the closed-form gradient vs central differences at 50 digits."""
    cw, cx = per_sample_gradient_coefficients(conventions)
    fw, fx = _mpmath((a_i, r), cw), _mpmath((a_i, r), cx)

    def closed_at(w: list[Any], n_: int, rr: Any) -> list[Any]:
        closed = [mpmath.mpf(0)] * len(w)
        for i in range(n_):
            c_w, c_x = fw(w[i], rr), fx(w[i], rr)
            for mm in range(len(w)):
                closed[mm] += c_w * w[mm] / n_
            closed[i] += c_x / n_
        return closed

    return _gradient_against_fd(closed_at, conventions, points, seed,
                                "gradient vs central differences of the loss definition")


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


def check_hessian_fd(conventions: Conventions, points: int = 2, seed: int = 0) -> CheckResult:
    """``hessian.closed_form``: exact closed form at rational w vs second differences."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(DPS):
        for _ in range(points):
            n_ = rng.randint(1, 3)
            d_ = n_ + rng.randint(0, 2)
            wq = random_point(rng, d_, n_)
            exact = sp.Matrix([sp.Rational(x.numerator, x.denominator) for x in wq])
            closed = closed_form_matrix(exact, n_, conventions)
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


def _kink_side(conventions: Conventions) -> int:
    """The side a data coordinate equal to 0 is differenced from: -1 (from below, inactive:
    relu'(0) = 0), +1 (from above, active: relu'(0) = 1), 0 (no kink: linear)."""
    if not conventions.is_relu:
        return 0
    return 1 if conventions.relu_prime_at_zero == 1 else -1


def fd_hessian(w: list[Any], n_: int, conventions: Conventions,
               h: Any = HESS_STEP) -> list[list[Any]]:
    """The Hessian of :func:`loss_by_definition` at w by second differences (current mpmath
    precision).  A data coordinate equal to 0 sits on the relu kink: there the stencil is
    one-sided, from the side the conventions count it on (O(h) accurate); elsewhere it is
    central (O(h^2))."""
    side = _kink_side(conventions)
    offsets = [side if (side and i < n_ and w[i] == 0) else 0 for i in range(len(w))]

    def f(x: list[Any]) -> Any:
        return loss_by_definition(x, n_, conventions)

    def diff(i: int, j: int) -> Any:
        # (delta_i, weight) stencils: central {-1, +1}/2 or one-sided {0, 1, 2} shifted
        def stencil(k: int) -> list[tuple[int, Any]]:
            if offsets[k] == 0:
                return [(1, mpmath.mpf(1) / 2), (-1, -mpmath.mpf(1) / 2)]
            o = offsets[k]
            return [(0, -mpmath.mpf(3) / 2 * o), (o, 2 * o), (2 * o, -mpmath.mpf(1) / 2 * o)]

        if i == j:
            if offsets[i] == 0:
                x_p, x_m = list(w), list(w)
                x_p[i] += h
                x_m[i] -= h
                return (f(x_p) - 2 * f(w) + f(x_m)) / h**2
            o = offsets[i]
            x1, x2 = list(w), list(w)
            x1[i] += o * h
            x2[i] += 2 * o * h
            return (f(w) - 2 * f(x1) + f(x2)) / h**2
        total = mpmath.mpf(0)
        for di, ci in stencil(i):
            for dj, cj in stencil(j):
                x = list(w)
                x[i] += di * h
                x[j] += dj * h
                total += ci * cj * f(x)
        return total / h**2

    d_ = len(w)
    out = [[mpmath.mpf(0)] * d_ for _ in range(d_)]
    for i in range(d_):
        for j in range(i, d_):
            out[i][j] = out[j][i] = diff(i, j)
    return out


def _minimum_cases(conventions: Conventions, cases: int, seed: int
                   ) -> list[tuple[int, int, int, list[Any]]]:
    """(d, n, s, w): random s-sparse minima (unit vectors, positive support for relu)."""
    rng = random.Random(seed)
    out = []
    for _ in range(cases):
        n_ = rng.randint(2, 4)
        d_ = n_ + rng.randint(0, 2)
        s_ = rng.randint(1, n_)
        out.append((d_, n_, s_, random_sparse_minimum(rng, d_, n_, s_, conventions)))
    return out


_FD_TOL = mpmath.mpf("1e-9")
_FD_TOLERANCE = ("1e-9: second differences with h = 1e-12 at 50 digits, one-sided O(h) "
                 "stencils on kink coordinates (error ~1e-12), central elsewhere")


def trace_at_minima_fd(conventions: Conventions, cases: int = 6, seed: int = 0
                       ) -> CheckResult:
    """``hessian.trace_at_min``: the library's trace at a minimum, (d - m + 4)/n with m as
    the conventions count it, against the trace of the second differences of the loss
    definition at random s-sparse minima."""
    fn = _mpmath((d, n, s), trace_at_min(conventions))
    worst = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for d_, n_, s_, w in _minimum_cases(conventions, cases, seed):
            hess = fd_hessian(w, n_, conventions)
            fd_trace = mpmath.fsum(hess[i][i] for i in range(d_))
            formula = fn(d_, n_, s_)
            worst = max(worst, abs(fd_trace - formula))
            rows.append({"d": d_, "n": n_, "s": s_, "formula": mpmath.nstr(formula, 12),
                         "finite_difference": mpmath.nstr(fd_trace, 12)})
    return CheckResult(
        "trace formula vs finite-difference trace at random s-sparse minima", "high-precision",
        "pass" if worst <= _FD_TOL else "fail", _FD_TOLERANCE,
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed,
         "conventions": list(conventions.tags())},
    )


def _spectrum_values(conventions: Conventions, d_: int, n_: int, s_: int) -> list[Any]:
    """The library's eigenvalues at a minimum, each repeated by its multiplicity."""
    out: list[Any] = []
    for ev, mult in hessian_spectrum(conventions):
        value = _mpmath((d, n, s), ev)(d_, n_, s_)
        count = int(_mpmath((d, n, s), mult)(d_, n_, s_))
        out += [value] * count
    return sorted(out)


def spectrum_at_minima_fd(conventions: Conventions, cases: int = 5, seed: int = 1
                          ) -> CheckResult:
    """``hessian.spectrum_at_min``: the eigenvalues (mpmath.eigsy) of the second-difference
    Hessian of the loss definition at random minima = the library's spectrum, each
    eigenvalue with its multiplicity."""
    worst = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for d_, n_, s_, w in _minimum_cases(conventions, cases, seed):
            eigs = sorted(mpmath.eigsy(mpmath.matrix(fd_hessian(w, n_, conventions)),
                                       eigvals_only=True))
            claimed = _spectrum_values(conventions, d_, n_, s_)
            err = (max(abs(x - y) for x, y in zip(eigs, claimed, strict=True))
                   if len(claimed) == len(eigs) else mpmath.inf)
            worst = max(worst, err)
            rows.append({"d": d_, "n": n_, "s": s_,
                         "eigenvalues": [mpmath.nstr(x, 8) for x in eigs],
                         "claimed": [mpmath.nstr(x, 8) for x in claimed]})
    return CheckResult(
        "spectrum at random minima: eigenvalues of second differences", "high-precision",
        "pass" if worst <= _FD_TOL else "fail", _FD_TOLERANCE + "; mpmath.eigsy",
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed,
         "conventions": list(conventions.tags())},
    )


def lambda_max_fd(conventions: Conventions, cases: int = 5, seed: int = 2) -> CheckResult:
    """``hessian.lambda_max``: the largest eigenvalue (mpmath.eigsy) of the second-difference
    Hessian of the loss definition at random minima = the library's lambda_max."""
    fn = _mpmath((n,), lambda_max_at_min())
    worst = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for d_, n_, s_, w in _minimum_cases(conventions, cases, seed):
            eigs = mpmath.eigsy(mpmath.matrix(fd_hessian(w, n_, conventions)),
                                eigvals_only=True)
            top = max(eigs)
            worst = max(worst, abs(top - fn(n_)))
            rows.append({"d": d_, "n": n_, "s": s_, "largest": mpmath.nstr(top, 12),
                         "claimed": mpmath.nstr(fn(n_), 12)})
    return CheckResult(
        "largest eigenvalue at random minima (second differences)", "high-precision",
        "pass" if worst <= _FD_TOL else "fail", _FD_TOLERANCE + "; mpmath.eigsy",
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed},
    )


def trace_gap_fd(conventions: Conventions, cases: int = 4, seed: int = 3) -> CheckResult:
    """``hessian.trace_gap``: from a random start with |P+| positive coordinates, the trace
    (second differences of the loss definition) at the full-batch minimum u/||u|| minus the
    trace at a 1-sparse minimum x_k = the library's gap at |P+|."""
    fn = _mpmath((P_plus, n), hessian.trace_gap(conventions))
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for _ in range(cases):
            n_ = rng.randint(2, 4)
            d_ = n_ + rng.randint(0, 2)
            p_plus = rng.randint(1, n_)
            gd = random_sparse_minimum(rng, d_, n_, p_plus, RELU)
            sgd = [mpmath.mpf(1 if i == 0 else 0) for i in range(d_)]
            traces = [mpmath.fsum(fd_hessian(w, n_, conventions)[i][i] for i in range(d_))
                      for w in (sgd, gd)]
            gap = traces[0] - traces[1]
            worst = max(worst, abs(gap - fn(p_plus, n_)))
            rows.append({"d": d_, "n": n_, "P_plus": p_plus, "gap": mpmath.nstr(gap, 12),
                         "claimed": mpmath.nstr(fn(p_plus, n_), 12)})
    return CheckResult(
        "trace gap SGD - GD minimum by second differences", "high-precision",
        "pass" if worst <= _FD_TOL else "fail", _FD_TOLERANCE,
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5), "seed": seed,
         "conventions": list(conventions.tags())},
    )


def _random_dead_point(rng: random.Random, conventions: Conventions) -> tuple[int, list[Any]]:
    """(n, w): a random point of the S = 0 set (relu: every a_i < 0; linear: a = 0)."""
    n_ = rng.randint(1, 4)
    d_ = n_ + rng.randint(1, 3)
    w = [mpmath.mpf(rng.randint(-2000, -50)) / 1000 if (i < n_ and conventions.is_relu)
         else (mpmath.mpf(0) if i < n_ else mpmath.mpf(rng.randint(-2000, 2000)) / 1000)
         for i in range(d_)]
    return n_, w


def reduced_gradient_fd(conventions: Conventions, points: int = 4, seed: int = 8
                        ) -> CheckResult:
    """``minima.set`` / ``stationary.other``: the reduced gradient components the
    classification solves (n dL/da_i / a_i along an active and an inactive data coordinate,
    n dL/dw_m / w_m along w_perp) against central differences of the loss definition at
    random points (50 digits)."""
    comp = stationary.reduced_gradient_components()
    fns = {k: _mpmath((S, r), v) for k, v in comp.items()}
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    seen = set()
    with mpmath.workdps(DPS):
        for _ in range(points):
            n_ = rng.randint(2, 4)
            w = [_mp(x) for x in random_point(rng, n_ + 2, n_)]
            g = fd_gradient(w, n_, conventions)
            active = [not conventions.is_relu or w[i] > 0 for i in range(n_)]
            ss = mpmath.fsum(w[i] ** 2 for i in range(n_) if active[i])
            rr = mpmath.fsum(x * x for x in w)
            for m_, x in enumerate(w):
                kind = ("perp" if m_ >= n_ else "active" if active[m_] else "inactive")
                seen.add(kind)
                worst = max(worst, abs(n_ * g[m_] / x - fns[kind](ss, rr)))
    ok = worst <= mpmath.mpf("1e-20") and seen == set(fns) - (
        set() if conventions.is_relu else {"inactive"})
    return CheckResult(
        "reduced gradient components vs central differences of the definition",
        "high-precision", "pass" if ok else "fail",
        "1e-20: the gradient's 1e-24 (h = 1e-15 at 50 digits) divided by |w_m| >= 1/20 and "
        "times n <= 4", {"max_abs_error": mpmath.nstr(worst, 5), "directions": sorted(seen),
                         "conventions": list(conventions.tags())})


def dead_set_fd(conventions: Conventions) -> CheckResult:
    """``stationary.other`` at 50 digits: at random points of the S = 0 set central
    differences of the loss definition vanish and L equals the library's value on that set
    (its classification of the stationary points)."""
    dead = stationary.classify_reduced()["dead"]["loss"]
    rng = random.Random(5)
    worst_grad = mpmath.mpf(0)
    worst_loss = mpmath.mpf(0)
    with mpmath.workdps(DPS):
        target = _mpmath((n,), dead)
        for _ in range(6):
            n_, w = _random_dead_point(rng, conventions)
            worst_loss = max(worst_loss, abs(loss_by_definition(w, n_, conventions)
                                             - target(n_)))
            worst_grad = max(worst_grad, *(abs(g) for g in fd_gradient(w, n_, conventions)))
    ok = worst_grad <= GRAD_TOL and worst_loss <= mpmath.mpf("1e-45")
    return CheckResult(
        "gradient 0 and the library's L at random points of the S = 0 set", "high-precision",
        "pass" if ok else "fail",
        "gradient 1e-24 (h = 1e-15 at 50 digits, as for grad.per_sample); loss 1e-45",
        {"max_abs_gradient": mpmath.nstr(worst_grad, 5), "claimed_loss": str(dead),
         "max_loss_error": mpmath.nstr(worst_loss, 5), "conventions": list(conventions.tags())})


def minimisers_fd(conventions: Conventions, cases: int = 5, seed: int = 4) -> CheckResult:
    """``minima.set``: at random points of the set the library classifies as the minimisers
    (unit vectors of the data span with S = r = 1; relu: every a_i >= 0) the loss
    definition has zero gradient (central differences) and equals the loss the
    classification gives the family."""
    fam = stationary.classify_reduced()["minimum"]
    value = _mpmath((n,), fam["loss"])
    worst_grad = worst_loss = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for d_, n_, s_, w in _minimum_cases(conventions, cases, seed):
            scale = mpmath.sqrt(_mpmath((n,), fam["r"])(n_))  # ||w||^2 = r at the family
            w = [x * scale for x in w]
            grads = fd_gradient(w, n_, conventions)
            if conventions.is_relu and any(w[i] == 0 for i in range(n_)):
                grads = grads[n_:] + [g for i, g in enumerate(grads[:n_]) if w[i] != 0]
            worst_grad = max(worst_grad, *(abs(g) for g in grads))
            loss = loss_by_definition(w, n_, conventions)
            worst_loss = max(worst_loss, abs(loss - value(n_)))
            rows.append({"d": d_, "n": n_, "s": s_, "loss": mpmath.nstr(loss, 15)})
    ok = worst_grad <= GRAD_TOL and worst_loss <= mpmath.mpf("1e-40")
    return CheckResult(
        "the claimed minimisers: gradient 0 and L = min L (50 digits)", "high-precision",
        "pass" if ok else "fail", "gradient 1e-24 (h = 1e-15); loss 1e-40 (unit vectors "
        "normalised at 50 digits); zero relu coordinates (on the kink) are not differenced",
        {"cases": rows, "max_abs_gradient": mpmath.nstr(worst_grad, 5),
         "max_loss_error": mpmath.nstr(worst_loss, 5)})


def kink_fd() -> CheckResult:
    """``hessian.kink_convention``: one-sided second differences of the loss definition at
    x_1 along +-e_2 (n = d = 2) equal the library's one-sided curvatures."""
    kink = hessian.kink_curvatures(2)
    want = [mpmath.mpf(sp.Rational(kink[k]).p) / sp.Rational(kink[k]).q
            for k in ("positive_side", "negative_side")]
    with mpmath.workdps(DPS):
        h = mpmath.mpf("1e-12")

        def f(t: Any) -> Any:
            return loss_by_definition([mpmath.mpf(1), t], 2, RELU)

        plus = (f(2 * h) - 2 * f(h) + f(0)) / h**2
        minus = (f(-2 * h) - 2 * f(-h) + f(0)) / h**2
        err = max(abs(plus - want[0]), abs(minus - want[1]))
        return CheckResult(
            "one-sided curvatures at x_1 along e_2 (n = 2)", "high-precision",
            "pass" if err <= mpmath.mpf("1e-9") else "fail",
            "1e-9: one-sided O(h) stencils, h = 1e-12, 50 digits",
            {"positive_side": mpmath.nstr(plus, 12), "negative_side": mpmath.nstr(minus, 12),
             "claimed": [str(kink["positive_side"]), str(kink["negative_side"])]},
        )


def gd_radial_step_fd(cases: int = 4, seed: int = 6) -> CheckResult:
    """``gd.limit``: one full-batch step from w = rho u/||u|| (the rest decayed), computed
    as w - gamma n grad L(w) with the gradient from central differences of the loss
    definition (50 digits), has norm = the library's radial map rho'(rho)."""
    radial = dynamics.gd_radial_map()
    rho_map = _mpmath((dynamics.rho, gamma), radial["map"])
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    rows = []
    with mpmath.workdps(DPS):
        for _ in range(cases):
            n_ = rng.randint(2, 4)
            d_ = n_ + rng.randint(0, 2)
            w = random_sparse_minimum(rng, d_, n_, rng.randint(1, n_), RELU)
            rho = mpmath.mpf(rng.randint(300, 1500)) / 1000
            g = mpmath.mpf(rng.randint(5, 45)) / 100
            w = [x * rho for x in w]
            grad = fd_gradient(w, n_, RELU)
            new = [x - g * n_ * gx for x, gx in zip(w, grad, strict=True)]
            norm = mpmath.sqrt(mpmath.fsum(x * x for x in new))
            worst = max(worst, abs(norm - rho_map(rho, g)))
            rows.append({"n": n_, "d": d_, "rho": mpmath.nstr(rho, 6), "gamma": mpmath.nstr(g, 3),
                         "step_norm": mpmath.nstr(norm, 15)})
    return CheckResult(
        "full-batch step from the definition vs the radial map", "high-precision",
        "pass" if worst <= mpmath.mpf("1e-20") else "fail",
        "1e-20: the FD gradient is exact to 1e-24 (h = 1e-15 at 50 digits), times gamma n",
        {"cases": rows, "max_abs_error": mpmath.nstr(worst, 5)})


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


def max_gaussian_scale(sizes: tuple[int, ...] = (10, 100, 10**4, 10**8)) -> CheckResult:
    """``sgd.orthogonal``: the library's scale of max_i |a_i(0)|/||w_0|| (sqrt(2 log n / d))
    against E[max_i |Z_i|]/sqrt(d) for n standard normals, computed by quadrature of
    1 - (2 Phi(z) - 1)^n: the ratio (extreme-value asymptotics) increases with n, stays
    below 1, and is within 0.1 of 1 at n = 10^8."""
    scale = _mpmath((n, d), dynamics.max_abs_gaussian_scale())
    rows = []
    ratios = []
    with mpmath.workdps(30):
        for size in sizes:
            tail = mpmath.quad(lambda z, k=size: 1 - mpmath.erf(z / mpmath.sqrt(2)) ** k,
                               [0, 1, 4, 8, mpmath.inf])
            ratio = tail / scale(mpmath.mpf(size), mpmath.mpf(1))
            ratios.append(ratio)
            rows.append({"n": size, "E_max_abs": mpmath.nstr(tail, 10),
                         "ratio_to_scale": mpmath.nstr(ratio, 8)})
    ok = (all(x < y for x, y in itertools.pairwise(ratios))
          and all(0.5 < x < 1 for x in ratios) and 1 - ratios[-1] < 0.1)
    return CheckResult(
        "E max_i |Z_i| against the scale sqrt(2 log n) (extreme-value asymptotics)",
        "high-precision", "pass" if ok else "fail",
        "quadrature at 30 digits; the ratio must increase to 1 from below (slowly: "
        "1 - ratio ~ log log n / log n)", {"cases": rows})


def whole_batch_gradient_fd(conventions: Conventions, points: int = 4, seed: int = 9
                            ) -> CheckResult:
    """``grad.whole_batch``: dL/da_j and the perp factor S/n, with S = sum_i sigma(a_i)^2
    computed from the definition of sigma here, vs central differences of the loss
    definition at 50 digits (the points, step and tolerance of :func:`check_gradient_fd`)."""
    from theory.gradients import whole_batch_gradient

    grad = whole_batch_gradient(conventions)
    f_data = _mpmath((a_j, S, r, n), grad["data"])
    f_perp = _mpmath((S, n), grad["perp_factor"])

    def closed_at(w: list[Any], n_: int, rr: Any) -> list[Any]:
        sig = [w[i] if (not conventions.is_relu or w[i] > 0) else mpmath.mpf(0)
               for i in range(n_)]
        ss = mpmath.fsum(x * x for x in sig)
        return [f_data(w[m], ss, rr, n_) if m < n_ else f_perp(ss, n_) * w[m]
                for m in range(len(w))]

    return _gradient_against_fd(
        closed_at, conventions, points, seed,
        "whole-batch gradient vs central differences of the loss definition")
