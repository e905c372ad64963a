"""The pieces every ``aesgd`` command shares: the parser, the argument types, the options.

Argument types only *parse* text into numbers (:func:`integer`, :func:`number`); whether a
value is in range is decided once, by the configs of :mod:`numerics.config` and the
validators of :mod:`theory.domain`, which raise :class:`theory.domain.DomainError`.
:func:`error_line` spells the parameter of such an error as the command's flag.

The option groups used by several commands are added here, once: the conventions
(``--activation``, ``--relu-prime-at-zero``, read back as one
:class:`theory.conventions.Conventions` by :func:`conventions_from`), the root seed (``--seed``,
``--seed-offset``), ``--progress/--no-progress`` and ``--json`` (printed by
:func:`print_json` through :func:`proofs_check.result.jsonable`).

>>> parser = UsageParser(prog="demo")
>>> add_seed(parser)
>>> add_conventions(parser)
>>> args = parser.parse_args(["--seed", "7", "--activation", "linear"])
>>> args.seed, conventions_from(args).activation
(7, 'linear')
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from proofs_check.result import jsonable
from theory.conventions import ACTIVATIONS, Conventions
from theory.domain import DomainError

__all__ = [
    "UsageParser",
    "add_command",
    "add_conventions",
    "add_json",
    "add_progress",
    "add_resources",
    "add_seed",
    "conventions_from",
    "error_line",
    "integer",
    "number",
    "print_json",
    "progress",
    "resources_from",
    "texts",
]

Run = Callable[[argparse.Namespace], int]

_INTEGER = re.compile(r"[+-]?[0-9]+")


class UsageParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def integer(text: str) -> int:
    """argparse type: an integer written in base 10 (``10``; not ``1e1``, ``10.0``, ``0x10``).

    >>> integer("-3")
    -3
    >>> integer("1e1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '1e1' must be an integer (base 10)
    """
    if not _INTEGER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer (base 10)")
    return int(text, 10)


def number(text: str) -> float:
    """argparse type: a finite real number (``nan`` and ``inf`` are refused).

    >>> number("1e-3")
    0.001
    >>> number("inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 'inf' must be a finite number
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number")
    return value


def texts(documented: Callable[..., Any]) -> dict[str, str]:
    """``help`` (the first paragraph) and ``description`` (the rest) of a command, taken
    from the docstring of the function that runs it (as click does).

    >>> def run(args):
    ...     '''list the claims
    ...
    ...     Print every claim id.'''
    >>> texts(run)
    {'help': 'list the claims', 'description': 'Print every claim id.'}
    """
    doc = inspect.cleandoc(documented.__doc__ or documented.__name__)
    first, _, rest = doc.partition("\n\n")
    summary = " ".join(first.split())
    return {"help": summary, "description": rest.strip() or summary}


def add_command(subparsers: Any, name: str, run: Run) -> UsageParser:
    """A (sub-)command's parser that runs ``run``, described by its docstring (:func:`texts`)."""
    parser: UsageParser = subparsers.add_parser(name, **texts(run))
    parser.set_defaults(func=run, command_parser=parser)
    return parser


def add_conventions(parser: argparse.ArgumentParser) -> None:
    """``--activation`` and ``--relu-prime-at-zero`` (read back by :func:`conventions_from`)."""
    parser.add_argument("--activation", default="relu", metavar="|".join(ACTIVATIONS),
                        help="activation sigma (default: relu)")
    parser.add_argument("--relu-prime-at-zero", type=integer, default=0, metavar="0|1",
                        help="value of relu'(0) (default 0, as autodiff does)")


def conventions_from(args: argparse.Namespace) -> Conventions:
    """The conventions named by :func:`add_conventions`'s flags (validated)."""
    return Conventions(activation=args.activation, relu_prime_at_zero=args.relu_prime_at_zero)


def add_seed(parser: argparse.ArgumentParser, *, offset: bool = False) -> None:
    """The root seed ``--seed`` (and ``--seed-offset``, the first seed index)."""
    parser.add_argument("--seed", type=integer, default=0, metavar="ROOT",
                        help="root seed in [0, 2^63) (default 0); run i uses only (ROOT, i)")
    if offset:
        parser.add_argument("--seed-offset", type=integer, default=0, metavar="K",
                            help="first seed index (default 0)")


def add_progress(parser: argparse.ArgumentParser) -> None:
    """``--progress/--no-progress`` (default: on iff stderr is a terminal)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: on iff stderr is a terminal)")


def progress(args: argparse.Namespace) -> bool:
    """Whether to show a progress bar (``--progress`` unset: iff stderr is a terminal)."""
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


MAX_SECONDS = 3600.0
"""The default ``--max-seconds``: work estimated to take longer is refused."""


def add_resources(parser: argparse.ArgumentParser) -> None:
    """``--max-memory SIZE`` and ``--max-seconds S``: the limits of the resource guard
    (:mod:`numerics.resources`), checked before anything is allocated."""
    parser.add_argument("--max-memory", default=None, metavar="SIZE",
                        help="refuse runs estimated to need more memory (4G, 500M, bytes; "
                             "default: the memory available)")
    parser.add_argument("--max-seconds", type=number, default=MAX_SECONDS, metavar="S",
                        help=f"refuse work estimated to take longer (default {MAX_SECONDS:g})")


def resources_from(args: argparse.Namespace) -> dict[str, Any]:
    """``max_memory`` (bytes or None) and ``max_seconds`` from :func:`add_resources`'s flags,
    as keyword arguments of the simulators."""
    from numerics.resources import parse_bytes
    from theory.domain import positive

    return {"max_memory": None if args.max_memory is None
            else parse_bytes("max_memory", args.max_memory),
            "max_seconds": positive("max_seconds", args.max_seconds)}


def add_json(parser: argparse.ArgumentParser, what: str = "print one JSON object") -> None:
    """``--json``: print the result as JSON instead of text."""
    parser.add_argument("--json", action="store_true", help=what)


def print_json(obj: Any, indent: int = 2) -> None:
    """Print ``obj`` as JSON (made JSON-safe by :func:`proofs_check.result.jsonable`)."""
    sys.stdout.write(json.dumps(jsonable(obj), indent=indent) + "\n")


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def error_line(exc: DomainError, parser: argparse.ArgumentParser | None) -> str:
    """The message of ``exc`` with its parameter spelled as the flag of ``parser``.

    >>> p = UsageParser(prog="demo")
    >>> _ = p.add_argument("--batch-size", type=integer)
    >>> error_line(DomainError("batch_size", 0, "an integer in [1, n=20]"), p)
    '--batch-size=0 must be an integer in [1, n=20]'
    >>> error_line(DomainError("kernel", "gpu", "'numpy'"), p)
    "kernel='gpu' must be 'numpy'"
    """
    text = str(exc)
    name = exc.parameter
    flag = "--" + name.replace("_", "-")
    if parser is not None and flag in _flags(parser) and text.startswith(f"{name}="):
        return flag + text[len(name):]
    return text
