"""The random walks SGD induces on its data coordinates (SPEC ``walk.log_ratio``, ``walk.top_gap``).

:func:`top_gap` and :func:`log_ratio` read the walks off coordinate arrays;
:func:`exact_log_ratio_law` evaluates the exact law of :mod:`theory.walk`;
:func:`simulate_sgd_top_gap` runs the SGD engine (:func:`numerics.sgd.run`) and records the
top gap G; :func:`empirical_log_ratio_increments` applies the engine's one-step map
(:func:`numerics.steps.reduced_step`) to sampled batches.

>>> r = simulate_sgd_top_gap(n=4, batch_size=4, step_size=0.5, steps=100, paths=8,
...                          schedule="full")
>>> r.summary()["moved_fraction"]
0.0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.conventions import RELU, Conventions
from theory.domain import DomainError, expression, integer, positive
from theory.walk import log_ratio_increment_law

from . import formulas
from .config import SimConfig, TopGapConfig
from .rng import batch_keys
from .schedules import Schedule
from .stats import wilson_interval
from .steps import reduced_step

_PATHS = {"seeds": "paths"}
"""run()'s argument names where this function calls them otherwise."""

__all__ = [
    "SGDWalkResult",
    "empirical_log_ratio_increments",
    "exact_log_ratio_law",
    "log_ratio",
    "record_grid",
    "simulate_sgd_top_gap",
    "top_gap",
]


def _magnitudes(a: np.ndarray, conventions: Conventions) -> np.ndarray:
    """|sigma(a)|: the size of each coordinate as the model sees it (0 when inactive)."""
    return np.abs(formulas.sigma(conventions)(a))


def top_gap(a: np.ndarray, conventions: Conventions = RELU) -> np.ndarray:
    """G = log(a_(1)/a_(2)) >= 0 per row (SPEC ``walk.top_gap``), re-ranked per call.

    a_(1) >= a_(2) are the two largest active magnitudes |sigma(a_i)| (relu: positive
    coordinates; linear: |a_i|).  G = inf when fewer than two coordinates are active (or
    the second has underflowed to 0), nan when none is.

    >>> from theory.conventions import LINEAR
    >>> top_gap(np.array([[0.5, 0.25, -3.0], [1.0, 0.0, 0.0]])).tolist()
    [0.6931471805599453, inf]
    >>> top_gap(np.array([0.5, 0.25, -3.0]), LINEAR).tolist()
    1.791759469228055
    """
    arr = np.asarray(a, dtype=float)
    if arr.shape[-1] < 2:
        raise DomainError("a.shape[-1]", arr.shape[-1], ">= 2")
    v = _magnitudes(arr, conventions)
    top2 = np.partition(v, -2, axis=-1)[..., -2:]
    a1 = top2[..., 1]
    a2 = top2[..., 0]
    both = a2 > 0  # then a1 >= a2 > 0 too
    g = (np.log(a1, out=np.zeros(a1.shape), where=both)
         - np.log(a2, out=np.zeros(a2.shape), where=both))
    return np.where(a1 > 0, np.where(both, g, np.inf), np.nan)


def log_ratio(a: np.ndarray, j: int, k: int) -> np.ndarray:
    """D_jk = log|a_j| - log|a_k| per row (SPEC ``walk.log_ratio``); both must be nonzero.

    >>> float(log_ratio(np.array([2.0, -1.0]), 0, 1))
    0.6931471805599453
    """
    arr = np.asarray(a, dtype=float)
    aj = np.abs(arr[..., j])
    ak = np.abs(arr[..., k])
    if np.any(aj == 0) or np.any(ak == 0):
        raise DomainError("(a_j, a_k)", "contains 0", "nonzero (log-ratio undefined)")
    return np.log(aj) - np.log(ak)


