"""Run a sweep's tasks (local processes or a Dask cluster), resumably; report its status.

The folder ``DIR`` of a sweep holds:

``sweep.toml``        the configuration as given
``sweep.json``        the normalised configuration and its digest (a folder holds one sweep)
``tasks/KEY.json``    one file per finished task (:mod:`proofs_check.sweep.task`)
``tasks/KEY.failed``  the error line of a task that raised (retried by the next run)
``runs.jsonl``        one line per ``sweep run``: command, workers, backend, dates, counts
``sweep.nc``          written by ``sweep collect``; ``figures/`` by ``sweep plot``

Every file is written atomically, and only the process that called :func:`run_sweep` writes
(results come back from the workers), so a run killed at any moment, SIGKILL included,
leaves finished tasks complete and no half-written file; the next run skips what is
finished, recomputes what is missing or torn, and removes stale temporary files.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import CONFIG_FORMAT, SweepConfig, SweepConfigError, Task, parse_config, point_error
from .task import read_task_file, run_task, seconds_of, write_task_file

__all__ = ["SweepAborted", "SweepStatus", "open_sweep", "run_sweep", "sweep_status"]


class SweepAborted(RuntimeError):
    """The sweep stopped before its end (a worker process died); finished tasks are kept."""

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Set to 1 in every local worker: one thread per worker for the numeric libraries."""


def task_path(out: Path, task: Task) -> Path:
    return out / "tasks" / f"{task.key}.json"


def failed_path(out: Path, task: Task) -> Path:
    return out / "tasks" / f"{task.key}.failed"


def _stored_config(out: Path) -> SweepConfig | None:
    """The configuration a sweep folder holds (None for a new folder)."""
    meta = out / "sweep.json"
    if not meta.exists():
        return None
    try:
        stored = json.loads(meta.read_text("utf-8"))
        assert stored["format"] == CONFIG_FORMAT
        text = (out / "sweep.toml").read_text("utf-8")
    except (OSError, ValueError, KeyError, AssertionError, TypeError):
        raise SweepConfigError(f"DIR {str(out)!r}: sweep.json or sweep.toml is unreadable "
                               "(not a sweep folder?)", "out") from None
    cfg = parse_config(text)
    if cfg.digest != stored.get("digest"):
        raise SweepConfigError(f"DIR {str(out)!r}: sweep.toml does not match sweep.json "
                               f"(digest {cfg.digest}, recorded {stored.get('digest')}); "
                               "the folder was edited: restore sweep.toml", "out")
    return cfg


def _folder(out: str | os.PathLike[str], flag: str) -> Path:
    if not str(out).strip():
        raise SweepConfigError(f"{flag} '' must name a folder", "out")
    return Path(out)


def open_sweep(out: str | os.PathLike[str]) -> SweepConfig:
    """The configuration of an existing sweep folder (``status``, ``collect``, ``plot``)."""
    path = _folder(out, "DIR")
    cfg = _stored_config(path) if path.is_dir() else None
    if cfg is None:
        raise SweepConfigError(f"DIR {str(out)!r}: not a sweep folder (no sweep.json; "
                               "make one with 'aesgd sweep run CONFIG --out DIR')", "out")
    return cfg


def prepare(cfg: SweepConfig, out: str | os.PathLike[str]) -> Path:
    """Create (or reopen) the folder of ``cfg``: a folder holding another sweep is refused."""
    from numerics.io import atomic_write

    path = _folder(out, "--out")
    parent = path.resolve().parent
    if path.exists() and not path.is_dir():
        raise SweepConfigError(f"--out {str(out)!r} exists and is not a folder", "out")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise SweepConfigError(f"--out {str(out)!r}: the parent folder {str(parent)!r} is "
                               "missing or not writable", "out")
    stored = _stored_config(path) if path.is_dir() else None
    if stored is not None and stored.digest != cfg.digest:
        raise SweepConfigError(f"--out {str(out)!r} holds another sweep (config digest "
                               f"{stored.digest}, this one {cfg.digest}); use a new folder",
                               "out")
    try:
        (path / "tasks").mkdir(parents=True, exist_ok=True)
        writable = os.access(path / "tasks", os.W_OK | os.X_OK)
    except OSError as exc:
        raise SweepConfigError(f"--out {str(out)!r}: cannot create the folder "
                               f"({exc.strerror or exc})", "out") from None
    if not writable:
        raise SweepConfigError(f"--out {str(out)!r} is not writable", "out")
    if stored is None:
        atomic_write(path / "sweep.toml", cfg.text)
        atomic_write(path / "sweep.json", json.dumps(cfg.to_json(), indent=1) + "\n")
    for stale in (path / "tasks").glob(".*.tmp"):  # left by a killed run
        with contextlib.suppress(OSError):
            stale.unlink()
    return path


