"""``aesgd sweep`` against damaged folders, edited files and odd but valid configs: never a
traceback; an edited task file is recomputed, a damaged log line skipped, a config value
the engine or sweep.nc cannot hold refused with one line naming its key (exit 2)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_sweep_input import GOOD  # the same small grid: d=8, n=4, b in {1, 4}

from proofs_check.cli import main

xr = pytest.importorskip("xarray")



def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    got = capsys.readouterr()
    assert "Traceback" not in got.err
    return code, got.out, got.err.strip()


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("robust")
    (root / "c.toml").write_text(GOOD)
    assert main(["sweep", "run", str(root / "c.toml"), "--out", str(root / "s"),
                 "--workers", "1", "--no-progress"]) == 0
    return root / "s"


def _copy(finished: Path, tmp_path: Path) -> Path:
    out = tmp_path / "s"
    shutil.copytree(finished, out)
    return out


def test_no_finished_run_still_plots(finished: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(finished, tmp_path)
    shutil.rmtree(out / "tasks")
    (out / "tasks").mkdir()
    code, _, _ = _run(["sweep", "plot", str(out)], capsys)
    assert code == 0 and (out / "figures" / "phase.png").stat().st_size > 1000


@pytest.mark.parametrize("junk", [b"garbage\n", b"[1]\n", b"\xff\xfe\n", b'{"workers": "x"}\n'])
def test_damaged_run_log_lines_are_skipped(junk: bytes, finished: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = _copy(finished, tmp_path)
    with open(out / "runs.jsonl", "ab") as handle:
        handle.write(junk)
    for args in (["sweep", "status", str(out)], ["sweep", "collect", str(out)],
                 ["sweep", "plot", str(out)],
                 ["sweep", "run", str(tmp_path / "c.toml"), "--out", str(out),
                  "--no-progress"]):
        (tmp_path / "c.toml").write_text(GOOD)
        code, _, err = _run(args, capsys)
        assert code == 0, (args, err)
    entries = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    kept = 1 if junk.startswith(b"{") else 0  # a JSON object stays (status reads around it)
    assert len(entries) == 2 + kept and all(isinstance(e, dict) for e in entries)


def _edit(out: Path, change: Any, resum: bool) -> Path:
    path = sorted((out / "tasks").glob("*.json"))[0]
    body = json.loads(path.read_text())
    change(body)
    if resum:  # recompute the (unkeyed) checksum as an editor could
        text = json.dumps({"key": body["key"], "spec": body["spec"],
                           "values": body["values"]}, sort_keys=True)
        body["checksum"] = hashlib.sha256(text.encode()).hexdigest()
    path.write_text(json.dumps(body))
    return path


def _set(*keys: Any, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        target = body
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return change


@pytest.mark.parametrize("change", [_set("meta", "seconds", value="abc"),
                                    _set("meta", value=[]), _set("meta", value=None),
                                    _set("meta", "host", value=["x"])])
def test_edited_meta_is_ignored(change: Any, finished: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """meta is outside the checksum and only informative: the task stays done."""
    out = _copy(finished, tmp_path)
    _edit(out, change, resum=False)
    code, printed, _ = _run(["sweep", "status", str(out), "--json"], capsys)
    assert code == 0 and json.loads(printed)["done"] == 2
    assert _run(["sweep", "collect", str(out)], capsys)[0] == 0


def _values(name: str, index: Any, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        body["values"][name][index] = value
    return change


@pytest.mark.parametrize("change", [
    _values("support", 0, "abc"), _values("support", 0, 2**40), _values("support", 0, 1.0),
    _values("winner_loglik", 0, [0.0]), _values("status", 0, "convergedXXXX"),
    _values("status", 0, 3), _values("alignment", 0, "0.5"),
    lambda body: body.update(values=list(body["values"])),
])
def test_edited_values_with_a_recomputed_checksum_are_recomputed(
        change: Any, finished: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Values of the wrong type or shape make the file not a task file: status counts it
    missing, collect leaves it missing, and the next run recomputes it to the same bits."""
    out = _copy(finished, tmp_path)
    path = _edit(out, change, resum=True)
    code, printed, _ = _run(["sweep", "status", str(out), "--json"], capsys)
    assert code == 0 and json.loads(printed)["done"] == 1
    assert _run(["sweep", "collect", str(out)], capsys)[0] == 0
    (tmp_path / "c.toml").write_text(GOOD)
    assert _run(["sweep", "run", str(tmp_path / "c.toml"), "--out", str(out),
                 "--no-progress"], capsys)[0] == 0
    again = json.loads(path.read_text())["values"]
    assert again == json.loads((finished / "tasks" / path.name).read_text())["values"]


