"""The domain error and the validators of every parameter: one home for "b must be in [1, n]".

Every layer validates its inputs with these functions, once, at its boundary (the configs of
:mod:`numerics.config`, the command line); code inside trusts what they return.  A
:class:`DomainError` names the parameter and its allowed range; the command line prints it as
one line on stderr (the parameter spelled as its flag, ``--batch-size``) and exits with code 2.

Numbers come as numbers: a string is never converted to an integer or a float here (the
command line parses its text first), and the only strings turned into exact numbers are plain
decimals and rationals (:func:`exact_number`, a grammar that admits nothing else).  Nothing
here imports SymPy at module level, so the simulation path can use it without SymPy.

>>> integer("batch_size", 3, 1, 5)
3
>>> integer("batch_size", 0, 1, 5, what="an integer in [1, n=5]")
Traceback (most recent call last):
...
theory.domain.DomainError: batch_size=0 must be an integer in [1, n=5]
>>> real("step_size", "0.3", low=0, low_open=True)
Traceback (most recent call last):
...
theory.domain.DomainError: step_size='0.3' must be a finite number > 0
>>> exact_number("c", "3/8")
Fraction(3, 8)
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

__all__ = [
    "SEED_LIMIT",
    "DomainError",
    "choice",
    "exact_number",
    "expression",
    "flag",
    "integer",
    "positive",
    "real",
    "seed",
]

SEED_LIMIT = 2**63
"""Every seed argument (``seed``, ``seed_offset``) lies in [0, 2^63)."""


class DomainError(ValueError):
    """Bad input: ``parameter=value must be <allowed>``.

    >>> raise DomainError("eta", -1.0, "> 0")
    Traceback (most recent call last):
    ...
    theory.domain.DomainError: eta=-1.0 must be > 0
    """

    def __init__(self, parameter: str, value: object, allowed: str) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        super().__init__(f"{parameter}={_show(value)} must be {allowed}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its three fields (an error raised in a worker process comes back to
        the parent whole: multiprocessing and Dask move exceptions by pickle)."""
        return (type(self), (self.parameter, self.value, self.allowed))


def _show(value: object) -> str:
    """repr of a value, shortened so that a message stays one readable line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-12:]


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def integer(name: str, value: object, low: int | None = None, high: int | None = None,
            what: str | None = None) -> int:
    """``value`` as an int in [low, high] (bool, floats and strings are rejected).

    ``what`` replaces the generated description of the range (e.g. ``"an integer in
    [1, n=20]"``) so that the message names what the bound means.
    """
    if what is None:
        if low is not None and high is not None:
            what = f"an integer in [{low}, {high}]"
        elif low is not None:
            what = f"an integer >= {low}"
        elif high is not None:
            what = f"an integer <= {high}"
        else:
            what = "an integer"
    if not _is_integer(value):
        raise DomainError(name, value, what)
    v = int(value)  # type: ignore[call-overload]
    if (low is not None and v < low) or (high is not None and v > high):
        raise DomainError(name, value, what)
    return v


def real(name: str, value: object, low: float | None = None, high: float | None = None,
         *, low_open: bool = False, high_open: bool = False, what: str | None = None) -> float:
    """``value`` as a finite float in the given range (bool and strings are rejected).

    ``low_open``/``high_open`` exclude the bound itself.
    """
    if what is None:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        what = "a finite number" + (" " + " and ".join(parts) if parts else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DomainError(name, value, what)
    try:
        v = float(value)
    except (OverflowError, ValueError, TypeError):
        raise DomainError(name, value, what) from None
    if not math.isfinite(v):
        raise DomainError(name, value, what)
    if low is not None and (v < low or (low_open and v == low)):
        raise DomainError(name, value, what)
    if high is not None and (v > high or (high_open and v == high)):
        raise DomainError(name, value, what)
    return v


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    return real(name, value, 0.0, low_open=True, what="a finite number > 0")


def choice(name: str, value: object, options: Sequence[str]) -> str:
    """One of ``options`` (compared as given; no case folding)."""
    if not isinstance(value, str) or value not in options:
        raise DomainError(name, value, "one of " + ", ".join(repr(x) for x in options))
    return value


def seed(name: str, value: object) -> int:
    """A seed: an integer in [0, 2^63)."""
    return integer(name, value, 0, SEED_LIMIT - 1, what="an integer in [0, 2^63)")


def flag(name: str, value: object) -> int:
    """0 or 1 (e.g. relu'(0)); bool is rejected so that ``True`` is not taken for 1."""
    return integer(name, value, 0, 1, what="0 or 1")


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?")
_RATIONAL = re.compile(r"[+-]?\d+/\d+")


def exact_number(name: str, value: object, what: str = "a real number") -> Fraction:
    """An exact rational from a number or from a plain decimal / rational string.

    Accepted: ints, floats (read as the decimal Python prints for them, so 0.1 is 1/10: the
    number the user wrote), Fractions, SymPy rationals and integers, and strings matching
    ``[+-]digits[.digits][e[+-]digits]`` or ``[+-]digits/digits``.  Anything else (an
    expression, a name, a call) is refused with a :class:`DomainError`; nothing is ever
    evaluated.

    >>> exact_number("c", 0.1), exact_number("c", "-1.25e1")
    (Fraction(1, 10), Fraction(-25, 2))
    >>> exact_number("c", "__import__('os')")
    Traceback (most recent call last):
    ...
    theory.domain.DomainError: c="__import__('os')" must be a real number
    """
    if isinstance(value, bool):
        raise DomainError(name, value, what)
    if isinstance(value, str):
        text = value.strip()
        if _RATIONAL.fullmatch(text):
            num, den = text.split("/")
            if int(den) == 0:
                raise DomainError(name, value, what + " (nonzero denominator)")
            return Fraction(int(num), int(den))
        if _DECIMAL.fullmatch(text):
            return Fraction(text)
        raise DomainError(name, value, what)
    if isinstance(value, Fraction | numbers.Integral):
        return Fraction(value)
    rational = _sympy_rational(value)
    if rational is not None:
        return rational
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise DomainError(name, value, what + " (finite)")
        return Fraction(repr(v))
    raise DomainError(name, value, what)


def expression(name: str, value: object, what: str = "a SymPy expression or a number") -> Any:
    """A SymPy expression from a SymPy expression (returned as it is) or a number (made
    exact by :func:`exact_number`, so a plain decimal or rational string is read by its
    grammar); every other string is refused: nothing is ever parsed as code.

    >>> expression("mu_1", "3/8")
    3/8
    >>> expression("mu_1", "__import__('os')")
    Traceback (most recent call last):
    ...
    theory.domain.DomainError: mu_1="__import__('os')" must be a SymPy expression or a number
    """
    import sympy as sp

    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise DomainError(name, value, what)
        return value
    if isinstance(value, str) and not (_RATIONAL.fullmatch(value.strip())
                                       or _DECIMAL.fullmatch(value.strip())):
        raise DomainError(name, value, what)
    q = exact_number(name, value, what)
    return sp.Rational(q.numerator, q.denominator)


def _sympy_rational(value: Any) -> Fraction | None:
    """A SymPy Rational/Integer as a Fraction (without importing SymPy when it is absent)."""
    p, q = getattr(value, "p", None), getattr(value, "q", None)
    if getattr(value, "is_Rational", False) and isinstance(p, int) and isinstance(q, int):
        return Fraction(p, q)
    return None
