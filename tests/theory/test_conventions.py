"""theory.conventions: the one value that carries the activation, relu'(0) and the loss
normalisation, and the SymPy forms it pins at the kink."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.conventions import ACTIVATIONS, LINEAR, RELU, RELU1, Conventions
from theory.domain import DomainError

x = sp.Symbol("x", real=True)


def test_named_values_and_defaults() -> None:
    assert ACTIVATIONS == ("linear", "relu")
    assert Conventions() == RELU == Conventions("relu", 0, "mean")
    assert Conventions("relu", 1) == RELU1 and Conventions("linear") == LINEAR
    assert (RELU.is_relu, RELU1.is_relu, LINEAR.is_relu) == (True, True, False)
    assert (RELU.counts_zero_as_active, RELU1.counts_zero_as_active,
            LINEAR.counts_zero_as_active) == (False, True, False)
    assert len({RELU, Conventions("relu"), RELU1, LINEAR}) == 3  # hashable: a cache key


def test_conventions_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RELU.activation = "linear"  # type: ignore[misc]


@pytest.mark.parametrize(("kwargs", "parameter"), [
    ({"activation": "tanh"}, "activation"),
    ({"activation": "ReLU"}, "activation"),
    ({"activation": None}, "activation"),
    ({"relu_prime_at_zero": 2}, "relu_prime_at_zero"),
    ({"relu_prime_at_zero": True}, "relu_prime_at_zero"),
    ({"relu_prime_at_zero": 0.5}, "relu_prime_at_zero"),
    ({"normalisation": "sum"}, "normalisation"),
])
def test_bad_conventions_name_the_field(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(DomainError) as exc:
        Conventions(**kwargs)  # type: ignore[arg-type]
    assert exc.value.parameter == parameter


def test_relu_prime_at_zero_is_stored_as_an_int() -> None:
    value = Conventions("relu", np.int64(1)).relu_prime_at_zero  # type: ignore[arg-type]
    assert value == 1 and type(value) is int


@pytest.mark.parametrize(("conventions", "at_zero"), [(RELU, 0), (RELU1, 1), (LINEAR, 1)])
def test_sigma_and_sigma_prime_pin_the_kink(conventions: Conventions, at_zero: int) -> None:
    prime = conventions.sigma_prime(x)
    assert prime.subs(x, 0) == at_zero
    assert prime.subs(x, sp.Rational(1, 3)) == 1
    assert prime.subs(x, -sp.Rational(1, 3)) == (0 if conventions.is_relu else 1)
    sigma = conventions.sigma(x)
    assert sigma.subs(x, 0) == 0
    assert sigma.subs(x, sp.Rational(2, 5)) == sp.Rational(2, 5)
    assert sigma.subs(x, -sp.Rational(2, 5)) == (0 if conventions.is_relu else -sp.Rational(2, 5))
    assert sp.diff(sigma, x).subs(x, sp.Rational(1, 7)) == 1


@pytest.mark.parametrize("zero", [0, 0.0, mpmath.mpf(0), sp.Integer(0), np.float64(0.0)])
def test_is_active_at_the_kink_follows_relu_prime_at_zero(zero: object) -> None:
    assert RELU.is_active(zero) is False
    assert RELU1.is_active(zero) is True
    assert LINEAR.is_active(zero) is True
    for conventions in (RELU, RELU1):
        assert conventions.is_active(sp.Rational(1, 10**30)) is True
        assert conventions.is_active(-1e-300) is False
    assert LINEAR.is_active(-5) is True


def test_words_tags_and_json() -> None:
    assert RELU.describe()[:2] == ("activation: relu", "relu'(0) = 0")
    assert LINEAR.describe()[0] == "activation: linear"
    assert not any("relu'(0)" in line for line in LINEAR.describe())
    assert RELU1.tags() == ("activation=relu", "relu_prime_at_zero=1", "normalisation=mean")
    assert LINEAR.tags() == ("activation=linear", "normalisation=mean")
    assert RELU1.to_json() == {"activation": "relu", "relu_prime_at_zero": 1}
    assert Conventions(**LINEAR.to_json()) == LINEAR


def test_importing_the_conventions_does_not_import_sympy() -> None:
    """The simulation path needs the value, not the algebra (a fresh interpreter)."""
    code = ("import sys, theory, theory.conventions, theory.domain\n"
            "from theory import RELU, Conventions\n"
            "assert Conventions('relu', 1).is_active(0.0)\n"
            "assert 'sympy' not in sys.modules, 'sympy imported'\n"
            "RELU.sigma_prime(0)\n"
            "assert 'sympy' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