@dataclass
class SweepStatus:
    """How far a sweep is: task counts and the estimated time left."""

    tasks: int
    done: int
    failed: int
    eta_seconds: float | None
    seed_steps_done: int
    compute_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"tasks": self.tasks, "done": self.done, "failed": self.failed,
                "missing": self.tasks - self.done - self.failed,
                "eta_seconds": self.eta_seconds, "seed_steps_done": self.seed_steps_done,
                "compute_seconds": self.compute_seconds}


def read_runs(out: Path) -> list[dict[str, Any]]:
    """The entries of ``out/runs.jsonl`` that are JSON objects (a line damaged by hand is
    skipped: the log is informative, never an input of the results)."""
    try:
        text = (out / "runs.jsonl").read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _last_workers(out: Path) -> int:
    try:
        return max(1, int(read_runs(out)[-1]["workers"]))
    except (ValueError, KeyError, IndexError, TypeError, OverflowError):
        return 1


def sweep_status(out: str | os.PathLike[str]) -> SweepStatus:
    """Counts of a sweep folder; ``eta_seconds`` is the mean compute time per seed-step of
    the finished tasks times the seed-steps left, over the last run's worker count (None
    before any task finished, 0 when all did)."""
    cfg = open_sweep(out)
    path = Path(out)
    done = failed = work_done = 0
    seconds = 0.0
    tasks = cfg.tasks()
    left = 0
    for task in tasks:
        work = task.seeds * cfg.run["steps"]
        body = read_task_file(task_path(path, task), task.key, task.spec)
        if body is not None:
            done += 1
            work_done += work
            seconds += seconds_of(body)
            continue
        left += work
        if failed_path(path, task).exists():
            failed += 1
    eta: float | None
    if left == 0:
        eta = 0.0
    elif work_done == 0:
        eta = None
    else:
        eta = seconds / work_done * left / _last_workers(path)
    return SweepStatus(len(tasks), done, failed, eta, work_done, seconds)


def check_resources(cfg: SweepConfig, workers: int, max_memory: int | None = None,
                    max_seconds: float | None = None) -> None:
    """Refuse, before anything runs, a sweep with a task estimated to need more than its
    worker's share of ``max_memory`` (default: the memory available) or to take longer than
    ``max_seconds`` (:mod:`numerics.resources`; split a point with ``seeds_per_task``)."""
    from numerics.resources import ResourceError, available_memory, estimate_run, require

    from .task import sim_config

    share = (available_memory() if max_memory is None else max_memory) // max(1, workers)
    seen: set[str] = set()
    for task in cfg.tasks():
        shape = json.dumps({**task.spec, "seed": 0, "seed_offset": 0}, sort_keys=True)
        if shape in seen:
            continue
        seen.add(shape)
        try:
            require(estimate_run(sim_config(task.spec)), share, max_seconds)
        except ResourceError as exc:
            raise point_error(exc, task.point, f"; {workers} worker(s) sharing the memory"
                              ) from None


def _limit_threads() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


@contextlib.contextmanager
def _one_thread_env() -> Iterator[None]:
    """Thread limits in the environment the worker processes are started with."""
    old = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    _limit_threads()
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


Report = Callable[[Task, dict[str, Any] | None, str | None], None]


