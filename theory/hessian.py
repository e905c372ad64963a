"""The Hessian of the empirical loss: closed form, spectrum and trace at the minima.

Claims (SPEC section 2): ``hessian.closed_form``, ``hessian.spectrum_at_min``,
``hessian.trace_at_min``, ``hessian.linear_equal``, ``hessian.kink_convention``.

Closed form at w, with Q = sum over active i of x_i x_i^T:

    H(w) = (1/n) [ S I + 2 w (Qw)^T + 2 (Qw) w^T + (r - 2) Q ].

Nothing here builds a d x d matrix in symbolic d: the operator is written on the three
orthogonal subspaces it leaves invariant at a minimum (span w, the rest of range Q, and
the complement of range Q), so the trace is a formula in d, n, s.

>>> from theory.symbols import d, n, s
>>> trace_at_min()
(d - s + 4)/n
>>> trace_at_min().subs({d: 10**9, n: 100, s: 1})
1000000003/100
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .conventions import RELU, Conventions
from .gradients import per_sample_gradient_coefficients
from .model import explicit_loss, region_sigma, weight_vector
from .symbols import P_plus, S, d, m, n, r, s

__all__ = [
    "active_count_at_min",
    "closed_form_matrix",
    "explicit_hessian",
    "explicit_hessian_matches",
    "hessian_coefficients",
    "hessian_trace",
    "kink_curvatures",
    "lambda_max_at_min",
    "linear_trace_gap",
    "relu_trace_gap",
    "spectrum_at_min",
    "trace_at_min",
    "trace_gap",
]


@cache
def hessian_coefficients() -> dict[str, sp.Expr]:
    """``hessian.closed_form`` as coefficients of I, w(Qw)^T + (Qw)w^T and Q.

    Derived by differentiating grad l_i = c_w(a_i) w + c_x(a_i, r) x_i on the active
    region (c_w = a_i^2, c_x = a_i (r - 2)): d(a_i^2 w) = a_i^2 I + 2 a_i w x_i^T and
    d(a_i (r-2) x_i) = (r - 2) x_i x_i^T + 2 a_i x_i w^T; summing over active i gives
    S I + 2 w (Qw)^T + 2 (Qw) w^T + (r - 2) Q.  The coefficients are read off the
    derivatives of c_w and c_x from :mod:`theory.gradients`, not typed in.
    """
    from .symbols import a_i

    cw, cx = per_sample_gradient_coefficients(Conventions("linear"))
    # d(cw w)/dw = cw I + w (dcw/da_i) x_i^T ; dcw/da_i = 2 a_i -> outer coefficient 2
    outer_w_qw = sp.simplify(sp.diff(cw, a_i) / a_i)
    # d(cx x_i)/dw = x_i (dcx/da_i x_i + 2 dcx/dr w)^T
    q_coeff = sp.simplify(sp.diff(cx, a_i))  # (r - 2)
    outer_qw_w = sp.simplify(2 * sp.diff(cx, r) / a_i)  # 2
    if outer_w_qw != outer_qw_w:  # pragma: no cover - symmetry of a Hessian
        raise AssertionError("closed-form Hessian must be symmetric")
    return {
        "identity": S / n,
        "symmetric_outer": outer_w_qw / n,
        "Q": q_coeff / n,
    }


def closed_form_matrix(w: sp.Matrix, n_: int, conventions: Conventions) -> sp.Matrix:
    """The closed-form Hessian for an explicit (numeric or symbolic-entry) w in R^d.

    The active set follows ``conv`` (relu: a_i > 0, or a_i >= 0 when relu'(0) = 1), so
    entries of ``w`` must be numbers for relu.
    """
    active = tuple(conventions.is_active(w[i]) for i in range(n_))
    return _assemble(w, n_, active, conventions, hessian_coefficients())


def _assemble(w: sp.Matrix, n_: int, active: tuple[bool, ...], conventions: Conventions,
              coefficients: dict[str, sp.Expr]) -> sp.Matrix:
    """(1/n)[S I + 2 w (Qw)^T + 2 (Qw) w^T + (r - 2) Q] for one activation pattern."""
    d_ = w.shape[0]
    q = sp.diag(*[1 if (i < n_ and active[i]) else 0 for i in range(d_)])
    qw = q * w
    s_val = sum((region_sigma(w[i], active[i], conventions) ** 2 for i in range(n_)), sp.Integer(0))
    r_val = (w.T * w)[0, 0]
    c = coefficients
    return (
        c["identity"].subs({S: s_val, n: n_}) * sp.eye(d_)
        + c["symmetric_outer"].subs(n, n_) * (w * qw.T + qw * w.T)
        + c["Q"].subs({r: r_val, n: n_}) * q
    )


def explicit_hessian(d_: int, n_: int, conventions: Conventions,
                     pattern: tuple[bool, ...]) -> sp.Matrix:
    """Second route: the Hessian of the explicit polynomial loss on one activation region."""
    loss, w = explicit_loss(d_, n_, conventions, pattern)
    return sp.hessian(loss, list(w))


def explicit_hessian_matches(
    d_: int, n_: int, conventions: Conventions, coefficients: dict[str, sp.Expr] | None = None
) -> bool:
    """``hessian.closed_form`` by two routes, symbolically, on every activation region.

    ``coefficients`` replaces :func:`hessian_coefficients` (for negative controls).
    """
    from .model import activation_patterns

    w = weight_vector(d_)
    c = hessian_coefficients() if coefficients is None else coefficients
    for pattern in activation_patterns(n_, conventions):
        closed = _assemble(w, n_, pattern, conventions, c)
        if sp.expand(explicit_hessian(d_, n_, conventions, pattern) - closed) != sp.zeros(d_, d_):
            return False
    return True


@cache
def hessian_trace() -> sp.Expr:
    """tr H(w) = (d S + 4 w.Qw + (r - 2) m)/n with w.Qw = S: a formula in d, n, S, r, m.

    m is the number of active coordinates (rank of Q).  tr(w (Qw)^T) = w.Qw, which is
    the sum of a_i^2 over active i, i.e. S (for relu, inactive a_i contribute 0 to both).
    """
    c = hessian_coefficients()
    return sp.factor(c["identity"] * d + c["symmetric_outer"] * 2 * S + c["Q"] * m)


@cache
def spectrum_at_min(conventions: Conventions = RELU) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    """``hessian.spectrum_at_min``: (eigenvalue, multiplicity) pairs at a global minimum.

    At a global minimum (SPEC ``minima.set``) w is a unit vector in the range of Q, the
    projector on the m active data directions, so Qw = w and r = S = 1.  With P_w = w w^T,
    P_mid = Q - P_w and P_out = I - Q (orthogonal projectors of ranks 1, m - 1, d - m):
    H = (1/n)[S (P_w + P_mid + P_out) + 4 r P_w + (r - 2)(P_w + P_mid)].  The number of
    active coordinates is :func:`active_count_at_min`: m = s (the support) for relu with
    relu'(0) = 0, m = n for linear and for relu with relu'(0) = 1.

    >>> from theory.conventions import LINEAR
    >>> spectrum_at_min(LINEAR)[1]
    (0, n - 1)
    """
    c = hessian_coefficients()
    at_min = {S: 1, r: 1}
    # coefficient of each projector, collected from the closed form
    on_w = c["identity"] + c["symmetric_outer"] * 2 * r + c["Q"]
    on_mid = c["identity"] + c["Q"]
    on_out = c["identity"]
    active = active_count_at_min(conventions, s)
    return (
        (sp.simplify(on_w.subs(at_min)), sp.Integer(1)),
        (sp.simplify(on_mid.subs(at_min)), active - 1),
        (sp.simplify(on_out.subs(at_min)), d - active),
    )


@cache
def trace_at_min(conventions: Conventions = RELU) -> sp.Expr:
    """``hessian.trace_at_min``: tr H = (d - m + 4)/n, the multiplicity-weighted spectrum.

    (d - s + 4)/n for relu with relu'(0) = 0 (m = s), (d - n + 4)/n otherwise (m = n).
    Cross-checked against :func:`hessian_trace` with S = r = 1.
    """
    total = sum((ev * mult for ev, mult in spectrum_at_min(conventions)), sp.Integer(0))
    general = hessian_trace().subs({S: 1, r: 1, m: active_count_at_min(conventions, s)})
    if sp.simplify(total - general) != 0:  # pragma: no cover - a derivation error
        raise AssertionError("spectrum and trace formula disagree")
    return sp.together(sp.expand(total))


@cache
def lambda_max_at_min() -> sp.Expr:
    """``hessian.lambda_max`` (P5): the largest eigenvalue at every minimum is 4/n.

    The maximum of {4/n, 0, 1/n} does not depend on s, m or d (for n >= 1); the
    eigenvalues are those of :func:`spectrum_at_min` under any conventions.
    """
    eigs = [ev for ev, _ in spectrum_at_min()]
    return sp.simplify(sp.Max(*eigs))


def active_count_at_min(conventions: Conventions, support: sp.Expr) -> sp.Expr:
    """m, the number of active coordinates at a global minimum with ``support`` nonzeros.

    Linear: every data coordinate is active, m = n.  Relu with relu'(0) = 0: only the
    positive coordinates, m = support.  Relu with relu'(0) = 1: the zero coordinates of a
    minimum (all a_i >= 0) count as active too, m = n.
    """
    if conventions.is_relu and conventions.relu_prime_at_zero == 0:
        return support
    return n


def trace_gap(conventions: Conventions) -> sp.Expr:
    """tr(SGD minimum, support 1) - tr(GD minimum, support |P+|) under ``conv``.

    ``hessian.trace_at_min`` (P4): (|P+| - 1)/n for relu with relu'(0) = 0;
    ``hessian.linear_equal``: 0 for linear; ``hessian.kink_convention``: 0 for relu with
    relu'(0) = 1, so the P4 ordering rests on the relu'(0) = 0 convention.
    """
    tr = trace_at_min(conventions)
    return sp.factor(tr.subs(s, 1) - tr.subs(s, P_plus))


@cache
def relu_trace_gap() -> sp.Expr:
    """``hessian.trace_at_min`` (P4): (|P+| - 1)/n >= 0 under relu'(0) = 0."""
    return trace_gap(Conventions("relu", 0))


@cache
def linear_trace_gap() -> sp.Expr:
    """``hessian.linear_equal``: every linear minimum has tr = (d - n + 4)/n; gap 0."""
    return trace_gap(Conventions("linear"))


@cache
def kink_curvatures(n_: int | None = None) -> dict[str, sp.Expr]:
    """``hessian.kink_convention``: relu loss at x_1 along e_2, one-sided curvatures.

    Restricting the explicit loss (d = n = 2 suffices; the other coordinates are 0) to
    w = x_1 + t e_2: on t > 0 coordinate 2 is active, on t < 0 it is not.  Returns the
    second derivatives at t = 0 from each side, in symbolic n, and the Hessian entry
    (e_2, e_2) of the closed form at x_1 under relu'(0) = 0 and = 1.
    """
    t = sp.Symbol("t", real=True)
    out: dict[str, sp.Expr] = {}
    for side, pattern in (("positive_side", (True, True)), ("negative_side", (True, False))):
        loss2, w = explicit_loss(2, 2, Conventions("relu"), pattern)
        # express with general n: loss * 2 / n reweights the 1/2 mean to 1/n
        along = loss2.subs({w[0]: 1, w[1]: t})
        curv = sp.diff(along, t, 2).subs(t, 0) * 2 / n
        out[side] = sp.simplify(curv)
    for h0 in (0, 1):
        conventions = Conventions("relu", h0)
        c = hessian_coefficients()
        active2 = conventions.is_active(sp.Integer(0))
        # entry (e_2, e_2) of the closed form at w = x_1: S = 1, r = 1, (Qw)_2 = 0
        entry = c["identity"].subs(S, 1) + (c["Q"].subs(r, 1) if active2 else 0)
        out[f"closed_form_relu_prime_{h0}"] = sp.simplify(entry)
    if n_ is not None:
        out = {k: v.subs(n, n_) for k, v in out.items()}
    return out
