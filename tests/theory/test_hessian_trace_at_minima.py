"""The Hessian trace and spectrum at the minima (theory.hessian): closed forms, 50-digit
finite differences at random sparse minima, the relu kink convention, and a trace off by
one and the other kink convention's trace as wrong libraries."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from proofs_check.claims import variant_by_id
from proofs_check.oracles import high_precision as hp
from proofs_check.variants import installed
from theory import hessian
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.symbols import P_plus, S, d, m, n, r, s


@pytest.mark.parametrize("conventions", [LINEAR, RELU], ids=["linear", "relu0"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trace_formula_at_random_sparse_minima(conventions: Conventions, seed: int) -> None:
    result = hp.trace_at_minima_fd(conventions, cases=4, seed=seed)
    assert result.status == "pass", result.evidence


def test_trace_closed_forms() -> None:
    assert hessian.trace_at_min() == (d - s + 4) / n
    assert hessian.spectrum_at_min() == ((4 / n, 1), (0, s - 1), (1 / n, d - s))
    assert hessian.lambda_max_at_min() == 4 / n
    assert hessian.relu_trace_gap() == (P_plus - 1) / n
    assert hessian.linear_trace_gap() == 0
    assert hessian.trace_gap(RELU1) == 0
    assert hessian.hessian_trace().subs({S: 1, r: 1, m: n}) == (d - n + 4) / n


def test_trace_at_huge_d_is_instant() -> None:
    start = time.perf_counter()
    value = hessian.trace_at_min().subs({d: 10**9, n: 100, s: 1})
    assert value == sp.Rational(10**9 + 3, 100)
    # not a timing test: symbolic d means no d x d matrix is ever built; this just guards
    # against a regression to explicit matrices (which would take hours at d = 1e9)
    assert time.perf_counter() - start < 60


def test_kink_convention() -> None:
    k = hessian.kink_curvatures()
    assert k["positive_side"] == 0
    assert k["negative_side"] == 1 / n
    assert k["closed_form_relu_prime_0"] == k["negative_side"]
    assert k["closed_form_relu_prime_1"] == k["positive_side"]


@pytest.mark.parametrize("wrong", ["trace.off_by_one", "trace.other_kink_convention"])
def test_wrong_trace_fails_the_finite_differences(wrong: str) -> None:
    with installed(variant_by_id(wrong)):
        # seed 3 draws minima with s < n, where the two kink conventions differ
        result = hp.trace_at_minima_fd(RELU, seed=3)
    assert result.status == "fail", result.evidence
    assert hp.trace_at_minima_fd(RELU, seed=3).status == "pass"  # the library is restored
