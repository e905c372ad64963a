"""Validated, frozen run configurations: the one place where parameters are checked.

Every parameter of a simulation is validated once, here, when a :class:`SimConfig` (SGD
runs), :class:`WalkConfig` (a generic random walk) or :class:`TopGapConfig` (the top-gap
walk of SGD runs) is built; the engines trust what they receive.  The messages are the
command line's error lines (the CLI spells the parameter as its flag).  Names are the
command line's, everywhere (see the glossary in README.md):

``d``, ``n``           ambient dimension and number of orthonormal data points (1 <= n <= d)
``batch_size``         b in [1, n]
``step_size``          eta > 0; the per-sample rate is ``gamma = step_size / batch_size``
``steps``              SGD steps (>= 0)
``seeds``              number of runs; run i uses seed index ``seed_offset + i``
``seed``               the root seed every run's streams derive from, in [0, 2^63)
``conventions``        a :class:`theory.conventions.Conventions` (activation, relu'(0))
``schedule``           random | replacement | reshuffle | cyclic | full
``engine``             reduced | full
``kernel``             numpy | compiled | auto (the reduced engine's loop; same bits)
``init_scale``         s0 in w_0 ~ N(0, s0^2/d I_d)
``data``               None (the paper's orthonormal points) or a
                       :class:`numerics.data.DataSpec` (unequal norms, correlated or given
                       points; full engine only)

>>> cfg = SimConfig(d=40, n=20, batch_size=4, step_size=1.2, steps=100)
>>> cfg.gamma
0.3
>>> SimConfig(d=40, n=20, batch_size=21, step_size=1.2, steps=100)
Traceback (most recent call last):
...
theory.domain.DomainError: batch_size=21 must be an integer in [1, n=20]
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theory.conventions import RELU, Conventions
from theory.domain import DomainError, choice, integer, positive, real, seed

from .rng import MAX_DRAWS

__all__ = [
    "AUTO_COMPILED_WORK",
    "ENGINES",
    "KERNELS",
    "MAX_STEPS",
    "SCHEDULES",
    "DataSpec",
    "SimConfig",
    "TopGapConfig",
    "WalkConfig",
    "max_sgd_steps",
    "numba_available",
    "validate_basis",
    "validate_data",
    "validate_init",
    "validate_schedule",
]

SCHEDULES: tuple[str, ...] = ("random", "replacement", "reshuffle", "cyclic", "full")
ENGINES: tuple[str, ...] = ("reduced", "full")
KERNELS: tuple[str, ...] = ("numpy", "compiled", "auto")

MAX_STEPS = 2**53
"""The most steps of one run (walks and SGD): every step index is exact as a float64 (the
checkpoint and record grids); SGD runs are further bounded by the batch streams' counter
range (:func:`max_sgd_steps`)."""

AUTO_COMPILED_WORK = 2_000_000
"""``kernel="auto"`` runs the compiled loop when steps x seeds is at least this: below it,
importing numba and loading its cached machine code (about 0.5 s) costs more than it
saves.  Both kernels give the same bits, so the choice never changes a result."""


def numba_available() -> bool:
    """Whether numba (the compiled kernel) is installed (found, not imported)."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def max_sgd_steps(n: int, b: int) -> int:
    """The most SGD steps of one run with n points and batch size b: :data:`MAX_STEPS`, and
    every step draws at most max(b, n) counters of a seed's batch stream, which has
    :data:`numerics.rng.MAX_DRAWS` (whole blocks of :data:`numerics.schedules.BLOCK_STEPS`
    steps are drawn, hence the margin of one block)."""
    return max(0, min(MAX_STEPS, MAX_DRAWS // max(b, n) - 64))


def validate_schedule(schedule: object, n: int, batch_size: object) -> tuple[str, int]:
    """(schedule, b) for n data points: b in [1, n]; ``full`` needs b = n."""
    name = choice("schedule", schedule, SCHEDULES)
    b = integer("batch_size", batch_size, 1, n, what=f"an integer in [1, n={n}]")
    if name == "full" and b != n:
        raise DomainError("batch_size", batch_size, f"equal to n={n} with schedule 'full'")
    return name, b


def _conventions(value: object) -> Conventions:
    if not isinstance(value, Conventions):
        raise DomainError("conventions", value, "a theory.conventions.Conventions value")
    return value


def _steps_list(name: str, value: Any, steps: int) -> tuple[int, ...]:
    """A sorted tuple of distinct integer steps in [0, steps]."""
    try:
        items = list(value)
    except TypeError:
        raise DomainError(name, value, f"a count or integer steps in [0, {steps}]") from None
    out = sorted({integer(name, v, 0, steps, what=f"integer steps in [0, {steps}]")
                  for v in items})
    return tuple(out)


def _checkpoints(value: Any, steps: int) -> int | tuple[int, ...]:
    if isinstance(value, bool):
        raise DomainError("checkpoints", value, f"a count or integer steps in [0, {steps}]")
    if isinstance(value, int | np.integer):
        return integer("checkpoints", value, 0)
    return _steps_list("checkpoints", value, steps)


@dataclass(frozen=True)
class DataSpec:
    """The data of a run when they are not the paper's orthonormal points
    (:mod:`numerics.data` builds them and computes what runs on them report).

    ``norms`` (n positive numbers, default all 1) and ``rho`` (default 0) describe
    equicorrelated points; ``matrix`` (a d x n nested tuple of the points as columns)
    replaces both.
    """

    norms: tuple[float, ...] | None = None
    rho: float = 0.0
    matrix: tuple[tuple[float, ...], ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The spec as printed in ``--json`` output and run files."""
        if self.matrix is not None:
            return {"matrix_shape": [len(self.matrix), len(self.matrix[0])],
                    "matrix_sha256": _digest(np.array(self.matrix))}
        return {"norms": None if self.norms is None else list(self.norms), "rho": self.rho}


def _digest(x: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f8").tobytes()).hexdigest()


def validate_data(spec: object, d: int, n: int, engine: str) -> DataSpec | None:
    """A :class:`DataSpec` checked against d, n and the engine (None: orthonormal data)."""
    if spec is None:
        return None
    if not isinstance(spec, DataSpec):
        raise DomainError("data", type(spec).__name__, "a numerics.data.DataSpec or None")
    if engine != "full":
        raise DomainError("engine", engine, "'full' with non-orthonormal data (data_norms, "
                          "data_rho, data); the reduced engine assumes orthonormal points")
    if spec.matrix is not None:
        if spec.norms is not None or spec.rho != 0.0:
            raise DomainError("data", "a matrix with norms or rho", "either a data matrix "
                              "or norms and rho, not both")
        x = np.array(spec.matrix, dtype=float)
        if x.shape != (d, n):
            raise DomainError("data", f"a matrix of shape {x.shape}",
                              f"a (d, n) = ({d}, {n}) matrix whose columns are the points")
        if not np.all(np.isfinite(x)) or np.any(np.sum(x * x, axis=0) == 0):
            raise DomainError("data", "a matrix with non-finite entries or a zero column",
                              "finite, every point non-zero")
        matrix = tuple(tuple(float(v) for v in row) for row in x)
        return DataSpec(matrix=matrix)
    norms = None
    if spec.norms is not None:
        try:
            items = list(spec.norms)
        except TypeError:
            raise DomainError("data_norms", spec.norms, f"{n} positive numbers") from None
        if len(items) != n:
            raise DomainError("data_norms", ",".join(str(v) for v in items),
                              f"exactly n={n} positive numbers")
        norms = tuple(positive("data_norms", v) for v in items)
    low = -1.0 / (n - 1) if n > 1 else -1.0
    rho = real("data_rho", spec.rho, low, 1.0, low_open=True, high_open=True,
               what=f"in (-1/(n-1), 1) = ({low:g}, 1) (a positive definite Gram matrix)")
    return DataSpec(norms=norms, rho=rho)


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines a batch of SGD runs (validated on creation).

    Besides the names of the module docstring: ``checkpoints`` (a count of log-spaced
    steps, plus 0 and ``steps``, or explicit steps), ``record_steps`` (steps at which the
    coordinates are stored), ``support_threshold`` (relative to max_i |a_i|, in (0, 1)),
    ``converged_tol`` (on the loss gap), ``divergence_bound`` (a seed diverges when
    ||w||^2 exceeds it times max(1, ||w_0||^2)) and ``chunk_size`` (seeds per chunk; the
    results do not depend on it).  ``kernel="auto"`` resolves to ``compiled`` when numba is
    installed and steps x seeds >= :data:`AUTO_COMPILED_WORK`; the compiled kernel only
    runs the reduced engine without repeated indices (otherwise ``numpy``).  The kernel
    never changes the bits, so it is not part of :attr:`run_key`.
    """

    d: int
    n: int
    batch_size: int
    step_size: float
    steps: int
    seeds: int = 1
    conventions: Conventions = RELU
    schedule: str = "random"
    engine: str = "reduced"
    init_scale: float = 1.0
    seed: int = 0
    seed_offset: int = 0
    checkpoints: int | tuple[int, ...] = 24
    record_steps: tuple[int, ...] | None = None
    support_threshold: float = 1e-6
    converged_tol: float = 1e-9
    divergence_bound: float = 1e6
    kernel: str = "auto"
    data: DataSpec | None = None
    chunk_size: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        d = integer("d", self.d, 1)
        n = integer("n", self.n, 1, d, what=f"an integer in [1, d={d}]")
        schedule, b = validate_schedule(self.schedule, n, self.batch_size)
        top = max_sgd_steps(n, b)
        steps = integer("steps", self.steps, 0, top, what=f"an integer in [0, {top}]")
        values: dict[str, Any] = {
            "d": d, "n": n, "batch_size": b, "schedule": schedule, "steps": steps,
            "step_size": positive("step_size", self.step_size),
            "seeds": integer("seeds", self.seeds, 1),
            "conventions": _conventions(self.conventions),
            "engine": choice("engine", self.engine, ENGINES),
            "init_scale": positive("init_scale", self.init_scale),
            "seed": seed("seed", self.seed),
            "seed_offset": seed("seed_offset", self.seed_offset),
            "checkpoints": _checkpoints(self.checkpoints, steps),
            "record_steps": None if self.record_steps is None
            else _steps_list("record_steps", self.record_steps, steps),
            "support_threshold": real("support_threshold", self.support_threshold, 0.0, 1.0,
                                      low_open=True, high_open=True,
                                      what="a number in (0, 1)"),
            "converged_tol": positive("converged_tol", self.converged_tol),
            "divergence_bound": positive("divergence_bound", self.divergence_bound),
            "kernel": self._kernel(schedule, b, steps * integer("seeds", self.seeds, 1)),
            "chunk_size": None if self.chunk_size is None
            else integer("chunk_size", self.chunk_size, 1),
        }
        values["data"] = validate_data(self.data, d, n, values["engine"])
        if values["seed_offset"] + values["seeds"] > 2**63:
            raise DomainError("seed_offset", self.seed_offset,
                              "such that seed_offset + seeds <= 2^63")
        for key, value in values.items():
            set_(self, key, value)

    def _kernel(self, schedule: str, b: int, work: int) -> str:
        kernel = choice("kernel", self.kernel, KERNELS)
        if kernel == "auto":
            big = work >= AUTO_COMPILED_WORK
            kernel = "compiled" if big and numba_available() else "numpy"
        if kernel == "compiled" and not numba_available():
            raise DomainError("kernel", "compiled",
                              "'numpy' or 'auto' (numba is not installed)")
        duplicates = schedule == "replacement" and b > 1
        if self.engine != "reduced" or duplicates:
            kernel = "numpy"
        return kernel

    @property
    def gamma(self) -> float:
        """The per-sample rate gamma = eta / b."""
        return self.step_size / self.batch_size

    def replace(self, **changes: Any) -> SimConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def run_key(self) -> tuple[Any, ...]:
        """What identifies the runs independently of their length and observation:
        a saved state continues only a run with the same key."""
        skip = {"steps", "checkpoints", "record_steps", "chunk_size", "kernel"}
        return tuple((f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                     if f.name not in skip)

    def checkpoint_steps(self, start: int = 0) -> np.ndarray:
        """The steps (in [start, start + steps]) at which metrics are recorded."""
        end = start + self.steps
        spec = self.checkpoints
        if isinstance(spec, int):
            if spec == 0 or self.steps == 0:
                pts = np.array([start, end])
            else:
                grid = np.round(np.geomspace(1, self.steps, spec)).astype(np.int64)
                pts = np.concatenate([[0], np.unique(grid), [self.steps]]) + start
            return np.unique(pts).astype(np.int64)
        return np.array(spec, dtype=np.int64) + start

    def recorded_steps(self, start: int = 0) -> np.ndarray:
        """The steps (in [start, start + steps]) at which coordinates are stored."""
        if self.record_steps is None:
            return np.zeros(0, dtype=np.int64)
        return np.array(self.record_steps, dtype=np.int64) + start

    def to_json(self) -> dict[str, Any]:
        """The parameters as printed by ``aesgd simulate --json`` (flags' names)."""
        out: dict[str, Any] = {
            "d": self.d, "n": self.n, "batch_size": self.batch_size,
            "step_size": self.step_size, "gamma": self.gamma, "steps": self.steps,
            "seeds": self.seeds, "seed_offset": self.seed_offset,
            **self.conventions.to_json(),
            "schedule": self.schedule, "engine": self.engine, "init_scale": self.init_scale,
            "seed": self.seed, "support_threshold": self.support_threshold,
            "converged_tol": self.converged_tol, "divergence_bound": self.divergence_bound,
            "kernel": self.kernel,
        }
        if self.data is not None:
            out["data"] = self.data.to_json()
        return out


def validate_init(init: Any, config: SimConfig) -> np.ndarray:
    """A start w_0: a real, finite array of shape (d,) or (seeds, d), as (seeds, d) float64."""
    d, seeds = config.d, config.seeds
    arr = np.asarray(init)
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise DomainError("init", f"array of dtype {arr.dtype}", "a real (integer or float) "
                          "array")
    arr = arr.astype(float)
    if arr.shape == (d,):
        arr = np.broadcast_to(arr, (seeds, d))
    if arr.shape != (seeds, d):
        raise DomainError("init", f"array of shape {np.shape(init)}",
                          f"of shape ({d},) or ({seeds}, {d})")
    if not np.all(np.isfinite(arr)):
        raise DomainError("init", "array with non-finite entries", "finite")
    return np.array(arr, dtype=float)


def validate_basis(basis: Any, config: SimConfig) -> np.ndarray:
    """An orthogonal (d, d) matrix whose first n columns are the data (full engine only)."""
    if config.engine != "full":
        raise DomainError("basis", "given", "None with engine 'reduced' (use engine='full')")
    q = np.asarray(basis, dtype=float)
    d = config.d
    if q.shape != (d, d) or not np.all(np.isfinite(q)) or not np.allclose(
            q.T @ q, np.eye(d), atol=1e-10):
        raise DomainError("basis", f"array of shape {q.shape}", f"an orthogonal ({d}, {d}) matrix")
    return q


@dataclass(frozen=True)
class WalkConfig:
    """A run of independent walks of a given increment law (:mod:`numerics.random_walk`).

    ``x0`` the start (>= 0 with ``reflect``), ``steps`` >= 1, ``paths`` >= 1, ``seed`` the
    root seed, ``reflect`` (walk on [0, inf) with X' = |X + xi|), ``escape_level`` (a path
    reaching X >= escape_level is frozen there; must exceed |x0|), ``return_radius``
    (returns are entries into [0, return_radius]; None: half the smallest step at the
    law's floor) and ``records`` (log-spaced record times).
    """

    x0: float
    steps: int
    paths: int
    seed: int = 0
    reflect: bool = True
    escape_level: float | None = None
    return_radius: float | None = None
    records: int = 64

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "steps", integer("steps", self.steps, 1, MAX_STEPS))
        set_(self, "paths", integer("paths", self.paths, 1))
        set_(self, "seed", seed("seed", self.seed))
        set_(self, "records", integer("records", self.records, 1))
        if not isinstance(self.reflect, bool):
            raise DomainError("reflect", self.reflect, "True or False")
        low = 0.0 if self.reflect else None
        x0 = real("x0", self.x0, low, what=">= 0 (walk on [0, inf))" if self.reflect
                  else "a finite number")
        set_(self, "x0", x0)
        if self.escape_level is not None:
            level = real("escape_level", self.escape_level, abs(x0), low_open=True,
                         what=f"a finite number > |x0| = {abs(x0):g}")
            set_(self, "escape_level", level)
        if self.return_radius is not None:
            set_(self, "return_radius", real("return_radius", self.return_radius, 0.0))


@dataclass(frozen=True)
class TopGapConfig:
    """The top gap G = log(a_(1)/a_(2)) of ``paths`` independent SGD runs (reduced engine).

    The names are :class:`SimConfig`'s; ``paths`` is the number of runs, ``d`` defaults to
    n, ``escape_level`` (default log 10^6) is the level G must pass, ``records`` the number
    of log- and linearly spaced record steps, ``moved_tol`` the change of G that counts as
    a move.  The step size must keep x_k stable (gamma below the bound of
    :func:`numerics.formulas.stability_bound`, i.e. eta < b/2 except for replacement).
    """

    n: int
    batch_size: int
    step_size: float
    steps: int
    paths: int
    schedule: str = "random"
    seed: int = 0
    conventions: Conventions = RELU
    d: int | None = None
    init_scale: float = 1.0
    escape_level: float = math.log(1e6)
    records: int = 64
    moved_tol: float = 1e-9

    def __post_init__(self) -> None:
        from .formulas import stability_bound

        set_ = object.__setattr__
        n = integer("n", self.n, 2)
        schedule, b = validate_schedule(self.schedule, n, self.batch_size)
        set_(self, "n", n)
        set_(self, "schedule", schedule)
        set_(self, "batch_size", b)
        set_(self, "steps", integer("steps", self.steps, 1, MAX_STEPS))
        set_(self, "paths", integer("paths", self.paths, 1))
        set_(self, "seed", seed("seed", self.seed))
        set_(self, "conventions", _conventions(self.conventions))
        set_(self, "d", n if self.d is None else integer("d", self.d, n,
                                                          what=f"an integer >= n={n}"))
        set_(self, "init_scale", positive("init_scale", self.init_scale))
        set_(self, "escape_level", positive("escape_level", self.escape_level))
        set_(self, "records", integer("records", self.records, 1))
        set_(self, "moved_tol", positive("moved_tol", self.moved_tol))
        # one copy of x_k per batch: x_k is stable iff gamma = eta/b < 1/2 (1 - 4 gamma > -1)
        bound = stability_bound("full", b) * b
        set_(self, "step_size", real(
            "step_size", self.step_size, 0.0, bound, low_open=True, high_open=True,
            what=f"in (0, b/2 = {bound:g}) (stability at x_k: 1 - 4 eta/b > -1)"))
