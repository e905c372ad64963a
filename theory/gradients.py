"""Per-sample and full gradients, and the one-step SGD map in coordinates.

Claims ``grad.per_sample`` and ``sgd.multiplicative`` (SPEC section 2):

* grad l_i(w) = sigma(a_i)^2 w + sigma(a_i) (r - 2) x_i  (zero for relu when a_i <= 0);
* one SGD step with per-sample rate gamma = eta/b:
  a_j <- a_j (1 - gamma S_B) + gamma 1[j in B] sigma(a_j) (2 - r),
  w_perp <- w_perp (1 - gamma S_B).

Both are derived by the chain rule from the reduced per-sample loss (dl/dr and dl/da_i),
region by region, and separately by differentiating the explicit polynomial loss; the
two agree (:func:`explicit_gradient_matches`).

>>> from theory.conventions import Conventions
>>> cw, cx = per_sample_gradient_coefficients(Conventions("linear"))
>>> cw, cx
(a_i**2, a_i*(r - 2))
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import sympy as sp

from .conventions import Conventions
from .model import explicit_per_sample_loss, region_sigma, weight_vector
from .symbols import S_B, S, a_i, a_j, gamma, n, r

__all__ = [
    "equal_on_regions",
    "explicit_gradient_matches",
    "explicit_per_sample_gradient",
    "explicit_sgd_step",
    "per_sample_gradient_coefficients",
    "sgd_step_map",
    "sgd_step_matches_explicit",
    "whole_batch_gradient",
]


def equal_on_regions(lhs: sp.Expr, rhs: sp.Expr, x: sp.Symbol) -> bool:
    """Whether two expressions agree on x > 0, x < 0 and x = 0 (Heaviside(x, .) resolved).

    SymPy does not reduce Heaviside(x)**2 to Heaviside(x); splitting by the sign of x
    does, and keeps the value at the kink explicit.
    """
    pos = sp.Symbol("x_pos", positive=True)
    neg = sp.Symbol("x_neg", negative=True)
    kink = sp.Integer(0)  # pragma: no mutate - a self-check's point: a wrong one only weakens it
    return all(sp.simplify((lhs - rhs).subs(x, val)) == 0 for val in (pos, neg, kink))


def _region_coefficients(active: bool, conventions: Conventions) -> tuple[sp.Expr, sp.Expr]:
    """(coefficient of w, coefficient of x_i) in grad l_i on one activation region.

    l_i = (r sigma^2 - 2 a sigma + 1)/2 with r = ||w||^2, a = <w, x_i>, so by the chain
    rule grad l_i = 2 (dl/dr) w + (dl/da) x_i.
    """
    sig = region_sigma(a_i, active, conventions)
    li = (r * sig**2 - 2 * a_i * sig + 1) / 2
    return sp.expand(2 * sp.diff(li, r)), sp.factor(sp.diff(li, a_i))


@cache
def per_sample_gradient_coefficients(conventions: Conventions) -> tuple[sp.Expr, sp.Expr]:
    """Claim ``grad.per_sample`` as (c_w, c_x) with grad l_i = c_w w + c_x x_i.

    For linear the coefficients are a_i^2 and a_i (r - 2).  For relu they are written
    with sigma(a_i) = a_i Heaviside(a_i, relu'(0)); the inactive region gives (0, 0) and
    at a_i = 0 both regions give 0, so the gradient does not depend on relu'(0).
    """
    cw_on, cx_on = _region_coefficients(True, conventions)
    if not conventions.is_relu:
        return cw_on, cx_on
    cw_off, cx_off = _region_coefficients(False, conventions)
    if (cw_off, cx_off) != (0, 0):  # pragma: no cover - a derivation error
        raise AssertionError("inactive relu region must have zero gradient")
    # sigma^2 = a^2 H and sigma (r-2) = a H (r-2) with H = Heaviside(a, h0): on a > 0 this
    # is the active region, on a < 0 zero, and at a = 0 zero whatever h0 is.
    heav = sp.Heaviside(a_i, conventions.relu_prime_at_zero)
    return cw_on * heav, cx_on * heav


@cache
def whole_batch_gradient(conventions: Conventions) -> dict[str, sp.Expr]:
    """Claim ``grad.whole_batch``: grad L = (1/n) sum_i grad l_i in coordinates.

    Summing ``per_sample_gradient_coefficients`` over the n data points: the w-terms add up
    to S w (S = sum_i sigma(a_i)^2) and data point x_j contributes only to coordinate j, so

        dL/da_j = (S a_j + sigma(a_j)(r - 2)) / n   (j <= n, a data coordinate),
        dL/dw_perp = S w_perp / n                  (the part orthogonal to the data).

    Returned as ``{"data": ..., "perp_factor": S/n}`` in a_j, S, r, n.
    """
    cw, cx = per_sample_gradient_coefficients(conventions)
    del cw  # its sum over i is S by the definition of S
    return {"data": (S * a_j + cx.subs(a_i, a_j)) / n, "perp_factor": S / n}


def explicit_per_sample_gradient(
    w: sp.Matrix, i: int, conventions: Conventions, active: bool = True
) -> sp.Matrix:
    """grad l_i by differentiating the explicit polynomial loss (second route)."""
    li = explicit_per_sample_loss(w, i, conventions, active)
    return sp.Matrix([sp.diff(li, wm) for wm in w])


def explicit_gradient_matches(
    d_: int, n_: int, conventions: Conventions, coefficients: tuple[sp.Expr, sp.Expr] | None = None
) -> bool:
    """``grad.per_sample`` by two routes for concrete d, n, on every region of each i.

    The closed form c_w(a_i) w + c_x(a_i, r) x_i (from :func:`per_sample_gradient_coefficients`
    or the given ``coefficients``) is compared with the derivative of the explicit loss.
    """
    cw, cx = per_sample_gradient_coefficients(conventions) if coefficients is None else coefficients
    w = weight_vector(d_)
    rr = sum((wm**2 for wm in w), sp.Integer(0))
    regions = (True, False) if conventions.is_relu else (True,)
    for i in range(n_):
        x = sp.Matrix([1 if m == i else 0 for m in range(d_)])
        for active in regions:
            heav = sp.Integer(1 if active else 0)
            sub = {a_i: w[i], r: rr}
            c_w = cw.subs(sp.Heaviside(a_i, conventions.relu_prime_at_zero), heav).subs(sub)
            c_x = cx.subs(sp.Heaviside(a_i, conventions.relu_prime_at_zero), heav).subs(sub)
            closed = c_w * w + c_x * x
            explicit = explicit_per_sample_gradient(w, i, conventions, active)
            if sp.expand(explicit - closed) != sp.zeros(d_, 1):
                return False
    return True


@cache
def sgd_step_map(conventions: Conventions) -> dict[str, sp.Expr]:
    """Claim ``sgd.multiplicative``: the one-step SGD map in coordinates.

    Returns the expressions (in a_j, r, S_B, gamma):

    ``multiplier``        1 - gamma S_B (every coordinate and w_perp are multiplied by it)
    ``in_batch``          a_j' for j in the batch
    ``out_of_batch``      a_j' for j not in the batch
    ``perp_multiplier``   factor of w_perp

    Derived by projecting w' = w - gamma sum_{i in B} (c_w(a_i) w + c_x(a_i) x_i) on
    x_j and on the orthogonal complement; sum_{i in B} c_w(a_i) is S_B by definition.
    """
    cw, cx = per_sample_gradient_coefficients(conventions)
    sig_j = conventions.sigma(a_j)
    # sum over the batch of c_w(a_i) = sum sigma(a_i)^2 = S_B (c_w = sigma^2 on every region)
    if not equal_on_regions(cw, conventions.sigma(a_i) ** 2, a_i):  # pragma: no cover
        raise AssertionError("c_w must equal sigma(a_i)^2")
    multiplier = 1 - gamma * S_B
    cx_j = cx.subs(a_i, a_j)
    in_batch = sp.expand(a_j * multiplier - gamma * cx_j)
    out_of_batch = a_j * multiplier
    # express the in-batch term as multiplier * a_j + gamma sigma(a_j)(2 - r)
    additive = sp.simplify(in_batch - a_j * multiplier)
    if not equal_on_regions(additive, gamma * sig_j * (2 - r), a_j):  # pragma: no cover
        raise AssertionError("in-batch additive term must be gamma sigma(a_j)(2 - r)")
    return {
        "multiplier": multiplier,
        "in_batch": a_j * multiplier + gamma * sig_j * (2 - r),
        "out_of_batch": out_of_batch,
        "perp_multiplier": multiplier,
        "additive": gamma * sig_j * (2 - r),
    }


def explicit_sgd_step(
    w: sp.Matrix, batch: Sequence[int], conventions: Conventions, pattern: Sequence[bool]
) -> sp.Matrix:
    """w - gamma sum_{i in B} grad l_i(w) from explicit gradients (second route)."""
    g = sp.zeros(w.shape[0], 1)
    for i in batch:
        g += explicit_per_sample_gradient(w, i, conventions, pattern[i])
    return w - gamma * g


def sgd_step_matches_explicit(
    d_: int,
    n_: int,
    batch: Sequence[int],
    conventions: Conventions,
    pattern: Sequence[bool],
    step_map: dict[str, sp.Expr] | None = None,
) -> bool:
    """``sgd.multiplicative`` by two routes for concrete d, n, batch and region.

    ``step_map`` replaces :func:`sgd_step_map` (negative controls pass a wrong one).
    """
    w = weight_vector(d_)
    new = explicit_sgd_step(w, batch, conventions, pattern)
    m = sgd_step_map(conventions) if step_map is None else step_map
    rr = sum((wm**2 for wm in w), sp.Integer(0))
    sb = sum((region_sigma(w[i], pattern[i], conventions) ** 2 for i in batch), sp.Integer(0))
    for j in range(d_):
        if j < n_:
            key = "in_batch" if j in batch else "out_of_batch"
            region = region_sigma(a_j, pattern[j], conventions)
            region_expr = m[key].subs(conventions.sigma(a_j), region)
            expected = region_expr.subs({a_j: w[j], r: rr, S_B: sb})
        else:
            expected = m["perp_multiplier"].subs(S_B, sb) * w[j]
        if sp.expand(new[j] - expected) != 0:
            return False
    return True
