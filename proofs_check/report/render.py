"""One renderer: the document tree of :mod:`.document` as Markdown and as self-contained HTML.

A renderer has one method per block type, found by name (``Table`` is written by
``block_table``), and one format string per inline span (:attr:`Renderer.spans`).  To change
how a node is written, subclass and override its method; to add a block, add its dataclass
to :mod:`.document` and a ``block_<name>`` method here.

Formulas: Markdown keeps the LaTeX source (a ``latex`` code block); HTML typesets each
formula as inline MathML (:func:`mathml`, via ``latex2mathml``, which browsers with MathML
Core, e.g. Chromium >= 109, render natively) with the LaTeX source kept in a
``<annotation encoding="application/x-tex">`` and the ``title`` of the formula's ``div``.
LaTeX that latex2mathml cannot turn into well-formed, safe MathML falls back to an escaped
``<pre><code class="latex">`` block and is listed in :attr:`HtmlRenderer.fallbacks`.

The HTML page is self-contained: the CSS is inline, figures are base64 data URIs, and no
script, stylesheet link or remote resource is written.  Verdicts carry the CSS classes
``pass``, ``fail`` and ``undecided``.

>>> from .document import Document, Paragraph, Span, Table, Cell
>>> doc = Document("T", (Paragraph(("a ", Span("strong", "b"))),
...                      Table(("x",), ((Cell(("1 | 2",), "pass"),),))))
>>> print(markdown(doc))
# T
<BLANKLINE>
a **b**
<BLANKLINE>
| x |
|---|
| **1 \\| 2** |
<BLANKLINE>
>>> 'class="pass"' in html(doc) and "<b>b</b>" in html(doc)
True
"""

from __future__ import annotations

import base64
import html as _html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from . import document as d

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["CSS", "HtmlRenderer", "MarkdownRenderer", "Renderer", "html", "markdown",
           "mathml", "md_cell", "tex_for_mathml"]