def _run_local(todo: list[Task], workers: int, report: Report) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    with _one_thread_env(), ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                                initializer=_limit_threads) as pool:
        pending: dict[Future[dict[str, Any]], Task] = {}
        queue = list(reversed(todo))
        reported = False
        try:
            while queue or pending:
                while queue and len(pending) < 2 * workers:  # a short queue: Ctrl-C is quick
                    task = queue.pop()
                    pending[pool.submit(run_task, task.spec)] = task
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = pending.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        raise SweepAborted(
                            "a worker process died (killed, or out of memory) while running "
                            f"task {task.key}; the finished tasks are kept: run the same "
                            "command again to resume" + ("" if reported or not _from_script()
                                                        else _GUARD_HINT))
                    reported = True
                    report(task, None if exc else fut.result(),
                           None if exc is None else _error_line(exc))
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


_GUARD_HINT = (" (called from a Python script? The workers are spawned processes that "
               "import it: keep its calls under 'if __name__ == \"__main__\":')")
"""Added when the pool breaks before any task came back in a process started from a
script: the usual cause is a script without the guard, whose workers fail importing it."""


def _from_script() -> bool:
    """Is ``__main__`` a user's script (not the ``aesgd`` command or ``python -m``)?"""
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    return (file is not None and spec is None
            and os.path.basename(file) not in ("aesgd", "aesgd.exe", "pytest"))


def _run_dask(todo: list[Task], scheduler: str, report: Report) -> int:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SweepConfigError("--scheduler needs the 'distributed' package (pip install "
                               "'aesgd[sweep]')", "scheduler") from None
    try:
        client = Client(scheduler, timeout="20s")
    except Exception as exc:  # any failure to connect is the address's
        raise SweepConfigError(f"--scheduler {scheduler!r}: cannot connect ({exc})",
                               "scheduler") from None
    with client:
        workers = max(1, sum(client.nthreads().values()))
        futures = {client.submit(run_task, task.spec, pure=False, key=f"aesgd-{task.key}-"
                                 f"{time.time_ns()}"): task for task in todo}
        for fut in as_completed(futures):
            task = futures[fut]
            if fut.status == "error":
                report(task, None, _error_line(fut.exception()))
            else:
                report(task, fut.result(), None)
    return workers


def _error_line(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


class _Progress:
    """Tasks done, rate and ETA on stderr (tqdm)."""

    def __init__(self, total: int, done: int, show: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, initial=done, desc="sweep", unit="task",
                        file=sys.stderr, disable=not show, mininterval=1.0,
                        dynamic_ncols=True)

    def update(self, failed: int) -> None:
        self.bar.set_postfix_str(f"failed={failed}" if failed else "", refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def run_sweep(cfg: SweepConfig, out: str | os.PathLike[str], workers: int = 1,
              scheduler: str | None = None, progress: bool = True,
              argv: list[str] | None = None) -> SweepStatus:
    """Run every task of ``cfg`` that has no complete file under ``out`` yet."""
    from numerics.io import atomic_write

    path = prepare(cfg, out)
    tasks = cfg.tasks()
    todo = [t for t in tasks
            if read_task_file(task_path(path, t), t.key, t.spec) is None]
    started = datetime.now(UTC).isoformat(timespec="seconds")
    counts = {"done": 0, "failed": 0}
    bar = _Progress(len(tasks), len(tasks) - len(todo), progress)

    def report(task: Task, record: dict[str, Any] | None, error: str | None) -> None:
        if record is not None:
            write_task_file(task_path(path, task), task.key, task.spec, record)
            with contextlib.suppress(FileNotFoundError):
                failed_path(path, task).unlink()
            counts["done"] += 1
        else:
            atomic_write(failed_path(path, task), (error or "failed") + "\n")
            counts["failed"] += 1
        bar.update(counts["failed"])

    t0 = time.perf_counter()
    try:
        if scheduler is None:
            _run_local(todo, workers, report) if todo else None
            used, backend = workers, "local"
        else:
            used, backend = (_run_dask(todo, scheduler, report) if todo else 1), "dask"
    finally:
        bar.close()
    entry = {"command": argv, "backend": backend, "scheduler": scheduler, "workers": used,
             "started": started, "seconds": time.perf_counter() - t0,
             "ran": len(todo), **counts}
    log = path / "runs.jsonl"
    old = "".join(json.dumps(e) + "\n" for e in read_runs(path))
    atomic_write(log, old + json.dumps(entry) + "\n")
    return sweep_status(path)
