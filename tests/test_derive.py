"""Issue 2: the formula catalogue, its LaTeX export (golden files, pdflatex) and `aesgd derive`.

Golden files live in tests/golden/; regenerate them with AESGD_UPDATE_GOLDEN=1 pytest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from spec_ids import SPEC_SECTION2_IDS

from proofs_check.cli import main
from theory.catalogue import PROVENANCES, by_id, catalogue
from theory.latex import document
from theory.symbols import ACTIVATIONS

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AESGD_UPDATE_GOLDEN") == "1"



@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_catalogue_covers_spec(activation: str) -> None:
    entries = catalogue(activation)
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    assert set(ids) >= SPEC_SECTION2_IDS, SPEC_SECTION2_IDS - set(ids)
    for e in entries:
        assert e.provenance in PROVENANCES
        assert e.conventions
        assert e._repr_latex_().startswith("$")


def test_trace_entry_is_a_function_of_d_n_s() -> None:
    entry = by_id("hessian.trace_at_min")
    assert {str(x) for x in entry.expr.free_symbols} == {"d", "n", "s"}


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_latex_golden(activation: str) -> None:
    tex = document(activation)
    path = GOLDEN / f"formulas_{activation}.tex"
    if UPDATE:
        path.write_text(tex, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with AESGD_UPDATE_GOLDEN=1"
    assert tex == path.read_text(encoding="utf-8")


def test_latex_is_well_formed() -> None:
    tex = document("relu")
    assert tex.count(r"\begin{equation}") == tex.count(r"\end{equation}") == len(catalogue())
    for e in catalogue():
        assert rf"\label{{eq:{e.id}}}" in tex


@pytest.mark.latex
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (CI has it)")
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_latex_compiles(tmp_path: Path, activation: str) -> None:
    tex = tmp_path / "formulas.tex"
    assert main(["derive", "--activation", activation, "--format", "latex",
                 "--out", str(tex)]) == 0
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "formulas.pdf").stat().st_size > 1000


def test_derive_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for obj in data:
        assert {"id", "expr", "latex", "provenance", "conventions"} <= set(obj)
    trace = next(o for o in data if o["id"] == "hessian.trace_at_min")
    assert trace["expr"] == "(d - s + 4)/n"


def test_derive_text_and_linear(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--activation", "linear"]) == 0
    out = capsys.readouterr().out
    assert "[hessian.linear_equal]" in out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["derive", "--activation", "tanh"], "--activation"),
        (["derive", "--format", "pdf"], "--format"),
        (["derive", "--relu-prime-at-zero", "2"], "--relu-prime-at-zero"),
    ],
)
def test_derive_bad_input(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err
