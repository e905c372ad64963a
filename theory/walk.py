"""The random walk that SGD induces on log-ratios of data coordinates (SPEC section 2, ``walk.*``).

Everything here is derived from the one-step SGD map of the theory core
(:func:`theory.gradients.sgd_step_map`, claim ``sgd.multiplicative``); no SGD step is
retyped.  For active j, k the log-ratio D = log(a_j / a_k) changes by

* ``+log(1 + c_B)`` if j is in the batch and k is not,
* ``-log(1 + c_B)`` if k is in the batch and j is not,
* ``0`` otherwise,

with c_B = gamma (2 - r) / (1 - gamma S_B) (claim ``walk.log_ratio``).  With
f(x) = log(1 + gamma (2 - r)/(1 - gamma x)) and T the squared mass of the other batch
members, the conditional drift is E = p E_T[f(a_j^2 + T) - f(a_k^2 + T)]
(``walk.outward_drift``); f is increasing (:func:`f_increasing_proof`), so the drift
pushes |D| outward.

>>> log_ratio_increment_cases()["j_only"]
log(gamma*(2 - r)/(-S_B*gamma + 1) + 1)
>>> move_probability("random")
b*(-b + n)/(n*(n - 1))
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import mpmath
import sympy as sp

from .conventions import RELU, Conventions
from .domain import DomainError, expression
from .gradients import sgd_step_map
from .symbols import S_B, S, T, a_j, a_k, b, eta, gamma, n, p, r

__all__ = [
    "SCHEDULES",
    "c_batch",
    "coupling_drift",
    "cyclic_directions",
    "drift_expansion",
    "exact_drift",
    "f_expr",
    "f_increasing_proof",
    "log_ratio_increment_cases",
    "log_ratio_increment_law",
    "log_ratio_step",
    "move_probability",
    "stability_at_xk",
    "variance_scale",
]

SCHEDULES: tuple[str, ...] = ("random", "replacement", "cyclic", "full")

#: the argument of f (a value of S_B)
X = sp.Symbol("x", real=True)


_APOS = sp.Symbol("a_pos", positive=True)  # an active coordinate (sigma(a) = a)


def _active(expr: sp.Expr, sym: sp.Symbol) -> sp.Expr:
    """expr with the coordinate ``sym`` active (sigma(sym) = sym), for both activations."""
    return expr.subs(sym, _APOS).subs(_APOS, sym)


@cache
def log_ratio_increment_cases(conventions: Conventions = RELU) -> dict[str, sp.Expr]:
    """Claim ``walk.log_ratio``: D' - D for the four batch cases, from ``sgd_step_map``.

    D = log(a_j / a_k) with j, k active; each case takes the ratio of a_j'/a_j to
    a_k'/a_k from the step map and simplifies.  Keys: ``j_only``, ``k_only``, ``both``,
    ``neither``.

    >>> cases = log_ratio_increment_cases(Conventions("linear"))
    >>> cases["both"], cases["neither"]
    (0, 0)
    """
    m = sgd_step_map(conventions)
    grow = {
        "in": sp.simplify(_active(m["in_batch"], a_j) / a_j),
        "out": sp.simplify(m["out_of_batch"] / a_j),
    }
    out: dict[str, sp.Expr] = {}
    for name, (sj, sk) in {
        "j_only": ("in", "out"),
        "k_only": ("out", "in"),
        "both": ("in", "in"),
        "neither": ("out", "out"),
    }.items():
        ratio = sp.simplify(grow[sj] / grow[sk])
        if ratio == 1:
            out[name] = sp.Integer(0)
        else:
            # write the multiplier as 1 + c_B or 1/(1 + c_B)
            mult = sp.simplify(ratio if sj == "in" else 1 / ratio)
            c = sp.simplify(mult - 1)
            if sp.simplify(c - c_batch()) != 0:  # pragma: no cover - a derivation error
                raise AssertionError(f"unexpected log-ratio multiplier {mult}")
            sign = 1 if sj == "in" else -1
            out[name] = sign * sp.log(1 + c_batch())
    return out


def c_batch() -> sp.Expr:
    """c_B = gamma (2 - r) / (1 - gamma S_B) (claim ``walk.log_ratio``).

    >>> c_batch()
    gamma*(2 - r)/(-S_B*gamma + 1)
    """
    return gamma * (2 - r) / (1 - gamma * S_B)


def log_ratio_step(conventions: Conventions = RELU) -> sp.Expr:
    """The step size log(1 + c_B) of D (claim ``walk.log_ratio``), from the step map.

    >>> log_ratio_step().subs({r: 1, S_B: 0})
    log(gamma + 1)
    """
    return log_ratio_increment_cases(conventions)["j_only"]


def f_expr(conventions: Conventions = RELU) -> sp.Expr:
    """f(x) = log(1 + gamma (2 - r)/(1 - gamma x)): the step size as a function of S_B = x.

    >>> f_expr()
    log(gamma*(2 - r)/(-gamma*x + 1) + 1)
    """
    return log_ratio_step(conventions).subs(S_B, X)


def f_increasing_proof() -> dict[str, Any]:
    """Claim ``walk.outward_drift`` (monotonicity): df/dx > 0 if gamma (2 - r) > 0, gamma x < 1.

    Substituting u = 1 - gamma x > 0 and v = gamma (2 - r) > 0 (positive symbols) turns
    df/dx into gamma v / (u (u + v)): a quotient of positive factors.  Returns the
    derivative, the substituted form, its factors and ``positive`` (SymPy's verdict).

    >>> f_increasing_proof()["positive"]
    True
    """
    u, v = sp.symbols("u v", positive=True)
    dfdx = sp.diff(f_expr(), X)
    sub = sp.factor(sp.simplify(dfdx.subs({X: (1 - u) / gamma, r: 2 - v / gamma})))
    num, den = sp.fraction(sub)
    factors = [f for f, _ in sp.factor_list(num)[1]] + [f for f, _ in sp.factor_list(den)[1]]
    positive = bool(sub.is_positive) and all(bool(f.is_positive) for f in factors)
    return {
        "derivative": sp.simplify(dfdx),
        "in_u_v": sub,
        "substitution": "u = 1 - gamma x > 0, v = gamma (2 - r) > 0",
        "factors": factors,
        "positive": positive,
    }


def move_probability(schedule: str = "random") -> sp.Expr:
    """P(j in B, k not in B), the probability of a +step of D (claim ``walk.log_ratio``).

    random: b (n - b)/(n (n - 1)); replacement (b i.i.d. draws):
    (1 - 1/n)^b - (1 - 2/n)^b (then j may be drawn more than once and the step is
    larger: see :func:`log_ratio_increment_law`); full: 0.  ``cyclic`` is deterministic:
    use :func:`cyclic_directions`.

    >>> move_probability("replacement").subs({n: 2, b: 1})
    1/2
    """
    if schedule == "random":
        return b * (n - b) / (n * (n - 1))
    if schedule == "replacement":
        return (1 - 1 / n) ** b - (1 - 2 / n) ** b
    if schedule == "full":
        return sp.Integer(0)
    if schedule == "cyclic":
        raise DomainError(
            "schedule", schedule, "random, replacement or full (cyclic: cyclic_directions)"
        )
    raise DomainError("schedule", schedule, f"one of {', '.join(SCHEDULES)}")


def cyclic_directions(n_: int, b_: int, j: int, k: int) -> list[int]:
    """Per cyclic block, the direction of D's move: +1 (j only), -1 (k only), 0.

    Blocks are consecutive with wrap-around, block t = {t b, ..., t b + b - 1} mod n, for
    t = 0 .. n/g - 1 (g = gcd(b, n)); the pattern then repeats (SPEC ``cyclic.blocks``).

    >>> cyclic_directions(4, 2, 0, 2)
    [1, -1]
    >>> cyclic_directions(4, 2, 0, 1)
    [0, 0]
    """
    _check_nb(n_, b_)
    period = n_ // sp.gcd(n_, b_)
    out = []
    for t in range(int(period)):
        block = {(t * b_ + m) % n_ for m in range(b_)}
        out.append(int(j in block) - int(k in block))
    return out


def _check_nb(n_: int, b_: int) -> None:
    if int(n_) != n_ or n_ < 2:
        raise DomainError("n", n_, "an integer >= 2")
    if int(b_) != b_ or not 1 <= b_ <= n_:
        raise DomainError("batch_size", b_, f"an integer in [1, n={n_}]")


def _exact(v: Any) -> sp.Rational:
    """A state coordinate as an exact rational: a float by its exact binary value (the number
    the engine holds), anything else through :func:`theory.domain.expression` (strings
    other than plain decimals and rationals are refused)."""
    if isinstance(v, float) and math.isfinite(v):
        return sp.Rational(Fraction(v))
    out = expression("state", v, "rational or float numbers")
    if not out.is_Rational:
        raise DomainError("state", v, "rational or float numbers")
    return out


def _batches(n_: int, b_: int, schedule: str) -> list[tuple[tuple[int, ...], sp.Rational]]:
    """Every batch (as a multiset of indices) with its exact probability."""
    if schedule == "random":
        combos = list(itertools.combinations(range(n_), b_))
        w = sp.Rational(1, len(combos))
        return [(c, w) for c in combos]
    if schedule == "full":
        return [(tuple(range(n_)), sp.Integer(1))]
    if schedule == "replacement":
        if n_**b_ > 200_000:  # pragma: no mutate - a size limit, not a result
            raise DomainError("n**b", n_**b_, "<= 200000 for exact enumeration")
        w = sp.Rational(1, n_**b_)
        return [(c, w) for c in itertools.product(range(n_), repeat=b_)]
    raise DomainError("schedule", schedule, "random, replacement or full for enumeration")


def log_ratio_increment_law(a: Sequence[Any], j: int, k: int, gamma_: Any, b_: int,
                            perp2: Any = 0, conventions: Conventions = RELU,
                            schedule: str = "random") -> dict[sp.Expr, sp.Rational]:
    """The exact law of D' - D (values as exact SymPy logs, probabilities as Rationals).

    ``a`` is the vector of the n data coordinates, ``perp2`` = ||w_perp||^2, so
    r = sum a_i^2 + perp2; gamma_ = eta/b.  Every batch is enumerated and pushed
    through the step map of the theory core (multiplicity counted for ``replacement``).
    Requires gamma S_B < 1 for every batch and a_j, a_k active.

    >>> law = log_ratio_increment_law([1, 1, 1], 0, 1, sp.Rational(1, 10), 1,
    ...                               conventions=Conventions("linear"))
    >>> sorted(law.values())
    [1/3, 1/3, 1/3]
    """
    n_ = len(a)
    _check_nb(n_, b_)
    if j == k or not (0 <= j < n_ and 0 <= k < n_):
        raise DomainError("(j, k)", (j, k), f"two different indices in [0, {n_})")
    av = [_exact(v) for v in a]
    g = _exact(gamma_)
    if g <= 0:
        raise DomainError("gamma", gamma_, "> 0")
    sig = [conventions.sigma(v) for v in av]
    for idx in (j, k):
        if sig[idx] == 0:
            raise DomainError(f"a[{idx}]", a[idx], "active (nonzero; > 0 for relu)")
    rr = sum((v**2 for v in av), sp.Integer(0)) + _exact(perp2)
    m = sgd_step_map(conventions)
    law: dict[sp.Expr, sp.Rational] = {}
    for batch, w in _batches(n_, b_, schedule):
        sb = sum((sig[i] ** 2 for i in batch), sp.Integer(0))
        mult = m["multiplier"].subs({gamma: g, S_B: sb})
        if mult <= 0:
            raise DomainError("gamma*S_B", g * sb, "< 1 for every batch")
        new = {}
        for idx in (j, k):
            cnt = batch.count(idx)
            new[idx] = av[idx] * mult + cnt * m["additive"].subs(
                {a_j: av[idx], gamma: g, r: rr}
            )
        ratio = sp.Rational((new[j] / new[k]) / (av[j] / av[k]))
        if ratio <= 0:
            raise DomainError("state", a, "such that signs are preserved (1 + c_B > 0)")
        val = sp.log(ratio) if ratio != 1 else sp.Integer(0)
        law[val] = law.get(val, sp.Integer(0)) + w
    return law


def _to_mp(expr: sp.Expr, dps: int) -> mpmath.mpf:
    """An exact SymPy number as an mpmath number, correct to ``dps`` + 10 digits."""
    return mpmath.mpf(str(sp.N(expr, dps + 10)))


def exact_drift(a: Sequence[Any], j: int, k: int, gamma_: Any, b_: int, perp2: Any = 0,
                conventions: Conventions = RELU, schedule: str = "random", dps: int = 50
                ) -> mpmath.mpf:
    """E[D' - D | state] exactly, by enumerating batches, evaluated at ``dps`` digits.

    Claim ``walk.outward_drift``; the sign equals that of |a_j| - |a_k| when r < 2.

    >>> d = exact_drift([sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 8)], 0, 1,
    ...                 sp.Rational(1, 10), 1)
    >>> d > 0
    True
    """
    law = log_ratio_increment_law(a, j, k, gamma_, b_, perp2, conventions, schedule)
    with mpmath.workdps(dps):
        tot = mpmath.mpf(0)
        for val, w in law.items():
            tot += mpmath.mpf(w.p) / w.q * _to_mp(val, dps)
        return +tot


def coupling_drift(
    a: Sequence[Any],
    j: int,
    k: int,
    gamma_: Any,
    b_: int,
    perp2: Any = 0,
    conventions: Conventions = RELU,
    dps: int = 50,
) -> mpmath.mpf:
    """The coupling form p E_T[f(a_j^2 + T) - f(a_k^2 + T)] (random schedule), at ``dps`` digits.

    T is the sum of sigma(a_m)^2 over a uniform (b - 1)-subset of the n - 2 others;
    p = b (n - b)/(n (n - 1)).  Equals :func:`exact_drift` (claim ``walk.outward_drift``).

    >>> st = [sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 8)]
    >>> abs(coupling_drift(st, 0, 1, sp.Rational(1, 10), 2)
    ...     - exact_drift(st, 0, 1, sp.Rational(1, 10), 2)) < 1e-40
    True
    """
    n_ = len(a)
    _check_nb(n_, b_)
    av = [_exact(v) for v in a]
    sig2 = [conventions.sigma(v) ** 2 for v in av]
    rr = sum((v**2 for v in av), sp.Integer(0)) + _exact(perp2)
    g = _exact(gamma_)
    f = f_expr(conventions).subs({gamma: g, r: rr})
    if b_ == n_:
        return mpmath.mpf(0)  # p = 0: D never moves under full batch
    others = [sig2[i] for i in range(n_) if i not in (j, k)]
    subsets = list(itertools.combinations(others, b_ - 1))
    pv = move_probability("random").subs({n: n_, b: b_})
    with mpmath.workdps(dps):
        tot = mpmath.mpf(0)
        for sub in subsets:
            tt = sum(sub, sp.Integer(0))
            tot += _to_mp(f.subs(X, sig2[j] + tt) - f.subs(X, sig2[k] + tt), dps)
        return +(mpmath.mpf(pv.p) / pv.q * tot / len(subsets))


@cache
def drift_expansion(order: int = 3) -> dict[str, sp.Expr]:
    """Claim ``walk.outward_drift``: the drift as a series in gamma (random schedule).

    Expands f(a_j^2 + T) - f(a_k^2 + T) in gamma with SymPy; up to gamma^3 it is linear
    in T, so E_T needs only E[T] = (b - 1)/(n - 2) (S - a_j^2 - a_k^2) (b - 1 of the n - 2
    others drawn uniformly; all active, S = sum of squares of active coordinates; for
    n = 2, b = 1 and T = 0, so set the gamma^3 term's E[T] to 0 there).
    Returns the gamma^2 and gamma^3 coefficients of E/p and the truncated drift.

    >>> e = drift_expansion()
    >>> e["gamma2"]
    -(a_j - a_k)*(a_j + a_k)*(r - 2)
    """
    if order not in (2, 3):
        raise DomainError("order", order, "2 or 3")
    f = f_expr()
    diff = f.subs(X, a_j**2 + T) - f.subs(X, a_k**2 + T)
    # terms up to gamma^order (more terms would change no coefficient read below)
    ser = sp.series(diff, gamma, 0, order + 1).removeO()  # pragma: no mutate - see above
    c2 = sp.expand(ser.coeff(gamma, 2))
    c3 = sp.expand(ser.coeff(gamma, 3))
    if sp.expand(ser.coeff(gamma, 1)) != 0 or sp.expand(ser.coeff(gamma, 0)) != 0:
        raise AssertionError("drift must start at gamma^2")  # pragma: no cover
    if sp.diff(c3, T, 2) != 0:  # pragma: no cover - the linearity the claim relies on
        raise AssertionError("gamma^3 coefficient must be linear in T")
    mean_t = (b - 1) / (n - 2) * (S - a_j**2 - a_k**2)
    e3 = sp.factor(c3.subs(T, mean_t))
    out = {"gamma2": sp.factor(c2), "gamma3_given_T": sp.factor(c3), "gamma3": e3}
    drift = p * gamma**2 * c2
    if order == 3:
        drift += p * gamma**3 * e3
    out["drift"] = drift
    return out


def stability_at_xk(conventions: Conventions = RELU) -> dict[str, sp.Expr]:
    """Claim ``walk.stability_at_xk``, derived from the step map.

    Near w = x_k (a_k = 1, r = 1) a small active a_i = eps grows by a_i'/a_i, in the
    limit eps -> 0: 1 + gamma (i in B, k not), 1 - gamma (k in B, i not), 1 otherwise.
    With P = p for each mixed case, E[increment of log a_i] = p log(1 - gamma^2) < 0.
    The radial multiplier d a_k'/d a_k at a_k = 1 (w = a_k x_k, k in B) is 1 - 4 gamma,
    so |1 - 4 gamma| < 1 needs gamma < 1/2 (eta < b/2).

    >>> st = stability_at_xk()
    >>> st["expected_log_increment"], st["radial_multiplier"]
    (p*log(1 - gamma**2), 1 - 4*gamma)
    """
    m = sgd_step_map(conventions)
    eps = sp.Symbol("epsilon", positive=True)
    grow = {}
    for i_in, k_in in itertools.product((True, False), repeat=2):
        sb = (1 if k_in else 0) + (eps**2 if i_in else 0)
        key = "in_batch" if i_in else "out_of_batch"
        new = _active(m[key], a_j).subs({a_j: eps, S_B: sb, r: 1 + eps**2})
        grow[(i_in, k_in)] = sp.limit(sp.simplify(new / eps), eps, 0)
    # both in the batch or both out: a_i and a_k move alike, a_i'/a_i -> 1 (log 1 = 0), so
    # only the two mixed cases, each of probability p, contribute
    if grow[(True, True)] != 1 or grow[(False, False)] != 1:  # pragma: no cover
        raise AssertionError(f"unexpected growth factors {grow}")
    expect = p * sp.log(grow[(True, False)]) + p * sp.log(grow[(False, True)])
    claimed = p * sp.log(1 - gamma**2)
    if sp.expand(sp.simplify(sp.exp(sp.expand(expect / p)))) != 1 - gamma**2:  # pragma: no cover
        raise AssertionError(f"stability drift {expect} != {claimed}")
    ak = sp.Symbol("a_k_pos", positive=True)
    radial = _active(m["in_batch"], a_j).subs({a_j: ak, r: ak**2, S_B: ak**2})
    if sp.simplify(radial.subs(ak, 1) - 1) != 0:  # pragma: no cover
        raise AssertionError("x_k must be a fixed point")
    mult = sp.expand(sp.diff(radial, ak).subs(ak, 1))
    return {
        "growth_factors": {
            "i_only": grow[(True, False)],
            "k_only": grow[(False, True)],
            "both": grow[(True, True)],
            "neither": grow[(False, False)],
        },
        "expected_log_increment": claimed,
        "radial_multiplier": mult,
        "radial_multiplier_k_not_in_batch": sp.Integer(1),
    }


def variance_scale() -> dict[str, sp.Expr]:
    """Claim ``walk.variance_scale`` (heuristic): per-step variance of D near the minimum.

    At r = 1 and S_B -> 0 the steps are +-log(1 + gamma), each with probability p; to
    leading order in gamma the variance is 2 p gamma^2, and with gamma = eta/b and the
    random-schedule p it is 2 eta^2 (n - b)/(b n (n - 1)).

    >>> v = variance_scale()
    >>> v["variance"]
    2*gamma**2*p
    >>> sp.simplify(v["in_eta"] - 2 * eta**2 * (n - b) / (b * n * (n - 1)))
    0
    """
    step = log_ratio_step().subs({r: 1, S_B: 0})
    var = 2 * p * step**2  # the two directions have the same step, so the mean is 0
    lead = sp.series(var, gamma, 0, 3).removeO()
    in_eta = sp.factor(lead.subs(p, move_probability("random")).subs(gamma, eta / b))
    return {"variance": sp.expand(lead), "in_eta": in_eta}
