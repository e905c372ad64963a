"""Export the formula catalogue to LaTeX: a standalone document or an ``\\input``-able fragment.

:func:`document` returns a standalone amsmath document that compiles with pdflatex;
:func:`fragment` returns the same body without preamble, to ``\\input`` into a paper (its
first lines say, as ``% \\usepackage{...}`` comments, what the preamble must load: amsmath and
amssymb, nothing else).  Both hold the conventions in words, a glossary of every symbol of
the exported equations (:func:`glossary`) and one :func:`entry_block` per entry: its title,
claim id, provenance, the statement as LaTeX prose (``Formula.statement_latex``) and the
equation, labelled ``eq:<id>`` and broken over lines (:func:`display`) so that it fits the
345 pt text width of a 10 pt ``article``.

>>> tex = document(RELU)
>>> tex.startswith("\\\\documentclass")
True
>>> "\\\\label{eq:hessian.trace_at_min}" in tex
True
>>> part = fragment(RELU, ids=["hessian.trace_at_min"])
>>> "\\\\documentclass" in part, part.count("\\\\label{eq:")
(False, 1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sympy as sp

from .catalogue import Formula, _free_symbols, _Printer, catalogue, to_latex
from .conventions import RELU, Conventions
from .domain import DomainError, expression
from .symbols import SYMBOL_MEANINGS, SYMBOL_MEANINGS_LATEX

__all__ = [
    "LINE_WIDTH_PT",
    "PACKAGES",
    "display",
    "document",
    "entry_block",
    "escape_text",
    "fragment",
    "glossary",
    "layout",
    "select",
    "width_pt",
]

PACKAGES = ("amsmath", "amssymb")
"""Everything the exported LaTeX needs in the preamble (both in texlive-latex-base)."""

LINE_WIDTH_PT = 270.0
"""Estimated width (:func:`width_pt`) allowed for one line of a display, left-hand side
included: the 345 pt text width of a 10 pt ``article`` less the equation number and its
separation, less a margin for the estimate's error."""

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def escape_text(text: str) -> str:
    """Escape plain text for LaTeX body text.

    >>> escape_text("a_i <= 0 & 50%")
    'a\\\\_i \\\\textless{}= 0 \\\\& 50\\\\%'
    """
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


# --- equation layout ----------------------------------------------------------------------

_CHAR_PT = {"(": 3.9, ")": 3.9, "[": 2.8, "]": 2.8, "|": 2.8, "'": 2.8, "/": 5.0,
            ",": 4.5, ".": 2.8, ":": 5.6, ";": 4.5, "!": 2.8}
_BINARY_PT = 7.8 + 2 * 2.2   # + and -: glyph and the medium spaces around it
_RELATION_PT = 7.8 + 2 * 2.8  # = < >: glyph and the thick spaces around it
_COMMAND_PT = {
    "quad": 10.0, "qquad": 20.0, " ": 3.3, ",": 1.7, ";": 2.8, "!": -1.7,
    "log": 12.8, "max": 18.3, "min": 14.7, "Pr": 12.0, "cdot": 7.2, "le": _RELATION_PT,
    "ge": _RELATION_PT, "in": _RELATION_PT, "to": 15.6, "forall": 5.6, "partial": 5.7,
    "nabla": 8.3, "perp": 7.8, "lvert": 2.8, "rvert": 2.8, "|": 5.0, "{": 5.0, "}": 5.0,
    "ell": 4.2, "mu": 6.0, "Delta": 8.3, "lambda": 5.8, "operatorname": 0.0,
}
_SIZERS = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"}
_FONTS = {"mathbb", "mathbf", "mathrm", "text", "operatorname"}


def width_pt(tex: str) -> float:
    """A rough width in points of the display-style maths ``tex`` at 10 pt (Computer Modern).

    Letters count 5.5 pt, ``+``/``-`` 12.2 pt and relations 13.4 pt with their spaces, a
    fraction its wider part, a superscript or subscript 70 %; it decides where
    :func:`display` breaks a line (the pdflatex test of the export checks the outcome).

    >>> round(width_pt(r"\\frac{a + b}{2}"), 1), round(width_pt("x^{2}"), 1)
    (25.6, 9.0)
    """
    return _width(tex, 0)[0]


