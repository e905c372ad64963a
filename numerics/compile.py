"""The NumPy backend of the one compiler (:mod:`theory.compile`), and ``compile`` itself.

:mod:`theory.compile` holds the printer and the exact / high-precision / interval backends
(``mpmath``, ``iv``, ``arb``); theory does not import NumPy, so the ``numpy`` backend (float64
arrays, for the simulators, metrics and plots) is registered here, with the hooks of
:mod:`numerics._numpy_namespace` (the same objects the generated
:mod:`numerics._formulas_generated` calls).  :func:`compile` is the same function as
:func:`theory.compile.compile`, with ``numpy`` as its default backend.

>>> import numpy as np
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> g = compile(sp.Heaviside(x, 0) * x, (x,))
>>> g(np.array([-1.0, 0.0, 2.0])).tolist()
[-0.0, 0.0, 2.0]
>>> sorted(BACKENDS)
['arb', 'iv', 'mpmath', 'numpy']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from theory import compile as _theory
from theory.compile import BACKENDS, source

from ._numpy_namespace import namespace

__all__ = ["BACKENDS", "compile", "source"]

_theory.register_backend("numpy", namespace)


def compile(expr: Any, args: Sequence[sp.Symbol], backend: str = "numpy"
            ) -> Callable[..., Any]:
    """:func:`theory.compile.compile` with ``numpy`` as the default backend.

    With ``numpy`` the function broadcasts over arrays; scalar constants come back as
    scalars (callers that need an array use ``np.broadcast_to``).
    """
    return _theory.compile(expr, args, backend)
