"""The NumPy backend of the one compiler (:mod:`theory.compile`), and ``compile`` itself.

:mod:`theory.compile` holds the printer and the exact / high-precision / interval backends
(``mpmath``, ``iv``, ``arb``); theory does not import NumPy, so the ``numpy`` backend (float64
arrays, for the simulators, metrics and plots) is registered here.  :func:`compile` is the
same function as :func:`theory.compile.compile`, with ``numpy`` as its default backend.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> g = compile(sp.Heaviside(x, 0) * x, (x,))
>>> g(np.array([-1.0, 0.0, 2.0])).tolist()
[-0.0, 0.0, 2.0]
>>> sorted(BACKENDS)
['arb', 'iv', 'mpmath', 'numpy']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from theory import compile as _theory
from theory.compile import BACKENDS, reduce_pairwise, source
from theory.domain import DomainError

__all__ = ["BACKENDS", "compile", "source"]


def _np_heaviside(x: Any, h0: Any) -> Any:
    return np.heaviside(x, h0)


def _np_integral(x: Any) -> np.ndarray:
    xs = np.asarray(x)
    out: np.ndarray = np.rint(xs).astype(np.int64)
    if not np.all(out == xs):
        raise DomainError("gcd argument", x, "an integer")
    return out


def _np_gcd(x: Any, y: Any) -> Any:
    return np.gcd(_np_integral(x), _np_integral(y))


def _numpy_namespace() -> dict[str, Any]:
    return {"_q": lambda p, q: p / q, "_sqrt": np.sqrt, "_log": np.log, "_exp": np.exp,
            "_abs": np.abs, "_pow": np.power, "_heaviside": _np_heaviside,
            "_max": reduce_pairwise(np.maximum), "_min": reduce_pairwise(np.minimum),
            "_pi": math.pi, "_gcd": _np_gcd}


_theory.register_backend("numpy", _numpy_namespace)


def compile(expr: Any, args: Sequence[sp.Symbol], backend: str = "numpy"
            ) -> Callable[..., Any]:
    """:func:`theory.compile.compile` with ``numpy`` as the default backend.

    With ``numpy`` the function broadcasts over arrays; scalar constants come back as
    scalars (callers that need an array use ``np.broadcast_to``).
    """
    return _theory.compile(expr, args, backend)
