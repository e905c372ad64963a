"""The report as one document tree: a few frozen nodes, written out by :mod:`.render`.

The tree is built once (:func:`proofs_check.report.content.report`) and the same tree is
written as Markdown and as HTML, so the two files cannot drift apart.  Blocks:
:class:`Heading`, :class:`Paragraph`, :class:`Table` (of :class:`Cell`), :class:`CodeBlock`,
:class:`Formula` (LaTeX source: a renderer may typeset it), :class:`Figure` and
:class:`Section` (an anchored group of blocks).  Inline content is a tuple of plain strings,
:class:`Span` (bold, emphasis, inline code or a note), :class:`Link` and :class:`Verdict`.

>>> anchor("hessian.trace_at_min")
'hessian-trace-at-min'
>>> status("weird"), STATUS_WORD[status("pass")]
('undecided', 'PASS')
>>> Paragraph(("Verdict: ", Verdict("fail"))).content[1].word
'FAIL'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from theory.domain import choice, integer

__all__ = [
    "SPAN_STYLES",
    "STATUS_WORD",
    "Block",
    "Cell",
    "CodeBlock",
    "Document",
    "Figure",
    "Formula",
    "Heading",
    "Inline",
    "Link",
    "Paragraph",
    "Section",
    "Span",
    "Table",
    "Verdict",
    "anchor",
    "status",
]

STATUS_WORD = {"pass": "PASS", "fail": "FAIL", "undecided": "UNDECIDED"}
"""A verdict as a word; the keys are also the CSS classes of the HTML report."""


def status(s: Any) -> str:
    """A verdict from the payload: one of :data:`STATUS_WORD` (anything else: undecided)."""
    return str(s) if s in STATUS_WORD else "undecided"


def anchor(text: Any) -> str:
    """A fragment identifier: lower case, every non-alphanumeric character a hyphen."""
    return "".join(ch if ch.isalnum() else "-" for ch in str(text).lower())


# ------------------------------------------------------------------------------ inline
SPAN_STYLES = ("strong", "emph", "code", "note")
"""Span styles: bold, emphasis, inline code, and a note attached to the text before it."""


@dataclass(frozen=True)
class Span:
    """Styled inline text; ``style`` is one of :data:`SPAN_STYLES`."""

    style: str
    text: str

    def __post_init__(self) -> None:
        choice("style", self.style, SPAN_STYLES)


@dataclass(frozen=True)
class Link:
    """A link inside the document (``href`` is a fragment such as ``#claim-p4``)."""

    text: str
    href: str


@dataclass(frozen=True)
class Verdict:
    """A verdict badge: PASS, FAIL or UNDECIDED."""

    status: str

    @property
    def word(self) -> str:
        return STATUS_WORD[status(self.status)]


Inline = str | Span | Link | Verdict


# ------------------------------------------------------------------------------ blocks
@dataclass(frozen=True)
class Heading:
    level: int
    text: str

    def __post_init__(self) -> None:
        integer("level", self.level, 1, 6, what="a heading level in [1, 6]")


@dataclass(frozen=True)
class Paragraph:
    """``style`` "caveat" marks a caveat (a highlighted paragraph in HTML)."""

    content: tuple[Inline, ...]
    style: str = ""


@dataclass(frozen=True)
class Cell:
    """A table cell; ``style`` (a key of :data:`STATUS_WORD`) marks a verdict cell."""

    content: tuple[Inline, ...]
    style: str = ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Formula:
    """A formula as LaTeX source (Markdown: a ``latex`` code block; HTML: MathML)."""

    latex: str


@dataclass(frozen=True)
class Figure:
    """A figure: ``file`` next to the report, ``png`` its bytes (embedded in HTML)."""

    name: str
    title: str
    file: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Section:
    """Blocks under one anchor (``id`` is the fragment, e.g. ``claim-p4``)."""

    id: str
    blocks: tuple[Block, ...]


Block = Heading | Paragraph | Table | CodeBlock | Formula | Figure | Section


@dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]

    def walk(self) -> list[Block]:
        """Every block, depth first (the blocks of a section follow the section)."""
        out: list[Block] = []
        todo = list(reversed(self.blocks))
        while todo:
            node = todo.pop()
            out.append(node)
            if isinstance(node, Section):
                todo.extend(reversed(node.blocks))
        return out
