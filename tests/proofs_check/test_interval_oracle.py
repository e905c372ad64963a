"""The interval oracle on both backends (python-flint arb and mpmath iv), with the
registered wrong libraries as controls (each installed with proofs_check.variants)."""

from __future__ import annotations

import importlib.util

import pytest

from proofs_check.claims import variant_by_id
from proofs_check.oracles import interval as iv
from proofs_check.variants import installed

HAS_FLINT = importlib.util.find_spec("flint") is not None
BACKENDS = [True] + ([False] if HAS_FLINT else [])  # force_mpmath


@pytest.mark.parametrize("force_mpmath", BACKENDS)
def test_loss_lower_bound(force_mpmath: bool) -> None:
    good = iv.check_loss_lower_bound(force_mpmath=force_mpmath)
    assert good.status == "pass", good.evidence
    assert ("mpmath" in good.evidence["backend"]) == force_mpmath
    # a claimed minimum too low fails the witness, one too high (the dead value) the bound
    for wrong in ("minima.value_too_low", "minima.value_dead"):
        with installed(variant_by_id(wrong)):
            result = iv.check_loss_lower_bound(force_mpmath=force_mpmath)
        assert result.status == "fail", (wrong, result.evidence)


@pytest.mark.parametrize("force_mpmath", BACKENDS)
def test_hessian_quadratic_forms(force_mpmath: bool) -> None:
    assert iv.check_hessian_quadratic_forms(force_mpmath=force_mpmath).status == "pass"
    # the enclosures come from the closed form, the claim from the spectrum: a wrong
    # spectrum fails (a wrong Hessian coefficient moves both, and is the FD routes' job)
    with installed(variant_by_id("hessian.spectrum_eigenvalue")):
        result = iv.check_hessian_quadratic_forms(force_mpmath=force_mpmath)
    assert result.status == "fail", result.evidence


def test_backend_name() -> None:
    assert iv.backend() == ("python-flint arb (rigorous)" if HAS_FLINT
                            else "mpmath iv (not certified)")
