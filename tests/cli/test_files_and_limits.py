"""Files and limits: every write is atomic (an interruption leaves the old file), the path
written is exactly the one given and is printed on stderr, run files are versioned and
never unpickled, results carry their provenance, and huge requests are refused, before they
allocate, under a 4 GiB address-space limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from numerics.io import (
    RUN_FORMAT,
    RUN_VERSION,
    atomic_directory,
    atomic_file,
    atomic_write,
    load_run,
    provenance,
    save_run,
)
from numerics.sgd import simulate
from proofs_check.cli import main
from theory.domain import DomainError

ROOT = Path(__file__).resolve().parents[2]
BASE = ["simulate", "--d", "6", "--n", "3", "--batch-size", "1", "--step-size", "0.1",
        "--steps", "5", "--seeds", "2"]


def _child(code: str, *args: str, limit_bytes: int | None = None,
           timeout: float = 60.0) -> subprocess.Popen[str]:
    """A Python child running ``code`` from the checkout (optionally under RLIMIT_AS)."""
    pre = ""
    if limit_bytes is not None:
        pre = ("import resource\n"
               f"resource.setrlimit(resource.RLIMIT_AS, ({limit_bytes}, {limit_bytes}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", pre + textwrap.dedent(code), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


# ---------------------------------------------------------------- atomic writes


def test_sigkill_during_a_write_leaves_the_old_file(tmp_path: Path) -> None:
    """The child writes 8 MB into the target, then is killed before the block ends: the
    target still holds the old bytes (a reader never sees the new half)."""
    target = tmp_path / "out.npz"
    target.write_bytes(b"old")
    proc = _child("""
        import sys, time
        from numerics.io import atomic_file
        with atomic_file(sys.argv[1], "wb") as handle:
            handle.write(b"x" * 8_000_000)
            handle.flush()
            print("writing", flush=True)
            time.sleep(60)
    """, str(target))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert target.read_bytes() == b"old"


def test_sigkill_during_a_report_leaves_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()
    (target / "report.md").write_text("old", encoding="utf-8")
    proc = _child("""
        import sys, time
        from numerics.io import atomic_directory
        with atomic_directory(sys.argv[1], overwrite=True) as build:
            (build / "report.md").write_text("new, half done", encoding="utf-8")
            print("building", flush=True)
            time.sleep(60)
    """, str(target))
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "building"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert (target / "report.md").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in target.iterdir()) == ["report.md"]


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    atomic_write(target, "old")
    with pytest.raises(RuntimeError), atomic_file(target) as h:
        h.write(b"new")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_atomic_write_keeps_the_umask_mode(tmp_path: Path) -> None:
    target = atomic_write(tmp_path / "f.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would, not 0600


def test_atomic_directory_refuses_non_empty_and_replaces_with_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "rep"
    with atomic_directory(target) as build:
        (build / "a.txt").write_text("1", encoding="utf-8")
    with pytest.raises(DomainError, match="--overwrite"), atomic_directory(target):
        pass  # pragma: no cover - refused before the block
    with atomic_directory(target, overwrite=True) as build:
        (build / "b.txt").write_text("2", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # nothing left beside


# ---------------------------------------------------------------- paths and messages


@pytest.mark.parametrize(("save", "needle"), [
    ("", "--save='' must be a file path (it is empty)"),
    ("{tmp}", "must be a file path (it is a folder)"),
    ("{tmp}/noext", "must be a path ending in .npz"),
    ("{tmp}/missing/x.npz", "must be in an existing folder"),
])
def test_surprising_save_paths_are_refused(save: str, needle: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--save", save.format(tmp=tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err
    assert sorted(tmp_path.iterdir()) == []


def test_save_says_where_it_wrote_on_stderr(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.npz"
    assert main([*BASE, "--json", "--save", str(target)]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays one JSON document
    assert err.strip() == f"aesgd simulate: wrote {target}"


def test_derive_out_empty_and_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "--out", ""]) == 2
    assert "--out='' must be a file path (it is empty)" in capsys.readouterr().err
    assert main(["derive", "--out", str(tmp_path)]) == 2
    assert "(it is a folder)" in capsys.readouterr().err


def test_verify_report_targets_are_checked_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--report", ""]) == 2
    assert "--report='' must be a folder path (it is empty)" in capsys.readouterr().err
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["verify", "--report", str(full)]) == 2
    assert "pass --overwrite" in capsys.readouterr().err
    assert [p.name for p in full.iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_verify_report_is_renamed_into_place_with_provenance(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "rep"
    code = main(["verify", "--claims", "loss.coordinates", "--report", str(target),
                 "--no-progress"])
    assert code == 0
    assert f"aesgd verify: wrote {target}" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]  # no journal, no temp
    results = json.loads((target / "results.json").read_text(encoding="utf-8"))
    prov = results["provenance"]
    assert prov["command"][:2] == ["aesgd", "verify"]
    assert {"aesgd", "git_commit", "python", "numpy", "sympy", "seeds"} <= set(prov)


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("aesgd ")


# ---------------------------------------------------------------- run files


def test_run_file_round_trip_with_provenance(tmp_path: Path) -> None:
    res = simulate(8, 4, 2, 0.2, 30, 3, seed=5)
    path = save_run(res, tmp_path / "r.npz", argv=["aesgd", "simulate"])
    run = load_run(path)
    assert run.params == json.loads(json.dumps(res.params, default=str))
    assert run.provenance["seeds"]["seed"] == 5
    assert run.provenance["command"] == ["aesgd", "simulate"]
    np.testing.assert_array_equal(run.arrays["a"], res.a)  # bit for bit
    np.testing.assert_array_equal(run.arrays["diverged_at"], res.diverged_at)
    with np.load(path, allow_pickle=False) as z:
        assert str(z["format"]) == RUN_FORMAT and int(z["version"]) == RUN_VERSION


def test_load_run_refuses_other_versions_torn_files_and_pickles(tmp_path: Path) -> None:
    res = simulate(8, 4, 2, 0.2, 10, 2)
    good = save_run(res, tmp_path / "r.npz")
    other = tmp_path / "v2.npz"
    with np.load(good, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    np.savez(other, **{**arrays, "version": np.array(RUN_VERSION + 1)})
    with pytest.raises(DomainError, match="version 2"):
        load_run(other)
    torn = tmp_path / "torn.npz"
    torn.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DomainError) as exc:
        load_run(torn)
    assert "\n" not in str(exc.value)
    pickled = tmp_path / "p.npz"
    np.savez(pickled, **{**arrays, "params": np.array([{"x": 1}], dtype=object)})
    with pytest.raises(DomainError):
        load_run(pickled)


def test_provenance_names_versions_and_seeds() -> None:
    prov = provenance(["aesgd", "x"], {"seed": 3})
    assert prov["command"] == ["aesgd", "x"] and prov["seeds"] == {"seed": 3}
    assert prov["numpy"] == np.__version__


# ---------------------------------------------------------------- huge requests

HUGE = [
    (["simulate", "--d", "50", "--n", "10", "--batch-size", "2", "--step-size", "0.1",
      "--steps", "10", "--seeds", str(10**9)], "--seeds="),
    (["simulate", "--d", str(10**9), "--n", "10", "--batch-size", "2", "--step-size", "0.1",
      "--steps", "10", "--engine", "full"], "--d="),
    (["simulate", "--d", str(10**9), "--n", str(10**9), "--batch-size", "2",
      "--step-size", "0.1", "--steps", "10"], "--n="),
    (["simulate", "--d", "50", "--n", "10", "--batch-size", "2", "--step-size", "0.1",
      "--steps", str(10**12)], "--steps="),
    (["walk", "sgd-log-ratio", "--n", "4", "--batch-size", "2", "--step-size", "0.1",
      "--steps", "10", "--paths", str(10**9)], "--paths="),
    (["walk", "lamperti", "--c", "1", "--paths", str(10**9)], "--paths="),
    (["bench", "--seeds", str(10**9)], "--seeds="),
    (["bench", "--naive-seeds", "9" * 40], "--naive-seeds="),
]


@pytest.mark.parametrize(("argv", "flag"), HUGE, ids=[f"{a[0]}-{f}" for a, f in HUGE])
def test_huge_requests_are_refused_before_they_allocate(argv: list[str], flag: str) -> None:
    """Under a 4 GiB address-space limit the refusal is one line and exit 2 (an attempt
    would die with MemoryError, a traceback, or run out the timeout)."""
    proc = _child("""
        import sys
        from proofs_check.cli import main
        sys.exit(main(sys.argv[1:]))
    """, *argv, limit_bytes=4 * 2**30)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and flag in err and "Traceback" not in err, err
    assert "must be small enough" in err


def test_max_memory_is_a_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--max-memory", "lots"]) == 2
    assert "--max-memory=" in capsys.readouterr().err
    assert main([*BASE, "--seeds", "100000", "--max-memory", "1M"]) == 2
    assert "more than 1 MiB (--max-memory)" in capsys.readouterr().err
