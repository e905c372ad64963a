"""Oracles as pure functions of explicit inputs, for a researcher's own property tests.

Every function here takes the point, box, sizes or samples it judges, and a stated
precision or level, and draws nothing itself, so that it composes with Hypothesis's
``@given`` and ``@example`` (strategies in :mod:`proofs_check.strategies`).  None of them
calls the library's derived formulas: they work from the model's definition,

    L(w) = (1/2n) sum_i ||w sigma(<w, x_i>) - x_i||^2,  x_i = e_i,

written out again here and in :mod:`proofs_check.oracles.high_precision`, so they are an
independent route for any formula of :mod:`theory` or :mod:`numerics`.

>>> from fractions import Fraction
>>> from theory.conventions import RELU
>>> g = fd_gradient([Fraction(1, 2), Fraction(1, 3), Fraction(1, 5)], 2, RELU)
>>> [round(float(x), 12) for x in g]  # exact: -557/1800, -557/2700, 13/360 (SymPy, by hand)
[-0.309444444444, -0.206296296296, 0.036111111111]
>>> law = batch_law(3, 2, "random")
>>> law[(0, 1)]
Fraction(1, 3)
>>> judge_proportion(480, 1000, 0.5, level=0.01).status
'pass'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from numerics.stats import wilson_interval
from theory.conventions import RELU, Conventions
from theory.domain import DomainError, choice, integer, real

from .high_precision import fd_hessian as _fd_hessian
from .high_precision import loss_by_definition
from .interval import _Iv

__all__ = [
    "Enclosure",
    "Judgement",
    "abs_error",
    "batch_law",
    "fd_gradient",
    "fd_hessian",
    "fd_trace",
    "judge_mean",
    "judge_proportion",
    "loss",
    "loss_enclosure",
]

SCHEDULES = ("random", "replacement", "reshuffle", "cyclic", "full")
MAX_ENUMERATION = 200_000
"""Largest number of outcomes :func:`batch_law` enumerates (n! for reshuffle, n^b for
replacement, C(n, b) for random)."""


def _mp(x: Any) -> Any:
    """A number as an mpmath value without rounding it first (Fractions exactly)."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    if isinstance(x, sp.Rational):
        return mpmath.mpf(int(x.p)) / int(x.q)
    if isinstance(x, bool | str) or not hasattr(x, "__float__"):
        raise DomainError("w", x, "a vector of real numbers (int, float, Fraction)")
    return mpmath.mpf(float(x)) if not isinstance(x, int) else mpmath.mpf(x)


def _point(w: Sequence[Any], n: int) -> list[Any]:
    if len(w) == 0:
        raise DomainError("w", w, "a non-empty vector")
    integer("n", n, 1, len(w), what=f"an integer in [1, d={len(w)}]")
    out = [_mp(x) for x in w]
    if not all(mpmath.isfinite(x) for x in out):
        raise DomainError("w", "vector with non-finite entries", "finite")
    return out


def _dps(dps: int) -> int:
    return integer("dps", dps, 20, 1000)


def loss(w: Sequence[Any], n: int, conventions: Conventions = RELU, dps: int = 50) -> Any:
    """L(w) from the definition at ``dps`` digits (an mpmath number)."""
    with mpmath.workdps(_dps(dps)):
        return +loss_by_definition(_point(w, n), n, conventions)


def fd_gradient(w: Sequence[Any], n: int, conventions: Conventions = RELU,
                dps: int = 50) -> list[Any]:
    """grad L(w) by central differences of the definition at ``dps`` digits.

    Step h = 10^(-0.3 dps): the error is about h^2 |L'''| (truncation) plus 10^(-dps)/h
    (rounding), so about 10^(-0.6 dps) (1e-30 at 50 digits) away from the relu kink.  At a
    data coordinate within h of 0 the relu loss has a kink and the stencil straddles it:
    use :func:`fd_hessian`'s one-sided rule or move the point.
    """
    digits = _dps(dps)
    with mpmath.workdps(digits):
        x = _point(w, n)
        h = mpmath.mpf(10) ** (-int(0.3 * digits))
        out = []
        for m in range(len(x)):
            up, down = list(x), list(x)
            up[m] += h
            down[m] -= h
            out.append((loss_by_definition(up, n, conventions)
                        - loss_by_definition(down, n, conventions)) / (2 * h))
        return [+v for v in out]


