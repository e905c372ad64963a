"""Stationary points of the loss (theory.stationary): the reduced classification and the
exhaustive check of every activation pattern, with wrong classifications (registered
variants) as controls."""

from __future__ import annotations

import pytest
import sympy as sp

from proofs_check.claims import variant_by_id
from proofs_check.oracles import enumeration
from proofs_check.variants import installed
from theory import stationary
from theory.conventions import LINEAR, RELU, Conventions
from theory.symbols import n


@pytest.mark.parametrize("conventions", [LINEAR, RELU], ids=["linear", "relu0"])
def test_stationary_points_exhaustive(conventions: Conventions) -> None:
    result = enumeration.stationary_points(conventions)
    assert result.status == "pass", result.evidence
    assert all(row["minima"] > 0 and row["dead"] > 0 for row in result.evidence["cases"])


def test_reduced_classification() -> None:
    cls = stationary.classify_reduced()
    assert cls["minimum"] == {"S": 1, "r": 1, "loss": (n - 1) / (2 * n)}
    assert cls["dead"]["loss"] == sp.Rational(1, 2)
    assert stationary.min_value()["value"] == (n - 1) / (2 * n)


@pytest.mark.parametrize("wrong", ["minima.set_r_two", "stationary.dead_value_zero"])
def test_wrong_classification_fails_the_enumeration(wrong: str) -> None:
    with installed(variant_by_id(wrong)):
        result = enumeration.stationary_points(LINEAR, dims=((2, 2),))
    assert result.status == "fail", result.evidence
