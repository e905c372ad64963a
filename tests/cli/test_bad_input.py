"""Bad input and unwritable outputs: one line on stderr naming the flag, exit code 2,
never a traceback; the stability warning comes only for an otherwise valid run."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofs_check.cli import main

BASE = ["simulate", "--d", "6", "--n", "3", "--batch-size", "1", "--steps", "5"]


def _one_line_error(capsys: pytest.CaptureFixture[str], needle: str) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert needle in err
    return err


def test_unwritable_save_path(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BASE, "--step-size", "0.1", "--save", "/proc/x.npz"])
    assert code == 2
    _one_line_error(capsys, "cannot write or read '/proc/x.npz'")  # the target, not a temp


def test_unwritable_derive_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--out", "/proc/x.tex"]) == 2
    _one_line_error(capsys, "cannot write or read '/proc/x.tex'")


def test_save_into_a_missing_folder_is_refused_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a" / "b" / "run.npz"
    assert main([*BASE, "--step-size", "0.1", "--save", str(target)]) == 2
    _one_line_error(capsys, "must be in an existing folder")
    assert not (tmp_path / "a").exists()  # the path written is exactly the one given


def test_garbage_npy_is_refused_without_unsafe_hint(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npy"
    bad.write_text("not an array", encoding="utf-8")
    assert main([*BASE, "--step-size", "0.1", "--init", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--init=" in err and "unsafely" not in err and "Traceback" not in err


def test_birth_death_huge_c_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walk", "birth-death", "--c", "1e6"]) == 2
    _one_line_error(capsys, "--c=1000000.0 must be")


def test_error_line_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--d", "40", "--n", "20", "--batch-size", "0", "--step-size", "0.3",
            "--steps", "5"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "aesgd simulate: error: --batch-size=0 must be an integer in [1, n=20]\n")


@pytest.mark.parametrize(("argv", "flag"), [
    (["walk", "sgd-log-ratio", "--n", "4", "--batch-size", "2", "--step-size", "0.1",
      "--steps", "10", "--paths", "2", "--d", "3"], "--d=3"),
    (["walk", "lamperti", "--c", "1", "--escape-level", "0.5", "--x0", "1"], "--escape-level="),
    (["walk", "lamperti", "--c", "1", "--seed", "-1"], "--seed=-1"),
    (["bench", "--naive-steps", "0"], "--naive-steps=0"),
    (["derive", "--relu-prime-at-zero", "2"], "--relu-prime-at-zero=2"),
    (["simulate", "--d", "4", "--n", "2", "--batch-size", "1", "--step-size", "0.1",
      "--steps", "1", "--seed-offset", "-1"], "--seed-offset=-1"),
])
def test_every_command_names_the_flag(argv: list[str], flag: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = _one_line_error(capsys, flag)
    assert err.startswith(f"aesgd {argv[0]}: error: ")


def test_step_past_stability_bound_warns_but_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--step-size", "0.6"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "stability bound 0.5 " in err


def test_replacement_bound_is_one_over_2b(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--d", "6", "--n", "3", "--batch-size", "3", "--steps", "5",
            "--step-size", "0.9", "--schedule", "replacement"]
    assert main(argv) == 0  # gamma = 0.3 >= 1/(2b) = 1/6
    assert "stability bound 0.1667" in capsys.readouterr().err


def test_no_stability_warning_for_an_invalid_run(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--d", "6", "--n", "3", "--batch-size", "2", "--steps", "5",
            "--step-size", "5", "--schedule", "full"]
    assert main(argv) == 2  # full needs b = n: the error is the only line
    err = _one_line_error(capsys, "--batch-size=2")
    assert "warning" not in err
