"""``aesgd derive``: the formula catalogue as text, JSON or a LaTeX document that compiles.

The catalogue and its LaTeX export themselves (golden files in tests/golden/, regenerated
with AESGD_UPDATE_GOLDEN=1) are tested in tests/theory/test_latex_export.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from proofs_check.cli import main
from theory.conventions import ACTIVATIONS, Conventions
from theory.latex import document


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


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_latex_out_writes_the_document(activation: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "formulas.tex"
    assert main(["derive", "--activation", activation, "--format", "latex",
                 "--out", str(out)]) == 0
    assert capsys.readouterr().err == f"aesgd derive: wrote {out}\n"
    assert out.read_text(encoding="utf-8") == document(Conventions(activation))


def test_relu_prime_at_zero_reaches_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--format", "latex", "--relu-prime-at-zero", "1"]) == 0
    assert capsys.readouterr().out == document(Conventions("relu", 1))


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
    assert "[hessian.linear_equal]" in out and "activation=linear" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["derive", "--activation", "tanh"], "--activation='tanh' must be"),
        (["derive", "--format", "pdf"], "--format"),
        (["derive", "--relu-prime-at-zero", "2"], "--relu-prime-at-zero=2 must be"),
        (["derive", "--relu-prime-at-zero", "1.0"], "--relu-prime-at-zero"),
    ],
)
def test_derive_bad_input(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and "Traceback" not in err
