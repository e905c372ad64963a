"""The report's document tree, built once from a verify payload, the figures and the formulas.

:func:`report` returns a :class:`~proofs_check.report.document.Document`: the claim table,
the caveat paragraphs, the figures, the formulas' status, one section per claim (anchor
``claim-<id>``) and the mutants.  :mod:`.render` writes it as Markdown and as HTML.

>>> doc = report({"level": "quick", "claims": [{"id": "P4", "status": "fail"}]}, {}, {}, {}, [])
>>> [b.text for b in doc.walk() if isinstance(b, Heading)][:2]
['Claims', 'What the caveats mean for P3 and P4']
>>> [b.id for b in doc.walk() if isinstance(b, Section)]
['claim-p4']
"""

from __future__ import annotations

import json
from typing import Any

from . import FIGURE_TITLES, FIGURES
from .document import (
    STATUS_WORD,
    Block,
    Cell,
    Document,
    Figure,
    Formula,
    Heading,
    Link,
    Paragraph,
    Section,
    Span,
    Table,
    Verdict,
    anchor,
    status,
)

__all__ = ["EVIDENCE_CHARS", "TITLE", "report"]

TITLE = "aesgd verification report"
EVIDENCE_CHARS = 420
"""Evidence longer than this is cut (with "...") in the check tables."""


def _oracles(claim: dict[str, Any]) -> str:
    """The oracle kinds of a claim's checks, in order of first use."""
    seen: list[str] = []
    for ch in claim.get("checks", []):
        o = str(ch.get("oracle", ""))
        if o and o not in seen:
            seen.append(o)
    return ", ".join(seen)


def _evidence(ev: Any) -> str:
    text = json.dumps(ev, separators=(", ", ": "), default=str, ensure_ascii=False)
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 3] + "..."


def _verdict_cell(s: Any) -> Cell:
    return Cell((STATUS_WORD[status(s)],), status(s))


def _cells(*texts: Any) -> tuple[Cell, ...]:
    return tuple(Cell((str(t),)) for t in texts)


def _intro(payload: dict[str, Any]) -> list[Block]:
    summary = payload.get("summary", {})
    return [
        Paragraph(("Claims about Ghosh, Frei, Ha, Yu, ",
                   Span("emph", "The Effect of SGD Batch Size on Autoencoder Learning"),
                   " (arXiv:2308.03215), each checked by independent oracles. Formulas are "
                   "shown as LaTeX source next to their plain-text statement.")),
        Paragraph(("Level: ", Span("strong", str(payload.get("level", "?"))), ". "
                   + ", ".join(f"{k}: {v}" for k, v in summary.items()))),
    ]


def _claims_table(claims: list[dict[str, Any]]) -> Table:
    rows = tuple(
        (Cell((Link(str(c.get("id", "")), f"#claim-{anchor(c.get('id', ''))}"),)),
         *_cells(c.get("provenance", ""), _oracles(c)), _verdict_cell(c.get("status")),
         *_cells(c.get("key", "")))
        for c in claims)
    return Table(("claim", "provenance", "oracles", "verdict", "key number"), rows)


def _figures(figures: dict[str, Any], images: dict[str, bytes]) -> list[Block]:
    return [Figure(name, FIGURE_TITLES[name], figures[name]["file"], figures[name]["caption"],
                   images[name]) for name in FIGURES if name in figures]


def _formulas(latex: dict[str, Any]) -> Paragraph:
    return Paragraph(("LaTeX source: ", Span("code", str(latex.get("tex") or "not written")),
                      f"; PDF: {latex.get('status')} ({latex.get('detail', '')})."))


