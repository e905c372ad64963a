"""``aesgd derive``: print or write the formula catalogue (text, LaTeX or JSON).

    aesgd derive [--activation relu|linear] [--relu-prime-at-zero 0|1]
                 [--format text|latex|json] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from theory.conventions import Conventions

from ._options import add_command, add_conventions, conventions_from

__all__ = ["FORMATS", "register", "render", "run"]

FORMATS = ("text", "latex", "json")


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "derive", run)
    add_conventions(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write to this file (atomically) instead of standard output")


def render(conventions: Conventions, fmt: str) -> str:
    """The catalogue under ``conventions`` rendered in one of ``FORMATS``."""
    from proofs_check.result import jsonable
    from theory.catalogue import catalogue
    from theory.latex import document

    if fmt == "latex":
        return document(conventions)
    entries = catalogue(conventions)
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
    standalone amsmath document that compiles with pdflatex.
    """
    out = None
    if args.out is not None:
        from numerics.io import output_path

        out = output_path("out", args.out)
    text = render(conventions_from(args), args.format)
    if out is None:
        sys.stdout.write(text)
    else:
        from numerics.io import atomic_write

        atomic_write(out, text)
        print(f"aesgd derive: wrote {out}", file=sys.stderr)
    return 0
