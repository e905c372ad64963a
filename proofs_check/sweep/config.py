"""A sweep's configuration: the TOML file, validated, and the task list it describes.

The file has a ``[grid]`` table whose keys are ``aesgd simulate``'s options in their own
vocabulary (:data:`GRID_KEYS`), each a non-empty list of distinct values, and a ``[run]``
table (:data:`RUN_KEYS`; ``seeds``, ``steps`` and ``root_seed`` are required).  An optional
top-level ``name`` and ``description`` (strings) label the figures.  The task list is the
product of the grid (in the order the keys are written, the last key varying fastest)
times the blocks of ``seeds_per_task`` seeds.

Every grid point is validated by building its :class:`numerics.config.SimConfig`, so a
point the engine cannot run (b > n, d < n, a non-positive step size, ...) is refused before
anything runs, with the key and the reason (:class:`SweepConfigError`).  Step sizes past
the stability bound are allowed: divergence is data.

**Seeds.**  The runs of a grid point use the seed :func:`point_seed` of the root seed and
the point's values (SHA-256 of their canonical JSON), and seed index i of a point is run i
of :func:`numerics.sgd.run` under that seed, whatever block, worker, backend or resume
history computes it: results are bit-identical.

>>> cfg = parse_config('''
... [grid]
... d = [8]
... n = [4]
... batch_size = [1, 4]
... step_size = [0.5]
... [run]
... seeds = 3
... steps = 50
... root_seed = 1
... ''')
>>> [t.point["batch_size"] for t in cfg.tasks()]
[1, 4]
>>> try:
...     parse_config('[grid]\\nd=[8]\\nn=[4]\\nbatch_size=[5]\\nstep_size=[1.0]\\n'
...                  '[run]\\nseeds=1\\nsteps=1\\nroot_seed=0')
... except SweepConfigError as exc:
...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
[grid] batch_size=5 must be an integer in [1, n=4] (at d=8, n=4, batch_size=5,
step_size=1.0)
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass
from typing import Any

from theory.domain import DomainError

__all__ = [
    "CONFIG_FORMAT",
    "GRID_KEYS",
    "RUN_KEYS",
    "SweepConfig",
    "SweepConfigError",
    "Task",
    "load_config",
    "parse_config",
    "point_seed",
]

CONFIG_FORMAT = "aesgd-sweep"
CONFIG_VERSION = 1

GRID_KEYS: dict[str, type] = {
    "d": int,
    "n": int,
    "batch_size": int,
    "step_size": float,
    "schedule": str,
    "activation": str,
    "init_scale": float,
    "relu_prime_at_zero": int,
    "data_rho": float,
    "data_norm_ratio": float,
}
"""The keys a ``[grid]`` may hold (``aesgd simulate``'s options) and the type of a value.
``data_rho`` (the off-diagonal of an equicorrelated Gram matrix, default 0) and
``data_norm_ratio`` (q >= 1: the norms s_i = q^(-i/(n-1)) fall from 1 to 1/q, default 1)
describe data beyond the paper's hypotheses; a point with either away from its default
runs on the full engine (:mod:`numerics.data`)."""

REQUIRED_GRID = ("d", "n", "batch_size", "step_size")

GRID_DEFAULTS: dict[str, Any] = {"schedule": "random", "activation": "relu",
                                 "init_scale": 1.0, "relu_prime_at_zero": 0}

RUN_KEYS: dict[str, tuple[type, Any]] = {
    "seeds": (int, None),
    "steps": (int, None),
    "root_seed": (int, None),
    "seeds_per_task": (int, 0),        # 0: all the seeds of a point in one task
    "engine": (str, "reduced"),
    "kernel": (str, "auto"),
    "support_threshold": (float, 1e-6),
    "escape_level": (float, math.log(1e6)),
    "records": (int, 32),
}
"""The keys of ``[run]`` with their type and default (None: required)."""

TOP_KEYS = ("grid", "run", "name", "description")

MAX_TASKS = 1_000_000
"""The most tasks of one sweep (grid points x seed blocks), checked before any is listed."""


class SweepConfigError(DomainError):
    """A sweep configuration that cannot run; the message names the key and the reason."""

    def __init__(self, message: str, parameter: str = "config") -> None:
        ValueError.__init__(self, message)
        self.parameter = parameter
        self.value = None
        self.allowed = message

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.args[0], self.parameter))


def point_seed(root_seed: int, point: dict[str, Any]) -> int:
    """The root seed of one grid point's runs, in [0, 2^63): SHA-256 of the canonical JSON
    of the root seed and the point's values (never the order tasks finish in).

    >>> point_seed(0, {"n": 4}) == point_seed(0, {"n": 4})
    True
    >>> point_seed(0, {"n": 4}) != point_seed(1, {"n": 4})
    True
    """
    text = json.dumps({"root_seed": int(root_seed), "point": point}, sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass(frozen=True)
class Task:
    """One unit of work: a grid point and a block of its seeds."""

    point: dict[str, Any]
    seed_offset: int
    seeds: int
    spec: dict[str, Any]

    @property
    def key(self) -> str:
        """The task's name: SHA-256 of its spec (the grid values, the seed block and every
        run setting), so a changed setting never reuses an old file."""
        text = json.dumps(self.spec, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep configuration (:func:`parse_config`)."""

    grid: dict[str, list[Any]]
    run: dict[str, Any]
    name: str
    description: str
    text: str

    @property
    def digest(self) -> str:
        """SHA-256 of the normalised configuration (grid and run tables)."""
        text = json.dumps({"grid": self.grid, "run": self.run}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    @property
    def seeds_per_task(self) -> int:
        spt = self.run["seeds_per_task"]
        return self.run["seeds"] if spt == 0 else min(spt, self.run["seeds"])

    def points(self) -> list[dict[str, Any]]:
        """Every grid point (the product of the grid, last key fastest)."""
        keys = list(self.grid)
        return [dict(zip(keys, values, strict=True))
                for values in itertools.product(*self.grid.values())]

    def tasks(self) -> list[Task]:
        """The task list: every grid point times every block of seeds."""
        out = []
        seeds, spt = self.run["seeds"], self.seeds_per_task
        for point in self.points():
            full = {**GRID_DEFAULTS, **point}
            base = point_seed(self.run["root_seed"], point)
            for offset in range(0, seeds, spt):
                count = min(spt, seeds - offset)
                spec = {"point": full, "seed": base, "seed_offset": offset, "seeds": count,
                        **{k: self.run[k] for k in RUN_KEYS
                           if k not in ("seeds", "root_seed", "seeds_per_task")}}
                out.append(Task(point, offset, count, spec))
        return out

    def seed_steps(self) -> int:
        """The number of seed-steps of the whole sweep."""
        return len(self.points()) * self.run["seeds"] * self.run["steps"]

    def to_json(self) -> dict[str, Any]:
        return {"format": CONFIG_FORMAT, "version": CONFIG_VERSION, "name": self.name,
                "description": self.description, "grid": self.grid, "run": self.run,
                "digest": self.digest}


INT_LIMIT = 2**31 - 1
"""The largest integer a grid value may be (sweep.nc stores grid coordinates as int32)."""


def _value(table: str, key: str, value: Any, kind: type) -> Any:
    where = f"[{table}] {key}"
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SweepConfigError(f"{where}={value!r} must be an integer", key)
        if table == "grid" and abs(value) > INT_LIMIT:
            raise SweepConfigError(f"{where}={value!r} must be an integer of at most "
                                   f"{INT_LIMIT} (2^31 - 1)", key)
        return int(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SweepConfigError(f"{where}={value!r} must be a number", key)
        if not math.isfinite(value):
            raise SweepConfigError(f"{where}={value!r} must be a finite number", key)
        return float(value)
    if not isinstance(value, str):
        raise SweepConfigError(f"{where}={value!r} must be a string", key)
    return value


def _known_keys(name: str, table: Any, allowed: Any, what: str) -> None:
    """``table`` is a TOML table whose keys are all in ``allowed``."""
    if not isinstance(table, dict):
        raise SweepConfigError(f"[{name}] must be {what}", name)
    for key in table:
        if key not in allowed:
            raise SweepConfigError(f"[{name}] {key}: unknown key (allowed: "
                                   f"{', '.join(allowed)})", key)


def _grid(table: Any) -> dict[str, list[Any]]:
    _known_keys("grid", table, GRID_KEYS, "a table of lists")
    for key in REQUIRED_GRID:
        if key not in table:
            raise SweepConfigError(f"[grid] {key}: missing (required: "
                                   f"{', '.join(REQUIRED_GRID)})", key)
    grid: dict[str, list[Any]] = {}
    for key, values in table.items():
        if not isinstance(values, list):
            raise SweepConfigError(f"[grid] {key}={values!r} must be a list of values", key)
        if not values:
            raise SweepConfigError(f"[grid] {key}: the list is empty (give at least one "
                                   "value)", key)
        clean = [_value("grid", key, v, GRID_KEYS[key]) for v in values]
        if len(set(clean)) != len(clean):
            raise SweepConfigError(f"[grid] {key}={values!r}: the values must be distinct",
                                   key)
        grid[key] = clean
    return grid


def _run(table: Any) -> dict[str, Any]:
    _known_keys("run", table, RUN_KEYS, "a table")
    out: dict[str, Any] = {}
    for key, (kind, default) in RUN_KEYS.items():
        if key not in table:
            if default is None:
                raise SweepConfigError(f"[run] {key}: missing (required: seeds, steps, "
                                       "root_seed)", key)
            out[key] = default
        else:
            out[key] = _value("run", key, table[key], kind)
    from numerics.config import MAX_STEPS
    from theory.domain import integer, positive, seed

    checks = {
        "seeds": lambda v: integer("seeds", v, 1, INT_LIMIT),
        "steps": lambda v: integer("steps", v, 1, MAX_STEPS),
        "root_seed": lambda v: seed("root_seed", v),
        "seeds_per_task": lambda v: integer("seeds_per_task", v, 0),
        "escape_level": lambda v: positive("escape_level", v),
        "records": lambda v: integer("records", v, 1, 10_000),
    }
    for key, check in checks.items():
        try:
            check(out[key])
        except DomainError as exc:
            raise SweepConfigError(f"[run] {exc}", key) from None
    return out


def _check_points(cfg: SweepConfig) -> None:
    """Build the SimConfig of every grid point: an impossible point names its key."""
    from .task import sim_config

    built: set[tuple[Any, ...]] = set()
    for task in cfg.tasks()[:: math.ceil(cfg.run["seeds"] / cfg.seeds_per_task)]:
        try:
            sim = sim_config(task.spec)
            shape = (sim.d, sim.n, sim.data)
            if sim.data is not None and shape not in built and sim.d * sim.n**2 <= 10**9:
                from numerics.data import Data

                Data.build(sim.d, sim.n, sim.data)  # the points exist in floating point
                built.add(shape)
        except DomainError as exc:
            raise point_error(exc, task.point) from None


PARAMETER_KEYS = {"data_norms": "data_norm_ratio", "record_steps": "records"}
"""The config key behind a parameter of :class:`numerics.config.SimConfig` that the sweep
derives from another key (the norms from ``data_norm_ratio``, the record grid from
``records``)."""


def point_error(exc: DomainError, point: dict[str, Any], note: str = "") -> SweepConfigError:
    """A :class:`SweepConfigError` naming the config key and the grid point of ``exc``."""
    name = PARAMETER_KEYS.get(exc.parameter, exc.parameter)
    table = "grid" if name in GRID_KEYS else "run"
    at = ", ".join(f"{k}={v}" for k, v in point.items())
    text = str(exc)
    if name != exc.parameter:
        text = f"{name} (giving {text})"
    return SweepConfigError(f"[{table}] {text} (at {at}{note})", name)


def parse_config(text: str) -> SweepConfig:
    """The validated configuration of a TOML text (:class:`SweepConfigError` otherwise)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepConfigError(f"not valid TOML ({exc})") from None
    except RecursionError:
        raise SweepConfigError("not valid TOML for a sweep (nested too deeply)") from None
    for key in data:
        if key not in TOP_KEYS:
            raise SweepConfigError(f"{key}: unknown top-level key (allowed: "
                                   f"{', '.join(TOP_KEYS)})", key)
    for key in ("grid", "run"):
        if key not in data:
            raise SweepConfigError(f"[{key}]: missing table", key)
    labels = {}
    for key in ("name", "description"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise SweepConfigError(f"{key}={value!r} must be a string", key)
        labels[key] = value
    cfg = SweepConfig(_grid(data["grid"]), _run(data["run"]), labels["name"],
                      labels["description"], text)
    count = math.prod(len(v) for v in cfg.grid.values())
    count *= math.ceil(cfg.run["seeds"] / cfg.seeds_per_task)
    if count > MAX_TASKS:
        raise SweepConfigError(f"[grid] the grid and seeds_per_task make {count} tasks; at "
                               f"most {MAX_TASKS} (shorten the lists or raise "
                               "seeds_per_task)", "grid")
    _check_points(cfg)
    return cfg


def load_config(path: str) -> SweepConfig:
    """The validated configuration in the TOML file ``path``."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise SweepConfigError(f"CONFIG {path!r}: cannot read ({exc.strerror or exc})",
                               "config") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SweepConfigError(f"CONFIG {path!r}: not UTF-8 text", "config") from None
    return parse_config(text)
