"""Stationary points of the loss (theory.stationary): the reduced classification and the
exhaustive check of every activation pattern, with a wrong minimum value as negative
control."""

from __future__ import annotations

import pytest
import sympy as sp

from proofs_check.oracles import enumeration
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
    assert stationary.min_value()["gap_to_dead"] == 1 / (2 * n)


def test_negative_control_stationary_value() -> None:
    result = enumeration.stationary_points(LINEAR, dims=((2, 2),), expected_min=n / (2 * n))
    assert result.status == "fail"
