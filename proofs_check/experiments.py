"""The simulations of a verify run: one set of runs, one root seed, shared by checks and figures.

Every SGD simulation that a check judges or a figure shows is made here, under the root seed
:data:`ROOT`, and cached per budget level: a check and the figure that sits beside its
verdict read the same runs, and the report's caveat paragraphs quote the numbers the checks
saw.  The setting is SPEC's running example: relu, d = 40, n = 20, w_0 ~ N(0, I/d); seed
index i starts from the same w_0 in every run (the init depends only on (ROOT, i)), so
batch sizes are compared on the same initialisations.

``sweep(level)``          b in :data:`BATCH_SIZES` at a fixed per-sample rate gamma = eta/b =
                          :data:`GAMMA_SGD` (random batches) and gradient descent at b = n
                          (eta = :data:`GAMMA_FULL` n): figures 1-3 and the sparsity,
                          alignment and trace checks
``fixed_eta_sweep(level)``  b < n at a fixed eta = :data:`FIXED_ETA` (gamma = eta/b shrinks):
                          the slow sparsification near b = n (support figure, P3 caveat)
``sgd(level, b, ...)``    one setting of b < n (other schedules, linear activation)
``gd(level, ...)``        gradient descent (the b = n row, with more seeds for statistics)
``top_gap(level)``        the top-gap walk G of b = 1, b = 5 and b = n (walk figure, walk checks)
``two_d(level)``          d = n = 2 paths from one start (the 2-D figure)

>>> sizes("quick").seeds, sizes("full").seeds
(64, 500)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from numerics import SimulationResult, simulate_sgd_top_gap
from numerics import simulate as _simulate
from numerics import trajectory as _trajectory
from numerics.sgd_walk import SGDWalkResult
from theory.conventions import RELU, Conventions
from theory.domain import choice

__all__ = [
    "BATCH_SIZES",
    "FIXED_ETA",
    "GAMMA_FULL",
    "GAMMA_SGD",
    "LEVELS",
    "PATH_START",
    "REFERENCE_KERNEL",
    "ROOT",
    "D",
    "N",
    "Sizes",
    "fixed_eta_sweep",
    "gd",
    "sgd",
    "simulate",
    "sizes",
    "sweep",
    "top_gap",
    "trajectory",
    "two_d",
]

ROOT = 20230803
"""The root seed of every simulation of a verify run (checks and figures; arXiv:2308.03215)."""

REFERENCE_KERNEL = "numpy"
"""The kernel of every run a check judges: the NumPy reference path, so a wrong variant of
a schedule or an engine function (:mod:`proofs_check.variants`) reaches the runs.  The
compiled kernel gives the same bits; the engine check compares the two bit for bit."""


def simulate(*args: Any, **options: Any) -> SimulationResult:
    """:func:`numerics.simulate` on :data:`REFERENCE_KERNEL`."""
    return _simulate(*args, kernel=REFERENCE_KERNEL, **options)


def trajectory(*args: Any, **options: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`numerics.trajectory` on :data:`REFERENCE_KERNEL`."""
    return _trajectory(*args, kernel=REFERENCE_KERNEL, **options)
LEVELS: tuple[str, ...] = ("quick", "full")
D, N = 40, 20
BATCH_SIZES: tuple[int, ...] = (1, 2, 4, 5, 10, 15, 19, 20)
GAMMA_SGD = 0.4
"""Per-sample rate gamma = eta/b for b < n: eta = 0.4 b, inside the bound gamma < 1/2."""
GAMMA_FULL = 0.2
"""Full batch (b = n, schedule ``full``): eta = 0.2 n = 4."""
FIXED_ETA = 0.4
"""The second support series: the same eta for every b < n (gamma = 0.4/b shrinks as b grows)."""
PATH_START = (0.3, 0.2)
"""The start w_0 of the 2-D figure (d = n = 2)."""


