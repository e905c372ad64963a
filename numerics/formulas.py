"""The theory's formulas as NumPy functions: compiled once (:mod:`numerics.compile`), never retyped.

Every numeric formula of the package above :mod:`theory` comes from here, so a change in
:mod:`theory` reaches the simulators, the metrics, the checks and the report without a second
copy.  Each function is cached and takes the conventions as one
:class:`theory.conventions.Conventions` value where they matter.

>>> import numpy as np
>>> from theory.conventions import RELU
>>> cw, cx = gradient_coefficients(RELU)(np.array([0.5, -0.5]), 1.0)
>>> cw.tolist(), cx.tolist()
([0.25, 0.0], [-0.5, 0.0])
>>> float(trace_at_min()(1000, 100, 1))
10.03
>>> float(stability_bound("replacement", 4))
0.125
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from theory import dynamics, hessian, stationary
from theory import walk as theory_walk
from theory.conventions import LINEAR, Conventions
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.model import reduced_loss
from theory.symbols import S_B, P_plus, S, a_i, a_j, b, d, eta, gamma, m, n, r, s

from .compile import compile

__all__ = [
    "alignment_scale_full_batch",
    "alignment_scale_sparse",
    "gradient_coefficients",
    "hessian_coefficients",
    "hessian_trace",
    "loss_reduced",
    "min_loss",
    "move_probability",
    "sgd_additive",
    "sgd_multiplier",
    "sigma",
    "sigma_prime",
    "stability_bound",
    "trace_at_min",
    "trace_gap",
    "variance_scale",
]

_NumFn = Callable[..., Any]


def _broadcasting(fn: _NumFn) -> _NumFn:
    """fn(a, ...) as an array of a's shape (a constant expression returns a scalar)."""

    def out(a: Any, *rest: Any) -> Any:
        a = np.asarray(a, dtype=float)
        return np.broadcast_to(fn(a, *rest), a.shape)

    return out


@cache
def gradient_coefficients(conventions: Conventions) -> _NumFn:
    """``grad.per_sample``: (a_i, r) -> (c_w, c_x) with grad l_i = c_w w + c_x x_i."""
    cw, cx = per_sample_gradient_coefficients(conventions)
    fw = _broadcasting(compile(cw, (a_i, r)))
    fx = _broadcasting(compile(cx, (a_i, r)))

    def coefficients(a: Any, rr: Any) -> tuple[Any, Any]:
        return fw(a, rr), fx(a, rr)

    return coefficients


@cache
def sgd_multiplier() -> _NumFn:
    """``sgd.multiplicative``: (S_B, gamma) -> 1 - gamma S_B (all coordinates and w_perp)."""
    return compile(sgd_step_map(LINEAR)["multiplier"], (S_B, gamma))


@cache
def sgd_additive(conventions: Conventions) -> _NumFn:
    """``sgd.multiplicative``: (a_j, r, gamma) -> gamma sigma(a_j) (2 - r), batch members."""
    return compile(sgd_step_map(conventions)["additive"], (a_j, r, gamma))


@cache
def loss_reduced() -> _NumFn:
    """``loss.coordinates``: (r, S, n) -> ((r - 2) S + n)/(2n)."""
    return compile(reduced_loss(), (r, S, n))


@cache
def min_loss() -> _NumFn:
    """``minima.value``: n -> (n - 1)/(2n)."""
    return compile(stationary.min_value()["value"], (n,))


@cache
def hessian_coefficients() -> dict[str, _NumFn]:
    """``hessian.closed_form`` coefficients of I, w(Qw)^T + (Qw)w^T and Q in (S, r, n)."""
    return {k: compile(v, (S, r, n)) for k, v in hessian.hessian_coefficients().items()}


@cache
def hessian_trace() -> _NumFn:
    """tr H(w) as a function of (d, n, S, r, m), m = number of active coordinates."""
    return compile(hessian.hessian_trace(), (d, n, S, r, m))


@cache
def trace_at_min() -> _NumFn:
    """``hessian.trace_at_min``: (d, n, s) -> (d - s + 4)/n."""
    return compile(hessian.trace_at_min(), (d, n, s))


@cache
def trace_gap(conventions: Conventions) -> _NumFn:
    """``hessian.trace_gap``: (n, |P+|) -> tr(SGD minimum) - tr(GD minimum) under the
    conventions ((|P+| - 1)/n for relu with relu'(0) = 0, else 0)."""
    return _broadcasting(compile(hessian.trace_gap(conventions), (P_plus, n)))


@cache
def sigma(conventions: Conventions) -> _NumFn:
    """The activation sigma(a) from the conventions (vectorised)."""
    return _broadcasting(compile(conventions.sigma(a_i), (a_i,)))


@cache
def sigma_prime(conventions: Conventions) -> _NumFn:
    """sigma'(a) with the kink value pinned by the conventions; 1 marks an active coordinate."""
    return _broadcasting(compile(conventions.sigma_prime(a_i), (a_i,)))


@cache
def _stability_bound(schedule: str) -> _NumFn:
    return compile(dynamics.stability_bound_gamma(schedule), (b,))


def stability_bound(schedule: str, batch_size: int) -> float:
    """The per-sample rate gamma = eta/b below which x_k is stable (1/2; 1/(2b) for
    ``replacement``), from :func:`theory.dynamics.stability_bound_gamma`."""
    return float(_stability_bound(schedule)(batch_size))


@cache
def move_probability(schedule: str) -> _NumFn:
    """``walk.log_ratio``: (n, b) -> P(j in B, k not in B) (random, replacement or full)."""
    return compile(theory_walk.move_probability(schedule), (n, b))


@cache
def variance_scale() -> _NumFn:
    """``walk.variance_scale``: (eta, n, b) -> 2 eta^2 (n - b)/(b n (n - 1))."""
    return compile(theory_walk.variance_scale()["in_eta"], (eta, n, b))


@cache
def alignment_scale_full_batch(conventions: Conventions) -> _NumFn:
    """``gd.dense_aligned``: (n, d) -> sqrt(E||u||^2 / E||w_0||^2) = sqrt(n/(2d)) for relu,
    sqrt(n/d) for linear (the scale at which cos(w_inf, w_0) concentrates)."""
    ratio = dynamics.alignment_ratio_of_expectations(conventions)
    return compile(sp.sqrt(ratio), (n, d))


@cache
def alignment_scale_sparse() -> _NumFn:
    """``sgd.orthogonal``: (n, d) -> sqrt(2 log n / d), the scale of max_i |a_i(0)|/||w_0||."""
    return compile(dynamics.max_abs_gaussian_scale(), (n, d))