def exact_log_ratio_law(a: Any, j: int, k: int, step_size: float, batch_size: int,
                        perp2: float = 0.0, conventions: Conventions = RELU,
                        schedule: str = "random") -> tuple[np.ndarray, np.ndarray]:
    """The exact law of D' - D (``theory.walk.log_ratio_increment_law``) as float arrays.

    Returns (values, probabilities) sorted by value; the state is converted to exact
    rationals (the binary value of each float), so the law is that of the float state.

    >>> v, p = exact_log_ratio_law([0.5, 0.25, 0.125], 0, 1, 0.2, 1)
    >>> [round(float(z), 6) for z in p]
    [0.333333, 0.333333, 0.333333]
    """
    eta = positive("step_size", step_size)
    b = integer("batch_size", batch_size, 1)
    gamma_ = expression("step_size", eta) / b
    law = log_ratio_increment_law(
        [float(v) for v in np.asarray(a, dtype=float)], j, k, gamma_, b,
        float(perp2), conventions, schedule,
    )
    items = sorted((float(v), float(w)) for v, w in law.items())
    return np.array([v for v, _ in items]), np.array([w for _, w in items])


def empirical_log_ratio_increments(
    a: Any,
    j: int,
    k: int,
    step_size: float,
    batch_size: int,
    draws: int,
    schedule: str = "random",
    perp: float = 0.0,
    conventions: Conventions = RELU,
    seed: int = 0,
) -> np.ndarray:
    """D' - D over ``draws`` independent batches from one fixed state (the engine's step).

    Batches come from :class:`numerics.schedules.Schedule` (stream ``batches`` of seed
    index 0 under ``seed``), the step from :func:`numerics.steps.reduced_step`: the same
    code the simulator runs.  Used to compare D's empirical law with
    :func:`exact_log_ratio_law`.

    >>> st = [0.5, 0.25, 0.125, 0.1]
    >>> inc = empirical_log_ratio_increments(st, 0, 1, 0.2, 1, 64)
    >>> v, _ = exact_log_ratio_law(st, 0, 1, 0.2, 1)
    >>> bool(np.all(np.min(np.abs(inc[:, None] - v[None, :]), axis=1) < 1e-12))
    True
    """
    draws = integer("draws", draws, 1)
    a0 = np.asarray(a, dtype=float)
    n = a0.size
    sch = Schedule(schedule, n, batch_size)
    keys = batch_keys(seed, [0])
    blocks = []
    got = 0
    q = 0
    while got < draws:
        blk = sch.draw_block(keys, q)[0]
        blocks.append(blk)
        got += blk.shape[0]
        q += 1
    batch = np.concatenate(blocks)[:draws]
    state = np.broadcast_to(a0, (draws, n))
    new, _ = reduced_step(state, np.full(draws, float(perp)), batch,
                          positive("step_size", step_size) / batch_size, conventions)
    return log_ratio(new, j, k) - log_ratio(a0, j, k)


@dataclass
class SGDWalkResult:
    """Top-gap walks of independent SGD runs (one path per seed)."""

    config: TopGapConfig
    g0: np.ndarray
    g_final: np.ndarray
    escape_time: np.ndarray  # first record step with G >= escape_level, -1 if never
    record_times: np.ndarray
    record_g: np.ndarray  # (R, paths)
    moved: np.ndarray  # |G changed| > moved_tol at some record time or at the end
    engine: str = "numerics.sgd"
    diverged: int = 0

    @property
    def eligible(self) -> np.ndarray:
        """Runs with a finite initial gap: >= 2 active coordinates at init (relu may have
        fewer: then G is undefined or already infinite and the walk is not defined)."""
        return np.isfinite(self.g0)

    @property
    def escaped(self) -> np.ndarray:
        return (self.escape_time >= 0) & self.eligible

    def summary(self, confidence: float = 0.95) -> dict[str, Any]:
        """Fractions over the eligible runs, with Wilson intervals at ``confidence``."""
        elig = self.eligible
        paths = int(elig.sum())
        if paths == 0:
            raise DomainError("paths", 0, "at least one run with >= 2 active coordinates")
        k_esc = int(self.escaped.sum())
        k_mov = int((self.moved & elig).sum())
        lo, hi = wilson_interval(k_esc, paths, confidence)
        mlo, mhi = wilson_interval(k_mov, paths, confidence)
        gf = self.g_final[elig]
        return {
            "paths": paths,
            "excluded_paths": int((~elig).sum()),
            "escaped_fraction": k_esc / paths,
            "escaped_ci": [lo, hi],
            "moved_fraction": k_mov / paths,
            "moved_ci": [mlo, mhi],
            "confidence": confidence,
            "escape_level": self.config.escape_level,
            "median_escape_time": float(np.median(self.escape_time[self.escaped]))
            if k_esc
            else None,
            # runs left with no active coordinate (a first step past the bound flipped
            # every positive coordinate: large ||w_0|| and eta), G undefined at the end
            "dead_runs": int(np.isnan(gf).sum()),
            "median_final_gap": float(np.nanmedian(gf)) if np.isfinite(gf).any() or
            np.isinf(gf).any() else None,
            "median_initial_gap": float(np.median(self.g0[elig])),
            "engine": self.engine,
            "diverged_runs": self.diverged,
        }


