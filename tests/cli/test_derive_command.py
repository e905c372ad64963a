"""``aesgd derive``: the formula catalogue as text, JSON, a LaTeX document that compiles and
a LaTeX fragment that a paper can ``\\input``.

The catalogue and its LaTeX export themselves (golden files in tests/golden/, regenerated
with AESGD_UPDATE_GOLDEN=1) are tested in tests/theory/test_latex_export.py.  The pdflatex
tests are skipped when pdflatex is not on PATH, unless CI is set (CI installs it): there a
missing pdflatex fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import theory.latex
from proofs_check.cli import main
from theory.catalogue import catalogue
from theory.conventions import ACTIVATIONS, LINEAR, RELU, RELU1, Conventions
from theory.latex import document, fragment

OVERFULL_LIMIT_PT = 1.0
"""An overfull box wider than this fails the compile tests."""


@pytest.fixture
def pdflatex() -> str:
    """The pdflatex executable: skipped when missing, unless CI is set (then it fails)."""
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is not installed, and CI is set (CI installs it)")
        pytest.skip("pdflatex not installed (CI has it)")
    return exe


def _compile(exe: str, tex: Path, runs: int = 1) -> tuple[int, str, str]:
    """Run ``pdflatex -interaction=nonstopmode -halt-on-error`` on ``tex`` ``runs`` times
    (stopping at a failure); the exit code, the log of the last run and its output.
    ``max_print_line`` keeps each log message on one line."""
    env = {**os.environ, "max_print_line": "10000"}
    proc = None
    for _ in range(runs):
        proc = subprocess.run(
            [exe, "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tex.parent, capture_output=True, text=True, timeout=300, check=False, env=env,
        )
        if proc.returncode != 0:
            break
    assert proc is not None
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    return proc.returncode, log, proc.stdout


def log_problems(log: str) -> list[str]:
    """What makes a compile unacceptable, from its log: each overfull ``\\hbox`` more than
    OVERFULL_LIMIT_PT too wide, each warning about something undefined (a reference or a
    citation; also "There were undefined references"), each error line (``! ...``)."""
    problems = [m.group(0) for m in re.finditer(
        r"Overfull \\hbox \(([0-9.]+)pt too wide\).*", log)
        if float(m.group(1)) > OVERFULL_LIMIT_PT]
    problems += [line for line in log.splitlines() if "Warning" in line and re.search(
        r"(Reference|Citation) .* undefined|undefined (references|citations)", line)]
    problems += [line for line in log.splitlines() if line.startswith("! ")]
    return problems


def _widest_overfull(log: str) -> float:
    return max((float(x) for x in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)",
                                             log)), default=0.0)


def test_log_problems_reads_overfull_undefined_and_errors() -> None:
    """The log parser flags what it must (and only that): checked on sample lines."""
    log = "\n".join([
        "Overfull \\hbox (12.3pt too wide) in paragraph at lines 1--2",
        "Overfull \\hbox (0.5pt too wide) in paragraph at lines 3--4",
        "LaTeX Warning: Reference `eq:x' on page 1 undefined on input line 5.",
        "LaTeX Warning: There were undefined references.",
        "LaTeX Warning: Citation `ghosh23' on page 2 undefined on input line 9.",
        "! Undefined control sequence.",
        "LaTeX Font Warning: Font shape `OMS/cmtt/m/n' undefined",
        "Underfull \\hbox (badness 10000) in paragraph at lines 6--7",
    ])
    assert log_problems(log) == [
        "Overfull \\hbox (12.3pt too wide) in paragraph at lines 1--2",
        "LaTeX Warning: Reference `eq:x' on page 1 undefined on input line 5.",
        "LaTeX Warning: There were undefined references.",
        "LaTeX Warning: Citation `ghosh23' on page 2 undefined on input line 9.",
        "! Undefined control sequence.",
    ]


@pytest.mark.latex
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_latex_compiles(tmp_path: Path, activation: str, pdflatex: str) -> None:
    """The standalone document compiles, with no overfull box, undefined reference or
    error (11 pt, 2 cm margins, as written)."""
    tex = tmp_path / "formulas.tex"
    assert main(["derive", "--activation", activation, "--format", "latex",
                 "--out", str(tex)]) == 0
    code, log, out = _compile(pdflatex, tex)
    assert code == 0, out[-3000:]
    assert log_problems(log) == []
    assert (tmp_path / "formulas.pdf").stat().st_size > 1000


def _paper(tmp_path: Path, part: str, ids: list[str]) -> Path:
    """A 10 pt article (345 pt text width) loading amsmath, amssymb and what the
    fragment's ``% \\usepackage{...}`` lines ask for, that ``\\eqref``s each of ``ids``
    before ``\\input``ting the fragment from formulas.tex."""
    (tmp_path / "formulas.tex").write_text(part, encoding="utf-8")
    packages = re.findall(r"^% \\usepackage\{([^}]*)\}$", part, re.M)
    lines = [r"\documentclass{article}", r"\usepackage{amsmath,amssymb}",
             *(rf"\usepackage{{{p}}}" for p in packages), r"\begin{document}",
             "Equations " + ", ".join(rf"\eqref{{eq:{i}}}" for i in ids) + ".",
             r"\input{formulas}", r"\end{document}", ""]
    paper = tmp_path / "paper.tex"
    paper.write_text("\n".join(lines), encoding="utf-8")
    return paper


@pytest.mark.latex
@pytest.mark.parametrize("conv", [RELU, LINEAR, RELU1], ids=["relu", "linear", "relu1"])
def test_fragment_inputs_into_a_10pt_article(tmp_path: Path, conv: Conventions,
                                             pdflatex: str) -> None:
    """``aesgd derive --format latex --fragment`` written to formulas.tex, ``\\input`` into a
    default 10 pt article that ``\\eqref``s every entry: two pdflatex runs, then no
    overfull box above 1 pt, no undefined reference, no error, and every label in .aux."""
    out = tmp_path / "fragment.tex"
    flags = ["--activation", conv.activation, "--relu-prime-at-zero",
             str(conv.relu_prime_at_zero)]
    assert main(["derive", *flags, "--format", "latex", "--fragment", "--out", str(out)]) == 0
    ids = [e.id for e in catalogue(conv)]
    paper = _paper(tmp_path, out.read_text(encoding="utf-8"), ids)
    code, log, stdout = _compile(pdflatex, paper, runs=2)
    assert code == 0, stdout[-3000:]
    assert "345.0pt" in _textwidth(pdflatex, tmp_path)
    assert log_problems(log) == []
    aux = (tmp_path / "paper.aux").read_text(encoding="utf-8")
    assert all(rf"\newlabel{{eq:{i}}}" in aux for i in ids)


def _textwidth(exe: str, folder: Path) -> str:
    """The text width of the sample article, as pdflatex reports it."""
    probe = folder / "width.tex"
    probe.write_text("\\documentclass{article}\\begin{document}\\typeout{TW=\\the\\textwidth}"
                     "\\end{document}\n", encoding="utf-8")
    _code, _log, out = _compile(exe, probe)
    return out


@pytest.mark.latex
def test_overfull_check_catches_the_unbroken_drift(tmp_path: Path, pdflatex: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The compile test can fail: with the equations left on one line (the layout before
    line breaking), walk.outward_drift overflows the 10 pt article by far more than 1 pt."""
    original = theory.latex.display
    monkeypatch.setattr(theory.latex, "display",
                        lambda entry: original(entry, line_width=1e9))
    part = fragment(RELU, ids=["walk.outward_drift"])
    assert " \\\\\n" not in part.split(r"\begin{split}")[1].split(r"\end{split}")[0]
    code, log, _out = _compile(pdflatex, _paper(tmp_path, part, ["walk.outward_drift"]), 2)
    assert code == 0
    assert log_problems(log) and _widest_overfull(log) > 200.0


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
        (["derive", "--fragment"], "--format='text' must be 'latex' when --fragment is given"),
        (["derive", "--format", "json", "--fragment"], "--format='json' must be 'latex'"),
        (["derive", "--ids", "nope"],
         "--ids='nope' must be a comma-separated list of ids from: loss.coordinates, "),
        (["derive", "--format", "latex", "--fragment", "--ids", "walk.top_gap,,"],
         "--ids='walk.top_gap,,' must be a comma-separated list of ids from: "),
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


def test_fragment_out_and_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--fragment --ids`` writes :func:`theory.latex.fragment` of these ids, in order."""
    out = tmp_path / "formulas.tex"
    ids = "walk.outward_drift,hessian.trace_at_min"
    assert main(["derive", "--format", "latex", "--fragment", "--ids", ids,
                 "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == fragment(RELU, ids=ids.split(","))
    assert re.findall(r"\\label\{eq:([^}]*)\}", text) == ids.split(",")
    assert main(["derive", "--format", "latex", "--ids", ids]) == 0
    assert capsys.readouterr().out == document(RELU, ids)


def test_ids_filter_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``--ids`` keeps only these entries, in this order, in text and JSON too."""
    ids = "hessian.trace_at_min,loss.coordinates"
    assert main(["derive", "--format", "json", "--ids", ids]) == 0
    assert [o["id"] for o in json.loads(capsys.readouterr().out)] == [
        "hessian.trace_at_min", "loss.coordinates"]
    assert main(["derive", "--ids", "walk.top_gap"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[walk.top_gap]") and out.count("\n[") == 0
