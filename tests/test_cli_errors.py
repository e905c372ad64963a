"""Bad input and unwritable outputs: one line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofs_check.cli import main

BASE = ["simulate", "--d", "6", "--n", "3", "--batch-size", "1", "--steps", "5"]


def _one_line_error(capsys: pytest.CaptureFixture[str], needle: str) -> None:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert needle in err


def test_unwritable_save_path(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*BASE, "--step-size", "0.1", "--save", "/proc/no/such/dir/x.npz"])
    assert code == 2
    _one_line_error(capsys, "cannot write or read")


def test_save_creates_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "run.npz"
    assert main([*BASE, "--step-size", "0.1", "--save", str(target)]) == 0
    assert target.exists()


def test_garbage_npy_is_refused_without_unsafe_hint(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npy"
    bad.write_text("not an array", encoding="utf-8")
    assert main([*BASE, "--step-size", "0.1", "--init", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--init" in err and "unsafely" not in err and "Traceback" not in err


def test_birth_death_huge_c_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walk", "birth-death", "--c", "1e6"]) == 2
    _one_line_error(capsys, "--c")


def test_step_past_stability_bound_warns_but_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--step-size", "0.6"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "stability bound" in err


def test_replacement_bound_is_one_over_2b(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--d", "6", "--n", "3", "--batch-size", "3", "--steps", "5",
            "--step-size", "0.9", "--schedule", "replacement"]
    assert main(argv) == 0  # gamma = 0.3 >= 1/(2b) = 1/6
    assert "stability bound 0.1667" in capsys.readouterr().err
