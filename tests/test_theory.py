"""Issue 2: every theory formula by a second, independent route, with negative controls.

The checks themselves live in proofs_check.oracles (the report runs the same ones); these
tests run them on several (d, n, s), at 50 digits, and on deliberately wrong formulas.
"""

from __future__ import annotations

import time

import pytest
import sympy as sp

from proofs_check.oracles import high_precision as hp
from proofs_check.oracles import symbolic as sym
from theory import dynamics, hessian, model, stationary
from theory.errors import DomainError
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.symbols import Conventions, P_plus, S, a_i, d, m, n, r, s

CONVENTIONS = [Conventions("linear"), Conventions("relu", 0), Conventions("relu", 1)]
IDS = [("linear" if not c.is_relu else f"relu{c.relu_prime_at_zero}") for c in CONVENTIONS]


@pytest.mark.parametrize("conv", CONVENTIONS, ids=IDS)
@pytest.mark.parametrize("route", sorted(sym.ROUTES))
def test_explicit_dimension_matches_symbolic_d(conv: Conventions, route: str) -> None:
    result = sym.check_explicit_routes(route, sym.ROUTES[route], conv)
    assert result.status == "pass", result.evidence


@pytest.mark.parametrize("conv", CONVENTIONS, ids=IDS)
def test_sgd_step_map_matches_explicit_step(conv: Conventions) -> None:
    assert sym.check_sgd_step(conv).status == "pass"


@pytest.mark.parametrize("conv", CONVENTIONS[:2], ids=IDS[:2])
def test_stationary_points_exhaustive(conv: Conventions) -> None:
    result = sym.check_stationary_exhaustive(conv)
    assert result.status == "pass", result.evidence
    assert all(row["minima"] > 0 and row["dead"] > 0 for row in result.evidence["cases"])


def test_reduced_classification() -> None:
    cls = stationary.classify_reduced()
    assert cls["minimum"] == {"S": 1, "r": 1, "loss": (n - 1) / (2 * n)}
    assert cls["dead"]["loss"] == sp.Rational(1, 2)
    assert stationary.min_value()["value"] == (n - 1) / (2 * n)
    assert stationary.min_value()["gap_to_dead"] == 1 / (2 * n)


@pytest.mark.parametrize("conv", CONVENTIONS, ids=IDS)
def test_loss_gradient_hessian_high_precision(conv: Conventions) -> None:
    for check in (hp.check_loss_reduced, hp.check_gradient_fd, hp.check_hessian_fd):
        result = check(conv, seed=7)
        assert result.status == "pass", (check.__name__, result.evidence)


@pytest.mark.parametrize("conv", CONVENTIONS[:2], ids=IDS[:2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trace_formula_at_random_sparse_minima(conv: Conventions, seed: int) -> None:
    result = hp.check_trace_at_min_fd(conv, cases=4, seed=seed)
    assert result.status == "pass", result.evidence


def test_trace_closed_forms() -> None:
    assert hessian.trace_at_min() == (d - s + 4) / n
    assert hessian.spectrum_at_min() == ((4 / n, 1), (0, s - 1), (1 / n, d - s))
    assert hessian.lambda_max_at_min() == 4 / n
    assert hessian.relu_trace_gap() == (P_plus - 1) / n
    assert hessian.linear_trace_gap() == 0
    assert hessian.trace_gap(Conventions("relu", 1)) == 0
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


def test_gradient_independent_of_relu_prime_at_zero() -> None:
    for h0 in (0, 1):
        cw, cx = per_sample_gradient_coefficients(Conventions("relu", h0))
        assert cw.subs(a_i, 0) == 0 and cx.subs(a_i, 0) == 0


def test_dynamics_facts() -> None:
    assert dynamics.gd_ratio_invariance() == 0
    radial = dynamics.gd_radial_map()
    assert tuple(radial["fixed_points"]) == (1,)
    assert radial["stability_bound_gamma"] == sp.Rational(1, 2)
    assert dynamics.alignment_ratio_of_expectations(Conventions("relu")) == n / (2 * d)
    assert dynamics.alignment_ratio_of_expectations(Conventions("linear")) == n / d
    assert dynamics.dead_init_probability().subs(n, 5) == sp.Rational(1, 32)
    for n_ in range(1, 9):
        for b_ in range(1, n_ + 1):
            classes = dynamics.cyclic_classes(n_, b_)
            g = int(dynamics.cyclic_class_size().subs({sp.Symbol("b", positive=True,
                                                                  integer=True): b_, n: n_}))
            assert all(len(c) == g for c in classes), (n_, b_, classes)


def test_sgd_step_map_signs() -> None:
    step = sgd_step_map(Conventions("linear"))
    assert step["multiplier"] == step["perp_multiplier"]


# ---------------------------------------------------------------- negative controls

def test_negative_control_loss_constant_off_by_one() -> None:
    wrong = ((r - 2) * S + n + 1) / (2 * n)
    assert not model.explicit_matches_reduced(3, 2, Conventions("relu"), wrong)
    assert hp.check_loss_reduced(Conventions("relu"), loss_expr=wrong).status == "fail"


def test_negative_control_gradient_dropped_term() -> None:
    cw, _ = per_sample_gradient_coefficients(Conventions("linear"))
    wrong = (cw, a_i * r)  # the -2 dropped
    result = sym.check_explicit_routes("gradient", sym.ROUTES["gradient"], Conventions("linear"),
                                       coefficients=wrong)
    assert result.status == "fail"
    assert hp.check_gradient_fd(Conventions("linear"), coefficients=wrong).status == "fail"


def test_negative_control_hessian_coefficient() -> None:
    wrong = dict(hessian.hessian_coefficients())
    wrong["symmetric_outer"] = 1 / n
    result = sym.check_explicit_routes("hessian", sym.ROUTES["hessian"], Conventions("relu"),
                                       coefficients=wrong)
    assert result.status == "fail"

    def wrong_matrix(w: sp.Matrix, n_: int, conv: Conventions) -> sp.Matrix:
        return hessian.closed_form_matrix(w, n_, conv) + sp.eye(w.shape[0]) / 1000

    assert hp.check_hessian_fd(Conventions("relu"), hessian_fn=wrong_matrix).status == "fail"


def test_negative_control_trace_off_by_one() -> None:
    result = hp.check_trace_at_min_fd(Conventions("relu"), trace_expr=(d - s + 5) / n)
    assert result.status == "fail"
    # the other kink convention's trace does not match the relu'(0) = 0 finite differences
    other = hessian.hessian_trace().subs({S: 1, r: 1, m: n})
    assert hp.check_trace_at_min_fd(Conventions("relu"), trace_expr=other, seed=3).status == "fail"


def test_negative_control_step_map() -> None:
    wrong = dict(sgd_step_map(Conventions("relu")))
    wrong["out_of_batch"] = wrong["out_of_batch"] * 2
    assert sym.check_sgd_step(Conventions("relu"), step_map=wrong).status == "fail"


def test_negative_control_stationary_value() -> None:
    result = sym.check_stationary_exhaustive(Conventions("linear"), dims=((2, 2),),
                                             expected_min=n / (2 * n))
    assert result.status == "fail"


def test_bad_input() -> None:
    with pytest.raises(DomainError, match="activation='tanh' must be one of"):
        Conventions("tanh")
    with pytest.raises(DomainError, match="relu_prime_at_zero"):
        Conventions("relu", 2)
    with pytest.raises(ValueError, match="1 <= n <= d"):
        model.explicit_loss(2, 3, Conventions("relu"))
    with pytest.raises(DomainError, match="batch_size"):
        dynamics.cyclic_classes(3, 4)
