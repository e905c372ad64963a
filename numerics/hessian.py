"""The Hessian of the empirical loss, three independent ways (``hessian.closed_form``).

``closed_form_matrix``  H(w) = (1/n)[S I + 2 w (Qw)^T + 2 (Qw) w^T + (r - 2) Q] from the
                        lambdified coefficients of :func:`numerics.formulas.hessian_coefficients`
``trace``               tr H as a formula in (d, n, S, r, m) (:mod:`numerics.metrics`)
``fd_matrix``           dense, by central finite differences of the gradient
``hutchinson_trace``    E[z^T H z] over Rademacher z, with Hz by central finite differences
                        of the gradient: never touches the closed-form Hessian

The gradient is grad L = (1/n) sum_i (c_w(a_i, r) w + c_x(a_i, r) x_i) from
``grad.per_sample``.  At a relu kink the loss is not twice differentiable; the finite
differences here freeze the activation pattern at w (coordinate i active iff
sigma'(a_i) = 1 under the chosen relu'(0)), which is the region whose polynomial the
closed form differentiates (SPEC ``hessian.kink_convention``).

Reduced states (a, perp) are embedded as w = (a, perp, 0, ..., 0) in R^d (:func:`embed`);
the trace is rotation invariant.

>>> import numpy as np
>>> w = embed(np.array([1.0, 0.0, 0.0]), 0.0, 6)
>>> h = closed_form_matrix(w, 3)
>>> round(float(np.trace(h)), 12), round(float(np.linalg.eigvalsh(h).sum()), 12)
(3.0, 3.0)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from theory.conventions import LINEAR, RELU, Conventions
from theory.domain import DomainError, integer

from . import formulas

__all__ = [
    "HutchinsonEstimate",
    "closed_form_matrix",
    "dense_trace",
    "embed",
    "fd_matrix",
    "gradient",
    "hutchinson_trace",
]


_F = TypeVar("_F", bound=Callable[..., Any])


def _point(w: Any, n: Any) -> np.ndarray:
    """``w`` as a finite real vector of length d, with ``n`` an integer in [1, d] (the data
    are e_1..e_n of R^d, so n > d has no meaning)."""
    arr = np.asarray(w)
    if arr.ndim != 1 or arr.size == 0 or not (np.issubdtype(arr.dtype, np.integer)
                                              or np.issubdtype(arr.dtype, np.floating)):
        raise DomainError("w", f"array of shape {arr.shape} and dtype {arr.dtype}",
                          "a non-empty real vector")
    if not np.all(np.isfinite(arr)):
        raise DomainError("w", "array with non-finite entries", "finite")
    integer("n", n, 1, arr.shape[0], what=f"an integer in [1, d={arr.shape[0]}]")
    return arr.astype(float)


def _no_underflow(fn: _F) -> _F:
    """Decayed coordinates may square to below 1e-308: underflow to 0 is harmless here."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(under="ignore"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def embed(a: np.ndarray, perp: float, d: int) -> np.ndarray:
    """w = (a_1..a_n, perp, 0, ...) in R^d: a reduced state in the standard basis."""
    a = np.asarray(a, dtype=float)
    n = a.shape[0]
    if d < n or (d == n and perp != 0):
        raise DomainError("d", d, f">= n={n} (> n when perp != 0)")
    w = np.zeros(d)
    w[:n] = a
    if d > n:
        w[n] = perp
    return w


def _active(w: np.ndarray, n: int, conventions: Conventions) -> np.ndarray:
    return np.asarray(formulas.sigma_prime(conventions)(w[:n]), dtype=float)


@_no_underflow
def gradient(
    w: np.ndarray,
    n: int,
    conventions: Conventions = RELU,
    pattern: np.ndarray | None = None,
) -> np.ndarray:
    """grad L(w) in R^d (data e_1..e_n).  With ``pattern`` (0/1 per data point) the
    activation region is frozen: coordinate i uses the linear coefficients if active,
    zero otherwise."""
    w = _point(w, n)
    r = float(w @ w)
    a = w[:n]
    if pattern is None:
        cw, cx = formulas.gradient_coefficients(conventions)(a, r)
    else:
        cw, cx = formulas.gradient_coefficients(LINEAR)(a, r)
        cw, cx = cw * pattern, cx * pattern
    g = np.sum(cw) * w
    g[:n] += cx
    return g / n


