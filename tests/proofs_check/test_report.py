"""The verify report: every file is written, self-contained, mentions every claim, and shows
the runs the checks judged (proofs_check.experiments), rendered from one document tree."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from proofs_check import experiments
from proofs_check.report import FIGURES, captions, content, data, latex, render, write_report
from proofs_check.report.document import Cell, Document, Figure, Formula, Heading, Table
from proofs_check.result import jsonable
from proofs_check.stats import Budget

Report = tuple[Path, list[Path], list[str]]


def _payload() -> dict[str, Any]:
    check_ok = {"name": "trace at an s-sparse minimum = (d - s + 4)/n", "oracle": "symbolic",
                "status": "pass", "tolerance": "exact", "evidence": {"difference": "0"},
                "detail": ""}
    check_hp = {"name": "finite differences | 50 digits", "oracle": "high-precision",
                "status": "pass", "tolerance": "1e-30 (O(h^2) stencil)",
                "evidence": {"max_abs_error": "3.1e-41", "points": [1, 2, 3]},
                "detail": "agrees"}
    check_bad = {"name": "relu trace gap (simulation)", "oracle": "simulation",
                 "status": "fail", "tolerance": "CLT band at alpha = 5e-4",
                 "evidence": {"mean_gap": 0.0, "band": [0.4, 0.5]},
                 "detail": "mean outside the band <b>"}
    check_und = {"name": "Wilson interval", "oracle": "simulation", "status": "undecided",
                 "tolerance": "alpha = 5e-4", "evidence": {}, "detail": ""}
    return {
        "level": "quick",
        "claims": [
            {"id": "hessian.trace_at_min", "title": "Trace of the Hessian at a minimum",
             "statement": "At a global minimum with s active coordinates, tr H = (d - s + 4)/n.",
             "latex": r"\operatorname{tr} H = \frac{d - s + 4}{n}", "provenance": "derived",
             "conventions": ["relu'(0) = 0"], "supports": ["P4"], "caveat": "",
             "status": "pass", "key": "mean gap 0.450", "seconds": 1.5,
             "checks": [check_ok, check_hp]},
            {"id": "P4", "title": "Full batch is flatter (Hessian trace)",
             "statement": "The full-batch minimum is flatter than the b < n minima & <script>.",
             "latex": r"\text{P4}", "provenance": "paper",
             "conventions": ["see supporting claims"], "supports": ["hessian.trace_at_min"],
             "caveat": "Holds for relu under relu'(0) = 0 only.", "status": "fail",
             "key": "", "seconds": 0.2, "checks": [check_ok, check_bad]},
            {"id": "relu.dead_init", "title": "Dead start", "statement": "P(dead) = 2^-n.",
             "latex": r"P = 2^{-n}", "provenance": "derived", "conventions": [],
             "supports": [], "caveat": "", "status": "undecided", "key": "",
             "seconds": 0.1, "checks": [check_und]},
        ],
        "mutants": [
            {"id": "trace.off_by_one", "claim": "hessian.trace_at_min",
             "description": "(d - s + 5)/n", "rejected": True, "status": "fail",
             "evidence": {"max_abs_error": "0.05"}, "error": ""},
        ],
        "summary": {"claims": 3, "pass": 1, "fail": 1, "undecided": 1, "all_passed": False},
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("report") / "nested" / "dir"  # created by write_report
    seen: list[str] = []
    paths = write_report(out, _payload(), Budget("quick", 1), progress=seen.append)
    return out, paths, seen


def _results(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "results.json").read_text())
    return doc


def test_every_file_is_written(report: Report) -> None:
    out, paths, seen = report
    names = {p.name for p in paths}
    expected = {"results.json", "report.md", "report.html", "formulas.tex",
                *(f"{f}.png" for f in FIGURES)}
    assert expected <= names
    assert ("formulas.pdf" in names) == bool(shutil.which("pdflatex"))
    for p in paths:
        assert p.parent == out and p.is_file() and p.stat().st_size > 0
    for f in FIGURES:
        assert (out / f"{f}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "formulas.tex").read_text().startswith("\\documentclass")
    assert any("figure" in s for s in seen) and seen[-1] == "report"


def test_results_json_holds_payload_figures_and_formulas(report: Report) -> None:
    out, _, _ = report
    doc = _results(out)
    assert [c["id"] for c in doc["claims"]] == [c["id"] for c in _payload()["claims"]]
    assert doc["mutants"][0]["id"] == "trace.off_by_one"
    assert set(doc["figures"]) == set(FIGURES)
    for name, fig in doc["figures"].items():
        assert fig["file"] == f"{name}.png"
        assert fig["caption"] and fig["data"]
        assert fig["runs"].startswith("proofs_check.experiments.")
    rows = doc["figures"]["support_vs_batch_size"]["data"]["rows"]
    assert [r["b"] for r in rows] == list(experiments.BATCH_SIZES)
    # the theory of sgd.sparse_limit / gd.dense_aligned at the simulated points
    assert all(r["support"]["fraction_one_sparse"] == 1.0 for r in rows if r["b"] <= 10)
    assert rows[-1]["support"]["mean"] > 2
    fixed_eta = doc["figures"]["support_vs_batch_size"]["data"]["fixed_eta_rows"]
    assert [r["b"] for r in fixed_eta] == [1, 2, 4, 5, 10, 15, 19]
    trace = doc["figures"]["hessian_trace_vs_batch_size"]["data"]["rows"]
    assert trace[0]["trace_theory"]["mean"] == pytest.approx((40 - 1 + 4) / 20)
    # walk.variance_scale: 2 eta^2 (n - b)/(b n (n - 1)); b = 1, eta = 0.4, n = 20
    assert rows[0]["log_ratio_variance_per_step"] == pytest.approx(2 * 0.16 * 19 / 380)
    assert rows[-1]["p_move_one_direction"] == 0
    assert doc["formulas"]["status"] in ("compiled", "skipped")
    assert (doc["formulas"]["status"] == "compiled") == bool(shutil.which("pdflatex"))
    assert doc["report"]["seed"] == experiments.ROOT
    assert doc["report"]["settings"]["seeds"] == experiments.sizes("quick").seeds


def test_figures_show_the_experiment_runs(report: Report) -> None:
    """The figures' numbers are read off the runs the checks judge (root seed ROOT)."""
    out, _, _ = report
    figs = _results(out)["figures"]
    support = figs["support_vs_batch_size"]["data"]
    assert support["seed"] == experiments.ROOT
    runs = experiments.sweep("quick")
    for row in support["rows"]:
        res = runs[row["b"]]
        sup = res.support[res.status != "diverged"]
        assert row["seeds"] == res.config.seeds and row["steps"] == res.config.steps
        assert row["support"]["mean"] == pytest.approx(float(np.mean(sup)), abs=1e-6)
        assert row["support"]["fraction_one_sparse"] == pytest.approx(
            float(np.mean(sup == 1)), abs=1e-6)
    fixed = experiments.fixed_eta_sweep("quick")
    for row in support["fixed_eta_rows"]:
        res = fixed[row["b"]]
        assert row["support"]["max"] == float(np.max(res.support[res.status != "diverged"]))
    align = figs["alignment_vs_batch_size"]["data"]["rows"]
    assert align[0]["abs_alignment"]["mean"] == pytest.approx(
        float(np.mean(np.abs(runs[1].alignment))), abs=1e-6)
    walk = figs["log_ratio_walk"]["data"]
    gaps = experiments.top_gap("quick")
    assert walk["times"] == gaps[1].record_times.tolist()
    for run in walk["runs"]:
        assert run["G0"] == jsonable([round(float(g), 4) for g in gaps[run["b"]].record_g[0]])
    two_d = experiments.two_d("quick")
    path = figs["two_d_picture"]["data"]["full_batch"]["path"]
    assert path[-1] == [round(float(x), 5) for x in two_d["full_batch"][-1]]


