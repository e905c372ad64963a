"""Negative controls of the property suite (issue 6): every property must catch a wrong
implementation.

:func:`fails` is the analogue of Hypothesis's internal ``@fails``: it runs a property body
(a ``check_*`` function of ``tests/numerics/test_paper_claims_as_properties.py``, the same
code the real property tests run) with a deliberately wrong ingredient under ``@given`` and
asserts that Hypothesis finds a falsifying example (the property raises
``AssertionError``).  Shrinking is skipped: the point is that a counterexample exists, not
its minimal form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sympy as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_paper_claims_as_properties import (
    check_convergence,
    check_cyclic,
    check_fixed_points,
    check_full_batch,
    check_gradient_identity,
    check_hessian_identity,
    check_minimum_spectrum,
    check_near_minimum,
    check_sparse_limit,
    check_trace_gap,
    check_walk,
)

from proofs_check.strategies import (
    minimum_states,
    near_minimum_states,
    rational_points,
    sgd_setups,
    walk_states,
)
from theory import hessian, walk
from theory.conventions import LINEAR, RELU
from theory.gradients import per_sample_gradient_coefficients
from theory.symbols import S_B, P_plus, b, d, n, r, s

__all__ = ["fails"]


def fails(
    body: Callable[..., None],
    *strategies: st.SearchStrategy[Any],
    max_examples: int = 30,
) -> BaseException:
    """Run ``body`` under ``@given(*strategies)`` and assert that Hypothesis falsifies it.

    Returns the exception (an ``AssertionError`` raised by the property).  Raises
    ``pytest.fail`` if every example passes, i.e. if the wrong variant is *not* caught.
    Deterministic (``derandomize``) and without the example database, so the verdict does
    not depend on earlier runs.
    """

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.tuples(*strategies))
    def prop(args: tuple[Any, ...]) -> None:
        body(*args)

    try:
        prop()
    except AssertionError as err:
        return err
    pytest.fail(f"the wrong variant of {getattr(body, '__name__', body)} was not caught")
    raise AssertionError("unreachable")  # pragma: no cover


def test_fails_helper_rejects_a_true_property() -> None:
    """The helper itself: a property that holds must make ``fails`` fail."""
    with pytest.raises(pytest.fail.Exception):
        fails(lambda x: None, st.integers(), max_examples=5)


_WRONG_LIN = per_sample_gradient_coefficients(LINEAR)


CONTROLS: dict[str, tuple[Callable[..., None], tuple[st.SearchStrategy[Any], ...], int]] = {
    # P1: a step size past the stability bound (gamma = 0.6 > 1/2) must not converge
    "P1 step size past the bound": (
        lambda setup: check_convergence(setup, gamma_override=0.6, steps=3000),
        (sgd_setups(batch="small", max_n=4),), 10),
    # P1: the wrong minimum value (the dead value 1/2 = n/(2n))
    "P1 wrong minimum value": (
        lambda setup: check_convergence(setup, min_expr=n / (2 * n), steps=3000),
        (sgd_setups(batch="full"),), 5),
    # P2: b < n where b = n is needed: ratios move, the limit is not u/||u||
    "P2 b < n": (
        lambda setup: check_full_batch(setup, wrong_batch=1),
        (sgd_setups(batch="full"),), 5),
    # P2: u built from every coordinate (ignores that relu keeps only the positive ones)
    "P2 u with inactive coordinates": (
        lambda setup: check_full_batch(setup, limit_uses_all_coordinates=True),
        (sgd_setups(batch="full", conventions=(RELU,)),), 10),
    # P3: b = n where b < n is needed: the limit stays dense
    "P3 b = n": (
        lambda setup: check_sparse_limit(setup, batch_override=setup.n),
        (sgd_setups(batch="small"),), 15),
    # P3: a bound half as large as max|a_i(0)|/||w_0||
    "P3 tightened cos bound": (
        lambda setup: check_sparse_limit(setup, bound_scale=0.5),
        (sgd_setups(batch="small"),), 10),
    # sgd.fixed_points: in-batch coefficient S_B instead of S_B - 1
    "P3 fixed points, wrong batch gradient": (
        lambda state, data: check_fixed_points(state, data, coefficient=S_B),
        (minimum_states(), st.data()), 30),
    # P7 as stated (class size 1) where gcd(b, n) > 1
    "P7 gcd ignored": (
        lambda setup: check_cyclic(setup, class_size=lambda nn, bb: 1),
        (sgd_setups(batch="small", schedules=("cyclic",), cyclic_coprime=False),), 20),
    # P4: wrong trace-gap constant, and the linear caveat (gap 0) applied to relu
    "P4 gap |P+|/n": (
        lambda setup: check_trace_gap(setup, gap_formula=P_plus / n),
        (sgd_setups(batch="small", schedules=("random",)),), 5),
    "P4 gap 0 for relu": (
        lambda setup: check_trace_gap(setup, gap_formula=sp.Integer(0)),
        (sgd_setups(batch="small", schedules=("random",), conventions=(RELU,)),), 20),
    # P5: wrong top eigenvalue and wrong trace constant
    "P5 lambda_max 4/(n+1)": (
        lambda state: check_minimum_spectrum(state, lambda_max=4 / (n + 1)),
        (minimum_states(),), 10),
    "P5 trace (d - s + 5)/n": (
        lambda state: check_minimum_spectrum(state, trace_expr=(d - s + 5) / n),
        (minimum_states(),), 10),
    # near the minimum manifold: wrong minimum value makes the gap negative / mismatched
    "near-minimum wrong min value": (
        lambda state: check_near_minimum(state, min_expr=n / (2 * n)),
        (near_minimum_states(),), 10),
    # P6: wrong move probability; drift with the wrong sign; replacement moves at b = n
    "P6 move probability b(n-b)/n^2": (
        lambda state: check_walk(state, probability=b * (n - b) / n**2),
        (walk_states(batch="small"),), 10),
    "P6 inward drift": (
        lambda state: check_walk(state, drift=lambda *a, **k: -walk.exact_drift(*a, **k)),
        (walk_states(batch="small"),), 10),
    "P6 b = n with replacement moves": (
        lambda state: check_walk(state, schedule="replacement"),
        (walk_states(max_n=3, batch="full"),), 10),
    # identities: perturbed gradient and Hessian coefficients
    "gradient c_x with (r - 1)": (
        lambda state: check_gradient_identity(
            state, coefficients=(_WRONG_LIN[0], _WRONG_LIN[1].subs(r, r + 1))),
        (rational_points(),), 10),
    "Hessian outer coefficient 1/n": (
        lambda state: check_hessian_identity(
            state, coefficients={**hessian.hessian_coefficients(), "symmetric_outer": 1 / n}),
        (rational_points(),), 10),
}


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_negative_control_is_caught(name: str) -> None:
    body, strategies, max_examples = CONTROLS[name]
    err = fails(body, *strategies, max_examples=max_examples)
    assert isinstance(err, AssertionError)
