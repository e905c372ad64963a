"""The options every command shares are one set: parsed the same way everywhere.

``--seed`` is a strict base-10 integer in every command, ``--progress/--no-progress`` one
BooleanOptionalAction, ``walk sgd-log-ratio`` spells the dimension ``--d`` like
``simulate`` (``--dim`` kept), every sub-command has a working ``--help``, and building the
parser imports none of the heavy libraries.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import proofs_check.cli as cli
from proofs_check.cli import SUBCOMMANDS, build_parser, main
from proofs_check.cli._options import integer
from proofs_check.cli.verify import select_claims

WALKS = ("lamperti", "birth-death", "sgd-log-ratio")
REQUIRED = {  # the smallest valid command line of every command with a --seed
    "simulate": ["simulate", "--d", "4", "--n", "2", "--batch-size", "1", "--step-size", "0.1",
                 "--steps", "3"],
    "walk lamperti": ["walk", "lamperti", "--c", "1"],
    "walk sgd-log-ratio": ["walk", "sgd-log-ratio", "--n", "4", "--batch-size", "2",
                           "--step-size", "0.1", "--steps", "10", "--paths", "2"],
}


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
            ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command parser (the leaves of the sub-command tree) with its path."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for action in subs:
        for name, child in action.choices.items():
            yield from _leaves(child, (*path, name))


def _options(flag: str) -> list[tuple[tuple[str, ...], argparse.Action]]:
    return [(path, a) for path, p in _leaves(build_parser()) for a in p._actions
            if flag in a.option_strings]


def test_the_commands_are_the_subcommands() -> None:
    paths = {path for path, _ in _leaves(build_parser())}
    assert {path[0] for path in paths} == set(SUBCOMMANDS)
    assert {path[1] for path in paths if path[0] == "walk"} == set(WALKS)


@pytest.mark.parametrize("argv", [[], *([c] for c in SUBCOMMANDS), *(["walk", w] for w in WALKS)])
def test_help_works(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: {' '.join(['aesgd', *argv])}")


def test_module_entry_point_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "proofs_check.cli", "walk", "birth-death",
                           "--help"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: aesgd walk birth-death")


def test_building_the_parser_imports_no_heavy_library() -> None:
    code = ("import sys, proofs_check.cli as c; c.build_parser(); "
            "c.build_parser().parse_args(['simulate', '--d', '4', '--n', '2', '--batch-size', "
            "'1', '--step-size', '0.1', '--steps', '3']); "
            "print(sorted(m for m in ('sympy', 'scipy', 'matplotlib', 'proofs_check.report', "
            "'proofs_check.claims') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == "[]"


def test_no_dynamic_loading_in_the_command_line() -> None:
    for source in Path(cli.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "importlib" not in text and "__import__" not in text, source.name


def test_every_seed_is_the_same_strict_integer() -> None:
    seeds = _options("--seed")
    assert {" ".join(path) for path, _ in seeds} == set(REQUIRED)
    assert all(action.type is integer and action.default == 0 for _, action in seeds)
    assert all(a.type is integer for _, a in _options("--seed-offset"))


@pytest.mark.parametrize("command", sorted(REQUIRED))
def test_seed_parses_base_10_integers_only(command: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    argv = REQUIRED[command]
    assert build_parser().parse_args([*argv, "--seed", "12"]).seed == 12
    for text in ("1e1", "10.0", "0x10", "ten", ""):
        assert _code([*argv, "--seed", text]) == 2
        err = capsys.readouterr().err
        assert f"argument --seed: {text!r} must be an integer (base 10)" in err
    assert _code([*argv, "--seed", str(2**63)]) == 2  # the range is the config's
    assert "--seed=9223372036854775808 must be an integer in [0, 2^63)" in capsys.readouterr().err


def test_progress_is_one_boolean_optional_flag() -> None:
    found = _options("--progress")
    assert {path for path, _ in found} == {("simulate",), ("verify",), ("sweep", "run")}
    for _, action in found:
        assert isinstance(action, argparse.BooleanOptionalAction) and action.default is None


@pytest.mark.parametrize("argv", [REQUIRED["simulate"], ["verify"]])
def test_progress_and_no_progress_are_accepted(argv: list[str]) -> None:
    parser = build_parser()
    assert parser.parse_args([*argv, "--progress"]).progress is True
    assert parser.parse_args([*argv, "--no-progress"]).progress is False
    assert parser.parse_args(argv).progress is None


def test_simulate_runs_with_and_without_progress(capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for flag in ("--progress", "--no-progress"):
        assert main([*REQUIRED["simulate"], "--json", flag]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]


def test_dim_is_an_alias_of_d(capsys: pytest.CaptureFixture[str]) -> None:
    base = [*REQUIRED["walk sgd-log-ratio"], "--steps", "200", "--paths", "20", "--json"]
    results = []
    for flag in ("--d", "--dim"):
        assert main([*base, flag, "9"]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert results[0] == results[1]
    assert main(base) == 0  # d = n = 4: another run
    assert json.loads(capsys.readouterr().out) != results[0]
    assert build_parser().parse_args([*base, "--dim", "7"]).d == 7


def test_conventions_flags_are_shared() -> None:
    for flag in ("--activation", "--relu-prime-at-zero"):
        assert {" ".join(path) for path, _ in _options(flag)} == {
            "derive", "simulate", "walk sgd-log-ratio"}


def test_json_is_offered_by_every_command() -> None:
    have = {" ".join(path) for path, _ in _options("--json")}
    assert have == {"simulate", "bench", "verify", "sweep status", "sweep plot",
                    *(f"walk {w}" for w in WALKS)}


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.derive, "run", interrupted)
    assert main(["derive"]) == 130
    assert capsys.readouterr().err == "aesgd derive: interrupted\n"


@pytest.fixture
def two_claims(monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """A stand-in claims registry with the claims ``a`` and ``b``."""
    a, b = types.SimpleNamespace(id="a"), types.SimpleNamespace(id="b")
    fake = types.ModuleType("proofs_check.claims")
    fake.claims = lambda: (a, b)  # type: ignore[attr-defined]
    fake.statistical_check_count = lambda: 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "proofs_check.claims", fake)
    return a, b


def test_claims_are_selected_in_the_order_given(two_claims: tuple[object, object]) -> None:
    a, b = two_claims
    assert select_claims(None) == [a, b]
    assert select_claims(" b, a ,") == [b, a]


@pytest.mark.parametrize("spec", ["a,nope", ",", ""])
def test_unknown_claims_are_one_line_exit_2(spec: str, two_claims: tuple[object, object],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--claims", spec, "--no-progress"]) == 2
    assert capsys.readouterr().err == (
        f"aesgd verify: error: --claims={spec!r} must be a comma-separated list of ids "
        "from: a, b\n")