def test_markdown_mentions_every_claim(report: Report) -> None:
    out, _, _ = report
    md = (out / "report.md").read_text()
    for c in _payload()["claims"]:
        assert c["id"] in md
    assert "**FAIL**" in md and "**PASS**" in md and "**UNDECIDED**" in md
    assert "What the caveats mean for P3 and P4" in md
    assert "```latex" in md and r"\operatorname{tr} H" in md
    assert "trace.off_by_one" in md
    for f in FIGURES:
        assert f"]({f}.png)" in md
    # the pipe inside a check name must not break the table
    assert "finite differences \\| 50 digits" in md
    assert '<a id="claim-hessian-trace-at-min"></a>' in md


def test_html_is_self_contained(report: Report) -> None:
    out, _, _ = report
    page = (out / "report.html").read_text()
    assert "http://" not in page and "https://" not in page
    assert 'src="http' not in page and "<link" not in page and "<script" not in page
    assert "&lt;script&gt;" in page  # the payload's text is escaped, not executed
    targets = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    assert targets and all(t.startswith(("#", "data:image/png;base64,")) for t in targets)
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    for c in _payload()["claims"]:
        assert c["id"] in page
    assert 'class="fail"' in page and 'class="pass"' in page and 'class="undecided"' in page
    assert '<section id="claim-p4">' in page and 'href="#claim-p4"' in page
    # formulas are MathML with the LaTeX kept as an annotation (test_report_browser.py)
    assert page.count('<math display="block">') == len(_payload()["claims"])
    assert '<annotation encoding="application/x-tex">\\operatorname{tr} H' in page


