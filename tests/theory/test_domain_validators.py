"""theory.domain: the validators every layer uses at its boundary, and the domain error.

A :class:`DomainError` reads ``parameter=value must be <allowed>`` and carries the three
parts; numbers must come as numbers (bool and strings are refused); only plain decimals
and rationals become exact numbers, nothing is ever evaluated.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory import dynamics, model
from theory.conventions import RELU, Conventions
from theory.domain import (
    SEED_LIMIT,
    DomainError,
    choice,
    exact_number,
    flag,
    integer,
    positive,
    real,
    seed,
)


def _refused(fn, *args, **kwargs) -> DomainError:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_domain_error_names_parameter_value_and_range() -> None:
    err = DomainError("eta", -1.0, "> 0")
    assert isinstance(err, ValueError)
    assert (err.parameter, err.value, err.allowed) == ("eta", -1.0, "> 0")
    assert str(err) == "eta=-1.0 must be > 0"
    assert str(DomainError("schedule", "sorted", "one of 'random'")) == (
        "schedule='sorted' must be one of 'random'")


def test_domain_error_shortens_a_long_value_to_one_line() -> None:
    message = str(DomainError("x", "y" * 500, "short"))
    assert len(message) < 100 and "..." in message and message.endswith("must be short")


@pytest.mark.parametrize("value", [3, np.int64(3), np.int8(3)])
def test_integer_accepts_python_and_numpy_integers(value: object) -> None:
    out = integer("batch_size", value, 1, 5)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [True, False, 3.0, "3", None, Fraction(3), np.float64(3)])
def test_integer_refuses_non_integers(value: object) -> None:
    err = _refused(integer, "batch_size", value, 0, 5)
    assert err.parameter == "batch_size" and err.value is value


def test_integer_range_and_description() -> None:
    assert integer("k", 0, 0, 0) == 0
    assert str(_refused(integer, "k", 6, 1, 5)) == "k=6 must be an integer in [1, 5]"
    assert str(_refused(integer, "k", 0, 1)) == "k=0 must be an integer >= 1"
    assert str(_refused(integer, "k", 9, None, 5)) == "k=9 must be an integer <= 5"
    assert str(_refused(integer, "k", 1.5)) == "k=1.5 must be an integer"
    assert str(_refused(integer, "batch_size", 0, 1, 5, what="an integer in [1, n=5]")) == (
        "batch_size=0 must be an integer in [1, n=5]")


@pytest.mark.parametrize("value", [0.25, 1, np.float32(0.25), np.float64(0.25), Fraction(1, 4)])
def test_real_accepts_numbers_as_floats(value: object) -> None:
    out = real("x", value, 0, 1)
    assert out == float(value) and type(out) is float


@pytest.mark.parametrize("value", [True, "0.3", None, math.nan, math.inf, -math.inf,
                                   np.float64("nan"), 10**400, 1j])
def test_real_refuses_non_numbers_and_non_finite(value: object) -> None:
    assert _refused(real, "step_size", value).parameter == "step_size"


def test_real_bounds_open_and_closed() -> None:
    assert real("x", 0.0, 0.0) == 0.0
    assert real("x", 1.0, high=1.0) == 1.0
    assert str(_refused(real, "x", 0.0, 0.0, low_open=True)) == "x=0.0 must be a finite number > 0"
    assert str(_refused(real, "x", 1.0, None, 1.0, high_open=True)) == (
        "x=1.0 must be a finite number < 1")
    assert str(_refused(real, "x", -0.5, 0, 1)) == "x=-0.5 must be a finite number >= 0 and <= 1"
    assert str(_refused(real, "x", 2.0, 0, 1, what="a number in [0, 1]")) == (
        "x=2.0 must be a number in [0, 1]")


def test_positive() -> None:
    assert positive("eta", 1e-300) == 1e-300
    for bad in (0, 0.0, -1.0, math.inf, "1"):
        assert str(_refused(positive, "eta", bad)).endswith("must be a finite number > 0")


def test_choice_is_exact_and_case_sensitive() -> None:
    assert choice("engine", "full", ("reduced", "full")) == "full"
    for bad in ("Full", "gpu", 1, None, ("full",)):
        err = _refused(choice, "engine", bad, ("reduced", "full"))
        assert err.allowed == "one of 'reduced', 'full'"


def test_seed_range_is_zero_to_two_to_the_63() -> None:
    assert SEED_LIMIT == 2**63
    assert seed("seed", 0) == 0 and seed("seed", 2**63 - 1) == 2**63 - 1
    for bad in (-1, 2**63, True, 1.0, "7"):
        assert str(_refused(seed, "seed", bad)) == f"seed={bad!r} must be an integer in [0, 2^63)"


def test_flag_is_zero_or_one_and_refuses_bool() -> None:
    assert (flag("relu_prime_at_zero", 0), flag("relu_prime_at_zero", 1)) == (0, 1)
    for bad in (True, False, 2, -1, 0.0):
        assert _refused(flag, "relu_prime_at_zero", bad).allowed == "0 or 1"


@pytest.mark.parametrize(("value", "exact"), [
    ("3/8", Fraction(3, 8)), ("-3/8", Fraction(-3, 8)), (" 0.5 ", Fraction(1, 2)),
    ("-1.25e1", Fraction(-25, 2)), (".5", Fraction(1, 2)), ("7.", Fraction(7)),
    ("+2E-3", Fraction(1, 500)), (0.1, Fraction(1, 10)), (3, Fraction(3)),  # floats as printed
    (Fraction(2, 7), Fraction(2, 7)), (sp.Rational(5, 9), Fraction(5, 9)),
    (sp.Integer(-4), Fraction(-4)), (np.int64(6), Fraction(6)),
])
def test_exact_number_reads_decimals_and_rationals_exactly(value: object,
                                                           exact: Fraction) -> None:
    out = exact_number("c", value)
    assert out == exact and isinstance(out, Fraction)


@pytest.mark.parametrize("value", [
    "__import__('os')", "1+1", "x", "sqrt(2)", "1/0", "1/2/3", "0x10", "1e99999", "nan",
    "inf", "", True, math.inf, math.nan, None, sp.sqrt(2), sp.Symbol("x"), [1],
])
def test_exact_number_refuses_everything_else(value: object) -> None:
    assert _refused(exact_number, "c", value).parameter == "c"


def test_theory_functions_reject_out_of_domain_input() -> None:
    with pytest.raises(DomainError, match="activation='tanh' must be one of"):
        Conventions("tanh")
    with pytest.raises(DomainError, match="relu_prime_at_zero"):
        Conventions("relu", 2)
    with pytest.raises(ValueError, match="1 <= n <= d"):
        model.explicit_loss(2, 3, RELU)
    with pytest.raises(DomainError, match="batch_size"):
        dynamics.cyclic_classes(3, 4)
