"""One sweep task: run it (:func:`run_task`, a pure function of its spec) and keep its file.

A task file is JSON (never a pickle): ``format``, ``version``, the task ``key``, its
``spec``, the per-seed ``values`` of every variable in :data:`VARIABLES` and a SHA-256
``checksum`` of those three; ``meta`` (seconds, host, library version) is outside the
checksum and never reaches the collected data.  Floats are written by ``repr`` and read back
to the same bits (``NaN`` and ``Infinity`` as JSON's extensions).  :func:`read_task_file`
returns None for a torn, foreign or tampered file, which is then recomputed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from .config import INT_LIMIT

__all__ = ["LAWS", "STATUS_CODES", "TASK_FORMAT", "VARIABLES", "data_spec", "read_task_file",
           "run_task", "sim_config", "write_task_file"]

TASK_FORMAT = "aesgd-sweep-task"
TASK_VERSION = 1

LAWS: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
"""The exponents k of the candidate winner laws P(j wins) = m_j(0)^k / sum_i m_i(0)^k over
the initially active coordinates (k = 0: uniform over the active set)."""

STATUS_CODES: tuple[str, ...] = ("converged", "running", "diverged")

MAX_NORM_RATIO = 1e6
"""The largest ``data_norm_ratio`` q (the norms fall from 1 to 1/q)."""

VARIABLES: dict[str, str] = {
    "status": "converged | running | diverged (missing / failed in a collected sweep)",
    "support": "number of coordinates above support_threshold x max |a_i| at step T (a: "
               "w's coefficients in the data basis for non-orthonormal data)",
    "winner": "index (0-based) of the largest active coordinate at step T",
    "alignment": "cosine of w_T with w_0",
    "loss_gap": "L(w_T) - min L (numerics.data's minimum for non-orthonormal data)",
    "hessian_trace": "tr of the Hessian at the limit point (tiny coordinates set to 0)",
    "escape_time": "first record step with top gap G >= escape_level, -1 if none, -2 if "
                   "G(0) is not finite (fewer than two active coordinates at step 0)",
    "winner_rank": "initial rank of the winner among the active |sigma(a_j(0))| (1 = "
                   "largest; 0: the winner was inactive at step 0)",
    "active0": "number of active coordinates at step 0",
    "winner_loglik": "log P(winner) under each candidate law of LAWS",
}
"""The per-seed variables of a task (and of ``sweep.nc``), with their meaning."""

INTEGER_VARIABLES = ("support", "winner", "escape_time", "winner_rank", "active0")
FLOAT_VARIABLES = ("alignment", "loss_gap", "hessian_trace")
"""The variables of :data:`VARIABLES` holding one integer / one float per seed (besides
``status``, a string, and ``winner_loglik``, a row of floats)."""


def sim_config(spec: dict[str, Any]) -> Any:
    """The :class:`numerics.config.SimConfig` of a task spec (validated there)."""
    from numerics.config import SimConfig
    from numerics.sgd_walk import record_grid
    from theory.conventions import Conventions

    p = spec["point"]
    data = data_spec(p)
    return SimConfig(
        d=p["d"], n=p["n"], batch_size=p["batch_size"], step_size=p["step_size"],
        steps=spec["steps"], seeds=spec["seeds"],
        conventions=Conventions(activation=p["activation"],
                                relu_prime_at_zero=p["relu_prime_at_zero"]),
        schedule=p["schedule"], engine="full" if data is not None else spec["engine"],
        kernel=spec["kernel"], data=data,
        init_scale=p["init_scale"], seed=spec["seed"], seed_offset=spec["seed_offset"],
        support_threshold=spec["support_threshold"], checkpoints=0,
        record_steps=record_grid(spec["steps"], spec["records"]))


def data_spec(point: dict[str, Any]) -> Any:
    """The :class:`numerics.data.DataSpec` of a grid point (None: orthonormal data)."""
    from numerics.data import DataSpec
    from theory.domain import real

    rho = point.get("data_rho", 0.0)
    ratio = point.get("data_norm_ratio", 1.0)
    if rho == 0.0 and ratio == 1.0:
        return None
    q = real("data_norm_ratio", ratio, 1.0, MAX_NORM_RATIO,
             what=f"a number in [1, {MAX_NORM_RATIO:g}] (the Gram matrix's condition number "
             "stays below 1e12)")
    n = point["n"]
    norms = None if q == 1.0 else tuple(q ** (-i / (n - 1)) if n > 1 else 1.0
                                        for i in range(n))
    return DataSpec(norms=norms, rho=rho)


def _winner_law(a0: np.ndarray, winner: np.ndarray, conventions: Any
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(winner_rank, active0, winner_loglik (seeds, len(LAWS))) from the start a0."""
    from numerics import formulas

    m = np.abs(formulas.sigma(conventions)(a0))  # (seeds, n) active magnitudes
    rows = np.arange(a0.shape[0])
    mw = m[rows, winner]
    active = m > 0
    active0 = active.sum(axis=1)
    rank = np.where(mw > 0, 1 + (m > mw[:, None]).sum(axis=1), 0)
    loglik = np.full((a0.shape[0], len(LAWS)), -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        logm = np.where(active, np.log(np.where(active, m, 1.0)), -np.inf)
        for j, k in enumerate(LAWS):
            z = np.where(active, k * logm, -np.inf)  # 0 * log 0 is not 0 here
            top = np.max(z, axis=1, keepdims=True)
            lse = top[:, 0] + np.log(np.sum(np.exp(z - top), axis=1))
            loglik[:, j] = np.where(mw > 0, z[rows, winner] - lse, -np.inf)
    return rank, active0, loglik


def compute(spec: dict[str, Any]) -> dict[str, list[Any]]:
    """The per-seed values of :data:`VARIABLES` for a task spec."""
    from numerics.sgd import run
    from numerics.sgd_walk import top_gap

    cfg = sim_config(spec)
    res = run(cfg)
    if cfg.n >= 2:
        with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
            g = top_gap(res.record_a, cfg.conventions)  # (R, seeds)
        steps = np.asarray(res.record_steps, dtype=np.int64)
        passed = g >= spec["escape_level"]
        escape = np.where(passed.any(axis=0), steps[np.argmax(passed, axis=0)], -1)
        escape = np.where(np.isfinite(g[0]), escape, -2)  # G(0) undefined or infinite
    else:  # one point: no top gap
        escape = np.full(cfg.seeds, -2, dtype=np.int64)
    winner = np.asarray(res.winner, dtype=np.int64)
    rank, active0, loglik = _winner_law(res.a0, winner, cfg.conventions)
    return {
        "status": [str(s) for s in res.status],
        "support": [int(v) for v in res.support],
        "winner": [int(v) for v in winner],
        "alignment": [float(v) for v in res.alignment],
        "loss_gap": [float(v) for v in res.loss_gap],
        "hessian_trace": [float(v) for v in res.hessian_trace],
        "escape_time": [int(v) for v in escape],
        "winner_rank": [int(v) for v in rank],
        "active0": [int(v) for v in active0],
        "winner_loglik": [[float(x) for x in row] for row in loglik],
    }


def run_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one task and return its record (what :func:`write_task_file` writes).  A pure
    function of ``spec`` (apart from ``meta``): any process, on any machine, gives the same
    values.  This is what local workers and Dask workers call."""
    from numerics.io import version

    start = time.perf_counter()
    values = compute(spec)
    seconds = time.perf_counter() - start
    return {"values": values,
            "meta": {"seconds": seconds, "host": platform.node(), "pid": os.getpid(),
                     "aesgd": version()}}


def _checksum(key: str, spec: dict[str, Any], values: dict[str, Any]) -> str:
    text = json.dumps({"key": key, "spec": spec, "values": values}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_task_file(path: Path, key: str, spec: dict[str, Any], record: dict[str, Any]
                    ) -> None:
    """The task file of a finished task, written atomically (temporary file, rename)."""
    from numerics.io import atomic_write

    values = record["values"]
    body = {"format": TASK_FORMAT, "version": TASK_VERSION, "key": key, "spec": spec,
            "values": values, "checksum": _checksum(key, spec, values),
            "meta": record.get("meta", {})}
    atomic_write(path, json.dumps(body, sort_keys=True) + "\n")


def read_task_file(path: Path, key: str, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The record in ``path`` if it is a complete task file of this task, else None."""
    try:
        body = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    try:
        ok = (body["format"] == TASK_FORMAT and body["version"] == TASK_VERSION
              and body["key"] == key and body["spec"] == spec
              and body["checksum"] == _checksum(key, spec, body["values"])
              and _well_formed(body["values"], spec["seeds"]))
    except (KeyError, TypeError, AttributeError):
        return None
    if not ok:
        return None
    if not isinstance(body.get("meta"), dict):
        body["meta"] = {}  # outside the checksum: informative only
    return body


def _well_formed(values: Any, seeds: int) -> bool:
    """Every variable of :data:`VARIABLES` with ``seeds`` values of its type (an edited
    file whose checksum was recomputed is refused too, and recomputed)."""
    if not isinstance(values, dict) or set(values) != set(VARIABLES):
        return False
    if any(not isinstance(v, list) or len(v) != seeds for v in values.values()):
        return False

    def is_int(x: Any) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and abs(x) <= INT_LIMIT

    def is_float(x: Any) -> bool:
        return isinstance(x, float)

    return (all(s in STATUS_CODES for s in values["status"])
            and all(is_int(x) for k in INTEGER_VARIABLES for x in values[k])
            and all(is_float(x) for k in FLOAT_VARIABLES for x in values[k])
            and all(isinstance(row, list) and len(row) == len(LAWS)
                    and all(is_float(x) for x in row) for row in values["winner_loglik"]))


def seconds_of(body: dict[str, Any]) -> float:
    """The compute time recorded in a task file (0 if absent)."""
    s = body.get("meta", {}).get("seconds", 0.0)
    return float(s) if isinstance(s, int | float) and math.isfinite(s) else 0.0
