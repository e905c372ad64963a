"""The loss, gradient, SGD step map and Hessian of theory/ by second, independent routes.

The checks themselves live in proofs_check.oracles (the report runs the same ones); these
tests run them on several (d, n), at 50 digits, and on deliberately wrong formulas (the
registered wrong libraries at the end, installed with proofs_check.variants).
"""

from __future__ import annotations

import pytest

from proofs_check.claims import variant_by_id
from proofs_check.oracles import high_precision as hp
from proofs_check.oracles import symbolic as sym
from proofs_check.variants import installed
from theory import model
from theory.conventions import LINEAR, RELU, RELU1, Conventions
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.symbols import S, a_i, n, r

ALL_CONVENTIONS = pytest.mark.parametrize(
    "conventions", [LINEAR, RELU, RELU1], ids=["linear", "relu0", "relu1"])


@ALL_CONVENTIONS
@pytest.mark.parametrize("route", sorted(sym.ROUTES))
def test_explicit_dimension_matches_symbolic_d(conventions: Conventions, route: str) -> None:
    result = sym.check_explicit_routes(route, conventions)
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


# ------------------------------------------- wrong libraries (proofs_check.variants)

def test_wrong_loss_constant_fails_both_routes() -> None:
    wrong = ((r - 2) * S + n + 1) / (2 * n)
    assert not model.explicit_matches_reduced(3, 2, RELU, wrong)
    with installed(variant_by_id("loss.constant_off_by_one")):
        assert hp.check_loss_reduced(RELU).status == "fail"


@pytest.mark.parametrize("wrong", ["grad.dropped_minus_two", "grad.doubled_weight_term"])
def test_wrong_gradient_fails_both_routes(wrong: str) -> None:
    with installed(variant_by_id(wrong)):
        assert sym.check_explicit_routes("gradient", LINEAR).status == "fail"
        assert hp.check_gradient_fd(LINEAR).status == "fail"
    assert hp.check_gradient_fd(LINEAR).status == "pass"


@pytest.mark.parametrize("wrong", ["hessian.outer_coefficient", "hessian.q_coefficient"])
def test_wrong_hessian_coefficient_fails_both_routes(wrong: str) -> None:
    with installed(variant_by_id(wrong)):
        assert sym.check_explicit_routes("hessian", RELU).status == "fail"
        assert hp.check_hessian_fd(RELU).status == "fail"
        assert sym.hessian_coefficients().status == "fail"


def test_wrong_step_map_fails_the_explicit_step() -> None:
    with installed(variant_by_id("sgd.step_map")):
        assert sym.check_sgd_step(RELU).status == "fail"
