"""Tests added for surviving mutants of tools/mutation.py (issue 6; README "Mutation testing").

Each test pins documented behaviour that no other fast test exercised.
"""

from __future__ import annotations

import numpy as np

from numerics.sgd import simulate


def test_smallest_problem_d_equals_n_equals_1() -> None:
    """d = n = b = 1 is inside the domain (n <= d, 1 <= b <= n): w -> x_1 (relu, a > 0)."""
    res = simulate(1, 1, 1, 0.4, 200, 1, init=np.array([0.5]), checkpoints=0)
    assert abs(float(res.a[0, 0]) - 1.0) <= 1e-12
    assert float(res.perp[0]) == 0.0


def test_checkpoint_count_gives_log_spaced_steps_from_1() -> None:
    """``checkpoints=k``: round(geomspace(1, steps, k)) plus 0 and ``steps``."""
    res = simulate(6, 3, 1, 0.4, 1000, 1, checkpoints=4)
    assert res.checkpoint_steps.tolist() == [0, 1, 10, 100, 1000]
    res0 = simulate(6, 3, 1, 0.4, 1000, 1, checkpoints=0)
    assert res0.checkpoint_steps.tolist() == [0, 1000]
