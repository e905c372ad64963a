"""``aesgd sweep``: bad configurations and folders give one line naming the key and the
reason, exit code 2, never a traceback, before anything runs; the other sub-commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from proofs_check.cli import main

GOOD = """
[grid]
d = [8]
n = [4]
batch_size = [1, 4]
step_size = [0.5]
[run]
seeds = 2
steps = 100
root_seed = 3
"""


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


BAD = [
    (GOOD.replace("root_seed = 3", "root_seed = 3\nwarmup = 5"), "[run] warmup: unknown key"),
    (GOOD.replace("d = [8]", "d = [8]\nmomentum = [0.9]"), "[grid] momentum: unknown key"),
    (GOOD.replace("step_size = [0.5]", "step_size = []"), "[grid] step_size: the list is empty"),
    (GOOD.replace("batch_size = [1, 4]", "batch_size = [1, 5]"),
     "[grid] batch_size=5 must be an integer in [1, n=4]"),
    (GOOD.replace("d = [8]", "d = [3]"), "[grid] n=4 must be an integer in [1, d=3]"),
    (GOOD.replace("step_size = [0.5]", "step_size = [0.5, -1.0]"), "[grid] step_size=-1.0"),
    (GOOD.replace("step_size = [0.5]", "step_size = [0.5, 0]"), "[grid] step_size=0.0"),
    (GOOD.replace("step_size = [0.5]", "step_size = 0.5"), "must be a list of values"),
    (GOOD.replace("step_size = [0.5]", "step_size = [0.5, 0.5]"), "must be distinct"),
    (GOOD.replace("d = [8]", 'd = ["8"]'), "[grid] d='8' must be an integer"),
    (GOOD.replace("d = [8]", "d = [8.0]"), "[grid] d=8.0 must be an integer"),
    (GOOD.replace("d = [8]", "d = [true]"), "[grid] d=True must be an integer"),
    (GOOD.replace("d = [8]", 'd = [8]\nschedule = ["sorted"]'), "[grid] schedule='sorted'"),
    (GOOD.replace("d = [8]", 'd = [8]\nactivation = ["tanh"]'), "[grid] activation='tanh'"),
    (GOOD.replace("steps = 100", "steps = 0"), "[run] steps=0 must be"),
    (GOOD.replace("seeds = 2", ""), "[run] seeds: missing"),
    (GOOD.replace("seeds = 2", "seeds = 2.5"), "[run] seeds=2.5 must be an integer"),
    (GOOD.replace("root_seed = 3", "root_seed = -1"), "[run] root_seed=-1 must be"),
    (GOOD.replace("[grid]", "[grids]"), "grids: unknown top-level key"),
    (GOOD.replace("n = [4]\n", ""), "[grid] n: missing"),
    ("[grid\nd = 1", "not valid TOML"),
    (GOOD.replace("seeds = 2", "seeds = 2000000000").replace("steps = 100", "steps = 1000000000"),
     "small enough"),
    (GOOD.replace("d = [8]", "d = " + str(list(range(8, 1100)))).replace(
        "batch_size = [1, 4]", "batch_size = [1, 2, 3, 4]").replace(
        "step_size = [0.5]", "step_size = " + str([0.1 * k for k in range(1, 300)])),
     "tasks; at most 1000000"),
]


@pytest.mark.parametrize(("text", "needle"), BAD)
def test_bad_config_is_one_line(text: str, needle: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", "run", str(cfg), "--out", str(out), "--no-progress"]) == 2
    err = _error(capsys)
    assert err.startswith("aesgd sweep: error: ") and needle in err, err
    assert not out.exists()  # refused before anything was written


def test_past_the_stability_bound_is_allowed(tmp_path: Path) -> None:
    """Divergence is data: eta = 3 b is past the bound and runs, with status diverged."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD.replace("step_size = [0.5]", "step_size = [0.5, 12.0]"))
    out = tmp_path / "out"
    assert main(["sweep", "run", str(cfg), "--out", str(out), "--no-progress",
                 "--workers", "1"]) == 0
    files = sorted((out / "tasks").glob("*.json"))
    statuses = [s for f in files for s in json.loads(f.read_text())["values"]["status"]]
    assert "diverged" in statuses and "converged" in statuses


