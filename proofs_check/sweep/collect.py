"""``sweep collect``: the task files of a sweep as one xarray Dataset, ``DIR/sweep.nc``.

One dimension per grid key (in the config's order, coordinates its values as listed) plus
``seed`` (the seed index of a grid point) and ``law`` (the exponents of
:data:`proofs_check.sweep.task.LAWS`, for ``winner_loglik`` only).  Data variables: those
of :data:`proofs_check.sweep.task.VARIABLES`; a task not finished has status ``missing``
(``failed`` if it raised) and fill values (NaN for floats, -1 for integers, -3 for
``escape_time``, whose -1 means "never escaped").  The data
variables and coordinates depend only on the configuration: timings, dates, commands and
hosts are attributes.  netCDF3 through SciPy (``engine="scipy"``), so integers are int32
and strings fixed-width characters; ``xarray.open_dataset(DIR / "sweep.nc")`` reads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .config import SweepConfig
from .runner import failed_path, open_sweep, read_runs, task_path
from .task import FLOAT_VARIABLES, INTEGER_VARIABLES, LAWS, VARIABLES, read_task_file, seconds_of

__all__ = ["INTEGER_VARIABLES", "collect", "write_collected"]

MISSING = {"escape_time": -3}
"""Fill values of runs not finished where -1 means something (escape_time -1: never
escaped); every other integer variable is filled with -1, floats with NaN."""


def _xarray() -> Any:
    try:
        import xarray
    except ImportError:
        from .config import SweepConfigError

        raise SweepConfigError("sweep collect and plot need xarray (pip install "
                               "'aesgd[sweep]')", "xarray") from None
    return xarray


def collect(out: str | os.PathLike[str]) -> Any:
    """The Dataset of the sweep in ``out`` (finished tasks filled in, the rest missing)."""
    xr = _xarray()
    cfg = open_sweep(out)
    path = Path(out)
    dims = [*cfg.grid, "seed"]
    shape = [len(v) for v in cfg.grid.values()] + [cfg.run["seeds"]]
    arrays: dict[str, np.ndarray] = {
        **{k: np.full(shape, MISSING.get(k, -1), dtype=np.int32) for k in INTEGER_VARIABLES},
        **{k: np.full(shape, np.nan) for k in FLOAT_VARIABLES},
        "winner_loglik": np.full([*shape, len(LAWS)], np.nan),
        "status": np.full(shape, "missing", dtype="<U9"),
    }
    index = {k: {v: i for i, v in enumerate(vals)} for k, vals in cfg.grid.items()}
    seconds = 0.0
    hosts: set[str] = set()
    for task in cfg.tasks():
        at = tuple(index[k][task.point[k]] for k in cfg.grid)
        sl: tuple[Any, ...] = (*at, slice(task.seed_offset, task.seed_offset + task.seeds))
        body = read_task_file(task_path(path, task), task.key, task.spec)
        if body is None:
            if failed_path(path, task).exists():
                arrays["status"][sl] = "failed"
            continue
        values = body["values"]
        for k in INTEGER_VARIABLES:
            arrays[k][sl] = np.asarray(values[k], dtype=np.int32)
        for k in FLOAT_VARIABLES:
            arrays[k][sl] = np.asarray(values[k], dtype=np.float64)
        arrays["winner_loglik"][sl] = np.asarray(values["winner_loglik"], dtype=np.float64)
        arrays["status"][sl] = np.asarray(values["status"])
        seconds += seconds_of(body)
        hosts.add(str(body["meta"].get("host", "")))
    coords: dict[str, Any] = {
        k: np.asarray(v, dtype=np.int32 if isinstance(v[0], int) else None)
        for k, v in cfg.grid.items()}
    coords["seed"] = np.arange(cfg.run["seeds"], dtype=np.int32)
    coords["law"] = np.asarray(LAWS, dtype=np.float64)
    data = {k: (dims, arrays[k], {"long_name": VARIABLES[k]})
            for k in (*INTEGER_VARIABLES, *FLOAT_VARIABLES, "status")}
    data["winner_loglik"] = ([*dims, "law"], arrays["winner_loglik"],
                             {"long_name": VARIABLES["winner_loglik"]})
    ds = xr.Dataset(data, coords=coords, attrs=_attrs(cfg, path, seconds, hosts))
    return ds


def _attrs(cfg: SweepConfig, path: Path, seconds: float, hosts: set[str]) -> dict[str, Any]:
    from datetime import UTC, datetime

    from numerics.io import git_commit, version

    runs = [json.dumps(entry, sort_keys=True) for entry in read_runs(path)]
    return {
        "title": cfg.name or "aesgd sweep",
        "description": cfg.description,
        "config_toml": cfg.text,
        "config_digest": cfg.digest,
        "run": json.dumps(cfg.run, sort_keys=True),
        "aesgd_version": version(),
        "git_commit": git_commit() or "",
        "collected": datetime.now(UTC).isoformat(timespec="seconds"),
        "compute_seconds": seconds,
        "hosts": ",".join(sorted(h for h in hosts if h)),
        "runs_log": "\n".join(runs),
        "Conventions": "seed: seed index within a grid point; status 'missing': not run yet",
    }


def write_collected(out: str | os.PathLike[str]) -> tuple[Path, Any]:
    """Collect the sweep in ``out`` and write ``out/sweep.nc`` atomically."""
    from numerics.io import atomic_write

    ds = collect(out)
    target = Path(out) / "sweep.nc"
    atomic_write(target, bytes(ds.to_netcdf(engine="scipy")))
    return target, ds