def _group(tex: str, i: int) -> tuple[str, int]:
    """The braced group (or the single token) starting at ``tex[i]`` and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] != "{":
        if tex[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            assert m is not None
            return m.group(0), i + len(m.group(0))
        return tex[i], i + 1
    depth, j = 0, i
    while j < len(tex):
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        if depth == 0:
            return tex[i + 1:j], j + 1
        j += 1 + (tex[j] == "\\")
    return tex[i + 1:], len(tex)


def _width(tex: str, i: int) -> tuple[float, int]:
    total = 0.0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            assert m is not None
            name, i = m.group(1), i + len(m.group(0))
            if name == "frac":
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                total += max(width_pt(num), width_pt(den)) + 2.4
            elif name == "sqrt":
                arg, i = _group(tex, i)
                total += width_pt(arg) + 8.3
            elif name in _FONTS:
                arg, i = _group(tex, i)
                total += (6.7 if name == "mathbb" else 5.0) * len(arg.replace(" ", ""))
            elif name not in _SIZERS:
                total += _COMMAND_PT.get(name, 6.0)
        elif ch in "^_":
            arg, i = _group(tex, i + 1)
            total += 0.7 * width_pt(arg)
        elif ch == "{":
            arg, i = _group(tex, i)
            total += width_pt(arg)
        else:
            i += 1
            if ch in "+-":
                total += _BINARY_PT
            elif ch in "=<>":
                total += _RELATION_PT
            elif ch.isalnum():
                total += 5.5 if ch.isalpha() else 5.0
            elif ch != " ":
                total += _CHAR_PT.get(ch, 5.0)
    return total, i


def _ordered_terms(expr: sp.Expr) -> list[sp.Expr]:
    """The terms of a sum in the order the printer writes them."""
    if not isinstance(expr, sp.Add):
        return [expr]
    return list(_Printer()._as_ordered_terms(expr))


def layout(expr: object, budget: float) -> list[tuple[sp.Expr, list[sp.Expr]]]:
    """How :func:`display` cuts ``expr`` into pieces, as SymPy objects: one
    ``(factor, summands)`` per top-level term of a sum, ``summands`` empty for a term shown
    whole; a term wider than ``budget`` pt that is a product with a sum among its factors is
    shown as the rest of the product (``factor``) times the widest such sum, whose terms
    are ``summands``.  So ``expr`` is the sum of ``factor * sum(summands or [1])``.

    >>> x, y = sp.symbols("x y")
    >>> layout(x * (x + y + 1) + y, 30.0)
    [(x, [x, y, 1]), (y, [])]
    """
    if not isinstance(expr, sp.Add):
        return [(expression("expr", expr), [])]  # SymPy or a number, never a string
    out: list[tuple[sp.Expr, list[sp.Expr]]] = []
    for term in _ordered_terms(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Add)]
        if width_pt(to_latex(term)) <= budget or not sums:
            out.append((term, []))
            continue
        widest = max(sums, key=lambda f: width_pt(to_latex(f)))
        rest = sp.Mul(*(f for f in term.args if f is not widest), evaluate=False)
        out.append((rest, _ordered_terms(widest)))
    return out


def _signed(term: sp.Expr, first: bool) -> str:
    """A term printed with its sign in front (none for a positive first term)."""
    if term.could_extract_minus_sign():
        return f"- {to_latex(-term)}"
    return to_latex(term) if first else f"+ {to_latex(term)}"


def _pieces(expr: object, budget: float) -> list[tuple[int, str]]:
    """The display of ``expr`` (cut as :func:`layout` says) as (depth, LaTeX) pieces: a
    line may break before any piece; depth 1 marks the terms inside a bracket."""
    out: list[tuple[int, str]] = []
    for k, (factor, summands) in enumerate(layout(expr, budget)):
        if not summands:
            out.append((0, _signed(factor, k == 0)))
            continue
        inner = [_signed(s, j == 0) for j, s in enumerate(summands)]
        inner[0] = f"{_signed(factor, k == 0)} \\bigl({inner[0]}"
        inner[-1] += r"\bigr)"
        out += [(int(j > 0), piece) for j, piece in enumerate(inner)]
    return out


def display(entry: Formula, line_width: float = LINE_WIDTH_PT) -> str:
    """The body of the ``split`` environment showing ``entry``: ``lhs &= ...``, broken into
    lines of estimated width at most ``line_width`` pt (left-hand side included) at
    top-level ``+``/``-`` and, inside a bracketed sum, before its terms (see
    :func:`_pieces`); continuation lines are indented by a quad, and by two inside the
    bracket.

    >>> print(display(catalogue(RELU)[0]))
    L(w) &= \\frac{S \\left(r - 2\\right) + n}{2 n}
    """
    head = f"{entry.lhs} &= " if entry.lhs else "& "
    lhs_pt = width_pt(entry.lhs) + _RELATION_PT if entry.lhs else 0.0
    budget = line_width - lhs_pt
    if width_pt(to_latex(entry.expr)) <= budget:
        return head + to_latex(entry.expr)
    indent = {0: "quad", 1: "qquad"}
    lines: list[tuple[int, list[str]]] = [(0, [])]
    used = 0.0
    for depth, piece in _pieces(entry.expr, budget - _COMMAND_PT["quad"]):
        if lines[-1][1] and used + width_pt(piece) > budget:
            lines.append((depth, []))
            used = _COMMAND_PT[indent[depth]]
        lines[-1][1].append(piece)
        used += width_pt(piece)
    rows = [head + " ".join(lines[0][1])]
    # "{}" before a leading sign keeps it a binary operator after the indent.
    rows += [rf"&\{indent[depth]} {{}}" + " ".join(line) for depth, line in lines[1:]]
    return " \\\\\n".join(rows)


# --- blocks -------------------------------------------------------------------------------


_TAGS_LATEX = {"walk on [0, inf)": r"walk on $[0, \infty)$"}


def tag_text(tag: str) -> str:
    """A conventions tag of the catalogue in words: ``key=value`` as ``key value``, the
    relu kink as ``relu'(0) = value`` in maths.

    >>> print(tag_text("relu_prime_at_zero=0"), "/", tag_text("activation=relu"))
    $\\mathrm{relu}'(0) = 0$ / activation relu
    """
    key, eq, value = tag.partition("=")
    if not eq:
        return _TAGS_LATEX.get(tag, escape_text(tag))
    if key == "relu_prime_at_zero":
        return rf"$\mathrm{{relu}}'(0) = {escape_text(value)}$"
    return escape_text(f"{key.replace('_', ' ')} {value}")


def entry_block(entry: Formula) -> str:
    """One catalogue entry: its title as a run-in paragraph heading, the statement in LaTeX
    prose, the equation labelled ``eq:<id>``, then a line with the claim id, provenance,
    the claims it supports and its conventions."""
    tags = "; ".join(tag_text(t) for t in entry.tags) or "none"
    supports = ", ".join(entry.supports) or "none"
    statement = entry.statement_latex or escape_text(entry.statement)
    # The statement follows the run-in title (prose breaks easily); the claim line with its
    # unbreakable typewriter id comes after the equation, as a paragraph of its own.
    lines = [
        rf"\paragraph{{{entry.title_latex or escape_text(entry.title)}}}",
        statement,
        r"\begin{equation}",
        rf"\label{{eq:{entry.id}}}",
        r"\begin{split}",
        display(entry),
        r"\end{split}",
        r"\end{equation}",
        rf"Claim \texttt{{{escape_text(entry.id)}}}; provenance: \emph{{{entry.provenance}}}; "
        rf"supports: {escape_text(supports)}; conventions: {tags}.",
    ]
    return "\n".join(lines)


def _symbol_names(entries: Iterable[Formula]) -> set[str]:
    """Every free symbol of the entries' SymPy objects and every symbol they describe."""
    names: set[str] = set()
    for e in entries:
        names |= {s.name for s in _free_symbols(e.expr)} | set(e.symbols)
    return names


