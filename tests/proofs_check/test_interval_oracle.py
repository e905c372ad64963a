"""The interval oracle on both backends (python-flint arb and mpmath iv), with controls."""

from __future__ import annotations

import importlib.util

import pytest
import sympy as sp

from proofs_check.oracles import interval as iv
from theory.symbols import S, n, r

HAS_FLINT = importlib.util.find_spec("flint") is not None
BACKENDS = [True] + ([False] if HAS_FLINT else [])  # force_mpmath


@pytest.mark.parametrize("force_mpmath", BACKENDS)
def test_loss_lower_bound(force_mpmath: bool) -> None:
    good = iv.check_loss_lower_bound(force_mpmath=force_mpmath)
    assert good.status == "pass", good.evidence
    assert ("mpmath" in good.evidence["backend"]) == force_mpmath
    assert iv.check_loss_lower_bound(target=sp.Rational(3, 10),
                                     force_mpmath=force_mpmath).status == "fail"


@pytest.mark.parametrize("force_mpmath", BACKENDS)
def test_hessian_quadratic_forms(force_mpmath: bool) -> None:
    assert iv.check_hessian_quadratic_forms(force_mpmath=force_mpmath).status == "pass"
    wrong = {"identity": S / n, "symmetric_outer": 1 / n, "Q": (r - 2) / n}
    assert iv.check_hessian_quadratic_forms(coefficients=wrong,
                                            force_mpmath=force_mpmath).status == "fail"


def test_backend_name() -> None:
    assert iv.backend() == ("python-flint arb (rigorous)" if HAS_FLINT
                            else "mpmath iv (not certified)")
