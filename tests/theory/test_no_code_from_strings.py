"""No string from a user reaches sympify, eval or exec: every public function that takes an
expression or a number refuses a payload with the library's DomainError, and runs nothing.

The payload would create a marker file if it were ever evaluated; each case checks that the
call raises DomainError (a ValueError subclass), names the parameter, fits on one line, and
that the marker does not exist afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from numerics import compile as ncompile
from numerics import random_walk, sgd_walk
from theory import compile as tcompile
from theory import lamperti, walk
from theory.domain import DomainError, exact_number, expression

X = sp.Symbol("x", positive=True)
I = sp.Symbol("i", positive=True)

CASES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "classify_lamperti(mu1)": ("mu_1", lambda p: lamperti.classify_lamperti(p, 1, X)),
    "classify_lamperti(mu2)": ("mu_2", lambda p: lamperti.classify_lamperti(1 / X, p, X)),
    "classify_lamperti(support)": (
        "support", lambda p: lamperti.classify_lamperti(1 / X, 1, X, support=[p])),
    "classify_lamperti(x)": ("x", lambda p: lamperti.classify_lamperti(1 / X, 1, p)),
    "classify_birth_death(p_x)": ("p_x", lambda p: lamperti.classify_birth_death(p)),
    "classify_birth_death(x)": (
        "x", lambda p: lamperti.classify_birth_death(sp.Rational(1, 2) + 1 / X, p)),
    "lamperti_family(c)": ("c", lambda p: lamperti.lamperti_family(p, 1)),
    "lamperti_family(s2)": ("s2", lambda p: lamperti.lamperti_family(1, p)),
    "series_convergence(rho)": ("rho", lambda p: lamperti.series_convergence(p, I)),
    "first_valid_site(p_x)": ("p_x", lambda p: lamperti.first_valid_site(p, X)),
    "birth_death_moments(p_x)": ("p_x", lambda p: lamperti.birth_death_moments(p)),
    "log_ratio_increment_law(a)": (
        "state", lambda p: walk.log_ratio_increment_law([p, 0.5, 0.25], 0, 1, 0.1, 1)),
    "log_ratio_increment_law(gamma)": (
        "state", lambda p: walk.log_ratio_increment_law([0.4, 0.5, 0.25], 0, 1, p, 1)),
    "exact_drift(perp2)": (
        "state", lambda p: walk.exact_drift([0.4, 0.5, 0.25], 0, 1, 0.1, 1, perp2=p)),
    "coupling_drift(a)": (
        "state", lambda p: walk.coupling_drift([p, 0.5, 0.25], 0, 1, 0.1, 2)),
    "two_point_law(mu1)": ("mu_1", lambda p: random_walk.two_point_law(p, 1, X)),
    "two_point_law(mu2)": ("mu_2", lambda p: random_walk.two_point_law(1 / X, p, X)),
    "lamperti_law(c)": ("c", lambda p: random_walk.lamperti_law(p, 1.0)),
    "exact_log_ratio_law(step_size)": (
        "step_size", lambda p: sgd_walk.exact_log_ratio_law([0.5, 0.25, 0.1], 0, 1, p, 1)),
    "theory.compile.compile": ("expr", lambda p: tcompile.compile(p, (X,))),
    "numerics.compile.compile": ("expr", lambda p: ncompile.compile(p, (X,))),
    "expression": ("e", lambda p: expression("e", p)),
    "exact_number": ("q", lambda p: exact_number("q", p)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_payload_is_refused_and_never_run(case: str, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    name, call = CASES[case]
    with pytest.raises(DomainError) as err:
        call(payload)
    message = str(err.value)
    assert "\n" not in message and message.startswith(name), message
    assert not marker.exists()


@pytest.mark.parametrize("text", ["1e3", "-3/8", " 0.25 ", "+7"])
def test_plain_numbers_as_text_are_read_by_their_grammar(text: str) -> None:
    value = expression("c", text)
    assert value.is_Rational and value == sp.Rational(exact_number("c", text))


@pytest.mark.parametrize("text", ["1+1", "x", "1/0", "1e99999", "0x10", "nan", "(1)", ""])
def test_anything_else_as_text_is_refused(text: str) -> None:
    with pytest.raises(DomainError):
        expression("c", text)


def test_floats_are_read_as_the_decimal_they_print() -> None:
    assert exact_number("c", 0.1) == exact_number("c", "0.1")
    assert lamperti.lamperti_family(0.6, 1.2)[:2] == (sp.Rational(3, 5) / X, sp.Rational(6, 5))