@pytest.mark.parametrize("edit, needle", [
    (("steps = 100", "steps = 1000000000000000000000000000000"), "[run] steps="),
    (("seeds = 2", "seeds = 1000000000000000000000000000000"), "[run] seeds="),
    (("d = [8]", "d = [1000000000000000000000000000000]"), "[grid] d=1000000000000000000"),
    (("d = [8]", "d = [" + "[" * 3000 + "]" * 3000 + "]"), "nested too deeply"),
])
def test_values_out_of_reach_are_refused(edit: tuple[str, str], needle: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text(GOOD.replace(*edit))
    code, _, err = _run(["sweep", "run", str(tmp_path / "c.toml"), "--out",
                         str(tmp_path / "o"), "--no-progress"], capsys)
    assert code == 2 and needle in err and len(err.splitlines()) == 1, err


def test_resource_refusal_names_a_config_key(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text(GOOD)
    code, _, err = _run(["sweep", "run", str(tmp_path / "c.toml"), "--out",
                         str(tmp_path / "o"), "--no-progress", "--max-memory", "1KB"], capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    key = err.split("error: ")[1].split("]")[0].strip("[")
    assert key in ("grid", "run")
    named = err.split("] ")[1].split("=")[0].split(" ")[0]
    from proofs_check.sweep.config import GRID_KEYS, RUN_KEYS

    assert named in GRID_KEYS or named in RUN_KEYS, err


def test_one_point_runs_collects_and_plots(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """n = 1 has no top gap: escape_time -2 (not a failed task)."""
    text = GOOD.replace("n = [4]", "n = [1]").replace("batch_size = [1, 4]", "batch_size = [1]")
    (tmp_path / "c.toml").write_text(text)
    out = tmp_path / "o"
    assert _run(["sweep", "run", str(tmp_path / "c.toml"), "--out", str(out),
                 "--no-progress"], capsys)[0] == 0
    assert _run(["sweep", "collect", str(out)], capsys)[0] == 0
    with xr.open_dataset(out / "sweep.nc") as ds:
        assert (ds["escape_time"].values == -2).all()
        assert (ds["support"].values == 1).all()
    assert _run(["sweep", "plot", str(out)], capsys)[0] == 0


def test_dollar_signs_in_the_name_are_text(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text('name = "cost $\\\\alpha^$ x"\n' + GOOD)
    out = tmp_path / "o$x"
    assert _run(["sweep", "run", str(tmp_path / "c.toml"), "--out", str(out),
                 "--no-progress"], capsys)[0] == 0
    assert _run(["sweep", "plot", str(out)], capsys)[0] == 0


def test_unsupported_scheduler_scheme_is_one_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "c.toml").write_text(GOOD)
    code, _, err = _run(["sweep", "run", str(tmp_path / "c.toml"), "--out",
                         str(tmp_path / "o"), "--no-progress", "--scheduler",
                         "tls://127.0.0.1:1"], capsys)
    assert code == 2 and "--scheduler 'tls://127.0.0.1:1': cannot connect" in err
    assert len(err.splitlines()) == 1


def test_empty_folder_names_and_an_edited_config_are_refused(
        finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text(GOOD)
    for args in (["sweep", "run", str(tmp_path / "c.toml"), "--out", ""],
                 ["sweep", "status", ""], ["sweep", "collect", " "], ["sweep", "plot", ""]):
        code, _, err = _run(args, capsys)
        assert code == 2 and "must name a folder" in err, err
    out = _copy(finished, tmp_path)
    (out / "sweep.toml").write_text(GOOD.replace("seeds = 2", "seeds = 4"))
    code, _, err = _run(["sweep", "status", str(out)], capsys)
    assert code == 2 and "sweep.toml does not match sweep.json" in err