def record_grid(steps: int, records: int) -> tuple[int, ...]:
    """About 2 ``records`` record steps, log- and linearly spaced, 0 and ``steps`` included.

    >>> record_grid(100, 4)
    (0, 1, 5, 22, 25, 50, 75, 100)
    """
    grid = np.concatenate([
        np.geomspace(1, steps, num=min(records, steps)),
        np.linspace(0, steps, num=min(records, steps) + 1),
    ])
    return tuple(int(t) for t in np.unique(np.round(grid).astype(np.int64)))


def simulate_sgd_top_gap(config: TopGapConfig | None = None, *, max_memory: int | None = None,
                         max_seconds: float | None = None, **params: Any) -> SGDWalkResult:
    """The top gap G = log(a_(1)/a_(2)) of ``paths`` independent SGD runs (SPEC ``walk.top_gap``).

    Takes a :class:`numerics.config.TopGapConfig` or its fields as keywords.  Path i is
    SGD seed index i under ``seed``, run by the reduced engine (``d`` defaults to n); G is
    read off the coordinates at about 2 ``records`` record steps (log- and linearly
    spaced, 0 and ``steps`` included) and re-ranked at each.  A run escaped if
    G >= ``escape_level`` (default log 10^6) at some record step; ``moved`` marks runs
    whose G changed by more than ``moved_tol`` at some record step.  Under b = n
    (``full``) G is constant (``gd.ratio_invariance``); under b < n it escapes
    (``sgd.sparse_limit``).  ``max_memory`` and ``max_seconds`` are :func:`numerics.sgd.run`'s.
    """
    from .resources import estimate_run, require
    from .sgd import run

    cfg = TopGapConfig(**params) if config is None else config
    assert cfg.d is not None
    sim = SimConfig(d=cfg.d, n=cfg.n, batch_size=cfg.batch_size, step_size=cfg.step_size,
                    steps=cfg.steps, seeds=cfg.paths, conventions=cfg.conventions,
                    schedule=cfg.schedule, init_scale=cfg.init_scale, seed=cfg.seed,
                    checkpoints=0, record_steps=record_grid(cfg.steps, cfg.records))
    est = estimate_run(sim)  # the same estimate run() makes, in this function's vocabulary
    require(dataclasses.replace(est, memory_parameter=_PATHS.get(est.memory_parameter,
                                                                 est.memory_parameter),
                                time_parameter=_PATHS.get(est.time_parameter,
                                                          est.time_parameter),
                                what=est.what.replace("seed(s)", "path(s)")),
            max_memory, max_seconds)
    res = run(sim, max_memory=max_memory, max_seconds=max_seconds)
    rec_idx = np.asarray(res.record_steps, dtype=np.int64)
    with np.errstate(divide="ignore", under="ignore"):
        rec = top_gap(res.record_a, cfg.conventions)  # (R, paths)
    g0 = rec[0]
    passed = rec >= cfg.escape_level
    esc = np.where(passed.any(axis=0), rec_idx[np.argmax(passed, axis=0)], -1)
    with np.errstate(invalid="ignore"):
        diff = np.abs(rec - g0[None, :])
        # inf - inf is nan (no move), compared as False
        moved = np.any(diff > cfg.moved_tol, axis=0)
    return SGDWalkResult(
        config=cfg, g0=g0, g_final=rec[-1], escape_time=esc, record_times=rec_idx,
        record_g=rec, moved=moved, engine="numerics.sgd.simulate (reduced)",
        diverged=int((res.diverged_at >= 0).sum()),
    )
