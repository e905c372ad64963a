"""numerics.metrics against their definitions, written out here, on small integer states."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from numerics import metrics
from theory.conventions import LINEAR, RELU, Conventions


@given(st.lists(st.integers(-3, 3), min_size=1, max_size=6), st.sampled_from((RELU, LINEAR)))
def test_metrics_match_their_definitions(ints: list[int], conventions: Conventions) -> None:
    """``numerics.metrics`` on small integer states (zeros included: the relu kink and the
    dead state), against the definitions written out here: winner (-1 when no positive
    relu coordinate), active count under the default relu'(0) = 0, support, alignment
    with a zero norm."""
    a = np.array([ints], dtype=float)
    mag = np.abs(a[0])
    if conventions.is_relu:
        want_winner = int(np.argmax(a[0])) if a[0].max() > 0 else -1
        want_active = int(np.sum(a[0] > 0))
    else:
        want_winner = int(np.argmax(mag)) if mag.max() > 0 else -1
        want_active = a.shape[1]
    assert int(metrics.winner(a, conventions)[0]) == want_winner
    assert int(metrics.active_count(a, conventions)[0]) == want_active
    assert int(metrics.support(a, 0.5)[0]) == int(np.sum(mag > 0.5 * mag.max()))
    # one state as a 1-D array (shape (n,)): the reductions are over the last axis
    assert int(metrics.winner(a[0], conventions)) == want_winner
    assert int(metrics.support(a[0], 0.5)) == int(np.sum(mag > 0.5 * mag.max()))
    assert int(metrics.active_count(a[0], conventions)) == want_active
    assert float(metrics.alignment(np.array([0.0]), np.array([0.0]), np.array([1.0]))[0]) == 0.0