@dataclass(frozen=True)
class Sizes:
    """How much simulation a level gets.

    seeds, steps        every b < n run (the sweeps, the other schedules)
    gd_seeds, gd_steps  gradient descent (more seeds: the alignment statistics)
    path_steps, paths   the 2-D figure
    walk_seeds, walk_steps, walk_records  the top-gap walk
    """

    seeds: int
    steps: int
    gd_seeds: int
    gd_steps: int
    path_steps: int
    paths: int
    walk_seeds: int
    walk_steps: int
    walk_records: int


def sizes(level: str) -> Sizes:
    """Quick: a few seconds of simulation in all; full: a few minutes (2 cores)."""
    if choice("level", level, LEVELS) == "full":
        return Sizes(seeds=500, steps=100_000, gd_seeds=1000, gd_steps=3000, path_steps=1500,
                     paths=6, walk_seeds=256, walk_steps=40_000, walk_records=160)
    return Sizes(seeds=64, steps=30_000, gd_seeds=200, gd_steps=3000, path_steps=1000,
                 paths=4, walk_seeds=64, walk_steps=20_000, walk_records=160)


@cache
def sgd(level: str, batch_size: int, *, schedule: str = "random",
        step_size: float | None = None, conventions: Conventions = RELU) -> SimulationResult:
    """b < n runs: ``sizes(level).seeds`` seeds, ``.steps`` steps, d = 40, n = 20, root
    :data:`ROOT`; ``step_size`` defaults to eta = :data:`GAMMA_SGD` b (``replacement``:
    gamma = 0.4 / b^2 would be needed for stability at b > 1, so pass it)."""
    z = sizes(level)
    eta = GAMMA_SGD * batch_size if step_size is None else step_size
    return simulate(D, N, batch_size, eta, z.steps, z.seeds, schedule=schedule,
                    conventions=conventions, seed=ROOT, checkpoints=32)


@cache
def gd(level: str, conventions: Conventions = RELU, step_size: float = GAMMA_FULL * N
       ) -> SimulationResult:
    """Gradient descent (b = n, schedule ``full``), ``sizes(level).gd_seeds`` seeds."""
    z = sizes(level)
    return simulate(D, N, N, step_size, z.gd_steps, z.gd_seeds, schedule="full",
                    conventions=conventions, seed=ROOT, checkpoints=32)


def sweep(level: str) -> dict[int, SimulationResult]:
    """b -> runs for every b in :data:`BATCH_SIZES` (gamma fixed; b = n is :func:`gd`)."""
    return {b: gd(level) if b == N else sgd(level, b) for b in BATCH_SIZES}


def fixed_eta_sweep(level: str) -> dict[int, SimulationResult]:
    """b -> runs for every b < n at eta = :data:`FIXED_ETA`."""
    return {b: sgd(level, b, step_size=FIXED_ETA) for b in BATCH_SIZES if b < N}


@cache
def top_gap(level: str) -> dict[int, SGDWalkResult]:
    """b -> the top gap G of SGD runs at b = 1, b = 5 (gamma = :data:`GAMMA_SGD`) and b = n
    (gradient descent), d = 40, n = 20, root :data:`ROOT`."""
    z = sizes(level)
    out = {}
    for b in (1, 5, N):
        full = b == N
        out[b] = simulate_sgd_top_gap(
            n=N, d=D, batch_size=b, step_size=GAMMA_FULL * N if full else GAMMA_SGD * b,
            steps=z.walk_steps, paths=z.walk_seeds, schedule="full" if full else "random",
            seed=ROOT, records=z.walk_records)
    return out


@cache
def two_d(level: str) -> dict[str, np.ndarray]:
    """d = n = 2, relu, from w_0 = :data:`PATH_START`: the full-batch path (eta = 2
    :data:`GAMMA_FULL`) and ``sizes(level).paths`` b = 1 paths at the same gamma."""
    z = sizes(level)
    w0 = np.array(PATH_START)
    _, a_full, _ = trajectory(2, 2, 2, GAMMA_FULL * 2, z.path_steps, 1, record_every=1,
                              schedule="full", init=w0, seed=ROOT)
    _, a_one, _ = trajectory(2, 2, 1, GAMMA_FULL, z.path_steps, z.paths, record_every=1,
                             schedule="random", init=w0, seed=ROOT)
    return {"full_batch": a_full[:, 0, :], "b1": a_one}
