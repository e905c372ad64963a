"""The numeric side of aesgd: SGD engines, random walks, Hessian estimators, statistics.

Everything here evaluates formulas derived in :mod:`theory` (through
:mod:`numerics.compile`); nothing is retyped.  Public API (loaded lazily, PEP 562):

>>> from numerics import simulate
>>> res = simulate(d=40, n=20, batch_size=20, step_size=0.5, steps=400, seeds=1,
...                schedule="full")
>>> res.runs()[0]["status"]
'converged'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from . import compile
    from .config import ENGINES, SCHEDULES, SimConfig, TopGapConfig, WalkConfig
    from .data import Data, DataSpec
    from .random_walk import FiniteLaw, lamperti_law, simulate_walk, two_point_law
    from .result import SimState, SimulationResult
    from .schedules import Schedule, batches
    from .sgd import initial_state, run, simulate, trajectory
    from .sgd_walk import simulate_sgd_top_gap, top_gap
    from .stats import mean_interval, wilson_interval
    from .steps import full_step, reduced_step

__all__ = [
    "ENGINES",
    "SCHEDULES",
    "Data",
    "DataSpec",
    "FiniteLaw",
    "Schedule",
    "SimConfig",
    "SimState",
    "SimulationResult",
    "TopGapConfig",
    "WalkConfig",
    "batches",
    "compile",
    "full_step",
    "initial_state",
    "lamperti_law",
    "mean_interval",
    "reduced_step",
    "run",
    "simulate",
    "simulate_sgd_top_gap",
    "simulate_walk",
    "top_gap",
    "trajectory",
    "two_point_law",
    "wilson_interval",
]


def __getattr__(name: str) -> Any:
    """PEP 562: import the submodule that defines ``name`` on first use (``compile`` is the
    module numerics.compile; its function is ``numerics.compile.compile``)."""
    match name:
        case "ENGINES" | "SCHEDULES" | "SimConfig" | "TopGapConfig" | "WalkConfig":
            from . import config

            return getattr(config, name)
        case "Data" | "DataSpec":
            from . import data

            return getattr(data, name)
        case "FiniteLaw" | "lamperti_law" | "simulate_walk" | "two_point_law":
            from . import random_walk

            return getattr(random_walk, name)
        case "SimState" | "SimulationResult":
            from . import result

            return getattr(result, name)
        case "Schedule" | "batches":
            from . import schedules

            return getattr(schedules, name)
        case "initial_state" | "run" | "simulate" | "trajectory":
            from . import sgd

            return getattr(sgd, name)
        case "simulate_sgd_top_gap" | "top_gap":
            from . import sgd_walk

            return getattr(sgd_walk, name)
        case "mean_interval" | "wilson_interval":
            from . import stats

            return getattr(stats, name)
        case "full_step" | "reduced_step":
            from . import steps

            return getattr(steps, name)
        case _:
            raise AttributeError(f"module 'numerics' has no attribute {name!r}")

def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
