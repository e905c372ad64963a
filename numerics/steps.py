"""The reference one-step maps: the single source of truth the engines are tested against.

:func:`reduced_step` is one SGD step in coordinates (claim ``sgd.multiplicative``),
:func:`full_step` one step w - gamma sum_{i in B} grad l_i(w) in R^d (claim
``grad.per_sample``).  Every formula comes from :mod:`numerics.formulas` (compiled from
:mod:`theory`); the optimised engines of :mod:`numerics._engines` retype the reduced step
for speed and are tied to :func:`reduced_step` by tests (to 1e-12).

>>> import numpy as np
>>> a, p = reduced_step(np.array([[0.5, 0.5]]), np.array([0.0]), np.array([[0]]), 0.1)
>>> a.round(6).tolist(), p.tolist()
([[0.5625, 0.4875]], [0.0])
>>> full_step(np.array([[0.5, 0.5, 0.1]]), np.array([[0]]), 0.1, n=2).round(6).tolist()
[[0.562, 0.4875, 0.0975]]
"""

from __future__ import annotations

import numpy as np

from theory.conventions import RELU, Conventions
from theory.domain import DomainError

from . import formulas

__all__ = ["batch_counts", "full_step", "reduced_step"]


def batch_counts(batch: np.ndarray, n: int) -> np.ndarray:
    """(seeds, n) multiplicity of each index in each seed's batch (sentinel n dropped)."""
    batch = np.atleast_2d(np.asarray(batch, dtype=np.intp))
    cnt = np.zeros((batch.shape[0], n + 1))
    np.add.at(cnt, (np.arange(batch.shape[0])[:, None], batch), 1.0)
    return cnt[:, :n]


def reduced_step(
    a: np.ndarray,
    perp: np.ndarray,
    batch: np.ndarray,
    gamma: float | np.ndarray,
    conventions: Conventions = RELU,
) -> tuple[np.ndarray, np.ndarray]:
    """One SGD step in coordinates (``sgd.multiplicative``), vectorised over seeds.

    ``a``: (seeds, n); ``perp``: (seeds,) signed length of the orthogonal part; ``batch``:
    (seeds, b) indices (repeats count with multiplicity; index n is ignored); ``gamma`` =
    eta/b.  Returns the new (a, perp): S_B = sum over the batch of c_w = sigma(a_i)^2, the
    multiplier 1 - gamma S_B and the additive term gamma sigma(a_j)(2 - r).
    """
    a = np.atleast_2d(np.asarray(a, dtype=float))
    perp = np.atleast_1d(np.asarray(perp, dtype=float))
    n = a.shape[1]
    cnt = batch_counts(batch, n)
    r = np.sum(a * a, axis=1) + perp * perp
    cw, _ = formulas.gradient_coefficients(conventions)(a, r[:, None])
    s_b = np.sum(cnt * cw, axis=1)
    g = np.broadcast_to(np.asarray(gamma, dtype=float), s_b.shape)
    mult = formulas.sgd_multiplier()(s_b, g)
    add = formulas.sgd_additive(conventions)(a, r[:, None], g[:, None])
    return a * mult[:, None] + cnt * add, perp * mult


def full_step(
    w: np.ndarray,
    batch: np.ndarray,
    gamma: float | np.ndarray,
    conventions: Conventions = RELU,
    n: int | None = None,
    basis: np.ndarray | None = None,
    data: np.ndarray | None = None,
) -> np.ndarray:
    """One SGD step w - gamma sum_{i in B} grad l_i(w) in R^d (``grad.per_sample``).

    ``w``: (seeds, d); ``batch``: (seeds, b); data x_i = e_i, or column i of ``basis``
    (a (d, d) orthogonal matrix), or column i of ``data`` (any (d, n) matrix: the
    per-sample gradient c_w w + c_x x_i holds for points of any norm and angle);
    ``n`` (the number of data points) is required.  Repeated indices count twice.
    """
    w = np.atleast_2d(np.asarray(w, dtype=float))
    if n is None:
        raise DomainError("n", n, "given (the number of data points)")
    x = None if basis is None else np.asarray(basis, dtype=float)[:, :n]
    if data is not None:
        x = np.asarray(data, dtype=float)
    a = w[:, :n] if x is None else w @ x
    r = np.sum(w * w, axis=1)
    cnt = batch_counts(batch, n)
    cw, cx = formulas.gradient_coefficients(conventions)(a, r[:, None])
    g = np.broadcast_to(np.asarray(gamma, dtype=float), r.shape)[:, None]
    coef_w = np.sum(cnt * cw, axis=1, keepdims=True)
    coef_x = cnt * cx
    out = w - g * (coef_w * w)
    if x is None:
        out[:, :n] -= g * coef_x
    else:
        out -= g * (coef_x @ x.T)
    return out
