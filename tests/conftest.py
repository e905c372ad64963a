"""Shared test configuration: Hypothesis profiles and scoped numeric state.

Profiles (select with HYPOTHESIS_PROFILE): ``fast`` (default locally), ``ci`` (loaded when
CI is set: derandomised, no deadline), ``thorough`` (many examples).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
_default = "ci" if os.environ.get("CI") else "fast"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


@pytest.fixture(autouse=True)
def _scoped_numeric_state() -> Iterator[None]:
    """Reset mpmath precision after every test and make NumPy float errors raise."""
    dps = mpmath.mp.dps
    with np.errstate(all="raise"):
        yield
    mpmath.mp.dps = dps
