"""Exact consequences of the step map (theory.dynamics): full-batch invariants, the radial
map and its stability bound, the alignment ratio, the dead start, the cyclic classes."""

from __future__ import annotations

import pytest
import sympy as sp

from theory import dynamics
from theory.conventions import LINEAR, RELU
from theory.domain import DomainError
from theory.symbols import b, d, gamma, n

SCHEDULES = ("random", "replacement", "reshuffle", "cyclic", "full")


def test_dynamics_facts() -> None:
    assert dynamics.gd_ratio_invariance() == 0
    radial = dynamics.gd_radial_map()
    assert tuple(radial["fixed_points"]) == (1,)
    assert radial["stability_bound_gamma"] == sp.Rational(1, 2)
    assert dynamics.alignment_ratio_of_expectations(RELU) == n / (2 * d)
    assert dynamics.alignment_ratio_of_expectations(LINEAR) == n / d
    assert dynamics.dead_init_probability().subs(n, 5) == sp.Rational(1, 32)
    for n_ in range(1, 9):
        for b_ in range(1, n_ + 1):
            classes = dynamics.cyclic_classes(n_, b_)
            g = int(dynamics.cyclic_class_size().subs({b: b_, n: n_}))
            assert all(len(c) == g for c in classes), (n_, b_, classes)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_stability_bound_gamma_is_where_the_radial_multiplier_reaches_minus_one(
        schedule: str) -> None:
    """Independent route: at w = a x_k the loss of x_k is (a^2 - 1)^2 / 2 (its definition
    restricted to the line), a batch holding x_k c times maps a -> a - c gamma d/da of it,
    and the multiplier at the fixed point a = 1 is -1 exactly at the bound.  Every schedule
    holds x_k at most once, except ``replacement`` (up to b copies)."""
    a = sp.Symbol("a", positive=True)
    copies = b if schedule == "replacement" else 1
    step = a - copies * gamma * sp.diff((a**2 - 1) ** 2 / 2, a)
    multiplier = sp.diff(step, a).subs(a, 1)
    bound = dynamics.stability_bound_gamma(schedule)
    assert sp.simplify(multiplier.subs(gamma, bound) + 1) == 0
    assert sp.simplify(bound - sp.Rational(1, 2) / copies) == 0
    # inside the bound the multiplier is in (-1, 1), past it below -1
    b_val = 3
    for scale, inside in ((sp.Rational(9, 10), True), (sp.Rational(11, 10), False)):
        value = multiplier.subs(gamma, scale * bound).subs(b, b_val)
        assert bool(-1 < value < 1) is inside, (schedule, scale, value)


def test_one_copy_stability_bound_is_the_full_batch_bound() -> None:
    assert dynamics.stability_bound_gamma() == dynamics.gd_radial_map()["stability_bound_gamma"]
    assert dynamics.stability_bound_gamma("replacement").subs(b, 1) == sp.Rational(1, 2)
    assert dynamics.stability_bound_gamma("replacement") is dynamics.stability_bound_gamma(
        "replacement")  # cached


def test_stability_bound_gamma_rejects_an_unknown_schedule() -> None:
    with pytest.raises(DomainError) as exc:
        dynamics.stability_bound_gamma("sometimes")
    assert exc.value.parameter == "schedule"
