"""The ``aesgd`` command line: one entry point, shared options, one module per command.

Each command lives in ``proofs_check/cli/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and the function that runs it (taking the parsed namespace and
returning an exit code; its docstring is the command's help and description); the shared
options are in :mod:`proofs_check.cli._options`.
Building the parser imports no SymPy, SciPy, Matplotlib or report code: each command
imports what it needs when it runs.

Exit codes: 0 ok, 1 a failed verdict (``verify``), 2 bad input, 130 interrupted.  Bad input
never produces a traceback: argparse's usage errors (which exit through ``SystemExit``, as
argparse does), a :class:`theory.domain.DomainError` (its parameter spelled as the flag,
``--batch-size=0 must be ...``) and an unreadable or unwritable path print one line on
stderr.

>>> build_parser().parse_args(["derive", "--format", "json"]).format
'json'
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from theory.domain import DomainError

from . import bench, derive, simulate, sweep, verify, walk
from ._options import UsageParser, error_line

__all__ = ["SUBCOMMANDS", "UsageParser", "build_parser", "main"]

SUBCOMMANDS: tuple[str, ...] = ("derive", "simulate", "bench", "walk", "verify", "sweep")

_MODULES = (derive, simulate, bench, walk, verify, sweep)


def build_parser() -> argparse.ArgumentParser:
    """The ``aesgd`` parser with every sub-command of ``SUBCOMMANDS``."""
    parser = UsageParser(
        prog="aesgd",
        description=(
            "Executable mathematics for Ghosh, Frei, Ha, Yu (arXiv:2308.03215): "
            "SGD batch size and single-neuron autoencoders."
        ),
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the version (and the git commit of a checkout) and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=UsageParser)
    for module in _MODULES:
        module.register(sub)
    return parser


class _Version(argparse.Action):
    """``aesgd --version``: the version and, from a checkout, the git commit (computed only
    when asked, so building the parser stays cheap)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from numerics.io import git_commit, version

        commit = git_commit()
        print(f"aesgd {version()}" + (f" (git {commit})" if commit else ""))
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a failed verdict, 2 bad input)."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(words)
    args.argv = ["aesgd", *words]
    where = f"aesgd {args.command}"
    try:
        return int(args.func(args))
    except DomainError as exc:
        print(f"{where}: error: {error_line(exc, getattr(args, 'command_parser', None))}",
              file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable output path, full disk, ...
        name = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"{where}: error: cannot write or read{name}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