def fd_hessian(w: Sequence[Any], n: int, conventions: Conventions = RELU,
               dps: int = 50) -> list[list[Any]]:
    """The Hessian of the definition by second differences at ``dps`` digits.

    Step h = 10^(-dps/4); error about h^2 + 10^(-dps)/h^2, so 10^(-dps/2) (1e-25 at 50
    digits) where the loss is smooth.  A data coordinate exactly 0 sits on the relu kink:
    there the stencil is one-sided, from the side ``conventions`` counts it on (relu'(0) = 1:
    from above; relu'(0) = 0: from below), accurate to O(h).
    """
    digits = _dps(dps)
    with mpmath.workdps(digits):
        x = _point(w, n)
        h = mpmath.mpf(10) ** (-(digits // 4))
        return [[+v for v in row] for row in _fd_hessian(x, n, conventions, h)]


def fd_trace(w: Sequence[Any], n: int, conventions: Conventions = RELU,
             dps: int = 50) -> Any:
    """tr H(w) from :func:`fd_hessian` (same precision and error)."""
    hess = fd_hessian(w, n, conventions, dps)
    with mpmath.workdps(_dps(dps)):
        return +mpmath.fsum(hess[i][i] for i in range(len(hess)))


def abs_error(value: Any, exact: Any, dps: int = 50) -> Any:
    """|value - exact| computed at ``dps`` digits, ``exact`` an int, Fraction or SymPy
    rational read exactly.

    Compare 50-digit results with this (or inside ``mpmath.workdps``): outside it mpmath
    rounds every subtraction to the current precision (15 digits by default), so a
    difference of two 50-digit numbers would show an error of about 1e-17.
    """
    with mpmath.workdps(_dps(dps)):
        v = value if isinstance(value, mpmath.mpf) else _mp(value)
        return +abs(v - _mp(exact))


@dataclass(frozen=True)
class Enclosure:
    """[lower, upper] contains the function's every value on the box (floats rounded
    outward); ``backend`` says whether it is rigorous (python-flint arb) or not (mpmath
    iv)."""

    lower: float
    upper: float
    backend: str

    def contains(self, value: float) -> bool:
        return self.lower <= value <= self.upper


def _relu_interval(iv: _Iv, lo: Fraction, hi: Fraction) -> Any:
    if hi <= 0:
        return iv.exact(sp.Integer(0))
    return iv.interval(sp.Rational(max(lo, Fraction(0))), sp.Rational(hi))


def loss_enclosure(box: Sequence[tuple[Any, Any]], n: int, conventions: Conventions = RELU,
                   rigorous: bool = True) -> Enclosure:
    """An interval enclosure of L over ``box`` (one (low, high) pair of exact numbers per
    coordinate of w), from the definition in interval arithmetic.

    sigma of an interval is [sigma(low), sigma(high)] (monotone); every product is enclosed
    separately, so the enclosure is valid but wider than the range (the dependency
    problem): bisect the box for a tighter one.  ``rigorous=False`` forces mpmath's iv
    (faster, not certified).
    """
    if len(box) == 0:
        raise DomainError("box", box, "a non-empty list of (low, high) pairs")
    integer("n", n, 1, len(box), what=f"an integer in [1, d={len(box)}]")
    pairs = []
    for lo, hi in box:
        a, b = Fraction(lo), Fraction(hi)
        if a > b:
            raise DomainError("box", (lo, hi), "pairs with low <= high")
        pairs.append((a, b))
    iv = _Iv(force_mpmath=not rigorous)
    ws = [iv.interval(sp.Rational(a), sp.Rational(b)) for a, b in pairs]
    total = iv.exact(sp.Integer(0))
    for i in range(n):
        sig = ws[i] if not conventions.is_relu else _relu_interval(iv, *pairs[i])
        for m, wm in enumerate(ws):
            err = wm * sig - iv.exact(sp.Integer(1 if m == i else 0))
            total = total + err * err / 2  # err * err: arb's ** 2 is nan on a ball about 0
    total = total / n
    if iv.flint is not None:
        lo_v, hi_v = float(total.lower()), float(total.upper())
    else:
        lo_v, hi_v = float(total.a), float(total.b)
    return Enclosure(math.nextafter(lo_v, -math.inf), math.nextafter(hi_v, math.inf), iv.name)


def batch_law(n: int, b: int, schedule: str, step: int = 0) -> dict[tuple[int, ...], Fraction]:
    """The exact law of the batch SGD uses at ``step`` (indices 0..n-1), by enumeration.

    ``random``: a uniform b-subset (sorted tuples); ``replacement``: b i.i.d. uniform
    indices, as a sorted multiset (repeats kept); ``reshuffle``: a uniform permutation per
    epoch cut into consecutive batches of b (the last batch of an epoch has n mod b indices
    when b does not divide n), so the batch at ``step`` is a block of a uniform
    permutation; ``cyclic``: {tb, ..., tb + b - 1} mod n, a point mass; ``full``: b = n, the
    whole set.  Probabilities are exact fractions; the enumeration is refused above
    :data:`MAX_ENUMERATION` outcomes.
    """
    n = integer("n", n, 1)
    b = integer("b", b, 1, n, what=f"an integer in [1, n={n}]")
    schedule = choice("schedule", schedule, SCHEDULES)
    step = integer("step", step, 0)
    law: dict[tuple[int, ...], Fraction] = {}
    if schedule == "full":
        if b != n:
            raise DomainError("b", b, f"n={n} with schedule 'full'")
        return {tuple(range(n)): Fraction(1)}
    if schedule == "cyclic":
        return {tuple(sorted({(step * b + k) % n for k in range(b)})): Fraction(1)}
    if schedule == "random":
        _refuse(math.comb(n, b))
        subsets = list(itertools.combinations(range(n), b))
        return {s: Fraction(1, len(subsets)) for s in subsets}
    if schedule == "replacement":
        _refuse(n**b)
        for draw in itertools.product(range(n), repeat=b):
            key = tuple(sorted(draw))
            law[key] = law.get(key, Fraction(0)) + Fraction(1, n**b)
        return law
    _refuse(math.factorial(n))
    per_epoch = -(-n // b)
    k = step % per_epoch
    perms = math.factorial(n)
    for perm in itertools.permutations(range(n)):
        key = tuple(sorted(perm[k * b:(k + 1) * b]))
        law[key] = law.get(key, Fraction(0)) + Fraction(1, perms)
    return law


def _refuse(outcomes: int) -> None:
    if outcomes > MAX_ENUMERATION:
        raise DomainError("n", outcomes, f"small enough to enumerate: at most "
                          f"{MAX_ENUMERATION} outcomes (this law has {outcomes})")


@dataclass(frozen=True)
class Judgement:
    """A statistical verdict: ``status`` is ``pass`` when the claimed value lies in the
    ``interval`` at confidence 1 - ``level``, ``fail`` otherwise."""

    status: str
    interval: tuple[float, float]
    estimate: float
    level: float
    detail: str

    @property
    def passed(self) -> bool:
        return self.status == "pass"


def _level(level: float) -> float:
    return real("level", level, 0.0, 0.5, low_open=True, high_open=True,
                what="a number in (0, 1/2)")


def judge_proportion(successes: int, trials: int, claimed: float,
                     level: float = 0.01) -> Judgement:
    """Is the claimed probability consistent with ``successes`` out of ``trials``?

    Two-sided Wilson score interval at confidence 1 - ``level``
    (:func:`numerics.stats.wilson_interval`, scipy's ``binomtest``); the chance of a
    ``fail`` when the claim is true is at most about ``level``.
    """
    lv = _level(level)
    p = real("claimed", claimed, 0.0, 1.0, what="a probability in [0, 1]")
    import numpy as np

    with np.errstate(under="ignore"):  # scipy's binomial tail search may underflow
        lo, hi = wilson_interval(successes, trials, 1 - lv)
    est = successes / trials
    ok = lo <= p <= hi
    return Judgement("pass" if ok else "fail", (lo, hi), est, lv,
                     f"{successes}/{trials} = {est:.4g}, {1 - lv:.0%} Wilson interval "
                     f"[{lo:.4g}, {hi:.4g}] {'contains' if ok else 'excludes'} {p:.4g}")


def judge_mean(samples: Sequence[float], expected: float, level: float = 0.01,
               tolerance: float = 0.0) -> Judgement:
    """Is the mean of i.i.d. ``samples`` consistent with ``expected``?

    CLT interval mean +- z s/sqrt(N) at confidence 1 - ``level`` (z from scipy's normal
    quantile), widened by ``tolerance`` (a known bias, e.g. finite differences); needs at
    least 2 samples.  With N below about 30 or heavy tails the CLT is optimistic.
    """
    from scipy import stats

    lv = _level(level)
    xs = [float(x) for x in samples]
    if len(xs) < 2 or not all(math.isfinite(x) for x in xs):
        raise DomainError("samples", f"{len(xs)} values", "at least 2 finite numbers")
    exp = real("expected", expected)
    tol = real("tolerance", tolerance, 0.0)
    mean = math.fsum(xs) / len(xs)
    var = math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    half = float(stats.norm.ppf(1 - lv / 2)) * math.sqrt(var / len(xs)) + tol
    ok = abs(mean - exp) <= half
    return Judgement("pass" if ok else "fail", (mean - half, mean + half), mean, lv,
                     f"mean {mean:.6g} +- {half:.3g} ({1 - lv:.0%} CLT, N = {len(xs)}) "
                     f"{'contains' if ok else 'excludes'} {exp:.6g}")
