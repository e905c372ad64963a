"""The pure oracles (proofs_check.oracles.pure) against exact references computed here
with SymPy or by counting, driven by the shipped strategies (proofs_check.strategies)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

from proofs_check.oracles import pure
from proofs_check.strategies import kink_points, minimum_states, model_parameters, rational_points
from theory.conventions import LINEAR, RELU
from theory.domain import DomainError


def _sympy_loss(d: int, n: int, relu: bool, w: tuple[Fraction, ...]) -> tuple[sp.Expr, list]:
    """L on the activation region of ``w`` (relu: the data coordinates with w_i > 0 keep
    sigma(a) = a, the others 0), from the definition, with its symbols."""
    x = sp.symbols(f"x0:{d}")
    total = sp.Integer(0)
    for i in range(n):
        sig = x[i] if (not relu or w[i] > 0) else 0
        total += sum((x[m] * sig - (1 if m == i else 0)) ** 2 for m in range(d)) / 2
    return total / n, list(x)


@given(rational_points())
def test_fd_gradient_and_hessian_match_sympy(state) -> None:  # type: ignore[no-untyped-def]
    """Away from the kink (|w_i| >= 1/20 on the data) the 50-digit differences agree with
    SymPy's exact derivatives to 1e-25 (the stated error is 1e-30 and 1e-25)."""
    expr, x = _sympy_loss(state.d, state.n, state.conventions.is_relu, state.w)
    at = dict(zip(x, [sp.Rational(v.numerator, v.denominator) for v in state.w], strict=True))
    grad = pure.fd_gradient(state.w, state.n, state.conventions)
    for m, xm in enumerate(x):
        assert pure.abs_error(grad[m], sp.diff(expr, xm).subs(at)) < 1e-25
    hess = pure.fd_hessian(state.w, state.n, state.conventions)
    trace = sum(sp.diff(expr, xm, 2) for xm in x).subs(at)
    assert pure.abs_error(pure.fd_trace(state.w, state.n, state.conventions), trace) < 1e-20
    assert pure.abs_error(hess[0][-1], sp.diff(expr, x[0], x[-1]).subs(at)) < 1e-20


@given(minimum_states())
def test_loss_at_a_minimum_and_its_enclosure(state) -> None:  # type: ignore[no-untyped-def]
    """L = (n - 1)/(2n) at every global minimum; a box around the minimum encloses it, and
    a claimed value below the box's lower end (a wrong minimum value) is excluded."""
    value = pure.loss(state.w, state.n, state.conventions)
    assert pure.abs_error(value, Fraction(state.n - 1, 2 * state.n)) < 1e-40
    box = [(v - Fraction(1, 1000), v + Fraction(1, 1000)) for v in state.w]
    enc = pure.loss_enclosure(box, state.n, state.conventions)
    assert enc.contains((state.n - 1) / (2 * state.n))
    assert not enc.contains(enc.lower - 1e-9)


@given(kink_points())
def test_relu_loss_enclosure_holds_at_the_kink(state) -> None:  # type: ignore[no-untyped-def]
    box = [(v - Fraction(1, 100), v + Fraction(1, 100)) for v in state.w]
    enc = pure.loss_enclosure(box, state.n, state.conventions)
    rng = np.random.default_rng(0)
    for _ in range(20):
        w = [float(lo) + (float(hi) - float(lo)) * rng.random() for lo, hi in box]
        assert enc.contains(float(pure.loss(w, state.n, state.conventions)))


@pytest.mark.parametrize(("n", "b"), [(4, 2), (5, 2), (5, 3), (4, 1)])
@pytest.mark.parametrize("schedule", ["random", "replacement", "reshuffle", "cyclic"])
def test_batch_law_is_a_law_with_the_counted_values(n: int, b: int, schedule: str) -> None:
    """Total mass 1; random is uniform over C(n, b) subsets; replacement gives a multiset
    with c_1! ... c_n! symmetry (counted here from the tuples); cyclic is one batch."""
    law = pure.batch_law(n, b, schedule, step=1)
    assert sum(law.values()) == 1
    if schedule == "random":
        assert set(law.values()) == {Fraction(1, len(list(itertools.combinations(range(n), b))))}
    if schedule == "replacement":
        key = tuple([0] * b)
        assert law[key] == Fraction(1, n**b)
    if schedule == "cyclic":
        assert law == {tuple(sorted({(b + k) % n for k in range(b)})): Fraction(1)}
    if schedule == "reshuffle" and n % b:
        last = -(-n // b) - 1
        assert all(len(k) == n % b for k in pure.batch_law(n, b, schedule, step=last))


@settings(max_examples=8, deadline=None)
@given(model_parameters(max_n=4))
def test_library_schedules_follow_the_exact_law(params) -> None:  # type: ignore[no-untyped-def]
    """The library's batches at step 1 over 2000 seed indices, against batch_law: every
    batch's frequency in its 99.99% Wilson interval (at most 24 batches per example and 8
    examples, derandomised in CI: a false alarm has chance below 0.2%)."""
    from numerics.schedules import batches

    if params.schedule == "full":
        return
    law = pure.batch_law(params.n, params.b, params.schedule, step=1)
    counts: dict[tuple[int, ...], int] = {}
    trials = 2000
    for index in range(trials):
        steps = list(batches(params.schedule, params.n, params.b, seed_index=index, steps=2))
        batch = tuple(sorted(int(i) for i in steps[1]))
        counts[batch] = counts.get(batch, 0) + 1
    assert set(counts) <= set(law)
    for batch, p in law.items():
        verdict = pure.judge_proportion(counts.get(batch, 0), trials, float(p), level=1e-4)
        assert verdict.passed, (params, batch, verdict.detail)


def test_full_batch_law_is_the_whole_set_and_needs_b_equal_n() -> None:
    assert pure.batch_law(3, 3, "full") == {(0, 1, 2): Fraction(1)}
    with pytest.raises(DomainError, match="b=2"):
        pure.batch_law(3, 2, "full")


def test_judges_fail_a_wrong_claim() -> None:
    assert pure.judge_proportion(480, 1000, 0.5).passed
    assert not pure.judge_proportion(400, 1000, 0.5).passed
    xs = np.random.default_rng(3).normal(1.0, 0.1, size=400)
    assert pure.judge_mean(xs, 1.0).passed
    assert not pure.judge_mean(xs, 1.05).passed


def test_bad_inputs_are_domain_errors() -> None:
    with pytest.raises(DomainError, match="n=4"):
        pure.fd_gradient([1, 2], 4)
    with pytest.raises(DomainError, match="w="):
        pure.loss(["1/2", 0], 1)
    with pytest.raises(DomainError, match="small enough to enumerate"):
        pure.batch_law(12, 3, "reshuffle")
    with pytest.raises(DomainError, match="level="):
        pure.judge_proportion(1, 2, 0.5, level=0.7)
    assert pure.loss([1, 0], 1, LINEAR) == pure.loss([1, 0], 1, RELU) == 0
