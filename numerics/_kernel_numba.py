"""Optional compiled loop for the reduced engine (``pip install aesgd[fast]``, numba).

The same state, arithmetic and schedules as :class:`numerics.sgd._ReducedEngine` (a
per-seed scale c > 0, w_perp = c P, r updated in closed form, renormalisation at the same
step indices, exact per-step divergence detection, materialisation when c m < tiny), but
one loop per seed over a segment of a block, so a seed-step costs O(b) scalar operations
and no NumPy call.  ``random`` batches are decoded here from the block's doubles with the
same Floyd arithmetic as :func:`numerics.schedules.floyd_decode` (integer results, so the
batches are identical); the other schedules pass decoded index blocks.  Results agree with
the NumPy path to rounding (tested to 1e-12), not to the bit: sums are taken in a
different order at renormalisation.

Imported only when ``kernel="numba"`` (or ``"auto"`` with numba installed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

__all__ = ["run_indices", "run_random"]


@njit(cache=True, inline="always")
def _step(
    A: Any,
    i: int,
    idx: Any,
    c: Any,
    P: Any,
    r: Any,
    gam: Any,
    bound: Any,
    div: Any,
    t: int,
    relu: bool,
    fold: bool,
    tiny: float,
    xb: Any,
    sb: Any,
) -> None:
    b = idx.shape[0]
    n = A.shape[1] - 1
    ci = c[i]
    ssc = 0.0
    for p in range(b):
        x = A[i, idx[p]]
        xb[p] = x
        s = x
        if relu and not x > 0.0:
            s = 0.0
        sb[p] = s
        ssc += s * s
    s_b = ssc * (ci * ci)
    m = 1.0 - gam[i] * s_b
    k = gam[i] * (2.0 - r[i])
    r_new = m * m * r[i] + k * s_b * (2.0 * m + k)
    if not r_new <= bound[i] and div[i] < 0:
        div[i] = t + 1
        gam[i] = 0.0
        m = 1.0
        k = 0.0
        r_new = r[i]
    c_new = ci * m
    if not c_new >= tiny:  # materialise: a' = a m + add, scale 1
        cm = ci * m
        for j in range(n + 1):
            A[i, j] = A[i, j] * cm
        kc = k * ci
        for p in range(b):
            A[i, idx[p]] += kc * sb[p]
        A[i, n] = 0.0
        P[i] *= cm
        c[i] = 1.0
    else:
        f = k / m
        for p in range(b):
            A[i, idx[p]] = xb[p] + sb[p] * f
        c[i] = c_new
    r[i] = r_new
    if fold:  # (t + 1) % RENORM_EVERY == 0
        ci = c[i]
        acc = 0.0
        for j in range(n):
            v = A[i, j] * ci
            A[i, j] = v
            acc += v * v
        P[i] *= ci
        c[i] = 1.0
        r[i] = acc + P[i] * P[i]


@njit(cache=True)
def run_random(
    A: Any,
    c: Any,
    P: Any,
    r: Any,
    gam: Any,
    bound: Any,
    div: Any,
    u: Any,
    n: int,
    k0: int,
    k1: int,
    t_block: int,
    relu: bool,
    renorm: int,
    tiny: float,
) -> None:
    """Steps k0..k1-1 of a ``random`` block; ``u`` (seeds, b, K) as drawn by
    :meth:`numerics.schedules.Schedule.draw_uniforms`."""
    seeds, b = u.shape[0], u.shape[1]
    idx = np.empty(b, dtype=np.intp)
    xb = np.empty(b)
    sb = np.empty(b)
    taken = np.zeros(n, dtype=np.bool_)
    phase0 = (t_block + k0 + 1) % renorm
    for i in range(seeds):
        phase = phase0
        for kk in range(k0, k1):
            # Floyd, as numerics.schedules.floyd_decode (a membership table instead of
            # pairwise comparisons: the same indices)
            for p in range(b):
                j = n - b + p
                tt = int(u[i, p, kk] * (j + 1))
                if tt > j:
                    tt = j
                if taken[tt]:
                    tt = j
                taken[tt] = True
                idx[p] = tt
            for p in range(b):
                taken[idx[p]] = False
            t = t_block + kk
            _step(A, i, idx, c, P, r, gam, bound, div, t, relu, phase == 0, tiny, xb, sb)
            phase += 1
            if phase == renorm:
                phase = 0


@njit(cache=True)
def run_indices(
    A: Any,
    c: Any,
    P: Any,
    r: Any,
    gam: Any,
    bound: Any,
    div: Any,
    blk: Any,
    k0: int,
    k1: int,
    t_block: int,
    relu: bool,
    renorm: int,
    tiny: float,
) -> None:
    """Steps k0..k1-1 of a decoded block ``blk`` (seeds, K, b) without repeated indices
    (the sentinel n may repeat: it is always 0)."""
    seeds, b = A.shape[0], blk.shape[2]
    idx = np.empty(b, dtype=np.intp)
    xb = np.empty(b)
    sb = np.empty(b)
    for i in range(seeds):
        for kk in range(k0, k1):
            for p in range(b):
                idx[p] = blk[i, kk, p]
            t = t_block + kk
            _step(A, i, idx, c, P, r, gam, bound, div, t, relu, (t + 1) % renorm == 0, tiny, xb, sb)
