"""The NumPy implementations of the hooks that printed formulas call (no SymPy here).

:func:`theory.compile.source` prints every number-system dependent operation as a named
hook (``_q(p, q)`` for a rational, ``_sqrt``, ``_heaviside(x, h0)``, ...).  This module is
their one float64 implementation: :mod:`numerics.compile` registers :func:`namespace` as the
``numpy`` backend of the compiler, and the generated :mod:`numerics._formulas_generated`
imports the same objects by name, so both evaluate the same code on the same functions.

>>> import numpy as np
>>> _heaviside(np.array([-1.0, 0.0, 2.0]), 0).tolist()
[0.0, 0.0, 1.0]
>>> _max(1.0, np.array([0.0, 3.0]), 2.0).tolist()
[2.0, 3.0]
>>> sorted(namespace()) == sorted(HOOKS)
True
"""

from __future__ import annotations

import math
from functools import reduce
from typing import Any

import numpy as np

from theory.domain import DomainError

__all__ = ["HOOKS", "namespace"]

HOOKS: tuple[str, ...] = ("_abs", "_exp", "_gcd", "_heaviside", "_log", "_max", "_min", "_pi",
                          "_pow", "_q", "_sqrt")
"""The names the printed code calls (:func:`theory.compile.register_backend`)."""


def _q(p: int, q: int) -> float:
    """The rational p/q (true division: the float nearest to p/q)."""
    return p / q


_sqrt = np.sqrt
_log = np.log
_exp = np.exp
_abs = np.abs
_pow = np.power
_pi = math.pi


def _heaviside(x: Any, h0: Any) -> Any:
    """Heaviside(x) with the value h0 at 0 (the relu kink, pinned by the conventions)."""
    return np.heaviside(x, h0)


def _max(*args: Any) -> Any:
    """Max of any number of arguments, elementwise, left to right."""
    return reduce(np.maximum, args)


def _min(*args: Any) -> Any:
    """Min of any number of arguments, elementwise, left to right."""
    return reduce(np.minimum, args)


def _integral(x: Any) -> np.ndarray:
    xs = np.asarray(x)
    out: np.ndarray = np.rint(xs).astype(np.int64)
    if not np.all(out == xs):
        raise DomainError("gcd argument", x, "an integer")
    return out


def _gcd(x: Any, y: Any) -> Any:
    """gcd of integer values (floats holding integers are accepted, others refused)."""
    return np.gcd(_integral(x), _integral(y))


def namespace() -> dict[str, Any]:
    """The hooks by name: the namespace of the compiler's ``numpy`` backend."""
    hooks = {"_q": _q, "_sqrt": _sqrt, "_log": _log, "_exp": _exp, "_abs": _abs,
             "_pow": _pow, "_heaviside": _heaviside, "_max": _max, "_min": _min,
             "_pi": _pi, "_gcd": _gcd}
    return {name: hooks[name] for name in HOOKS}