def _checks_table(checks: list[dict[str, Any]]) -> Table:
    rows = []
    for ch in checks:
        detail = ch.get("detail") or ""
        title = str(ch.get("title") or ch.get("name", ""))
        route = (" ", Span("code", str(ch.get("name", "")))) if ch.get("title") else ()
        note = (Span("note", str(detail)),) if detail else ()
        name = Cell((title, *route, *note))
        rows.append((name, *_cells(ch.get("oracle", ""), _relies_on(ch),
                                   ch.get("tolerance", "")),
                     _verdict_cell(ch.get("status")),
                     Cell((Span("code", _evidence(ch.get("evidence", {}))),))))
    return Table(("route", "oracle", "relies on", "tolerance", "status", "evidence"),
                 tuple(rows))


def _relies_on(ch: dict[str, Any]) -> str:
    """What a route's reference rests on, and whether it is independent of the formula."""
    base = ", ".join(map(str, ch.get("relies_on") or ())) or "nothing but the model"
    return ("independent: " if ch.get("independent") else "") + base


def _claim(c: dict[str, Any]) -> Section:
    """One claim: statement, LaTeX, conventions, links, checks and caveat."""
    cid = str(c.get("id", ""))
    blocks: list[Block] = [
        Heading(3, f"{cid}: {c.get('title', '')}"),
        Paragraph(("Verdict: ", Verdict(status(c.get("status"))),
                   f"; provenance: {c.get('provenance', '')}; key number: "
                   f"{c.get('key') or 'none'}; {c.get('seconds', '?')} s.")),
        Paragraph((str(c.get("statement", "")),)),
        Formula(str(c.get("latex", ""))),
    ]
    if c.get("conventions"):
        blocks.append(Paragraph(("Conventions: " + "; ".join(map(str, c["conventions"])) + ".",)))
    if c.get("supports"):
        blocks.append(Paragraph(("Supports / supported by: "
                                 + ", ".join(map(str, c["supports"])) + ".",)))
    blocks.append(_checks_table(c.get("checks", [])))
    if c.get("caveat"):
        blocks.append(Paragraph((f"Caveat: {c['caveat']}",), "caveat"))
    return Section(f"claim-{anchor(cid)}", tuple(blocks))


def _mutants(mutants: list[dict[str, Any]]) -> list[Block]:
    rejected = sum(bool(m.get("rejected")) for m in mutants)
    rows = tuple(
        (Cell((Span("code", str(m.get("id", ""))),)),
         *_cells(m.get("claim", "")),
         Cell((str(m.get("description", "")), " ", Span("code", str(m.get("target", ""))))),
         Cell(("yes",), "pass") if m.get("rejected") else Cell(("NO (survived)",), "fail"),
         *_cells(", ".join(map(str, m.get("failed_routes") or ())) or m.get("error") or "-"))
        for m in mutants)
    return [Heading(2, "Wrong libraries (mutants) that verify must reject"),
            Paragraph((f"{rejected} of {len(mutants)} rejected.  Each replaces a library "
                       "function, method or constant (the target) in a fresh process; it is "
                       "rejected when its claim fails there.",)),
            Table(("variant", "claim", "wrong library (target)", "rejected",
                   "routes that failed"), rows)]


def report(payload: dict[str, Any], figures: dict[str, Any], latex: dict[str, Any],
           images: dict[str, bytes], caveats: list[str]) -> Document:
    """The whole report: ``payload`` of ``aesgd verify --json``, ``figures`` the results.json
    records (file, caption), ``latex`` the formulas' status, ``images`` the PNG bytes by
    figure name, ``caveats`` the paragraphs on P3 and P4."""
    claims = payload.get("claims", [])
    blocks: list[Block] = [
        *_intro(payload),
        Heading(2, "Claims"), _claims_table(claims),
        Heading(2, "What the caveats mean for P3 and P4"),
        *(Paragraph((p,), "caveat") for p in caveats),
        Heading(2, "Figures"), *_figures(figures, images),
        Heading(2, "Formulas"), _formulas(latex),
        Heading(2, "Claims in detail"), *(_claim(c) for c in claims),
    ]
    if payload.get("mutants") is not None:
        blocks += _mutants(payload["mutants"])
    return Document(TITLE, tuple(blocks))
