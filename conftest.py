"""Root pytest configuration: skip doctest collection of optional modules whose extra is
not installed (``numerics/_kernel_numba.py`` needs the ``fast`` extra, numba)."""

from __future__ import annotations

import importlib.util

collect_ignore: list[str] = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("numerics/_kernel_numba.py")
