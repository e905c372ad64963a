"""Exact consequences of the SGD step map: full batch, fixed points, cyclic classes.

Claims (SPEC section 2): ``gd.ratio_invariance``, ``gd.limit``, ``gd.dense_aligned``,
``sgd.fixed_points``, ``sgd.sparse_limit``, ``sgd.orthogonal``, ``cyclic.blocks``,
``relu.dead_init``.  Everything is derived from :func:`theory.gradients.sgd_step_map`.

>>> gd_ratio_invariance()
0
>>> cyclic_classes(6, 4)
[[0, 1], [2, 3], [4, 5]]
"""

from __future__ import annotations

import math
from functools import cache

import sympy as sp

from .conventions import Conventions
from .gradients import per_sample_gradient_coefficients, sgd_step_map
from .symbols import S_B, S, a_i, a_j, a_k, b, d, gamma, n, r

__all__ = [
    "STABILITY_SCHEDULES",
    "active_vs_perp_growth",
    "alignment_ratio_of_expectations",
    "batch_gradient_coefficients_at_min",
    "cyclic_class_size",
    "cyclic_classes",
    "dead_init_probability",
    "gd_common_factor",
    "gd_radial_map",
    "gd_ratio_invariance",
    "max_abs_gaussian_scale",
    "stability_bound_gamma",
]

rho = sp.Symbol("rho", positive=True)

STABILITY_SCHEDULES: tuple[str, ...] = ("random", "replacement", "reshuffle", "cyclic", "full")
"""The schedules :func:`stability_bound_gamma` knows (all but ``replacement``: one copy)."""


@cache
def gd_common_factor() -> sp.Expr:
    """Full batch (b = n): every active coordinate is multiplied by 1 + gamma (2 - r - S).

    From the in-batch step a_j' = a_j (1 - gamma S_B) + gamma a_j (2 - r) with S_B = S.
    """
    step = sgd_step_map(Conventions("linear"))["in_batch"]
    return sp.factor(sp.expand(step.subs(S_B, S) / a_j))


@cache
def gd_ratio_invariance() -> sp.Expr:
    """``gd.ratio_invariance``: a_j(t+1)/a_k(t+1) - a_j(t)/a_k(t) for active j, k (= 0)."""
    step = sgd_step_map(Conventions("linear"))["in_batch"].subs(S_B, S)
    return sp.simplify(step / step.subs(a_j, a_k) - a_j / a_k)


@cache
def gd_radial_map() -> dict[str, sp.Expr]:
    """``gd.limit``: the norm rho of the active part once the rest has decayed.

    With inactive coordinates and w_perp gone, r = S = rho^2 and
    rho' = rho (1 + gamma (2 - 2 rho^2)); the fixed point rho = 1 has multiplier
    1 - 4 gamma (stable iff 0 < gamma < 1/2, i.e. eta < n/2 at b = n).  Inactive
    coordinates and w_perp are multiplied by 1 - gamma S each step, which tends to
    1 - gamma, so they vanish: w_inf = u/||u||.
    """
    factor = gd_common_factor().subs({S: rho**2, r: rho**2})
    rho_map = sp.expand(rho * factor)
    fixed = [f for f in sp.solve(sp.Eq(rho_map, rho), rho) if f.is_positive]
    multiplier = sp.simplify(sp.diff(rho_map, rho).subs(rho, 1))
    return {
        "map": rho_map,
        "fixed_points": sp.Tuple(*fixed),
        "multiplier_at_1": multiplier,
        "stability_bound_gamma": sp.solve(sp.Eq(multiplier, -1), gamma)[0],
    }


@cache
def stability_bound_gamma(schedule: str = "random") -> sp.Expr:
    """The largest per-sample rate gamma at which x_k is a stable fixed point of SGD.

    With c copies of x_k in a batch (w = a x_k, r = S_B / c = a^2), the step map of
    ``sgd.multiplicative`` with the additive term counted c times gives
    a' = a (1 - gamma c a^2) + c gamma a (2 - a^2), whose derivative at a = 1 is
    1 - 4 c gamma: stable iff gamma < 1/(2c).  Every schedule but ``replacement`` puts at
    most one copy of an index in a batch (c = 1: gamma < 1/2, the full-batch bound of
    :func:`gd_radial_map`); ``replacement`` can draw x_k b times (c = b: gamma < 1/(2b)).

    >>> stability_bound_gamma("random"), stability_bound_gamma("replacement")
    (1/2, 1/(2*b))
    """
    from .domain import choice

    choice("schedule", schedule, STABILITY_SCHEDULES)
    copies = b if schedule == "replacement" else sp.Integer(1)
    c = sp.Symbol("c", positive=True)
    step = sgd_step_map(Conventions("linear"))
    a = sp.Symbol("a_pos", positive=True)
    # the in-batch map a_j (1 - gamma S_B) + gamma sigma(a_j)(2 - r), additive counted c times
    radial = (step["out_of_batch"] + c * step["additive"]).subs(
        {a_j: a, S_B: c * a**2, r: a**2})
    multiplier = sp.expand(sp.diff(radial, a).subs(a, 1))
    bound = sp.solve(sp.Eq(multiplier, -1), gamma)[0]
    if sp.simplify(bound.subs(c, 1) - gd_radial_map()["stability_bound_gamma"]) != 0:
        raise AssertionError("one-copy bound must be the full-batch bound")  # pragma: no cover
    return sp.simplify(bound.subs(c, copies))


