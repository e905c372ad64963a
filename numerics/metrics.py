"""Per-seed metrics of a state (a, w_perp), vectorised over seeds.

A state is given by its data coordinates ``a`` (shape (..., n)) and the norm of its part
orthogonal to the data, ``perp`` (shape (...)).  Every formula comes from
:mod:`numerics.formulas`:

``loss_gap``   L(w) - min L with L from ``loss.coordinates`` and min L = L at a unit vector
               with S = 1 (``minima.value``: (n - 1)/(2n))
``support``    #{i : |a_i| > threshold * max_j |a_j|} (0 when a = 0)
``winner``     relu: argmax a_i (-1 if no coordinate is positive); linear: argmax |a_i|
``alignment``  cos(w_t, w_0) = <w_t, w_0> / (||w_t|| ||w_0||)
``trace``      tr H from ``hessian.closed_form`` (formula in d, n, S, r, m), at the raw
               iterate (:func:`trace_iterate`) or at the limit point (:func:`trace_limit`)

>>> import numpy as np
>>> from theory.conventions import RELU
>>> a = np.array([[1.0, 0.0, 0.0]])
>>> float(loss_gap(a, np.zeros(1), RELU)[0]), int(support(a, 1e-6)[0])
(0.0, 1)
>>> float(trace_limit(np.array([[1.0, 1e-9, 0.0]]), np.zeros(1), 10, RELU, 1e-6)[0])
4.333333333333333
"""

from __future__ import annotations

import numpy as np

from theory.conventions import Conventions

from . import formulas

__all__ = [
    "active_count",
    "alignment",
    "coordinate_sums",
    "limit_point",
    "loss_gap",
    "min_loss",
    "support",
    "trace_iterate",
    "trace_limit",
    "winner",
]


def coordinate_sums(
    a: np.ndarray, perp: np.ndarray, conventions: Conventions
) -> tuple[np.ndarray, np.ndarray]:
    """(S, r): S = sum_i sigma(a_i)^2, r = ||w||^2 = sum_i a_i^2 + perp^2."""
    a = np.asarray(a, dtype=float)
    perp = np.asarray(perp, dtype=float)
    with np.errstate(under="ignore"):  # decayed coordinates may square to below 1e-308
        r = np.sum(a * a, axis=-1) + perp * perp
        cw, _ = formulas.gradient_coefficients(conventions)(a, 0.0)
    return np.sum(cw, axis=-1), r


def min_loss(n: int) -> float:
    """min L = (n - 1)/(2n) (``minima.value``)."""
    return float(formulas.min_loss()(n))


def loss_gap(a: np.ndarray, perp: np.ndarray, conventions: Conventions) -> np.ndarray:
    """L(w) - min L, from ``loss.coordinates`` and ``minima.value``."""
    n = np.shape(a)[-1]
    s_val, r = coordinate_sums(a, perp, conventions)
    return np.asarray(formulas.loss_reduced()(r, s_val, n) - min_loss(n), dtype=float)


def support(a: np.ndarray, threshold: float) -> np.ndarray:
    """Number of coordinates with |a_i| > threshold * max_j |a_j| (0 if a = 0)."""
    mag = np.abs(np.asarray(a, dtype=float))
    top = np.max(mag, axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        return np.where(top[..., 0] > 0, np.sum(mag > threshold * top, axis=-1), 0)


def winner(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """Index of the largest coordinate (relu: largest positive, -1 if none; linear: |a|)."""
    a = np.asarray(a, dtype=float)
    if not conventions.is_relu:
        mag = np.abs(a)
        return np.where(np.max(mag, axis=-1) > 0, np.argmax(mag, axis=-1), -1)
    return np.where(np.max(a, axis=-1) > 0, np.argmax(a, axis=-1), -1)


def alignment(dot: np.ndarray, r: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """cos(w_t, w_0) from <w_t, w_0>, ||w_t||^2 and ||w_0||^2 (0 when either is 0)."""
    with np.errstate(under="ignore"):
        den = np.sqrt(np.asarray(r, dtype=float) * np.asarray(r0, dtype=float))
    num = np.broadcast_to(np.asarray(dot, dtype=float), den.shape)
    return np.divide(num, den, out=np.zeros(den.shape), where=den > 0)


def active_count(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """m = number of active coordinates (rank of Q): sum_i sigma'(a_i)."""
    sp_ = formulas.sigma_prime(conventions)(np.asarray(a, dtype=float))
    return np.sum(sp_, axis=-1)


def limit_point(a: np.ndarray, perp: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The state with every coordinate (and perp) at most threshold * max|a_i| set to 0."""
    a = np.asarray(a, dtype=float)
    perp = np.asarray(perp, dtype=float)
    top = np.max(np.abs(a), axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        keep = np.abs(a) > threshold * top
        return np.where(keep, a, 0.0), np.where(np.abs(perp) > threshold * top[..., 0], perp, 0.0)


def trace_iterate(
    a: np.ndarray, perp: np.ndarray, d: int, conventions: Conventions
) -> np.ndarray:
    """tr H(w) in closed form at the state itself (``hessian.closed_form``)."""
    n = np.shape(a)[-1]
    s_val, r = coordinate_sums(a, perp, conventions)
    m = active_count(a, conventions)
    return np.asarray(formulas.hessian_trace()(d, n, s_val, r, m), dtype=float)


def trace_limit(
    a: np.ndarray,
    perp: np.ndarray,
    d: int,
    conventions: Conventions,
    threshold: float,
) -> np.ndarray:
    """tr H at :func:`limit_point`: coordinates below the threshold count as exactly 0."""
    a_lim, p_lim = limit_point(a, perp, threshold)
    return trace_iterate(a_lim, p_lim, d, conventions)
