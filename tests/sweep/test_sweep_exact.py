"""``aesgd sweep``: the collected data are the same bits for any worker count, backend
(local processes, a Dask LocalCluster) and resume history (SIGKILL mid-way, torn files).

Oracle: the dataset of ``--workers 1`` run in one go; every other route must equal it bit
for bit (float arrays compared as bytes, strings as strings), tolerance zero, because a
task's seed comes from the root seed and its grid point only.  One independent check of the
values themselves: a grid point's runs recomputed by ``numerics.sgd.run`` with the seed the
config module documents (SHA-256 of the root seed and the point), not through the sweep.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from proofs_check.cli import main  # noqa: E402

CONFIG = """
name = "test"
[grid]
d = [10]
n = [5]
batch_size = [1, 5]
step_size = [0.4, 0.8]
activation = ["relu", "linear"]
[run]
seeds = 4
seeds_per_task = 2
steps = 600
root_seed = 7
"""
TASKS = 16

# the SIGKILL test needs tasks long enough to be caught mid-way
SLOW_CONFIG = CONFIG.replace("steps = 600", "steps = 20000").replace(
    "seeds_per_task = 2", "seeds_per_task = 1")
SLOW_TASKS = 32


def _collect(out: Path) -> xr.Dataset:
    assert main(["sweep", "collect", str(out)]) == 0
    return xr.open_dataset(out / "sweep.nc", engine="scipy").load()


def assert_same_bits(a: xr.Dataset, b: xr.Dataset) -> None:
    assert list(a.data_vars) == list(b.data_vars)
    assert list(a.coords) == list(b.coords)
    for name in [*a.data_vars, *a.coords]:
        x, y = a[name].values, b[name].values
        assert x.shape == y.shape and x.dtype == y.dtype, name
        if x.dtype == object:
            assert x.tolist() == y.tolist(), name
        else:
            assert x.tobytes() == y.tobytes(), name


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "sweep.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def reference(config: Path, tmp_path_factory: pytest.TempPathFactory) -> xr.Dataset:
    out = tmp_path_factory.mktemp("w1") / "sweep"
    assert main(["sweep", "run", str(config), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    return _collect(out)


def test_reference_is_complete_and_right(reference: xr.Dataset) -> None:
    assert set(reference["status"].values.ravel()) <= {"converged", "running", "diverged"}
    assert reference.sizes == {"d": 1, "n": 1, "batch_size": 2, "step_size": 2,
                               "activation": 2, "seed": 4, "law": 8}
    # recompute one grid point directly with numerics (the seed as documented)
    from numerics.config import SimConfig
    from numerics.sgd import run
    from theory.conventions import LINEAR

    point = {"d": 10, "n": 5, "batch_size": 1, "step_size": 0.8, "activation": "linear"}
    text = json.dumps({"root_seed": 7, "point": point}, sort_keys=True)
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1
    res = run(SimConfig(d=10, n=5, batch_size=1, step_size=0.8, steps=600, seeds=4,
                        conventions=LINEAR, seed=seed))
    sel = reference.sel(batch_size=1, step_size=0.8, activation="linear").squeeze()
    assert sel["support"].values.tolist() == res.support.tolist()
    assert sel["loss_gap"].values.tobytes() == res.loss_gap.tobytes()
    assert sel["alignment"].values.tobytes() == res.alignment.tobytes()


def test_two_workers_same_bits(config: Path, reference: xr.Dataset, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "run", str(config), "--out", str(out), "--workers", "2",
                 "--no-progress"]) == 0
    assert_same_bits(reference, _collect(out))


def test_dask_local_cluster_same_bits(config: Path, reference: xr.Dataset,
                                      tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        out = tmp_path / "sweep"
        assert main(["sweep", "run", str(config), "--out", str(out), "--scheduler",
                     cluster.scheduler_address, "--no-progress"]) == 0
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["backend"] == "dask" and runs[-1]["ran"] == TASKS
    assert_same_bits(reference, _collect(out))


def _task_files(out: Path) -> list[Path]:
    return sorted((out / "tasks").glob("*.json"))


def test_rerun_skips_finished_tasks(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", "run", str(config), "--out", str(out), "--workers", "1",
            "--no-progress"]
    assert main(argv) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in _task_files(out)}
    assert len(stamps) == TASKS
    assert main(argv) == 0
    assert {p.name: p.stat().st_mtime_ns for p in _task_files(out)} == stamps
    last = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert last["ran"] == 0


def test_torn_and_tampered_task_files_are_recomputed(config: Path, reference: xr.Dataset,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", "run", str(config), "--out", str(out), "--workers", "2",
            "--no-progress"]
    assert main(argv) == 0
    files = _task_files(out)
    torn, tampered = files[3], files[11]
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])
    body = json.loads(tampered.read_text())
    body["values"]["support"][0] += 1  # still valid JSON; the checksum no longer matches
    tampered.write_text(json.dumps(body))
    capsys.readouterr()
    assert main(["sweep", "status", str(out), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["tasks"], status["done"], status["failed"]) == (TASKS, TASKS - 2, 0)
    assert status["eta_seconds"] is not None and status["eta_seconds"] > 0
    # collected before the rerun, those two tasks are missing, not wrong
    partial = _collect(out)
    assert int((partial["status"] == "missing").sum()) == 2 * 2
    assert main(argv) == 0
    last = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert last["ran"] == 2
    assert_same_bits(reference, _collect(out))


@pytest.mark.slow
def test_sigkill_mid_way_then_resume(tmp_path: Path) -> None:
    config = tmp_path / "slow.toml"
    config.write_text(SLOW_CONFIG)
    out = tmp_path / "sweep"
    argv = [sys.executable, "-m", "proofs_check.cli", "sweep", "run", str(config), "--out",
            str(out), "--workers", "2", "--no-progress"]
    # a random point: after k finished tasks, k drawn once from a fixed generator
    kill_after = random.Random(20261203).randrange(2, SLOW_TASKS - 8)
    proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONHASHSEED": "0"})
    deadline = time.monotonic() + 600
    try:
        while len(_task_files(out) if out.exists() else []) < kill_after:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, as in a crash
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    survivors = _task_files(out)
    assert kill_after <= len(survivors) < SLOW_TASKS
    for path in survivors:  # every file left is a complete task file
        body = json.loads(path.read_text())
        assert body["format"] == "aesgd-sweep-task"
    before = {p.name: p.read_bytes() for p in survivors}
    assert main(["sweep", "run", str(config), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    after = _task_files(out)
    assert len(after) == SLOW_TASKS
    assert not list((out / "tasks").glob(".*"))  # stale temporary files removed
    # finished tasks were kept (not recomputed), none duplicated
    assert {p.name: p.read_bytes() for p in after if p.name in before} == before
    last = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert last["ran"] == SLOW_TASKS - len(survivors)
    # the resumed sweep equals one run in one go
    fresh = tmp_path / "fresh"
    assert main(["sweep", "run", str(config), "--out", str(fresh), "--workers", "2",
                 "--no-progress"]) == 0
    assert_same_bits(_collect(fresh), _collect(out))


def test_seed_does_not_depend_on_blocks(tmp_path: Path, reference: xr.Dataset) -> None:
    """seeds_per_task changes the tasks, not the runs: the same bits with blocks of 1 and 4
    (the seed dimension is the seed index of a point)."""
    for spt in (1, 4):
        config = tmp_path / f"b{spt}.toml"
        config.write_text(CONFIG.replace("seeds_per_task = 2", f"seeds_per_task = {spt}"))
        out = tmp_path / f"s{spt}"
        assert main(["sweep", "run", str(config), "--out", str(out), "--workers", "1",
                     "--no-progress"]) == 0
        ds = _collect(out)
        for name in ("support", "alignment", "loss_gap", "escape_time", "winner_loglik"):
            assert ds[name].values.tobytes() == reference[name].values.tobytes(), name


def test_winner_law_columns_by_definition(reference: xr.Dataset) -> None:
    """winner_loglik at k = 0 is -log(active0) (uniform over the initially active set) and
    every law gives a log-probability <= 0."""
    ll = reference["winner_loglik"]
    ok = reference["winner_rank"] > 0
    uniform = ll.sel(law=0.0).where(ok)
    expect = -np.log(reference["active0"].where(ok).astype(float))
    np.testing.assert_allclose(uniform.values, expect.values, rtol=0, atol=1e-15)
    assert bool(ok.any()) and bool(((ll <= 1e-15) | ~ok).all())
