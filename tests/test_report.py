"""The verify report: every file is written, self-contained, and mentions every claim."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from proofs_check.report import FIGURES, write_report
from proofs_check.stats import Budget


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
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[str]]:
    out = tmp_path_factory.mktemp("report") / "nested" / "dir"  # created by write_report
    seen: list[str] = []
    paths = write_report(out, _payload(), Budget("quick", 1), progress=seen.append)
    return out, paths, seen


def test_every_file_is_written(report: tuple[Path, list[Path], list[str]]) -> None:
    out, paths, seen = report
    names = {p.name for p in paths}
    expected = {"results.json", "report.md", "report.html", "formulas.tex",
                *(f"{f}.png" for f in FIGURES)}
    assert expected <= names
    if shutil.which("pdflatex"):
        assert "formulas.pdf" in names
    for p in paths:
        assert p.parent == out and p.is_file() and p.stat().st_size > 0
    for f in FIGURES:
        assert (out / f"{f}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "formulas.tex").read_text().startswith("\\documentclass")
    assert any("figure" in s for s in seen)


def test_results_json(report: tuple[Path, list[Path], list[str]]) -> None:
    out, _, _ = report
    doc = json.loads((out / "results.json").read_text())
    assert [c["id"] for c in doc["claims"]] == [c["id"] for c in _payload()["claims"]]
    assert doc["mutants"][0]["id"] == "trace.off_by_one"
    assert set(doc["figures"]) == set(FIGURES)
    for name, fig in doc["figures"].items():
        assert fig["file"] == f"{name}.png"
        assert fig["caption"] and fig["data"]
    rows = doc["figures"]["support_vs_batch_size"]["data"]["rows"]
    assert [r["b"] for r in rows] == [1, 2, 4, 5, 10, 15, 19, 20]
    # the theory of sgd.sparse_limit / gd.dense_aligned at the simulated points
    assert all(r["support"]["fraction_one_sparse"] == 1.0 for r in rows if r["b"] <= 10)
    assert rows[-1]["support"]["mean"] > 2
    fixed_eta = doc["figures"]["support_vs_batch_size"]["data"]["fixed_eta_rows"]
    assert [r["b"] for r in fixed_eta] == [1, 2, 4, 5, 10, 15, 19]
    trace = doc["figures"]["hessian_trace_vs_batch_size"]["data"]["rows"]
    assert trace[0]["trace_theory"]["mean"] == pytest.approx((40 - 1 + 4) / 20)
    assert doc["formulas"]["status"] in ("compiled", "skipped")
    if shutil.which("pdflatex"):
        assert doc["formulas"]["status"] == "compiled"


def test_markdown_mentions_every_claim(report: tuple[Path, list[Path], list[str]]) -> None:
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


def test_html_is_self_contained(report: tuple[Path, list[Path], list[str]]) -> None:
    out, _, _ = report
    page = (out / "report.html").read_text()
    assert "http://" not in page and "https://" not in page
    targets = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", page)
    assert targets and all(t.startswith(("#", "data:image/png;base64,")) for t in targets)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    for c in _payload()["claims"]:
        assert c["id"] in page
    assert 'class="fail"' in page and 'class="pass"' in page and 'class="undecided"' in page
    assert "<code" in page and "\\operatorname{tr} H" in page


def test_latex_failure_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken pdflatex is reported, not raised (the figures are skipped here)."""
    import proofs_check.report as rep

    fake = tmp_path / "pdflatex"
    fake.write_text("#!/bin/sh\necho 'fake failure'\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(rep.shutil, "which", lambda _name: str(fake))
    info, written = rep._latex(tmp_path, None)
    assert info["status"] == "failed" and "exit code 1" in info["detail"]
    assert [p.name for p in written] == ["formulas.tex"]


def test_figures_are_deterministic(report: tuple[Path, list[Path], list[str]],
                                   tmp_path: Path) -> None:
    """Same seeds, same numbers, same PNG bytes (the cheap 2-D figure is redrawn)."""
    import proofs_check.report as rep

    out, _, _ = report
    fs = rep.figure_settings(Budget("quick", 1))
    data = rep._two_d(fs)
    doc = json.loads((out / "results.json").read_text())
    assert data == doc["figures"]["two_d_picture"]["data"]
    rep._plot_two_d(data, tmp_path / "again.png")
    assert (tmp_path / "again.png").read_bytes() == (out / "two_d_picture.png").read_bytes()