@cache
def alignment_ratio_of_expectations(conventions: Conventions) -> sp.Expr:
    """``gd.dense_aligned``: E||u||^2 / E||w_0||^2 = n/(2d) (relu), n/d (linear).

    With w_0 ~ N(0, (s0^2/d) I_d), E[a^2 1(a > 0)] = s0^2/(2d) by symmetry and
    E||w_0||^2 = s0^2; so cos(w_inf, w_0) = ||u||/||w_0|| concentrates at the square root.
    """
    x = sp.Symbol("x", real=True)
    # any positive variance gives the same ratio (it is scale-free)
    sig2 = sp.Symbol("sigma0", positive=True) ** 2  # pragma: no mutate - scale-free
    dens = sp.exp(-(x**2) / (2 * sig2)) / sp.sqrt(2 * sp.pi * sig2)
    lower = 0 if conventions.is_relu else -sp.oo
    per_coord = sp.integrate(x**2 * dens, (x, lower, sp.oo))
    return sp.simplify(n * per_coord / (d * sig2))


@cache
def batch_gradient_coefficients_at_min() -> dict[str, sp.Expr]:
    """``sgd.fixed_points``: batch gradient at a global minimum (r = S = 1).

    sum_{i in B} grad l_i = S_B w + sum_{i in B} a_i (r - 2) x_i = (S_B I - Q_B) w at
    r = 1.  Its x_j component is a_j (S_B - 1) for j in B and a_j S_B for j not in B, so
    it vanishes for every batch only if every batch contains all or none of the support:
    for b < n that forces support size 1.
    """
    cw, cx = per_sample_gradient_coefficients(Conventions("linear"))
    in_b = sp.factor((S_B * a_i + cx.subs(r, 1)) / a_i)
    return {"in_batch": in_b, "out_of_batch": S_B, "c_w": cw}


def cyclic_classes(n_: int, b_: int) -> list[list[int]]:
    """``cyclic.blocks``: classes of indices that share every batch of the cyclic schedule.

    The schedule takes consecutive blocks {t b, ..., t b + b - 1} mod n.  Enumerating one
    period (lcm(n, b)/b batches) gives the classes; they are the n/g consecutive blocks of
    g = gcd(b, n) indices.  Exact and finite: pure combinatorics, no sampling.
    """
    if not 1 <= b_ <= n_:
        from .domain import DomainError

        raise DomainError("batch_size", b_, f"in [1, n={n_}]")
    period = math.lcm(n_, b_) // b_
    batches = [frozenset((t * b_ + j) % n_ for j in range(b_)) for t in range(period)]
    signature = {i: tuple(i in bt for bt in batches) for i in range(n_)}
    groups: dict[tuple[bool, ...], list[int]] = {}
    for i in range(n_):
        groups.setdefault(signature[i], []).append(i)
    return sorted(groups.values())


class gcd(sp.Function):
    """Unevaluated gcd(b, n) for symbols; evaluates to the integer gcd on integers."""

    @classmethod
    def eval(cls, x: sp.Expr, y: sp.Expr) -> sp.Expr | None:
        if x.is_Integer and y.is_Integer:
            return sp.Integer(math.gcd(int(x), int(y)))
        return None


@cache
def cyclic_class_size() -> sp.Expr:
    """``cyclic.blocks``: the class size gcd(b, n) (the limit is 1-sparse iff it is 1).

    >>> cyclic_class_size().subs({b: 4, n: 6})
    2
    """
    return gcd(b, n)


@cache
def dead_init_probability() -> sp.Expr:
    """``relu.dead_init``: P(all a_i(0) <= 0) = 2^-n for a centred Gaussian initialisation.

    With w_0 ~ N(0, (s0^2/d) I_d) and orthonormal data the a_i(0) = <w_0, x_i> are
    independent N(0, s0^2/d); each is <= 0 with the probability the density integrates to
    on (-oo, 0], and the n events are independent.
    """
    x = sp.Symbol("x", real=True)
    var = sp.Symbol("sigma0", positive=True) ** 2
    density = sp.exp(-(x**2) / (2 * var)) / sp.sqrt(2 * sp.pi * var)
    per_coordinate = sp.simplify(sp.integrate(density, (x, -sp.oo, 0)))
    k = sp.Symbol("k", integer=True, positive=True)
    return sp.powsimp(sp.Product(per_coordinate, (k, 1, n)).doit().rewrite(sp.Pow))


@cache
def active_vs_perp_growth() -> sp.Expr:
    """``relu.large_init``: a_j'/a_j divided by w_perp'/w_perp, minus 1, for j in the batch.

    Equals gamma (2 - r)/(1 - gamma S_B): negative iff r > 2, so while ||w||^2 > 2 every
    active coordinate in the batch shrinks faster than the orthogonal part and the
    inactive coordinates.  From a start with large r and small S the positive part can
    decay to 0 before r falls below 2, and SGD converges to the dead set (L = 1/2).
    """
    step = sgd_step_map(Conventions("linear"))
    return sp.simplify(step["in_batch"] / (a_j * step["perp_multiplier"]) - 1)


@cache
def max_abs_gaussian_scale() -> sp.Expr:
    """``sgd.orthogonal``: the bound max_i |a_i(0)|/||w_0|| ~ sqrt(2 log n / d).

    max of n standard Gaussians ~ sqrt(2 log n) (classical extreme-value asymptotics),
    each a_i(0) has variance s0^2/d, ||w_0|| ~ s0.  A heuristic scale, not a bound.
    """
    return sp.sqrt(2 * sp.log(n) / d)
