"""numerics.compile: every formula of the catalogue on every number system, against exact
SymPy evaluation at rational points (float64 to 1e-12 relative, mpmath at 50 digits to
1e-40, the interval backends by containment of the exact value), the kink of Heaviside,
the cache, and what the compiler refuses."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics import formulas
from numerics.compile import BACKENDS, compile, source
from theory import dynamics
from theory.catalogue import Formula, catalogue
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.domain import DomainError

R = sp.Rational
x = sp.Symbol("x", real=True)

#: Rational points, one value per symbol name of the catalogue (integer symbols get
#: integers).  The second point has negative data coordinates (relu inactive), the third
#: sits on the kink (a_i = a_j = 0) with S = S_B = 0 and b = n.
POINTS: tuple[dict[str, Any], ...] = (
    dict(n=7, d=11, b=3, s=2, P_plus=4, S=R(3, 10), r=R(7, 5), S_B=R(1, 4), a_i=R(3, 10),
         a_j=R(2, 5), a_k=R(1, 7), w=R(5, 3), x_i=R(-2, 9), gamma=R(1, 5), rho=R(4, 5),
         p=R(3, 8), eta=R(6, 5), c=R(-3, 4), s_2=R(5, 2)),
    dict(n=12, d=20, b=5, s=3, P_plus=6, S=R(9, 10), r=R(1, 3), S_B=R(2, 3), a_i=R(-2, 7),
         a_j=R(-1, 3), a_k=R(3, 5), w=R(-1, 2), x_i=R(4, 3), gamma=R(2, 7), rho=R(3, 2),
         p=R(1, 9), eta=R(1, 3), c=R(5, 4), s_2=R(1, 3)),
    dict(n=5, d=5, b=5, s=1, P_plus=1, S=R(0), r=R(1), S_B=R(0), a_i=R(0), a_j=R(0),
         a_k=R(1, 2), w=R(1), x_i=R(1), gamma=R(1, 3), rho=R(1), p=R(1, 2), eta=R(1, 2),
         c=R(0), s_2=R(1)),
)


def _free(expr: Any) -> set[sp.Symbol]:
    if isinstance(expr, sp.Basic):
        return set(expr.free_symbols)
    return set().union(*(_free(e) for e in expr)) if expr else set()


def _compilable(entry: Formula) -> bool:
    """Not a matrix and free of non-commutative symbols (hessian.closed_form is a matrix
    formula written with non-commutative I, Q, w)."""
    expr = entry.expr
    return not isinstance(expr, sp.MatrixBase) and all(x_.is_commutative for x_ in _free(expr))


CASES = [pytest.param(conv, entry, id=f"{conv.activation}{conv.relu_prime_at_zero}-{entry.id}")
         for conv in (RELU, RELU1, LINEAR) for entry in catalogue(conv) if _compilable(entry)]


def _number(backend: str, value: sp.Rational) -> Any:
    """The rational ``value`` in ``backend``'s number system (an enclosure for intervals)."""
    p, q = int(value.p), int(value.q)
    if backend == "numpy":
        return p / q
    if backend == "mpmath":
        return mpmath.mpf(p) / q
    if backend == "iv":
        return mpmath.iv.mpf(p) / q
    return flint.arb(flint.fmpq(p, q))


def _leaves(value: Any) -> Iterator[Any]:
    """The numbers of a (nested) tuple result, in order."""
    if isinstance(value, tuple | list | sp.Tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _dyadic(man: Any, exp: Any) -> Fraction:
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def _bounds(value: Any) -> tuple[Fraction, Fraction]:
    """The exact endpoints of an mpmath interval or an arb ball (an int is a point: the
    interval backends return exact constants and Heaviside values as ints)."""
    if isinstance(value, int):
        return Fraction(value), Fraction(value)
    if isinstance(value, flint.arb):
        return _dyadic(*value.lower().man_exp()), _dyadic(*value.upper().man_exp())
    ends = [(-1) ** sign * _dyadic(man, exp) for sign, man, exp, _ in value._mpi_]
    return ends[0], ends[1]


def _agrees(backend: str, got: Any, exact: sp.Expr) -> bool:
    """``got`` (computed at 50 digits for mpmath) against the exact value."""
    if backend == "numpy":
        want = float(exact)
        return abs(float(got) - want) <= 1e-12 * abs(want) + 1e-300
    if backend == "mpmath":
        with mpmath.workdps(60):
            want = mpmath.mpf(str(sp.N(exact, 60)))
            return bool(abs(got - want) <= mpmath.mpf("1e-40") * max(1, abs(want)))
    lo, hi = _bounds(got)
    tight = hi - lo <= Fraction(1, 10**9) * max(1, abs(Fraction(str(sp.N(exact, 30)))))
    return bool(sp.Rational(lo) <= exact) and bool(exact <= sp.Rational(hi)) and tight


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("conventions", "entry"), CASES)
def test_catalogue_formula_agrees_with_exact_evaluation(conventions: Conventions,
                                                        entry: Formula, backend: str) -> None:
    args = tuple(sorted(_free(entry.expr), key=str))
    fn = compile(entry.expr, args, backend)
    for point in POINTS:
        values = [sp.Rational(point[str(a)]) for a in args]
        exact = sp.sympify(entry.expr).subs(dict(zip(args, values, strict=True)))
        with mpmath.workdps(50):
            got = fn(*(_number(backend, v) for v in values))
        pairs = list(itertools.zip_longest(_leaves(got), _leaves(exact)))
        for value, want in pairs:
            assert want is not None and value is not None, (entry.id, got, exact)
            assert want.is_finite and want.is_real, (entry.id, point, want)
            assert _agrees(backend, value, want), (entry.id, backend, point, value, want)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("h0", [0, 1])