def _uses_indicator(entries: Iterable[Formula]) -> bool:
    return any(isinstance(e.expr, sp.Basic) and e.expr.has(sp.Heaviside) for e in entries)


def glossary(entries: Sequence[Formula]) -> str:
    """A description list of the symbols of ``entries`` and their meaning in LaTeX prose:
    every free symbol of their SymPy objects (printed as the equations print it) and every
    symbol their ``Formula.symbols`` describe, in the order of
    :data:`theory.symbols.SYMBOL_MEANINGS_LATEX`, after the activation and, when an equation
    shows the relu kink, the indicator."""
    names = _symbol_names(entries)
    known = [k for k in SYMBOL_MEANINGS_LATEX if k in names]
    ascii_meanings: dict[str, str] = dict(SYMBOL_MEANINGS)
    for e in entries:
        ascii_meanings.update(e.symbols)
    rows = [r"\item[{$\sigma$}] the activation: $\sigma(a) = \max(a, 0)$ (relu) or "
            r"$\sigma(a) = a$ (linear)"]
    if _uses_indicator(entries):
        rows.append(r"\item[{$\mathbf{1}[\cdot]$}] indicator: $1$ if the condition holds, "
                    r"else $0$ (the relu derivative $\sigma'(a_i) = \mathbf{1}[a_i > 0]$, or "
                    r"$\mathbf{1}[a_i \ge 0]$ under $\mathrm{relu}'(0) = 1$)")
    for name in known + sorted(names - set(known)):
        meaning = SYMBOL_MEANINGS_LATEX.get(name) or escape_text(ascii_meanings.get(name, ""))
        rows.append(rf"\item[{{${to_latex(sp.Symbol(name))}$}}] {meaning}")
    return "\n".join([r"\paragraph{Symbols}", r"\begin{description}", *rows,
                      r"\end{description}"])


