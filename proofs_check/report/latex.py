"""formulas.tex (:func:`theory.latex.document` under relu) and its pdflatex compile.

The compile runs in a temporary directory (``-interaction=nonstopmode -halt-on-error``,
:data:`LATEX_TIMEOUT` seconds); a missing pdflatex is ``skipped``, a failed compile is
recorded (``failed`` with the exit code and the tail of the log), never raised.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["LATEX_TIMEOUT", "compile_pdf", "write_formulas"]

LATEX_TIMEOUT = 180
_LOG_LINES = 15


def compile_pdf(tex: str, exe: str, outdir: Path) -> dict[str, Any]:
    """Compile ``tex`` with ``exe``; on success copy formulas.pdf into ``outdir``.

    Returns the status fields: ``status`` ("compiled" or "failed"), ``detail`` and, when
    compiled, ``pdf``.
    """
    with tempfile.TemporaryDirectory(prefix="aesgd-latex-") as tmp:
        (Path(tmp) / "formulas.tex").write_text(tex, encoding="utf-8")
        try:
            proc = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", "formulas.tex"],
                cwd=tmp, capture_output=True, timeout=LATEX_TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired:
            return {"status": "failed", "detail": f"pdflatex timed out after {LATEX_TIMEOUT} s"}
        except OSError as exc:
            return {"status": "failed", "detail": f"pdflatex could not run: {exc}"}
        pdf = Path(tmp) / "formulas.pdf"
        if proc.returncode != 0 or not pdf.exists():
            tail = proc.stdout.decode("utf-8", "replace").splitlines()[-_LOG_LINES:]
            return {"status": "failed",
                    "detail": f"pdflatex exit code {proc.returncode}: " + " / ".join(tail)}
        shutil.copyfile(pdf, outdir / "formulas.pdf")
    return {"status": "compiled", "detail": "pdflatex exit code 0", "pdf": "formulas.pdf"}


def write_formulas(outdir: Path, progress: Callable[[str], None] | None = None
                   ) -> tuple[dict[str, Any], list[Path]]:
    """Write formulas.tex into ``outdir`` and, when pdflatex is on PATH, formulas.pdf.

    Returns the status record (``tex``, ``pdf``, ``status``, ``detail``) and the paths written.
    """
    from theory.conventions import RELU
    from theory.latex import document

    info: dict[str, Any] = {"tex": None, "pdf": None, "status": "", "detail": ""}
    try:
        tex = document(RELU)
    except Exception as exc:  # report it, do not crash the report
        info.update(status="tex failed", detail=f"{type(exc).__name__}: {exc}")
        return info, []
    tex_path = outdir / "formulas.tex"
    tex_path.write_text(tex, encoding="utf-8")
    info["tex"] = tex_path.name
    exe = shutil.which("pdflatex")
    if exe is None:
        info.update(status="skipped", detail="pdflatex not found on PATH")
        return info, [tex_path]
    if progress is not None:
        progress("formulas.pdf")
    info.update(compile_pdf(tex, exe, outdir))
    return info, [tex_path] + ([outdir / "formulas.pdf"] if info["pdf"] else [])
