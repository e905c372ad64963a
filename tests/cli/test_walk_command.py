"""``aesgd walk ...`` through proofs_check.cli.main, as a new user would run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proofs_check.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``aesgd walk argv`` (usage errors exit via SystemExit)."""
    try:
        code = main(["walk", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(
    ("c", "s2", "want"),
    [
        ("0.6", "1", "transient"),  # 2c = 1.2 > s2
        ("0.4", "1", "null-recurrent"),  # just below 2c = s2
        ("-0.4", "1", "null-recurrent"),  # just above 2c = -s2
        ("-0.6", "1", "positive-recurrent"),  # 2c < -s2
        ("1.1", "2", "transient"),
        ("0.9", "2", "null-recurrent"),
        ("-1.1", "2", "positive-recurrent"),
    ],
)
def test_lamperti_both_sides_of_thresholds(
    capsys: pytest.CaptureFixture[str], c: str, s2: str, want: str
) -> None:
    out = run_json(capsys, "lamperti", "--c", c, "--s2", s2, "--no-simulate")
    assert out["classification"] == want
    assert out["provenance"] == "classical" and out["criterion"]


@pytest.mark.parametrize(("c", "want"), [("0.6", "transient"), ("0.4", "null-recurrent"),
                                         ("-0.4", "null-recurrent"),
                                         ("-0.6", "positive-recurrent"),
                                         ("0.5", "null-recurrent"),
                                         ("-0.5", "null-recurrent")])
def test_birth_death_agrees(capsys: pytest.CaptureFixture[str], c: str, want: str) -> None:
    bd = run_json(capsys, "birth-death", "--c", c)
    lam = run_json(capsys, "lamperti", "--c", c, "--no-simulate")
    assert bd["classification"] == lam["classification"] == want


def test_lamperti_with_simulation_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lamperti", "--c", "1.5", "--paths", "200", "--steps", "1500")
    assert code == 0 and "classification: transient" in out and "Wilson" in out
    js = run_json(capsys, "lamperti", "--c", "1.5", "--paths", "200", "--steps", "1500")
    sim = js["simulation"]
    assert sim["escape"]["fraction"] > 0.8
    assert sim["second_moment_identity"]["passed"] is True  # 99% CLT band, fixed seed


def test_negative_control_flipped_sign(capsys: pytest.CaptureFixture[str]) -> None:
    a = run_json(capsys, "lamperti", "--c", "1", "--no-simulate")["classification"]
    b = run_json(capsys, "lamperti", "--c", "-1", "--no-simulate")["classification"]
    assert (a, b) == ("transient", "positive-recurrent")


def test_sgd_log_ratio_escapes_for_small_batch(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "sgd-log-ratio", "--n", "6", "--batch-size", "2", "--step-size",
                   "0.5", "--steps", "4000", "--paths", "100")
    assert out["escaped_fraction"] > 0.9 and out["moved_fraction"] == 1.0
    assert out["escape_level"] == pytest.approx(13.815510557964274)


def test_sgd_log_ratio_stands_still_for_full_batch(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "sgd-log-ratio", "--n", "6", "--batch-size", "6", "--step-size",
                   "0.3", "--schedule", "full", "--steps", "2000", "--paths", "100")
    assert out["escaped_fraction"] == 0.0 and out["moved_fraction"] == 0.0


def test_plots_are_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f1, f2 = tmp_path / "lam.png", tmp_path / "sgd.png"
    code, _, _ = run(capsys, "lamperti", "--c", "0", "--paths", "50", "--steps", "300",
                     "--plot", str(f1))
    assert code == 0 and f1.read_bytes()[:4] == b"\x89PNG"
    code, _, _ = run(capsys, "sgd-log-ratio", "--n", "4", "--batch-size", "1", "--step-size",
                     "0.3", "--steps", "300", "--paths", "20", "--plot", str(f2))
    assert code == 0 and f2.read_bytes()[:4] == b"\x89PNG"


SGD = ["sgd-log-ratio", "--n", "4", "--batch-size", "2", "--step-size", "0.1", "--steps", "10",
       "--paths", "2"]


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["lamperti", "--c", "1", "--s2", "-1"], "--s2=-1.0"),
        (["lamperti", "--c", "nan"], "--c"),
        (["lamperti", "--c", "1", "--paths", "0"], "--paths=0"),
        (["lamperti", "--c", "1", "--plot", "out.pdf"], "--plot='out.pdf'"),
        (["lamperti", "--c", "1", "--confidence", "1"], "--confidence=1.0"),
        (["lamperti", "--c", "1", "--x0", "-1"], "--x0=-1.0"),
        (["birth-death", "--c", "inf"], "--c"),
        ([*SGD[:6], "5", *SGD[7:]], "--step-size=5.0"),
        ([*SGD[:4], "5", *SGD[5:]], "--batch-size=5"),
        ([*SGD, "--schedule", "full"], "--batch-size=2"),
        ([*SGD, "--schedule", "weekly"], "--schedule='weekly'"),
        ([*SGD, "--activation", "tanh"], "--activation='tanh'"),
        ([*SGD, "--escape-level", "0"], "--escape-level=0.0"),
        ([*SGD, "--plot", "g.svg"], "--plot='g.svg'"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                                      flag: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "must be" in err and flag in err, err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["walk", "lamperti"])  # --c missing
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exc:
        main(["walk", *SGD, "--paths", "2.0"])
    assert exc.value.code == 2
    assert "--paths" in capsys.readouterr().err


def test_move_probability_comes_from_the_theory(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, "sgd-log-ratio", "--n", "6", "--batch-size", "2", "--step-size",
                   "0.5", "--steps", "50", "--paths", "10")
    assert out["theory"] == {"move_probability_per_direction": "4/15",  # b(n-b)/(n(n-1))
                             "move_probability": pytest.approx(8 / 15)}
    assert (out["n"], out["batch_size"], out["activation"], out["seed"]) == (6, 2, "relu", 0)
