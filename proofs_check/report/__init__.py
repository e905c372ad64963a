"""The ``aesgd verify --report DIR`` output: a report to read, with figures and formulas.

:func:`write_report` takes the JSON document of a verify run (``claims``, optional
``mutants``, ``summary``, ``level``) and writes into ``DIR``:

``results.json``   the payload, plus ``figures`` (per figure: file, caption, parameters and
                   the numbers plotted), ``formulas`` (LaTeX compile status) and ``report``
``report.md``      claim table, the caveats for P3 and P4, figures, one section per claim
                   (statement, LaTeX source, checks with evidence, caveats), mutants
``report.html``    the same document, self-contained: figures as base64 data URIs, formulas
                   as LaTeX source, no external resource of any kind
``formulas.tex``   :func:`theory.latex.document` (relu); ``formulas.pdf`` when pdflatex exists
``*.png``          the five figures :data:`FIGURES`

The report shows the runs the checks judged: one set of runs, one root seed
(:data:`proofs_check.experiments.ROOT`), shared by the checks and the figures.  The modules,
one job each:

``data``       the numbers behind each figure, read off the runs of :mod:`proofs_check.experiments`
``plots``      matplotlib drawing of the figures (Agg, byte-for-byte reproducible PNGs)
``captions``   figure captions and the P3/P4 caveat paragraphs, with the numbers of the runs
``figures``    the figure pipeline: numbers, PNGs and captions -> the results.json records
``document``   the document tree (frozen nodes); ``content`` builds the report's tree once
``render``     that one tree as Markdown and as self-contained HTML
``latex``      formulas.tex and its pdflatex compile

Importing this package is cheap: NumPy, matplotlib and the simulators are imported only
when :func:`write_report` runs.

>>> len(FIGURES), FIGURE_TITLES["two_d_picture"]
(5, 'The 2-D picture (d = n = 2)')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..stats import Budget

__all__ = ["FIGURES", "FIGURE_TITLES", "write_report"]

FIGURES: tuple[str, ...] = (
    "support_vs_batch_size",
    "alignment_vs_batch_size",
    "hessian_trace_vs_batch_size",
    "two_d_picture",
    "log_ratio_walk",
)
"""The figures, in report order; figure ``name`` is written to ``name.png``."""
FIGURE_TITLES: dict[str, str] = {
    "support_vs_batch_size": "Support size vs batch size",
    "alignment_vs_batch_size": "Alignment with the initialisation vs batch size",
    "hessian_trace_vs_batch_size": "Hessian trace vs batch size",
    "two_d_picture": "The 2-D picture (d = n = 2)",
    "log_ratio_walk": "The log-ratio (top-gap) walk",
}


def write_report(
    outdir: Path,
    payload: dict[str, Any],
    budget: Budget,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write results.json, report.md, report.html, formulas.tex(/.pdf) and the figures.

    ``payload`` is the document of ``aesgd verify --json`` (it is not modified);
    ``budget.level`` picks the runs of :mod:`proofs_check.experiments` the figures show
    (the cached runs of the checks when verify ran in this process, else they are made here).
    Returns the paths written: results.json, report.md, report.html, formulas.tex,
    formulas.pdf (when pdflatex exists and compiles), then the PNG figures.
    A failed LaTeX compile is recorded in results.json and the reports; it does not raise.
    """
    from ..result import jsonable
    from . import captions, content, figures, latex, render

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    figs = figures.make(outdir, budget.level, progress)
    tex_info, tex_paths = latex.write_formulas(outdir, progress)
    if progress is not None:
        progress("report")

    doc = dict(payload)
    doc["figures"] = figs.records
    doc["formulas"] = tex_info
    doc["report"] = {**figs.meta, "files": ["results.json", "report.md", "report.html"]
                     + [p.name for p in tex_paths + figs.paths]}
    results = outdir / "results.json"
    results.write_text(json.dumps(jsonable(doc), indent=2, allow_nan=False) + "\n",
                       encoding="utf-8")
    tree = content.report(payload, figs.records, tex_info, figs.images(),
                          captions.caveat_paragraphs(payload, figs.numbers["sweep"]))
    md = outdir / "report.md"
    md.write_text(render.markdown(tree), encoding="utf-8")
    page = outdir / "report.html"
    page.write_text(render.html(tree), encoding="utf-8")
    return [results, md, page, *tex_paths, *figs.paths]