def conventions_text(conventions: Conventions) -> str:
    """The conventions in LaTeX prose (the loss as a display).

    >>> print(conventions_text(Conventions("linear"))[:34])
    Activation linear, $\\sigma(a) = a$
    """
    if conventions.is_relu:
        act = (r"Activation relu, $\sigma(a) = \max(a, 0)$, with "
               rf"$\mathrm{{relu}}'(0) = {conventions.relu_prime_at_zero}$")
    else:
        act = r"Activation linear, $\sigma(a) = a$"
    return (act + r"; data $x_i = e_i$ ($i = 1, \dots, n$) orthonormal in "
            r"$\mathbb{R}^d$, $n \le d$; loss" "\n"
            r"\[ L(w) = \frac{1}{n} \sum_{i=1}^{n} \ell_i(w), \qquad "
            r"\ell_i(w) = \frac{1}{2} \| w\, \sigma(\langle w, x_i \rangle) - x_i \|^2. \]")


def select(conventions: Conventions = RELU,
           ids: Sequence[str] | str | None = None) -> tuple[Formula, ...]:
    """The catalogue entries with these ids, in this order (``None``: all, in SPEC order).

    ``ids`` is a sequence of ids or one comma-separated string; an unknown, repeated or
    empty id list raises :class:`theory.domain.DomainError` (parameter ``ids``).
    """
    entries = catalogue(conventions)
    if ids is None:
        return entries
    wanted = [i.strip() for i in ids.split(",")] if isinstance(ids, str) else list(ids)
    by = {e.id: e for e in entries}
    if not wanted or len(set(wanted)) != len(wanted) or any(i not in by for i in wanted):
        value = ids if isinstance(ids, str) else ",".join(map(str, wanted))
        raise DomainError("ids", value,
                          "a comma-separated list of ids from: " + ", ".join(by))
    return tuple(by[i] for i in wanted)


def _body(conventions: Conventions, entries: Sequence[Formula]) -> str:
    """What document and fragment share: conventions, glossary, one block per entry."""
    parts = [r"\paragraph{Conventions} " + conventions_text(conventions), glossary(entries)]
    parts += [entry_block(e) for e in entries]
    return "\n\n".join(parts) + "\n"


def fragment(conventions: Conventions = RELU,
             ids: Sequence[str] | str | None = None) -> str:
    """The catalogue (or the entries ``ids``, in that order) as a LaTeX fragment to
    ``\\input`` into a paper: no preamble, no ``\\begin{document}``; its first lines list the
    packages the preamble must load as ``% \\usepackage{...}`` comments; every equation is
    labelled ``eq:<id>`` for ``\\eqref``."""
    entries = select(conventions, ids)
    header = [
        "% aesgd formula catalogue, written by `aesgd derive --format latex --fragment`",
        "% (" + "; ".join(conventions.describe()) + ").",
        "% \\input this file into a LaTeX document; its preamble must load:",
        "% \\usepackage{" + ",".join(PACKAGES) + "}",
        "% Equations are labelled eq:<id>, e.g. \\eqref{eq:" + entries[0].id + "}.",
        "",
    ]
    return "\n".join(header) + _body(conventions, entries)


def document(conventions: Conventions = RELU,
             ids: Sequence[str] | str | None = None) -> str:
    """The whole catalogue (or the entries ``ids``) as a standalone LaTeX document: the
    body of :func:`fragment` with a preamble, a title and the conventions as the code
    names them."""
    entries = select(conventions, ids)
    header = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{" + ",".join(PACKAGES) + "}",
        r"\allowdisplaybreaks",
        r"\title{aesgd formula catalogue}",
        r"\author{generated by \texttt{aesgd derive}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "Formulas derived with SymPy for the single-neuron tied-weight "
        "autoencoder of Ghosh, Frei, Ha, Yu (arXiv:2308.03215). Provenance \\emph{paper} marks the "
        "paper's statements, \\emph{derived} what this project derived and checked, "
        "\\emph{classical} textbook results. Conventions as the code names them: "
        + "; ".join(escape_text(p) for p in conventions.describe()) + ".",
        "",
    ]
    return "\n".join(header) + _body(conventions, entries) + "\\end{document}\n"
