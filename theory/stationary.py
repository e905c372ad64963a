"""Stationary points, classified from the reduced form and confirmed exhaustively.

Claims (SPEC section 2): ``minima.value``, ``minima.set``, ``stationary.other`` and
``relu.dead_init``.

Route 1 (symbolic d, n): the gradient in coordinates, from the per-sample coefficients
of :mod:`theory.gradients`, is (1/n)(S + r - 2) a_i along an active x_i, (1/n) S a_i
along an inactive one and (1/n) S w_perp orthogonally to the data.  Setting it to zero
leaves two cases, S = 0 and (S > 0, S + r - 2 = 0, r = S), solved by SymPy.

Route 2 (concrete small d, n): solve grad L = 0 for the explicit polynomial loss on every
activation pattern, keep the solutions consistent with the pattern, and check each is
one of the classified points (:func:`exhaustive_check`).

>>> classify_reduced()["minimum"]
{'S': 1, 'r': 1, 'loss': (n - 1)/(2*n)}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import cache
from typing import Any

import sympy as sp

from .conventions import Conventions
from .gradients import per_sample_gradient_coefficients
from .model import activation_patterns, explicit_loss, reduced_loss
from .symbols import S, a_i, n, r

__all__ = [
    "classify_reduced",
    "exhaustive_check",
    "min_value",
    "reduced_gradient_components",
]


@cache
def reduced_gradient_components() -> dict[str, sp.Expr]:
    """n grad L along an active x_i, an inactive x_i and w_perp (per unit of a_i / w_perp).

    grad L = (1/n) sum_i [c_w(a_i) w + c_x(a_i) x_i] with sum_i c_w(a_i) = S; for an
    active coordinate c_x = a_i (r - 2), for an inactive one 0.
    """
    _, cx = per_sample_gradient_coefficients(Conventions("linear"))
    return {
        "active": sp.factor((S * a_i + cx) / a_i),  # S + r - 2
        "inactive": S,
        "perp": S,
    }


@cache
def classify_reduced() -> dict[str, dict[str, Any]]:
    """Solve the reduced stationarity conditions; returns the minimum and the S = 0 set.

    Case S > 0: every active coordinate with a_i != 0 needs S + r - 2 = 0; the inactive
    and orthogonal parts need S a_i = 0 and S w_perp = 0, so they vanish and r = S
    (r = S + sum of inactive a_i^2 + ||w_perp||^2).  Case S = 0: all components vanish.
    """
    comp = reduced_gradient_components()
    sols = sp.solve([comp["active"], r - S], [S, r], dict=True)
    positive = [sol for sol in sols if sol[S] != 0]
    if len(positive) != 1:  # pragma: no cover - a derivation error
        raise AssertionError(f"expected one S > 0 stationary family, got {sols}")
    sol = positive[0]
    loss_min = sp.factor(reduced_loss().subs(sol))
    zero_components = {k: v.subs(S, 0) for k, v in comp.items() if k != "active"}
    if any(val != 0 for val in zero_components.values()):  # pragma: no cover
        raise AssertionError("S = 0 must kill the inactive and orthogonal components")
    # active components at S = 0: linear has a_i = 0 for all i (S = sum a_i^2); relu has
    # no a_i > 0; so no active coordinate carries a nonzero a_i and grad L = 0.
    return {
        "minimum": {"S": sol[S], "r": sol[r], "loss": loss_min},
        "dead": {"S": sp.Integer(0), "loss": sp.factor(reduced_loss().subs(S, 0))},
    }


@cache
def min_value() -> dict[str, sp.Expr]:
    """``minima.value``: min L = (n - 1)/(2n), by minimising the reduced form.

    L = ((r - 2) S + n)/(2n) is nondecreasing in r (dL/dr = S/(2n) >= 0) and r >= S, so
    the minimum over r is at r = S; the quadratic in S is minimised at S = 1.
    """
    dl_dr = sp.diff(reduced_loss(), r)
    on_boundary = sp.expand(reduced_loss().subs(r, S))
    crit = sp.solve(sp.diff(on_boundary, S), S)
    if crit != [1] or sp.diff(on_boundary, S, 2).is_positive is not True:
        raise AssertionError("reduced loss must have a unique minimiser S = 1")  # pragma: no cover
    value = sp.factor(on_boundary.subs(S, 1))
    return {
        "dL_dr": dl_dr,
        "on_r_equals_S": on_boundary,
        "argmin_S": sp.Integer(crit[0]),
        "value": value,
    }


def _consistent(point: dict[sp.Symbol, sp.Expr], w: sp.Matrix, pattern: tuple[bool, ...],
                conventions: Conventions) -> bool:
    """Whether a (numeric) solution lies in the closure region of its pattern."""
    for i, act in enumerate(pattern):
        val = sp.nsimplify(w[i].subs(point))
        if not conventions.is_relu:
            continue
        if act and not bool(val >= 0):
            return False
        if not act and not bool(val <= 0):
            return False
    return True


def exhaustive_check(
    d_: int,
    n_: int,
    conventions: Conventions,
    classes: Mapping[str, Mapping[str, Any]],
    samples: int = 3,
) -> dict[str, Any]:
    """Route 2: every stationary point of the explicit loss is a minimum or has S = 0.

    For each activation pattern the polynomial system grad L = 0 is solved by SymPy.
    Solution families (curves of minima) are sampled at ``samples`` rational parameter
    values.  Returns counts and the list of offending points (empty when the claim holds).
    Each point is compared with ``classes`` (the shape of :func:`classify_reduced`: a
    ``minimum`` with its S, r and loss, a ``dead`` set with its S and loss, in symbolic n).
    A route passes the classes the library derived, so that a wrong derivation shows up as
    points classified "other".
    """
    at_n = {n: n_}
    want_min = {k: sp.Integer(v) if isinstance(v, int) else v.subs(at_n)
                for k, v in classes["minimum"].items()}
    want_dead = {k: sp.Integer(v) if isinstance(v, int) else v.subs(at_n)
                 for k, v in classes["dead"].items()}
    found = {"minimum": 0, "dead": 0, "other": []}  # type: dict[str, Any]
    for pattern in activation_patterns(n_, conventions):
        loss, w = explicit_loss(d_, n_, conventions, pattern)
        grad = [sp.diff(loss, wm) for wm in w]
        for sol in sp.solve(grad, list(w), dict=True):
            # parameters of a solution family: unsolved variables and those its values use
            used = set().union(set(), *(v.free_symbols for v in sol.values()))
            free = [wm for wm in w if wm not in sol or wm in used]
            free = [wm for wm in free if wm not in sol]
            params = [sp.Rational(k, samples + 1) for k in range(-samples, samples + 1)]
            combos = itertools.product(params, repeat=len(free)) if len(free) <= 2 else (
                [t] * len(free) for t in params
            )
            for combo in combos:
                assign = dict(zip(free, combo, strict=True))
                point = {wm: sp.simplify(sol.get(wm, wm).subs(assign)) for wm in w}
                if any(not v.is_real for v in point.values()):
                    continue  # parameter outside the real part of the family
                if not _consistent(point, w, pattern, conventions):
                    continue
                got = {
                    "loss": sp.simplify(loss.subs(point)),
                    "S": sp.simplify(sum((point[w[i]] ** 2 for i in range(n_) if pattern[i]),
                                         sp.Integer(0))),
                    "r": sp.simplify(sum((v**2 for v in point.values()), sp.Integer(0))),
                }
                if all(sp.simplify(got[k] - v) == 0 for k, v in want_min.items()):
                    found["minimum"] += 1
                elif all(sp.simplify(got[k] - v) == 0 for k, v in want_dead.items()):
                    found["dead"] += 1
                else:
                    found["other"].append((pattern, point, got["loss"]))
    return found
