"""Root pytest configuration: skip the doctests of ``numerics/_kernel_numba.py`` where numba
is missing (a regular dependency, but a platform without a numba wheel still runs the NumPy
kernel, the reference)."""

from __future__ import annotations

import importlib.util

collect_ignore: list[str] = []
if importlib.util.find_spec("numba") is None:
    collect_ignore.append("numerics/_kernel_numba.py")
