"""The theory's formulas as NumPy functions: lambdified once, cached, never retyped.

Every numeric formula of the package comes from here, so a change in :mod:`theory`
reaches the simulators and the numerical checks without a second copy.

>>> import numpy as np
>>> cw, cx = gradient_coefficients("relu")(np.array([0.5, -0.5]), 1.0)
>>> cw.tolist(), cx.tolist()
([0.25, 0.0], [-0.5, 0.0])
>>> float(trace_at_min()(1000, 100, 1))
10.03
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

from theory import hessian as th_hessian
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.model import reduced_loss
from theory.symbols import S_B, Conventions, S, a_i, a_j, d, gamma, m, n, r, s

__all__ = [
    "gradient_coefficients",
    "hessian_coefficients",
    "hessian_trace",
    "lambdify_numpy",
    "loss_reduced",
    "sgd_additive",
    "sgd_multiplier",
    "sigma",
    "sigma_prime",
    "trace_at_min",
]

_NumFn = Callable[..., Any]


def lambdify_numpy(args: tuple[sp.Symbol, ...], expr: Any) -> _NumFn:
    """``sympy.lambdify`` to NumPy with Heaviside(x, h0) mapped to ``np.heaviside``."""
    return sp.lambdify(args, expr, modules=[{"Heaviside": np.heaviside}, "numpy"])


def _conv(activation: str, relu_prime_at_zero: int) -> Conventions:
    return Conventions(activation, relu_prime_at_zero)


@cache
def gradient_coefficients(activation: str, relu_prime_at_zero: int = 0) -> _NumFn:
    """``grad.per_sample``: (a_i, r) -> (c_w, c_x) with grad l_i = c_w w + c_x x_i."""
    cw, cx = per_sample_gradient_coefficients(_conv(activation, relu_prime_at_zero))
    fw = lambdify_numpy((a_i, r), cw)
    fx = lambdify_numpy((a_i, r), cx)

    def coefficients(a: Any, rr: Any) -> tuple[Any, Any]:
        a = np.asarray(a, dtype=float)
        return np.broadcast_to(fw(a, rr), a.shape), np.broadcast_to(fx(a, rr), a.shape)

    return coefficients


@cache
def sgd_multiplier() -> _NumFn:
    """``sgd.multiplicative``: (S_B, gamma) -> 1 - gamma S_B (all coordinates and w_perp)."""
    return lambdify_numpy((S_B, gamma), sgd_step_map(Conventions("linear"))["multiplier"])


@cache
def sgd_additive(activation: str, relu_prime_at_zero: int = 0) -> _NumFn:
    """``sgd.multiplicative``: (a_j, r, gamma) -> gamma sigma(a_j) (2 - r), batch members."""
    expr = sgd_step_map(_conv(activation, relu_prime_at_zero))["additive"]
    return lambdify_numpy((a_j, r, gamma), expr)


@cache
def loss_reduced() -> _NumFn:
    """``loss.coordinates``: (r, S, n) -> ((r - 2) S + n)/(2n)."""
    return lambdify_numpy((r, S, n), reduced_loss())


@cache
def hessian_coefficients() -> dict[str, _NumFn]:
    """``hessian.closed_form`` coefficients of I, w(Qw)^T + (Qw)w^T and Q in (S, r, n)."""
    return {
        k: lambdify_numpy((S, r, n), v) for k, v in th_hessian.hessian_coefficients().items()
    }


@cache
def hessian_trace() -> _NumFn:
    """tr H(w) as a function of (d, n, S, r, m), m = number of active coordinates."""
    return lambdify_numpy((d, n, S, r, m), th_hessian.hessian_trace())


@cache
def trace_at_min() -> _NumFn:
    """``hessian.trace_at_min``: (d, n, s) -> (d - s + 4)/n."""
    return lambdify_numpy((d, n, s), th_hessian.trace_at_min())


@cache
def sigma(activation: str, relu_prime_at_zero: int = 0) -> _NumFn:
    """The activation sigma(a) from :class:`theory.symbols.Conventions` (vectorised)."""
    conv = _conv(activation, relu_prime_at_zero)
    f = lambdify_numpy((a_i,), conv.sigma(a_i))

    def fn(a: Any) -> Any:
        a = np.asarray(a, dtype=float)
        return np.broadcast_to(f(a), a.shape)

    return fn


@cache
def sigma_prime(activation: str, relu_prime_at_zero: int = 0) -> _NumFn:
    """sigma'(a) with the kink value pinned by the conventions; 1 marks an active coordinate."""
    conv = _conv(activation, relu_prime_at_zero)
    f = lambdify_numpy((a_i,), conv.sigma_prime(a_i))

    def fn(a: Any) -> Any:
        a = np.asarray(a, dtype=float)
        return np.broadcast_to(f(a), a.shape)

    return fn
