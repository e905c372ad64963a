"""The loss, gradient, SGD step map and Hessian of theory/ by second, independent routes.

The checks themselves live in proofs_check.oracles (the report runs the same ones); these
tests run them on several (d, n), at 50 digits, and on deliberately wrong formulas (the
negative controls at the end).
"""

from __future__ import annotations

import pytest
import sympy as sp

from proofs_check.oracles import high_precision as hp
from proofs_check.oracles import symbolic as sym
from theory import hessian, model
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.symbols import S, a_i, n, r

ALL_CONVENTIONS = pytest.mark.parametrize(
    "conventions", [LINEAR, RELU, RELU1], ids=["linear", "relu0", "relu1"])


@ALL_CONVENTIONS
@pytest.mark.parametrize("route", sorted(sym.ROUTES))
def test_explicit_dimension_matches_symbolic_d(conventions: Conventions, route: str) -> None:
    result = sym.check_explicit_routes(route, sym.ROUTES[route], conventions)
    assert result.status == "pass", result.evidence


@ALL_CONVENTIONS
def test_sgd_step_map_matches_explicit_step(conventions: Conventions) -> None:
    assert sym.check_sgd_step(conventions).status == "pass"


@ALL_CONVENTIONS
def test_loss_gradient_hessian_high_precision(conventions: Conventions) -> None:
    for check in (hp.check_loss_reduced, hp.check_gradient_fd, hp.check_hessian_fd):
        result = check(conventions, seed=7)
        assert result.status == "pass", (check.__name__, result.evidence)


def test_gradient_independent_of_relu_prime_at_zero() -> None:
    for conventions in (RELU, RELU1):
        cw, cx = per_sample_gradient_coefficients(conventions)
        assert cw.subs(a_i, 0) == 0 and cx.subs(a_i, 0) == 0


def test_linear_step_multiplies_data_and_orthogonal_part_alike() -> None:
    step = sgd_step_map(LINEAR)
    assert step["multiplier"] == step["perp_multiplier"]


# ---------------------------------------------------------------- negative controls

def test_negative_control_loss_constant_off_by_one() -> None:
    wrong = ((r - 2) * S + n + 1) / (2 * n)
    assert not model.explicit_matches_reduced(3, 2, RELU, wrong)
    assert hp.check_loss_reduced(RELU, loss_expr=wrong).status == "fail"


def test_negative_control_gradient_dropped_term() -> None:
    cw, _ = per_sample_gradient_coefficients(LINEAR)
    wrong = (cw, a_i * r)  # the -2 dropped
    result = sym.check_explicit_routes("gradient", sym.ROUTES["gradient"], LINEAR,
                                       coefficients=wrong)
    assert result.status == "fail"
    assert hp.check_gradient_fd(LINEAR, coefficients=wrong).status == "fail"


def test_negative_control_hessian_coefficient() -> None:
    wrong = dict(hessian.hessian_coefficients())
    wrong["symmetric_outer"] = 1 / n
    result = sym.check_explicit_routes("hessian", sym.ROUTES["hessian"], RELU,
                                       coefficients=wrong)
    assert result.status == "fail"

    def wrong_matrix(w: sp.Matrix, n_: int, conventions: Conventions) -> sp.Matrix:
        return hessian.closed_form_matrix(w, n_, conventions) + sp.eye(w.shape[0]) / 1000

    assert hp.check_hessian_fd(RELU, hessian_fn=wrong_matrix).status == "fail"


def test_negative_control_step_map() -> None:
    wrong = dict(sgd_step_map(RELU))
    wrong["out_of_batch"] = wrong["out_of_batch"] * 2
    assert sym.check_sgd_step(RELU, step_map=wrong).status == "fail"
