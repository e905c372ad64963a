"""Sweeps: parameter grids of SGD runs, resumable, on local processes or a Dask cluster.

:mod:`~proofs_check.sweep.config` reads and validates the TOML configuration and lists the
tasks; :mod:`~proofs_check.sweep.task` runs one task (a pure function of its spec) and keeps
its file; :mod:`~proofs_check.sweep.runner` runs the tasks and reports the status;
:mod:`~proofs_check.sweep.collect` gathers them into ``sweep.nc`` (xarray);
:mod:`~proofs_check.sweep.plot` draws the figures and states the findings;
:mod:`~proofs_check.sweep.presets` holds the shipped configurations.  See README.md
("aesgd sweep").
"""

from .config import SweepConfig, SweepConfigError, load_config, parse_config

__all__ = ["SweepConfig", "SweepConfigError", "load_config", "parse_config"]
