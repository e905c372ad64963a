"""The one compiler: a SymPy expression as a function on one number system.

Every numeric evaluation of a derived formula goes through :func:`compile`, for one of the
registered backends (the mpmath pattern: one function, several number systems):

``mpmath``  ``mpmath.mpf`` at the working precision of the caller (``mp.workdps``)
``iv``      ``mpmath.iv`` intervals (careful, not certified rigorous)
``arb``     python-flint ``arb`` balls (rigorous; needs the ``rigorous`` extra)
``numpy``   float64 arrays: registered by :mod:`numerics.compile` (theory does not import
            NumPy), which is where the simulators and metrics get their functions

One printer writes every expression; the backends differ only in the namespace the printed
code runs in.  Rationals are printed as ``_q(p, q)``, so an interval backend encloses 1/3
exactly instead of receiving the float 0.333...; Heaviside(x, h0) (the relu kink, pinned by
the conventions) is ``_heaviside(x, h0)``.  Functions are cached on (expression, arguments,
backend): lambdify runs once per formula and backend, never in a loop, and only on SymPy
objects (a string is refused, never parsed).

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> f = compile(sp.Rational(1, 3) * x + sp.sqrt(x), (x,), "mpmath")
>>> import mpmath
>>> with mpmath.workdps(30):
...     print(mpmath.nstr(f(mpmath.mpf(4)), 25))
3.333333333333333333333333
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import mpmath
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .domain import DomainError

__all__ = ["BACKENDS", "compile", "register_backend", "source"]


class _Printer(PythonCodePrinter):
    """Python code in which every number-system dependent operation is a named hook."""

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"_q({expr.p}, {expr.q})"

    def _print_Half(self, expr: sp.Rational) -> str:
        return "_q(1, 2)"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, ex = expr.as_base_exp()
        b = self.parenthesize(base, 1000)
        if ex == sp.S.Half:
            return f"_sqrt({self._print(base)})"
        if ex == -sp.S.Half:
            return f"(1/_sqrt({self._print(base)}))"
        if ex.is_Integer:
            return f"{b}**{int(ex)}" if int(ex) >= 0 else f"(1/{b}**{-int(ex)})"
        return f"_pow({self._print(base)}, {self._print(ex)})"

    def _print_log(self, expr: sp.Expr) -> str:
        return f"_log({self._print(expr.args[0])})"

    def _print_exp(self, expr: sp.Expr) -> str:
        return f"_exp({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sp.Expr) -> str:
        return f"_abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Expr) -> str:
        if len(expr.args) != 2:
            raise DomainError("expr", expr, "Heaviside with its value at 0 pinned")
        return f"_heaviside({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Max(self, expr: sp.Expr) -> str:
        return "_max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: sp.Expr) -> str:
        return "_min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_gcd(self, expr: sp.Expr) -> str:
        return "_gcd(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "_pi"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "_exp(1)"

    def _print_Float(self, expr: sp.Float) -> str:
        raise DomainError("expr", expr, "exact (a float constant in a derived formula)")

    def _print_Function(self, expr: sp.Expr) -> str:
        raise DomainError("expr", expr, "built from arithmetic, sqrt, log, exp, abs, "
                          "Heaviside, Max and Min")


# PythonCodePrinter prints the functions it knows (sin, floor, ...) as ``math.<name>``,
# which no backend namespace holds: refuse them as :meth:`_Printer._print_Function` does.
for _name in PythonCodePrinter._kf:
    if f"_print_{_name}" not in vars(_Printer):
        setattr(_Printer, f"_print_{_name}", _Printer._print_Function)


def _scalar_heaviside(x: Any, h0: Any) -> Any:
    return 1 if x > 0 else (h0 if x == 0 else 0)


def _interval_heaviside(x: Any, h0: Any) -> Any:
    lo, hi = (x.a, x.b) if hasattr(x, "a") else (x.lower(), x.upper())
    if lo > 0:
        return 1
    if hi < 0:
        return 0
    if lo == hi == 0:
        return h0
    raise DomainError("interval", x, "not straddling the kink of Heaviside at 0")


def _integral(x: Any) -> int:
    """The integer a number of any backend holds exactly (gcd takes integer symbols)."""
    if hasattr(x, "unique_fmpz"):  # an arb ball: exact and integral
        k = int(x.unique_fmpz()) if x.is_exact() and x.is_integer() else None
    elif hasattr(x, "a"):  # an mpmath interval: a point
        k = int(x.a) if x.a == x.b else None
    else:
        k = int(x)
    if k is None or k != x:
        raise DomainError("gcd argument", x, "an integer")
    return k


def scalar_gcd(make: Callable[[int], Any]) -> Callable[[Any, Any], Any]:
    return lambda x, y: make(math.gcd(_integral(x), _integral(y)))


def _mpmath_namespace() -> dict[str, Any]:
    return {"_q": lambda p, q: mpmath.mpf(p) / q, "_sqrt": mpmath.sqrt,
            "_log": mpmath.log, "_exp": mpmath.exp, "_abs": abs,
            "_pow": mpmath.power, "_heaviside": _scalar_heaviside,
            "_max": builtins.max, "_min": builtins.min, "_pi": mpmath.pi,
            "_gcd": scalar_gcd(mpmath.mpf)}


def _iv_namespace() -> dict[str, Any]:
    iv = mpmath.iv
    return {"_q": lambda p, q: iv.mpf(p) / q, "_sqrt": iv.sqrt, "_log": iv.log,
            "_exp": iv.exp, "_abs": abs, "_pow": iv.power,
            "_heaviside": _interval_heaviside, "_max": _no_order, "_min": _no_order,
            "_pi": iv.pi, "_gcd": scalar_gcd(iv.mpf)}


def _arb_namespace() -> dict[str, Any]:
    try:
        import flint
    except ImportError:
        raise DomainError("backend", "arb", "'numpy', 'mpmath' or 'iv' (python-flint "
                          "is not installed: pip install -e '.[rigorous]')") from None
    arb = flint.arb
    return {"_q": lambda p, q: arb(flint.fmpq(p, q)), "_sqrt": lambda x: arb(x).sqrt(),
            "_log": lambda x: arb(x).log(), "_exp": lambda x: arb(x).exp(),
            "_abs": abs, "_pow": lambda x, y: arb(x) ** y,
            "_heaviside": _interval_heaviside, "_max": _no_order, "_min": _no_order,
            "_pi": arb.pi(), "_gcd": scalar_gcd(arb)}


_NAMESPACES: dict[str, Callable[[], dict[str, Any]]] = {
    "mpmath": _mpmath_namespace, "iv": _iv_namespace, "arb": _arb_namespace}
BACKENDS: list[str] = list(_NAMESPACES)
"""The registered backends (``numpy`` is added by :mod:`numerics.compile`)."""


def register_backend(name: str, namespace: Callable[[], dict[str, Any]]) -> None:
    """Add a number system: ``namespace()`` returns the hooks the printed code calls
    (``_q``, ``_sqrt``, ``_log``, ``_exp``, ``_abs``, ``_pow``, ``_heaviside``, ``_max``,
    ``_min``, ``_pi``, ``_gcd``)."""
    _NAMESPACES[name] = namespace
    if name not in BACKENDS:
        BACKENDS.append(name)


def _no_order(*args: Any) -> Any:
    raise DomainError("expr", "Max/Min", "free of Max and Min on an interval backend")


def _as_sympy(expr: Any) -> sp.Basic:
    """A SymPy object from a SymPy object, an int or a tuple of them; strings are refused."""
    if isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, bool | str):
        raise DomainError("expr", expr, "a SymPy expression (strings are never parsed)")
    if isinstance(expr, int):
        return sp.Integer(expr)
    if isinstance(expr, tuple | list):
        return sp.Tuple(*(_as_sympy(e) for e in expr))
    raise DomainError("expr", expr, "a SymPy expression")


def source(expr: Any, args: Sequence[sp.Symbol]) -> str:
    """The Python source the compiler generates for ``expr`` (what the function returns).

    >>> x = sp.Symbol("x")
    >>> source(sp.Rational(1, 2) * x**2, (x,))
    '(_q(1, 2))*(x)**2'
    """
    return str(_Printer().doprint(_as_sympy(expr)))


@cache
def _compiled(expr: Any, args: tuple[sp.Symbol, ...], backend: str) -> Callable[..., Any]:
    namespace = _NAMESPACES[backend]()
    fn: Callable[..., Any] = sp.lambdify(args, expr, modules=[namespace], printer=_Printer())
    return fn


def compile(expr: Any, args: Sequence[sp.Symbol], backend: str = "mpmath"
            ) -> Callable[..., Any]:
    """``expr`` (a SymPy expression or tuple of them) as a function of ``args`` on ``backend``.

    Cached: the same (expression, arguments, backend) returns the same function object.
    """
    if backend not in _NAMESPACES:
        raise DomainError("backend", backend, "one of " + ", ".join(repr(b) for b in BACKENDS)
                          + (" (numpy: import numerics.compile)" if backend == "numpy" else ""))
    return _compiled(_as_sympy(expr), tuple(args), backend)
