"""``aesgd derive``: print or write the formula catalogue (text, LaTeX or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from theory.catalogue import catalogue
from theory.latex import document
from theory.symbols import ACTIVATIONS

__all__ = ["register", "render", "run"]

FORMATS = ("text", "latex", "json")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "derive",
        help="derive every formula with SymPy and print it (text, LaTeX or JSON)",
        description=(
            "Derive the formula catalogue (SPEC section 2) with SymPy. --format json prints "
            "a list of objects with id, expr, latex, provenance, conventions; --format latex "
            "writes a standalone amsmath document that compiles with pdflatex."
        ),
    )
    parser.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                        help="activation sigma (default: relu)")
    parser.add_argument("--relu-prime-at-zero", type=int, choices=(0, 1), default=0,
                        help="value of relu'(0) (default 0, as autodiff does)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write to this file instead of standard output")
    parser.set_defaults(func=run)


def render(activation: str, relu_prime_at_zero: int, fmt: str) -> str:
    """The catalogue rendered in one of ``FORMATS``."""
    entries = catalogue(activation, relu_prime_at_zero)
    if fmt == "json":
        return json.dumps([e.to_json() for e in entries], indent=2) + "\n"
    if fmt == "latex":
        return document(activation, relu_prime_at_zero)
    lines = []
    for e in entries:
        lines.append(f"[{e.id}] {e.title}  ({e.provenance}; {', '.join(e.conventions)})")
        lines.append(f"    {e.expr}")
        lines.append(f"    {e.statement}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    text = render(args.activation, args.relu_prime_at_zero, args.format)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
