"""The model written out from its definition, as a user would: the reference of independent routes.

Nothing here calls the library's derivations.  The single-neuron tied autoencoder
f_w(x) = w sigma(<w, x>) on data x_i = e_i, the loss L = (1/n) sum_i 1/2 ||w sigma(w_i) - e_i||^2,
its gradient by the chain rule, and SGD w <- w - gamma sum_{i in B} grad l_i(w) are written
here in NumPy (float64, vectorised over runs) directly from SPEC section 1, with the kink
value of sigma' taken from the conventions value.  Routes compare the library's engines,
metrics and Hessian estimators against these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.conventions import Conventions

__all__ = [
    "SGDPath",
    "active_set",
    "alignment",
    "fd_trace",
    "gradient",
    "loss",
    "sample_batches",
    "sgd_path",
    "sigma",
    "sigma_prime",
    "support",
    "winner",
]


def sigma(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """sigma(a): a (linear) or max(a, 0) (relu)."""
    a = np.asarray(a, dtype=float)
    return np.where(a > 0, a, 0.0) if conventions.is_relu else a


def sigma_prime(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """sigma'(a): 1 (linear); relu 1 for a > 0, 0 for a < 0, relu'(0) at 0."""
    a = np.asarray(a, dtype=float)
    if not conventions.is_relu:
        return np.ones_like(a)
    return np.where(a > 0, 1.0, np.where(a == 0, float(conventions.relu_prime_at_zero), 0.0))


def loss(w: np.ndarray, n: int, conventions: Conventions) -> np.ndarray:
    """L(w) = (1/n) sum_{i < n} 1/2 ||w sigma(w_i) - e_i||^2 for each row of w (runs, d)."""
    w = np.atleast_2d(np.asarray(w, dtype=float))
    total = np.zeros(w.shape[0])
    for i in range(n):
        err = w * sigma(w[:, i], conventions)[:, None]
        err[:, i] -= 1.0
        total += 0.5 * np.sum(err * err, axis=1)
    return total / n


def _sample_gradient(w: np.ndarray, i: np.ndarray, conventions: Conventions,
                     active: np.ndarray | None = None) -> np.ndarray:
    """grad l_i(w) for data point i[k] of row k: s (w s - e_i) + s' ((w s - e_i).w) e_i.

    ``active`` (rows, n) freezes the activation region: sigma(a_i) = a_i and sigma' = 1
    where it is true, 0 where it is false (the polynomial of that region)."""
    rows = np.arange(w.shape[0])
    a = w[rows, i]
    if active is None:
        s, ds = sigma(a, conventions), sigma_prime(a, conventions)
    else:
        on = active[rows, i]
        s, ds = np.where(on, a, 0.0), on.astype(float)
    err = w * s[:, None]
    err[rows, i] -= 1.0
    grad = s[:, None] * err
    grad[rows, i] += ds * np.sum(err * w, axis=1)
    return grad


def gradient(w: np.ndarray, n: int, conventions: Conventions,
             active: np.ndarray | None = None) -> np.ndarray:
    """grad L(w) = (1/n) sum_i grad l_i(w), rows of w (runs, d); ``active`` freezes the
    activation region (see :func:`_sample_gradient`)."""
    w = np.atleast_2d(np.asarray(w, dtype=float))
    g = np.zeros_like(w)
    for i in range(n):
        g += _sample_gradient(w, np.full(w.shape[0], i), conventions, active)
    return g / n


@dataclass
class SGDPath:
    """States of the runs at the requested steps, and where each run diverged (-1: never)."""

    steps: list[int]
    w: list[np.ndarray]
    diverged_at: np.ndarray


def sample_batches(rng: np.random.Generator, runs: int, steps: int, n: int,
                   batch_size: int) -> np.ndarray:
    """(runs, steps, b) batches drawn uniformly without replacement (``random``; b = n is
    the full batch), from ``rng`` (not the library's schedules)."""
    keys = rng.random((runs, steps, n))
    return np.argsort(keys, axis=2)[:, :, :batch_size]


def sgd_path(w0: np.ndarray, batches: np.ndarray, gamma: float, conventions: Conventions,
             n: int, record: list[int], divergence_bound: float = 1e6) -> SGDPath:
    """SGD w <- w - gamma sum_{i in B} grad l_i(w) from ``w0`` (runs, d) on ``batches``
    (runs, steps, b; repeated indices count twice; index n is an empty slot).

    A run whose ||w||^2 would exceed ``divergence_bound`` max(1, ||w_0||^2), or become
    non-finite, stays at its last state from that step on (the rule of SPEC's engine).
    """
    w = np.array(w0, dtype=float)
    bound = divergence_bound * np.maximum(1.0, np.sum(w * w, axis=1))
    diverged = np.full(w.shape[0], -1, dtype=np.int64)
    out: list[np.ndarray] = [w.copy()] if 0 in record else []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(batches.shape[1]):
            g = np.zeros_like(w)
            for k in range(batches.shape[2]):
                i = batches[:, t, k]
                real = i < n
                g[real] += _sample_gradient(w[real], i[real], conventions)
            new = w - gamma * g
            r = np.sum(new * new, axis=1)
            bad = ~(r <= bound) & (diverged < 0)
            diverged[bad] = t + 1
            live = diverged < 0
            w[live] = new[live]
            if t + 1 in record:
                out.append(w.copy())
    return SGDPath(sorted(record), out, diverged)


def support(a: np.ndarray, threshold: float) -> np.ndarray:
    """#{i : |a_i| > threshold max_j |a_j|} per row (0 for a zero row)."""
    mag = np.abs(np.asarray(a, dtype=float))
    top = mag.max(axis=1, keepdims=True)
    return np.where(top[:, 0] > 0, np.sum(mag > threshold * top, axis=1), 0)


def winner(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """The largest active coordinate: relu argmax of the positive a_i (-1 if none), linear
    argmax |a_i|."""
    v = sigma(a, conventions) if conventions.is_relu else np.abs(a)
    return np.where(v.max(axis=1) > 0, np.argmax(v, axis=1), -1)


def alignment(w: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """cos(w, w0) per row (0 when either is 0)."""
    dot = np.sum(w * w0, axis=1)
    den = np.sqrt(np.sum(w * w, axis=1) * np.sum(w0 * w0, axis=1))
    return np.divide(dot, den, out=np.zeros_like(dot), where=den > 0)


def active_set(w: np.ndarray, n: int, conventions: Conventions) -> np.ndarray:
    """Which data coordinates of w count as active: all (linear), a_i > 0 (relu), and
    a_i = 0 too under relu'(0) = 1: the region whose polynomial the Hessian differentiates."""
    a = np.atleast_2d(np.asarray(w, dtype=float))[:, :n]
    return sigma_prime(a, conventions) > 0


def fd_trace(w: np.ndarray, n: int, conventions: Conventions, eps: float = 1e-5) -> float:
    """tr of the Hessian of :func:`loss` at one point w (d,): central differences of
    :func:`gradient` on the activation region of w (:func:`active_set`), so that a stencil
    never crosses the relu kink (on a region the gradient is a cubic polynomial: the error
    is O(eps^2) times its third derivative)."""
    w = np.asarray(w, dtype=float)
    active = active_set(w, n, conventions)
    total = 0.0
    for j in range(w.size):
        step = np.zeros_like(w)
        step[j] = eps
        up = gradient(w + step, n, conventions, active)[0, j]
        down = gradient(w - step, n, conventions, active)[0, j]
        total += (up - down) / (2 * eps)
    return total
