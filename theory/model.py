"""The model and its loss, explicitly in coordinates and in reduced form.

Claim ``loss.coordinates`` (SPEC section 2): L(w) = ((r - 2) S + n) / (2n) for both
activations, where r = ||w||^2 and S = sum_i sigma(a_i)^2.  The reduced form uses
sigma(a) a = sigma(a)^2, which holds for relu whatever relu'(0) is.

Two routes are provided: the explicit loss for a concrete (d, n) as a polynomial in the
symbols w_1..w_d (per activation region for relu), and the reduced form in symbolic
d, n.  :func:`explicit_matches_reduced` shows their equality.

>>> from theory.conventions import Conventions
>>> explicit_matches_reduced(3, 2, Conventions("relu"))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import sympy as sp

from .conventions import Conventions
from .symbols import S, a_i, n, r

__all__ = [
    "activation_patterns",
    "explicit_loss",
    "explicit_matches_reduced",
    "explicit_per_sample_loss",
    "reduced_loss",
    "reduced_per_sample_loss",
    "region_sigma",
    "weight_vector",
]


def weight_vector(d: int) -> sp.Matrix:
    """The explicit weight w = (w_1, ..., w_d) as real SymPy symbols (data x_i = e_i)."""
    if d < 1:
        raise ValueError(f"{d=} must be >= 1")
    return sp.Matrix(sp.symbols(f"w_1:{d + 1}", real=True))


def region_sigma(x: sp.Expr, active: bool, conventions: Conventions) -> sp.Expr:
    """sigma on one activation region: x when active (linear, or relu with x > 0), else 0.

    Deriving region by region keeps every expression a polynomial, so derivatives never
    meet the kink (STYLE habit 2); the kink convention is applied when the region of a
    coordinate equal to 0 is chosen (:meth:`Conventions.is_active`).
    """
    if not conventions.is_relu or active:
        return x
    return sp.Integer(0)


def activation_patterns(n_data: int, conventions: Conventions) -> Iterable[tuple[bool, ...]]:
    """All activation patterns of the n data coordinates (one pattern for linear)."""
    if not conventions.is_relu:
        yield (True,) * n_data
        return
    for mask in range(2**n_data):
        yield tuple(bool(mask >> i & 1) for i in range(n_data))


def explicit_per_sample_loss(
    w: sp.Matrix, i: int, conventions: Conventions, active: bool = True
) -> sp.Expr:
    """l_i(w) = 1/2 ||w sigma(w_i) - e_i||^2 for data point i (0-based), on one region."""
    d_ = w.shape[0]
    x = sp.Matrix([1 if m == i else 0 for m in range(d_)])
    sig = region_sigma(w[i], active, conventions)
    diff = w * sig - x
    return sp.expand(sp.Rational(1, 2) * (diff.T * diff)[0, 0])


def explicit_loss(
    d_: int, n_: int, conventions: Conventions, pattern: Sequence[bool] | None = None
) -> tuple[sp.Expr, sp.Matrix]:
    """The empirical loss L(w) = (1/n) sum_i l_i(w) for concrete d, n on one region.

    Returns ``(L, w)``.  ``pattern[i]`` says whether data coordinate i is active
    (ignored for linear; all active by default).
    """
    if not 1 <= n_ <= d_:
        raise ValueError(f"need 1 <= n <= d, got n={n_}, d={d_}")
    if pattern is None:
        pattern = (True,) * n_
    w = weight_vector(d_)
    total = sum(
        (explicit_per_sample_loss(w, i, conventions, pattern[i]) for i in range(n_)), sp.Integer(0)
    )
    return sp.expand(total / n_), w


@cache
def reduced_per_sample_loss() -> sp.Expr:
    """l_i in terms of r = ||w||^2, a_i and sigma: (r sigma(a_i)^2 - 2 a_i sigma(a_i) + 1)/2.

    Written with the undefined function ``sigma`` so that it holds for both activations.
    """
    sig = sp.Function("sigma")(a_i)
    return (r * sig**2 - 2 * a_i * sig + 1) / 2


@cache
def reduced_loss() -> sp.Expr:
    """Claim ``loss.coordinates``: L = ((r - 2) S + n) / (2n).

    Obtained from :func:`reduced_per_sample_loss` by summing over i, using
    a_i sigma(a_i) = sigma(a_i)^2 (true for linear and for relu) and sum sigma^2 = S.
    """
    sig = sp.Function("sigma")(a_i)
    summand = reduced_per_sample_loss().subs(a_i * sig, sig**2)
    # sum over i of summand: sigma^2 terms sum to S, constants to n.
    per = sp.expand(summand).subs(sig**2, S)
    # `per` is ((r - 2) S + 1)/2 with S standing for one summand; summing: S-terms add
    # up to S, the constant 1/2 to n/2.
    s_part = sp.expand(per).coeff(S)
    const = sp.expand(per).subs(S, 0)
    return sp.simplify((s_part * S + const * n) / n)


def explicit_matches_reduced(
    d_: int, n_: int, conventions: Conventions, reduced_expr: sp.Expr | None = None
) -> bool:
    """Route check for ``loss.coordinates``: the explicit loss equals the reduced form.

    For every activation pattern, substitute r = sum w_m^2 and S = sum over active
    coordinates of w_i^2 into the reduced form and compare with the explicit polynomial.
    ``reduced_expr`` replaces the derived reduced form (negative controls pass a wrong one).
    """
    target = reduced_loss() if reduced_expr is None else reduced_expr
    for pattern in activation_patterns(n_, conventions):
        loss, w = explicit_loss(d_, n_, conventions, pattern)
        r_val = sum((wm**2 for wm in w), sp.Integer(0))
        s_val = sum(
            (region_sigma(w[i], pattern[i], conventions) ** 2 for i in range(n_)), sp.Integer(0)
        )
        reduced = target.subs({r: r_val, S: s_val, n: n_})
        if sp.expand(loss - reduced) != 0:
            return False
    return True
