"""The independence rule of proofs_check.independence, enforced by tracing every route.

Every route of every derived claim is run once under the tracer (quick level, every cache
cleared first), which records the library functions it runs outside and inside the
claim's subject (the formula under test).  The declarations of the registry are then
checked against what ran: a route calls the formula under test; an independent route
shares no library code with it beyond the model's definition and the infrastructure; and
the components a route uses are exactly the ones it declares in ``relies_on`` (which the
report and README show).
"""

from __future__ import annotations

from typing import Any

import pytest

from proofs_check.claims import claims, statistical_check_count
from proofs_check.independence import COMPONENTS, RouteTrace, component_of, trace
from proofs_check.registry import Check, Claim
from proofs_check.result import CheckResult
from proofs_check.stats import Budget
from theory import hessian

Traced = dict[tuple[str, str], tuple[Claim, Check, RouteTrace]]


@pytest.fixture(scope="module")
def traced() -> Traced:
    budget = Budget("quick", statistical_check_count())
    out: Traced = {}
    for claim in claims():
        if claim.provenance == "paper":
            continue  # paper claims reuse the routes of the claims they rest on
        for ch in claim.checks:
            out[(claim.id, ch.name)] = (claim, ch, trace(ch, claim.subject, budget))
    return out


def test_every_claim_has_two_routes_one_independent() -> None:
    for claim in claims():
        assert len(claim.checks) >= 2, claim.id
        assert len(claim.oracle_kinds()) >= 2, claim.id
        assert any(ch.independent for ch in claim.checks), claim.id
        if claim.provenance != "paper":
            assert claim.subject, claim.id


def test_every_route_calls_the_formula_under_test(traced: Traced) -> None:
    """No route is a restatement: each runs the library functions it checks."""
    silent = [key for key, (_, _, tr) in traced.items() if tr.subject_calls == 0]
    assert not silent, silent


def test_independent_routes_share_nothing_with_the_formula(traced: Traced) -> None:
    shared = {key: sorted(tr.shared_with(tr.inside))
              for key, (_, ch, tr) in traced.items() if ch.independent}
    assert not {k: v for k, v in shared.items() if v}, shared


def test_routes_declare_the_components_they_use(traced: Traced) -> None:
    """Every component a route runs outside the formula under test is in its
    ``relies_on``, and every component it declares runs (outside or inside)."""
    wrong: dict[tuple[str, str], Any] = {}
    for key, (_, ch, tr) in traced.items():
        declared = {c for c in ch.relies_on if c in COMPONENTS}
        used = tr.components | {c for c in map(component_of, tr.inside) if c is not None}
        if not tr.components <= declared <= used:
            wrong[key] = {"undeclared": sorted(tr.components - declared),
                          "never_run": sorted(declared - used)}
    assert not wrong, wrong


def test_every_route_says_what_it_relies_on() -> None:
    for claim in claims():
        for ch in claim.checks:
            assert ch.relies_on, (claim.id, ch.name)


# ------------------------------------------------------------- the tracer on known routes

def _shares_the_coefficients(budget: Budget) -> CheckResult:
    """A route whose 'reference' is the Hessian coefficients the trace formula uses."""
    coefficients = hessian.hessian_coefficients()
    ok = hessian.trace_at_min() is not None and bool(coefficients)
    return CheckResult("toy", "symbolic", "pass" if ok else "fail", "exact", {})


def _never_calls_the_library(budget: Budget) -> CheckResult:
    return CheckResult("toy", "symbolic", "pass", "exact", {})


def _coefficients_after_the_formula(budget: Budget) -> CheckResult:
    """The same calls in the other order: the coefficients come from the cache."""
    ok = hessian.trace_at_min() is not None and bool(hessian.hessian_coefficients())
    return CheckResult("toy", "symbolic", "pass" if ok else "fail", "exact", {})


def test_tracer_does_not_depend_on_the_cache_order() -> None:
    budget = Budget("quick", 1)
    first = trace(Check(_shares_the_coefficients, "symbolic", "toy"),
                  [hessian.trace_at_min], budget)
    second = trace(Check(_coefficients_after_the_formula, "symbolic", "toy"),
                   [hessian.trace_at_min], budget)
    assert first.components == second.components
    assert first.shared_with(first.inside) == second.shared_with(second.inside)


def test_tracer_sees_shared_code_and_silent_routes() -> None:
    budget = Budget("quick", 1)
    shared = trace(Check(_shares_the_coefficients, "symbolic", "toy"),
                   [hessian.trace_at_min], budget)
    assert shared.subject_calls == 1
    assert "theory.hessian.hessian_coefficients" in shared.shared_with(shared.inside)
    # hessian_coefficients is derived from the gradient: both components are used
    assert shared.components == {"Hessian derivations", "gradient derivations"}
    silent = trace(Check(_never_calls_the_library, "symbolic", "toy"),
                   [hessian.trace_at_min], budget)
    assert silent.subject_calls == 0 and not silent.outside


def test_components_cover_the_library() -> None:
    assert component_of("numerics._engines._FullEngine.step") == "SGD engine"
    assert component_of("theory.model.explicit_loss") is None  # the model's definition
    assert component_of("theory.nowhere.f") == "other library code"