def _tree(out: Path) -> Document:
    """The report's tree again, from results.json, the PNGs and the (cached) runs."""
    doc = _results(out)
    images = {f: (out / f"{f}.png").read_bytes() for f in FIGURES}
    caveats = captions.caveat_paragraphs(_payload(), data.sweep("quick"))
    return content.report(_payload(), doc["figures"], doc["formulas"], images, caveats)


def test_markdown_and_html_are_one_document_tree(report: Report) -> None:
    out, _, _ = report
    tree = _tree(out)
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    assert render.markdown(tree) == md and render.html(tree) == page
    nodes = tree.walk()
    headings = [b.text for b in nodes if isinstance(b, Heading)]
    titles = [b.title for b in nodes if isinstance(b, Figure)]
    md_headings = re.findall(r"^#+ (.*)$", md, flags=re.MULTILINE)
    assert md_headings == [tree.title, *headings[:3], *titles, *headings[3:]]
    html_headings = re.findall(r"<h[1-6]>(.*?)</h[1-6]>", page)
    assert html_headings == [html.escape(tree.title), *(html.escape(h) for h in headings)]
    tables = [b for b in nodes if isinstance(b, Table)]
    assert len(tables) == len(re.findall(r"^\|---", md, flags=re.MULTILINE)) == 5
    assert page.count("<table>") == 5
    for table in tables:
        for row in table.rows:
            for cell in row:
                text = _plain(cell)
                assert render.md_cell(text) in md and html.escape(text) in page


def _plain(cell: Cell) -> str:
    """The plain-text parts of a cell (spans render with markup around them)."""
    return "".join(x for x in cell.content if isinstance(x, str))


def test_html_renderer_is_extended_by_overriding_a_node(report: Report) -> None:
    """A later renderer (e.g. MathML) changes one node type and leaves the rest alone."""
    out, _, _ = report

    class Boxed(render.HtmlRenderer):
        def block_formula(self, x: Formula) -> str:
            return f'<div class="formula">{len(x.latex)}</div>'

    page = render.html(_tree(out), Boxed())
    assert page.count('<div class="formula">') == len(_payload()["claims"])
    assert '<code class="latex">' not in page
    assert page.replace("\n", "").count("<table>") == 5


def test_latex_failure_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken pdflatex is reported, not raised."""
    fake = tmp_path / "pdflatex"
    fake.write_text("#!/bin/sh\necho 'fake failure'\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(latex.shutil, "which", lambda _name: str(fake))
    info, written = latex.write_formulas(tmp_path, None)
    assert info["status"] == "failed" and "exit code 1" in info["detail"]
    assert "fake failure" in info["detail"] and info["pdf"] is None
    assert [p.name for p in written] == ["formulas.tex"]


def test_writing_twice_gives_identical_files(report: Report, tmp_path: Path) -> None:
    """Same runs, same numbers, same PNG bytes and the same Markdown."""
    out, _, _ = report
    again = write_report(tmp_path, _payload(), Budget("quick", 1))
    for f in FIGURES:
        assert (tmp_path / f"{f}.png").read_bytes() == (out / f"{f}.png").read_bytes(), f
    assert (tmp_path / "report.md").read_text() == (out / "report.md").read_text()
    first = _results(out)["figures"]
    assert all(_results(tmp_path)["figures"][f]["data"] == first[f]["data"] for f in FIGURES)
    assert [p.name for p in again] == [p.name for p in report[1]]
    assert jsonable(data.two_d("quick")) == first["two_d_picture"]["data"]


def test_importing_the_report_is_light() -> None:
    """No matplotlib, NumPy or simulator is imported until a report is written."""
    code = ("import sys, proofs_check.report; "
            "print(sorted(m for m in ('matplotlib', 'numpy', 'numerics') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