def test_heaviside_at_zero_is_the_pinned_value(backend: str, h0: int) -> None:
    fn = compile(sp.Heaviside(x, h0), (x,), backend)
    for value, want in ((R(0), h0), (R(-1, 3), 0), (R(1, 3), 1)):
        assert _agrees(backend, fn(_number(backend, value)), sp.Integer(want))


@pytest.mark.parametrize(("conventions", "at_zero"), [(RELU, 0), (RELU1, 1), (LINEAR, 1)])
def test_sigma_prime_at_zero_follows_relu_prime_at_zero(conventions: Conventions,
                                                        at_zero: int) -> None:
    """The conventions' sigma' compiled on every backend, and numerics.formulas' copy."""
    for backend in BACKENDS:
        fn = compile(conventions.sigma_prime(x), (x,), backend)
        assert _agrees(backend, fn(_number(backend, R(0))), sp.Integer(at_zero)), backend
    got = formulas.sigma_prime(conventions)(np.array([-0.5, 0.0, 0.5]))
    assert got.tolist() == [0.0 if conventions.is_relu else 1.0, at_zero, 1.0]


def test_an_interval_straddling_the_kink_is_refused() -> None:
    for backend, ball in (("iv", mpmath.iv.mpf([-1, 1])), ("arb", flint.arb(0, 1))):
        with pytest.raises(DomainError):
            compile(sp.Heaviside(x, 0) * x, (x,), backend)(ball)


def test_rationals_stay_exact_inside_interval_backends() -> None:
    """1/3 is printed as _q(1, 3): the interval backends enclose it (a float would not)."""
    assert source(R(1, 3) * x, (x,)) == "(_q(1, 3))*x"
    third = Fraction(1, 3)
    for backend in ("iv", "arb"):
        lo, hi = _bounds(compile(R(1, 3) * x, (x,), backend)(_number(backend, R(1))))
        assert lo < third < hi
    assert Fraction(1 / 3) != third  # what the float 1/3 would have given


@pytest.mark.parametrize("bad", ["x + 1", ("x",), True, None, 1.5, [sp.Integer(1), "y"]])
def test_strings_and_other_non_expressions_are_refused(bad: Any) -> None:
    with pytest.raises(DomainError) as exc:
        compile(bad, (x,))
    assert exc.value.parameter == "expr"


@pytest.mark.parametrize("bad", [sp.Float(0.5) * x, sp.sin(x), sp.floor(x), sp.atan2(x, 1),
                                 sp.Function("f")(x)])
def test_inexact_or_unknown_functions_are_refused(bad: sp.Expr) -> None:
    with pytest.raises(DomainError):
        compile(bad, (x,))


def test_max_and_min_are_refused_on_interval_backends() -> None:
    assert compile(sp.Max(x, 0), (x,))(-2.0) == 0.0
    for backend in ("iv", "arb"):
        with pytest.raises(DomainError):
            compile(sp.Max(x, 0), (x,), backend)(_number(backend, R(1)))


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        compile(x, (x,), "float128")
    assert exc.value.parameter == "backend"


def test_gcd_takes_integer_values_on_every_backend() -> None:
    """``cyclic.blocks``' gcd(b, n) (theory.dynamics.gcd) on integer-valued numbers."""
    b, n = sp.symbols("b n", positive=True, integer=True)
    for backend in BACKENDS:
        fn = compile(dynamics.gcd(b, n), (b, n), backend)
        assert _agrees(backend, fn(_number(backend, R(4)), _number(backend, R(6))), R(2))
        with pytest.raises(DomainError):
            fn(_number(backend, R(5, 2)), _number(backend, R(6)))


def test_the_cache_returns_the_same_function_object() -> None:
    y = sp.Symbol("y", real=True)
    first = compile(R(1, 2) * x**2 + y, (x, y), "mpmath")
    assert compile(R(1, 2) * x**2 + y, [x, y], "mpmath") is first
    assert compile(R(1, 2) * x**2 + y, (x, y)) is not first  # another backend
    assert compile(R(1, 2) * x**2 + y, (y, x), "mpmath") is not first  # other argument order
    assert formulas.trace_at_min() is formulas.trace_at_min()


def test_numpy_functions_broadcast_over_arrays() -> None:
    fn = compile(R(1, 2) * x**2, (x,))
    np.testing.assert_array_equal(fn(np.array([[1.0, 2.0], [3.0, 4.0]])),
                                  [[0.5, 2.0], [4.5, 8.0]])