@_no_underflow
def closed_form_matrix(w: np.ndarray, n: int, conventions: Conventions = RELU) -> np.ndarray:
    """The closed-form Hessian (d, d) at w (data e_1..e_n)."""
    w = _point(w, n)
    d = w.shape[0]
    q = np.zeros(d)
    q[:n] = _active(w, n, conventions)
    qw = q * w
    s_val = float(np.sum(qw * w))
    r = float(w @ w)
    c = formulas.hessian_coefficients()
    return (
        c["identity"](s_val, r, n) * np.eye(d)
        + c["symmetric_outer"](s_val, r, n) * (np.outer(w, qw) + np.outer(qw, w))
        + c["Q"](s_val, r, n) * np.diag(q)
    )


@_no_underflow
def fd_matrix(
    w: np.ndarray,
    n: int,
    conventions: Conventions = RELU,
    eps: float = 1e-5,
) -> np.ndarray:
    """Dense Hessian by central differences of :func:`gradient` (pattern frozen at w),
    symmetrised.  Error O(eps^2) (the gradient is a cubic polynomial on a region)."""
    w = _point(w, n)
    d = w.shape[0]
    pat = _active(w, n, conventions)
    h = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = eps
        h[:, j] = (gradient(w + e, n, pattern=pat) - gradient(w - e, n, pattern=pat)) / (2 * eps)
    return (h + h.T) / 2


def dense_trace(
    w: np.ndarray,
    n: int,
    conventions: Conventions = RELU,
    method: str = "closed_form",
    point: str = "iterate",
    threshold: float = 1e-6,
) -> float:
    """Sum of the ``eigvalsh`` eigenvalues of the dense Hessian (closed form or ``"fd"``).

    ``point="iterate"`` evaluates at w itself.  For a finite SGD iterate with b < n that is
    *not* the trace of the minimum SGD converges to: the losing coordinates decay to 0 from
    above and still count as active, so the value sits near the full-batch one (4.5-5.0
    instead of (d + 3)/n = 5.3 at n = 10, d = 50).  ``point="limit"`` evaluates at the
    limit point instead: every coordinate with |w_j| <= ``threshold`` max_i |w_i| (i <= n)
    set to 0 (the rule of ``numerics.metrics.limit_point``, what
    ``SimulationResult.hessian_trace`` reports; ``hessian_trace_iterate`` is the iterate's).
    """
    w = _point(w, n)
    if point == "limit":
        top = float(np.max(np.abs(w[:n])))
        w = np.where(np.abs(w) > threshold * top, w, 0.0)
    elif point != "iterate":
        raise DomainError("point", point, "'iterate' or 'limit'")
    if method == "closed_form":
        h = closed_form_matrix(w, n, conventions)
    elif method == "fd":
        h = fd_matrix(w, n, conventions)
    else:
        raise DomainError("method", method, "'closed_form' or 'fd'")
    return float(np.sum(np.linalg.eigvalsh(h)))


@dataclass(frozen=True)
class HutchinsonEstimate:
    """Mean of z^T H z over ``probes`` Rademacher vectors and its standard error."""

    estimate: float
    stderr: float
    probes: int

    def contains(self, value: float, z: float = 4.0, fd_tol: float = 1e-6) -> bool:
        """Whether |estimate - value| <= z * stderr + fd_tol.

        ``fd_tol`` covers the finite-difference bias (O(eps^2) times the third derivative
        of the loss, about 1e-9 at eps = 1e-5 for states of norm about 1); it matters when
        the variance is 0, e.g. a diagonal Hessian, where z^T H z = tr H for every z.
        """
        return abs(self.estimate - value) <= z * self.stderr + fd_tol


@_no_underflow
def hutchinson_trace(
    w: np.ndarray,
    n: int,
    conventions: Conventions = RELU,
    probes: int = 200,
    rng: np.random.Generator | None = None,
    eps: float = 1e-5,
) -> HutchinsonEstimate:
    """Hutchinson's estimator of tr H with Hz = (grad(w + eps z) - grad(w - eps z))/(2 eps).

    Rademacher probes; returns the mean and its standard error s/sqrt(probes).
    """
    if probes < 2:
        raise DomainError("probes", probes, "an integer >= 2")
    w = _point(w, n)
    rng = np.random.default_rng(0) if rng is None else rng
    pat = _active(w, n, conventions)
    vals = np.empty(probes)
    for k in range(probes):
        z = rng.choice(np.array([-1.0, 1.0]), size=w.shape[0])
        hz = (gradient(w + eps * z, n, pattern=pat) - gradient(w - eps * z, n, pattern=pat)) / (
            2 * eps
        )
        vals[k] = z @ hz
    return HutchinsonEstimate(float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(probes)), probes)
