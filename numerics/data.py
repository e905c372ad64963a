"""Data beyond the paper's hypotheses: unequal norms and non-orthogonal points (full engine).

The paper's data are n orthonormal points.  A :class:`DataSpec` describes other data: per
point norms ``norms`` (s_1..s_n > 0), an equicorrelated Gram matrix with off-diagonal
``rho`` (cos(x_i, x_j) = rho for i != j, rho in (-1/(n-1), 1) so that the Gram matrix
is positive definite), or an explicit ``matrix`` (the d x n matrix whose columns are the
points).  The points of ``norms``/``rho`` are x_i = column i of [L^T; 0] with
G = L L^T (Cholesky), G_ij = s_i s_j (rho + (1 - rho) [i = j]).

Nothing of :mod:`numerics.formulas`' reduced state carries over to such data, so
:class:`Data` computes what a run reports from w itself, by the model's definition:

``coefficients``  c = G^{-1} X^T w, w's coordinates in the data basis (= a_i for
                  orthonormal data; support and winner are taken on c)
``loss``          L(w) = (1/2n) sum_i ||x_i - w sigma(w.x_i)||^2
``min_loss``      (sum_i ||x_i||^2 - F*)/(2n) with F* = max over unit u of
                  sum_i sigma(u.x_i)^2 (derived: sigma(a) a = sigma(a)^2 for both
                  activations, so L = (1/2n)(sum ||x_i||^2 - (2 - r) r F(u)) at w = sqrt(r) u,
                  minimal at r = 1).  Linear: F* = lambda_max(G), exact.  ReLU: F is
                  convex, and u <- grad F(u)/||grad F(u)|| never decreases it; the best of
                  ascents from every x_i/||x_i||, from +-(the top eigenvector) and from
                  sum_i x_i is used: exact for orthogonal data (F* = max s_i^2) and for
                  rho >= 0 equicorrelated data (F* = lambda_max), a lower bound on F*
                  (hence an upper bound on min L) otherwise.
``trace``         tr of the Hessian of L at w: (1/n) sum_i [d sigma^2 + 4 sigma sigma' a_i
                  + (r sigma'^2 - 2 sigma') ||x_i||^2] (derived from grad l_i = sigma^2 w +
                  (r sigma sigma' - sigma' a_i - sigma) x_i; sigma'' = 0 for both
                  activations away from the kink)

These are derived here, not the paper's (the paper assumes orthonormal data).

>>> spec = DataSpec(norms=(1.0, 2.0), rho=0.5)
>>> data = Data.build(3, 2, spec)
>>> np.round(data.x.T @ data.x, 12).tolist()
[[1.0, 1.0], [1.0, 4.0]]
>>> from theory.conventions import LINEAR
>>> bool(abs(data.min_loss(LINEAR) - (5 - np.linalg.eigvalsh(data.gram)[-1]) / 4) < 1e-12)
True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from theory.conventions import Conventions
from theory.domain import DomainError

from . import formulas
from .config import DataSpec, validate_data

__all__ = ["MAX_DATA_ENTRIES", "Data", "DataSpec", "load_data_matrix", "validate_data"]

MAX_DATA_ENTRIES = 2**24
"""The most entries (d x n) of an explicit data matrix (128 MiB as float64)."""

_F = TypeVar("_F", bound=Callable[..., Any])
_ASCENT_STEPS = 10_000
_ASCENT_TOL = 1e-15


def load_data_matrix(path: str, d: int, n: int) -> DataSpec:
    """The data matrix in a .npy file (shape (d, n), points as columns; never unpickled)."""
    if d * n > MAX_DATA_ENTRIES:
        raise DomainError("data", path, f"a matrix of at most {MAX_DATA_ENTRIES} entries")
    from .io import load_real_array

    arr = load_real_array("data", path, max_entries=d * n)
    if arr.shape != (d, n):
        raise DomainError("data", f"{path} of shape {arr.shape}",
                          f"a (d, n) = ({d}, {n}) array whose columns are the points")
    return DataSpec(matrix=tuple(tuple(float(v) for v in row) for row in arr))


def _no_underflow(method: _F) -> _F:
    """Run ``method`` with underflow ignored (decayed coordinates square to below 1e-308)."""
    @functools.wraps(method)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(under="ignore"):
            return method(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class Data:
    """The points x_1..x_n (columns of ``x``, shape (d, n)) and what runs on them report."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = np.array(x, dtype=float)
        self.d, self.n = self.x.shape
        self.gram = self.x.T @ self.x
        self.sq_norms = np.diag(self.gram).copy()
        self._q, _ = np.linalg.qr(self.x)  # an orthonormal basis of the span
        self._best: dict[bool, float] = {}  # F* by activation (relu?), computed once

    @classmethod
    def build(cls, d: int, n: int, spec: DataSpec) -> Data:
        """The points of a validated spec."""
        if spec.matrix is not None:
            return cls(np.array(spec.matrix, dtype=float))
        s = np.ones(n) if spec.norms is None else np.array(spec.norms, dtype=float)
        corr = np.full((n, n), spec.rho)
        np.fill_diagonal(corr, 1.0)
        try:
            low = np.linalg.cholesky(corr * np.outer(s, s))
        except np.linalg.LinAlgError:
            raise DomainError("data_rho", spec.rho, "a value whose Gram matrix (with these "
                              "norms) is positive definite in floating point") from None
        x = np.zeros((d, n))
        x[:n] = low.T
        return cls(x)

    @_no_underflow
    def coefficients(self, w: np.ndarray) -> np.ndarray:
        """c = G^{-1} X^T w for each row of ``w`` (least squares when G is singular)."""
        proj = w @ self.x
        c, *_ = np.linalg.lstsq(self.gram, proj.T, rcond=None)
        return np.asarray(c.T)

    @_no_underflow
    def perp(self, w: np.ndarray) -> np.ndarray:
        """||w - P w|| with P the projection onto the span of the data."""
        rest = w - (w @ self._q) @ self._q.T
        return np.sqrt(np.sum(rest * rest, axis=1))

    @_no_underflow
    def loss(self, w: np.ndarray, conventions: Conventions) -> np.ndarray:
        """L(w) = (1/2n) sum_i ||x_i - w sigma(w.x_i)||^2, one value per row of ``w``."""
        a = w @ self.x
        s = formulas.sigma(conventions)(a)
        r = np.sum(w * w, axis=1, keepdims=True)
        per = self.sq_norms - 2.0 * s * a + r * s * s
        return np.asarray(np.sum(per, axis=1) / (2 * self.n), dtype=float)

    def _objective(self, u: np.ndarray, conventions: Conventions) -> float:
        s = formulas.sigma(conventions)(self.x.T @ u)
        return float(np.sum(s * s))

    def best_direction(self, conventions: Conventions) -> tuple[float, np.ndarray]:
        """(F*, u*): the largest sum_i sigma(u.x_i)^2 over unit u found (module text)."""
        evals, evecs = np.linalg.eigh(self.gram)
        top = self.x @ evecs[:, -1]
        top /= np.linalg.norm(top)
        if not conventions.is_relu:
            return float(evals[-1]), top
        starts = [self.x[:, i] / math.sqrt(self.sq_norms[i]) for i in range(self.n)]
        mean = self.x.sum(axis=1)
        starts += [top, -top] + ([mean / np.linalg.norm(mean)] if np.any(mean) else [])
        best, best_u = -1.0, starts[0]
        for u in starts:
            f = self._objective(u, conventions)
            for _ in range(_ASCENT_STEPS):
                g = self.x @ np.maximum(self.x.T @ u, 0.0)
                norm = float(np.linalg.norm(g))
                if norm == 0.0:
                    break
                u_new = g / norm
                f_new = self._objective(u_new, conventions)
                gain = f_new > f * (1 + _ASCENT_TOL)
                if f_new > f:
                    u, f = u_new, f_new
                if not gain:
                    break
            if f > best:
                best, best_u = f, u
        return best, best_u

    def min_loss(self, conventions: Conventions) -> float:
        """min L = (sum_i ||x_i||^2 - F*)/(2n) (module text: exact or an upper bound)."""
        key = conventions.is_relu
        if key not in self._best:
            self._best[key] = self.best_direction(conventions)[0]
        return float((np.sum(self.sq_norms) - self._best[key]) / (2 * self.n))

    def loss_gap(self, w: np.ndarray, conventions: Conventions) -> np.ndarray:
        """L(w) - min L."""
        return self.loss(w, conventions) - self.min_loss(conventions)

    @_no_underflow
    def trace(self, w: np.ndarray, conventions: Conventions) -> np.ndarray:
        """tr of the Hessian of L at each row of ``w`` (module text)."""
        a = w @ self.x
        s = formulas.sigma(conventions)(a)
        sp = formulas.sigma_prime(conventions)(a)
        r = np.sum(w * w, axis=1, keepdims=True)
        per = self.d * s * s + 4.0 * s * sp * a + (r * sp * sp - 2.0 * sp) * self.sq_norms
        return np.asarray(np.sum(per, axis=1) / self.n, dtype=float)

    @_no_underflow
    def limit_point(self, w: np.ndarray, threshold: float) -> np.ndarray:
        """w with its part outside the data span dropped and every coefficient c_i at most
        threshold * max_j |c_j| set to 0 (the data analogue of
        :func:`numerics.metrics.limit_point`)."""
        c = self.coefficients(w)
        top = np.max(np.abs(c), axis=1, keepdims=True)
        c = np.where(np.abs(c) > threshold * top, c, 0.0)
        return np.asarray(c @ self.x.T)

    def trace_limit(self, w: np.ndarray, conventions: Conventions, threshold: float
                    ) -> np.ndarray:
        """tr H at :meth:`limit_point`."""
        return self.trace(self.limit_point(w, threshold), conventions)
