"""The ``aesgd`` command line: one entry point, one module per sub-command.

Each sub-command lives in ``proofs_check/_cmd_<name>.py`` and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` (a callable
taking the parsed namespace and returning an exit code).

Bad input never produces a traceback: argparse errors and :class:`DomainError` print one
line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from typing import NoReturn

from theory.errors import DomainError

__all__ = ["SUBCOMMANDS", "UsageParser", "main"]

SUBCOMMANDS: tuple[str, ...] = ("derive", "simulate", "bench", "walk", "verify")


class UsageParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="aesgd",
        description=(
            "Executable mathematics for Ghosh, Frei, Ha, Yu (arXiv:2308.03215): "
            "SGD batch size and single-neuron autoencoders."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    for name in available_subcommands():
        importlib.import_module(f"proofs_check._cmd_{name}").register(sub)
    return parser


def available_subcommands() -> list[str]:
    """The sub-commands whose module is installed (the test suite requires all of them)."""
    out = []
    for name in SUBCOMMANDS:
        if importlib.util.find_spec(f"proofs_check._cmd_{name}") is not None:
            out.append(name)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a failed verdict, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
    except DomainError as exc:
        print(f"aesgd {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable output path, full disk, ...
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"aesgd {args.command}: error: cannot write or read{where}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aesgd {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