@pytest.mark.parametrize("where", ["missing-parent", "file", "unwritable"])
def test_bad_out_folder(where: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    if where == "missing-parent":
        out = tmp_path / "a" / "b"
    elif where == "file":
        out = tmp_path / "f"
        out.write_text("x")
    else:
        if os.geteuid() == 0:
            out = Path("/proc/sweep")
        else:
            locked = tmp_path / "locked"
            locked.mkdir(mode=0o500)
            out = locked / "sweep"
    assert main(["sweep", "run", str(cfg), "--out", str(out), "--no-progress"]) == 2
    assert "--out" in _error(capsys)


def test_folder_of_another_sweep_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(GOOD)
    b.write_text(GOOD.replace("steps = 100", "steps = 101"))
    out = tmp_path / "out"
    assert main(["sweep", "run", str(a), "--out", str(out), "--no-progress",
                 "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["sweep", "run", str(b), "--out", str(out), "--no-progress"]) == 2
    assert "holds another sweep" in _error(capsys)


def test_missing_config_and_not_a_sweep_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "run", str(tmp_path / "none.toml"), "--out",
                 str(tmp_path / "o")]) == 2
    assert "cannot read" in _error(capsys)
    for command in ("status", "collect", "plot"):
        assert main(["sweep", command, str(tmp_path)]) == 2
        assert "not a sweep folder" in _error(capsys)


def test_bad_workers_and_scheduler(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    assert main(["sweep", "run", str(cfg), "--out", str(tmp_path / "o"), "--workers",
                 "0"]) == 2
    assert "--workers=0 must be" in _error(capsys)
    assert main(["sweep", "run", str(cfg), "--out", str(tmp_path / "o"), "--scheduler",
                 "tcp://127.0.0.1:9", "--no-progress"]) == 2
    assert "--scheduler 'tcp://127.0.0.1:9': cannot connect" in _error(capsys)


def test_status_text_and_presets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(GOOD)
    out = tmp_path / "out"
    assert main(["sweep", "run", str(cfg), "--out", str(out), "--no-progress",
                 "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["sweep", "status", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "tasks 2, done 2, failed 0, missing 0, eta 0 s"
    assert main(["sweep", "preset"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert "tiny" in names
    for name in names:  # every preset is a valid configuration
        assert main(["sweep", "preset", name]) == 0
        from proofs_check.sweep import parse_config

        parse_config(capsys.readouterr().out)
    assert main(["sweep", "preset", "nope"]) == 2
    assert "NAME='nope' must be one of" in _error(capsys)


def test_a_task_that_raises_is_marked_failed_and_retried(tmp_path: Path) -> None:
    """A task whose run raises is written as KEY.failed (its error line), counted by
    status, and retried by the next run."""
    from proofs_check.sweep import parse_config
    from proofs_check.sweep.config import Task
    from proofs_check.sweep.runner import _run_local

    task = parse_config(GOOD).tasks()[0]
    broken = Task(task.point, 0, 2, {**task.spec, "kernel": "gpu"})
    seen: list[tuple[object, object]] = []
    _run_local([broken, task], 1, lambda t, rec, err: seen.append((rec is None, err)))
    assert seen[0][0] is True and "kernel='gpu' must be" in str(seen[0][1])
    assert seen[1] == (False, None)


def test_a_task_that_raises_on_dask_is_marked_failed(tmp_path: Path) -> None:
    """The same on a Dask LocalCluster (worker processes: the error crosses by pickle)."""
    distributed = pytest.importorskip("distributed")
    from proofs_check.sweep import parse_config
    from proofs_check.sweep.config import Task
    from proofs_check.sweep.runner import _run_dask

    task = parse_config(GOOD).tasks()[0]
    broken = Task(task.point, 0, 2, {**task.spec, "kernel": "gpu"})
    seen: dict[bool, tuple[object, object]] = {}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        used = _run_dask([broken, task], cluster.scheduler_address,
                         lambda t, rec, err: seen.update({t is broken: (rec is None, err)}))
    assert used == 1
    assert seen[True][0] is True and "kernel='gpu' must be" in str(seen[True][1])
    assert seen[False] == (False, None)


def test_errors_cross_process_boundaries_whole() -> None:
    """A DomainError raised in a worker comes back by pickle with its fields (a broken
    __reduce__ turned one bad task into a dead process pool)."""
    import pickle

    from numerics.resources import ResourceError
    from proofs_check.sweep import SweepConfigError
    from theory.domain import DomainError

    for exc in (DomainError("kernel", "gpu", "'numpy'"), ResourceError("seeds", 9, "small"),
                SweepConfigError("[grid] d: missing", "d")):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc)
        assert (str(back), back.parameter) == (str(exc), exc.parameter)


def test_sweep_bench_reports_rates_and_speedup(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark's bookkeeping on a small grid (no timing is asserted: speed is
    measured by `aesgd bench --sweep`, not by the tests)."""
    from benchmarks.sweep import run_sweep_bench

    out = run_sweep_bench(workers=2, repeat=1, config=GOOD)
    assert out["seed_steps"] == 2 * 2 * 100
    assert set(out["seed_steps_per_s"]) == {"1", "2"}
    assert out["speedup"] == pytest.approx(out["seed_steps_per_s"]["2"]
                                           / out["seed_steps_per_s"]["1"])
    assert isinstance(out["target_met"], bool)


UNGUARDED = """
from proofs_check.sweep import parse_config
from proofs_check.sweep.runner import run_sweep
CONFIG = {config!r}
{guard}run_sweep(parse_config(CONFIG), "out", workers=2, progress=False)
"""


def test_a_dead_worker_pool_stops_the_sweep_with_the_script_hint(tmp_path: Path) -> None:
    """From a script without the ``__main__`` guard the spawned workers die importing it:
    the sweep stops with SweepAborted, which says so (the README's Python API note); with
    the guard the same script runs every task."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED.format(config=GOOD, guard=""), "utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("proofs_check.sweep.runner.SweepAborted: a worker process died")
    assert "if __name__ == \"__main__\":" in last
    assert not list((tmp_path / "out" / "tasks").glob("*.json"))

    script.write_text(UNGUARDED.format(config=GOOD, guard='if __name__ == "__main__":\n    '),
                      "utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out" / "tasks").glob("*.json"))) == 2