Escape = Callable[[str], str]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em;width:100%}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0}
.pass{background:#e3f6e3;color:#135d13;font-weight:bold}
.fail{background:#fbe0e0;color:#8a1010;font-weight:bold}
.undecided{background:#fff3d6;color:#7a5200;font-weight:bold}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.88em}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:6px;white-space:pre-wrap}
td code{word-break:break-word}
figure{margin:1.2em 0;border-top:1px solid #ddd;padding-top:0.6em}
figure img{max-width:100%;height:auto}
figcaption{font-size:0.9em;color:#333}
.caveat{background:#fff8e6;border-left:4px solid #e0a800;padding:4px 10px}
.formula{margin:0.6em 0;overflow-x:auto}
math{font-family:"Latin Modern Math","STIX Two Math","Cambria Math","DejaVu Math TeX Gyre",math}
"""


def md_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell or code span.

    >>> md_cell("a | b\\nc")
    'a \\\\| b c'
    """
    return str(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")


def _raw(text: str) -> str:
    return text


def _h(text: Any) -> str:
    return _html.escape(str(text), quote=True)


def _class(name: str) -> str:
    """The class attribute for ``name`` (none when empty)."""
    return f' class="{_h(name)}"' if name else ""


_TEX_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl) for pattern, repl in (
        (r"\A\s*(?:\$\$?|\\[(\[])|(?<!\\)(?:\$\$?|\\[)\]])\s*\Z", ""),  # $ \( \[ delimiters
        (r"\\(?:label|eqref|ref)\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z])", ""),
        (r"\\[cs]frac(?![A-Za-z])", r"\\frac"),
        (r"\\arg(?![A-Za-z])", r"\\operatorname{arg}"),
    ))


def tex_for_mathml(latex: str) -> str:
    r"""``latex`` rewritten so that latex2mathml (3.81) typesets it.

    latex2mathml raises on ``\cfrac``, and copies ``\sfrac``, ``\arg``, ``\label``, ``\ref``
    and ``\nonumber`` into the output as literal text; ``$...$`` / ``\(...\)`` delimiters
    are not LaTeX it expects.  These are the gaps found by converting a list of common
    constructs (``\operatorname``, ``\lvert``, ``cases``, ``pmatrix``, ``\mathbb``, ... all
    work as they are).  The report's own formulas (the catalogue's and the claims') need
    none of the rewrites today; :func:`mathml` still rejects what slips through.

    >>> tex_for_mathml(r"$\arg\max_x \cfrac{1}{x} \label{eq}$")
    '\\operatorname{arg}\\max_x \\frac{1}{x} '
    """
    for pattern, repl in _TEX_REWRITES:
        latex = pattern.sub(repl, latex)
    return latex


#: What :func:`mathml` lets through: MathML Core elements and presentation attributes only
#: (no ``href``, no event handler, no foreign element), and the child count of each script /
#: fraction element, so that a formula the browser cannot lay out is a fallback, not a box.
_MATHML_TAGS = frozenset({
    "mrow", "mi", "mn", "mo", "mtext", "ms", "mspace", "msub", "msup", "msubsup", "munder",
    "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "mtable", "mtr", "mtd", "menclose"})
_MATHML_ATTRS = frozenset({
    "mathvariant", "stretchy", "fence", "form", "movablelimits", "separator", "lspace",
    "rspace", "minsize", "maxsize", "largeop", "symmetric", "accent", "accentunder",
    "displaystyle", "scriptlevel", "width", "height", "depth", "voffset", "columnalign",
    "rowalign", "columnspan", "rowspan", "columnlines", "rowlines", "columnspacing",
    "rowspacing", "frame", "framespacing", "linethickness", "notation", "mathcolor",
    "mathbackground", "mathsize"})
_MATHML_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "munder": 2, "mover": 2,
                 "munderover": 3, "mroot": 2}
_CHARREF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]")


def _chars(text: str | None) -> str:
    """Element text from latex2mathml as plain characters (it writes ``&#x...;`` itself)."""
    def char(m: re.Match[str]) -> str:
        ref = m[1]
        return chr(int(ref[1:], 16) if ref[0] == "x" else int(ref))

    return _CHARREF.sub(char, text or "")


def _valid(node: Element) -> bool:
    """Only allowed elements and attributes, right arities, and no LaTeX command left."""
    for x in node.iter():
        if x.tag not in _MATHML_TAGS or not set(x.attrib) <= _MATHML_ATTRS:
            return False
        if len(x) != _MATHML_ARITY.get(str(x.tag), len(x)):
            return False
        if _TEX_COMMAND.search(_chars(x.text)) or _TEX_COMMAND.search(_chars(x.tail)):
            return False
    return True


def _xml(node: Element) -> str:
    """``node`` as markup; every text and attribute is escaped here, whatever it holds."""
    attrs = "".join(f' {k}="{_h(v)}"' for k, v in node.attrib.items())
    inner = _h(_chars(node.text)) + "".join(_xml(c) + _h(_chars(c.tail)) for c in node)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def mathml(latex: str) -> str | None:
    r"""``latex`` as a ``<math display="block">`` element, or None when it cannot be.

    The LaTeX (after :func:`tex_for_mathml`) is converted by latex2mathml and kept as the
    ``<annotation encoding="application/x-tex">`` of a ``<semantics>``, which browsers do
    not display.  None when latex2mathml raises, or its output has an element or attribute
    outside the MathML Core presentation set, a fraction / script with the wrong number of
    children, or a LaTeX command copied into the text (what latex2mathml does with a
    command it does not know).  No ``xmlns``: the HTML parser puts ``<math>`` in the
    MathML namespace, and the page names no URL.

    >>> print(mathml(r"\frac{a}{2}").replace("><", ">\n<"))  # doctest: +ELLIPSIS
    <math display="block">
    <semantics>
    <mrow>
    <mfrac>
    ...
    </mfrac>
    </mrow>
    <annotation encoding="application/x-tex">\frac{a}{2}</annotation>
    </semantics>
    </math>
    >>> mathml(r"\text{<b>}") is not None, mathml(r"\unknowncmd x"), mathml(r"\href{x}{y}")
    (True, None, None)
    """
    from latex2mathml.converter import convert_to_element

    try:
        root = convert_to_element(tex_for_mathml(latex), xmlns="", display="block")
    except Exception:  # latex2mathml raises IndexError, its own errors, ...
        return None
    body = list(root)
    if not body or not all(_valid(b) for b in body):
        return None
    rows = "".join(_xml(b) for b in body)
    if len(body) > 1:
        rows = f"<mrow>{rows}</mrow>"
    return (f'<math display="block"><semantics>{rows}<annotation encoding="application/x-tex">'
            f"{_h(latex)}</annotation></semantics></math>")


class Renderer:
    """Dispatch by node type; subclasses write each node.

    Spans and verdicts are written from the format strings :attr:`spans` (keys: the span
    styles, "link", "verdict"; fields: the node's fields, escaped, and ``word``); any
    other node by its ``block_<name>`` / ``inline_<name>`` method.
    """

    spans: ClassVar[dict[str, str]] = {}

    def block(self, node: d.Block) -> str:
        method: Callable[[Any], str] = getattr(self, f"block_{type(node).__name__.lower()}")
        return method(node)

    def blocks(self, nodes: Iterable[d.Block]) -> list[str]:
        return [self.block(b) for b in nodes]

    def span(self, x: d.Span | d.Link | d.Verdict, escape: Escape) -> str:
        if isinstance(x, d.Span):
            return self.spans[x.style].format(text=escape(x.text))
        if isinstance(x, d.Link):
            return self.spans["link"].format(text=escape(x.text), href=_h(x.href))
        return self.spans["verdict"].format(status=d.status(x.status), word=x.word)

    def inline(self, content: Iterable[d.Inline], escape: Escape) -> str:
        """Inline content; plain strings and span texts pass through ``escape``."""
        return "".join(escape(x) if isinstance(x, str) else self.span(x, escape)
                       for x in content)

    def block_formula(self, x: d.Formula) -> str:
        """A formula: its LaTeX source as a ``latex`` code block (override to typeset)."""
        return self.block(d.CodeBlock(x.latex, "latex"))

    def render(self, doc: d.Document) -> str:
        raise NotImplementedError


class MarkdownRenderer(Renderer):
    """GitHub-flavoured Markdown; figures link to the PNG files next to the report."""

    spans: ClassVar[dict[str, str]] = {
        "strong": "**{text}**", "emph": "*{text}*", "code": "`{text}`", "note": " ({text})",
        "link": "[{text}]({href})", "verdict": "**{word}**"}

    def render(self, doc: d.Document) -> str:
        return "\n\n".join([f"# {doc.title}", *self.blocks(doc.blocks)]).rstrip() + "\n"

    def span(self, x: d.Span | d.Link | d.Verdict, escape: Escape) -> str:
        # a code span is always made safe: a backtick would end it
        code = isinstance(x, d.Span) and x.style == "code"
        return super().span(x, md_cell if code else escape)

    def block_heading(self, x: d.Heading) -> str:
        return f"{'#' * x.level} {x.text}"

    def block_paragraph(self, x: d.Paragraph) -> str:
        return self.inline(x.content, _raw)

    def cell(self, c: d.Cell) -> str:
        text = self.inline(c.content, md_cell)
        return f"**{text}**" if c.style else text

    def block_table(self, x: d.Table) -> str:
        lines = ["| " + " | ".join(x.header) + " |", "|" + "---|" * len(x.header)]
        lines += ["| " + " | ".join(self.cell(c) for c in row) + " |" for row in x.rows]
        return "\n".join(lines)

    def block_codeblock(self, x: d.CodeBlock) -> str:
        return f"```{x.language}\n{x.text.replace('```', chr(39) * 3)}\n```"

    def block_figure(self, x: d.Figure) -> str:
        return f"### {x.title}\n\n![{x.name}]({x.file})\n\n{x.caption}"

    def block_section(self, x: d.Section) -> str:
        return "\n\n".join([f'<a id="{x.id}"></a>', *self.blocks(x.blocks)])


class HtmlRenderer(Renderer):
    """One self-contained HTML page (inline CSS, figures as data URIs, formulas as MathML,
    no script).  :attr:`fallbacks` lists the LaTeX of the formulas written as code instead.
    """

    css = CSS
    spans: ClassVar[dict[str, str]] = {
        "strong": "<b>{text}</b>", "emph": "<em>{text}</em>", "code": "<code>{text}</code>",
        "note": "<br><small>{text}</small>", "link": '<a href="{href}">{text}</a>',
        "verdict": '<span class="{status}">{word}</span>'}

    def __init__(self) -> None:
        self.fallbacks: list[str] = []

    def render(self, doc: d.Document) -> str:
        head = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{_h(doc.title)}</title>", f"<style>{self.css}</style></head><body>",
                f"<h1>{_h(doc.title)}</h1>"]
        return "\n".join([*head, *self.blocks(doc.blocks), "</body></html>"]) + "\n"

    def block_heading(self, x: d.Heading) -> str:
        return f"<h{x.level}>{_h(x.text)}</h{x.level}>"

    def block_paragraph(self, x: d.Paragraph) -> str:
        return f"<p{_class(x.style)}>{self.inline(x.content, _h)}</p>"

    def block_table(self, x: d.Table) -> str:
        head = "<table><tr>" + "".join(f"<th>{_h(t)}</th>" for t in x.header) + "</tr>"
        rows = ["<tr>" + "".join(f"<td{_class(c.style)}>{self.inline(c.content, _h)}</td>"
                                 for c in row) + "</tr>" for row in x.rows]
        return "\n".join([head, *rows, "</table>"])

    def block_codeblock(self, x: d.CodeBlock) -> str:
        return f"<pre><code{_class(x.language)}>{_h(x.text)}</code></pre>"

    def block_formula(self, x: d.Formula) -> str:
        """MathML in a ``div.formula`` titled with the LaTeX; else the LaTeX as code."""
        math = mathml(x.latex)
        if math is None:
            self.fallbacks.append(x.latex)
            return super().block_formula(x)
        return f'<div class="formula" title="{_h(x.latex)}">{math}</div>'

    def block_figure(self, x: d.Figure) -> str:
        b64 = base64.b64encode(x.png).decode("ascii")
        return (f'<figure id="fig-{_h(x.name)}"><img alt="{_h(x.name)}" '
                f'src="data:image/png;base64,{b64}"><figcaption><b>{_h(x.title)} '
                f"({_h(x.file)}).</b> {_h(x.caption)}</figcaption></figure>")

    def block_section(self, x: d.Section) -> str:
        return "\n".join([f'<section id="{_h(x.id)}">', *self.blocks(x.blocks), "</section>"])


def markdown(doc: d.Document) -> str:
    """The document as Markdown."""
    return MarkdownRenderer().render(doc)


def html(doc: d.Document, renderer: HtmlRenderer | None = None) -> str:
    """The document as one self-contained HTML page (``renderer``: a subclass to use)."""
    return (renderer or HtmlRenderer()).render(doc)
