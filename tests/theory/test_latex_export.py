"""Issue 2: the formula catalogue and its LaTeX export (golden files, well-formedness).

Golden files live in tests/golden/; regenerate them with AESGD_UPDATE_GOLDEN=1 pytest.
That the document compiles with pdflatex is tested through ``aesgd derive``
(tests/cli/test_derive_command.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from spec_ids import SPEC_SECTION2_IDS

from theory.catalogue import PROVENANCES, by_id, catalogue
from theory.conventions import ACTIVATIONS, RELU, Conventions
from theory.latex import document

GOLDEN = Path(__file__).parents[1] / "golden"
UPDATE = os.environ.get("AESGD_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_catalogue_covers_spec(activation: str) -> None:
    entries = catalogue(Conventions(activation))
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    assert set(ids) >= SPEC_SECTION2_IDS, SPEC_SECTION2_IDS - set(ids)
    for e in entries:
        assert e.provenance in PROVENANCES
        assert e.tags
        assert e._repr_latex_().startswith("$")


def test_trace_entry_is_a_function_of_d_n_s() -> None:
    entry = by_id("hessian.trace_at_min")
    assert {str(x) for x in entry.expr.free_symbols} == {"d", "n", "s"}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_latex_golden(activation: str) -> None:
    tex = document(Conventions(activation))
    path = GOLDEN / f"formulas_{activation}.tex"
    if UPDATE:
        path.write_text(tex, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with AESGD_UPDATE_GOLDEN=1"
    assert tex == path.read_text(encoding="utf-8")


def test_latex_is_well_formed() -> None:
    tex = document(RELU)
    assert tex.count(r"\begin{equation}") == tex.count(r"\end{equation}") == len(catalogue())
    for e in catalogue():
        assert rf"\label{{eq:{e.id}}}" in tex
