"""``aesgd derive``: print or write the formula catalogue (text, LaTeX or JSON).

    aesgd derive [--activation relu|linear] [--relu-prime-at-zero 0|1]
                 [--format text|latex|json] [--fragment] [--ids ID,...] [--out FILE]

``--fragment`` (with ``--format latex``) writes the LaTeX without preamble, to ``\\input``
into a paper; ``--ids`` keeps only these entries, in this order (every format).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from theory.conventions import Conventions
from theory.domain import DomainError

from ._options import add_command, add_conventions, conventions_from

__all__ = ["FORMATS", "register", "render", "run"]

FORMATS = ("text", "latex", "json")


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "derive", run)
    add_conventions(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--fragment", action="store_true",
                        help="with --format latex: no preamble, to \\input into a paper")
    parser.add_argument("--ids", default=None, metavar="ID,...",
                        help="only these catalogue entries, in this order")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write to this file (atomically) instead of standard output")


def render(conventions: Conventions, fmt: str, *, fragment: bool = False,
           ids: str | None = None) -> str:
    """The catalogue under ``conventions`` (only the entries ``ids``, a comma-separated list,
    in that order, when given) rendered in one of ``FORMATS``; ``fragment`` asks for the
    LaTeX without preamble (:func:`theory.latex.fragment`) and needs ``fmt == "latex"``."""
    from proofs_check.result import jsonable
    from theory import latex

    if fragment and fmt != "latex":
        raise DomainError("format", fmt, "'latex' when --fragment is given")
    if fmt == "latex":
        return (latex.fragment if fragment else latex.document)(conventions, ids)
    entries = latex.select(conventions, ids)
    if fmt == "json":
        return json.dumps(jsonable([e.to_json() for e in entries]), indent=2) + "\n"
    lines = []
    for e in entries:
        lines.append(f"[{e.id}] {e.title}  ({e.provenance}; {', '.join(e.tags)})")
        lines.append(f"    {e.expr}")
        lines.append(f"    {e.statement}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """derive every formula with SymPy and print it (text, LaTeX or JSON)

    Derive the formula catalogue (SPEC section 2) with SymPy. --format json prints a list of
    objects with id, expr, latex, provenance, conventions; --format latex writes a
    standalone amsmath document that compiles with pdflatex, and with --fragment the same
    body without preamble, to \\input into a paper (it needs amsmath and amssymb; equations
    are labelled eq:<id>). --ids ID,... keeps only these entries, in this order.
    """
    out = None
    if args.out is not None:
        from numerics.io import output_path

        out = output_path("out", args.out)
    text = render(conventions_from(args), args.format, fragment=args.fragment, ids=args.ids)
    if out is None:
        sys.stdout.write(text)
    else:
        from numerics.io import atomic_write

        atomic_write(out, text)
        print(f"aesgd derive: wrote {out}", file=sys.stderr)
    return 0
