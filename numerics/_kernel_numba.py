"""The compiled loop of the reduced engine (numba; ``kernel="compiled"``).

The same state, arithmetic and schedules as :class:`numerics._engines._ReducedEngine` (a
per-seed scale c > 0, w_perp = c P, r updated in closed form, renormalisation at the same
step indices with the same sequential sum, exact per-step divergence detection,
materialisation when c m < tiny), but one loop per seed over a segment of a block, so a
seed-step costs O(b) scalar operations and no NumPy call.  ``random`` batches are computed
here from the seeds' keys: the same SplitMix64 words, 32-bit draws, Lemire reduction with
its retries and Floyd decoding as :mod:`numerics.rng` and
:meth:`numerics.schedules.Schedule.draw_block` (integer arithmetic on uint64, so the
batches are identical); the other schedules pass decoded index blocks.  Every
floating-point operation is the NumPy path's, in the same order, without ``fastmath``:
the results are the same bits (tested).

Compiled on first use and cached on disk (numba's ``cache=True``), so later processes
load the machine code instead of compiling.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from .rng import GOLDEN, MAX_RETRIES, MIX_MULTIPLIERS, RETRY_DOMAIN

__all__ = ["run_indices", "run_random"]

_U = np.uint64
_M1, _M2 = _U(MIX_MULTIPLIERS[0]), _U(MIX_MULTIPLIERS[1])
_LOW = _U(0xFFFFFFFF)
_ONE = _U(1)
_RETRY = _U(RETRY_DOMAIN)
_TRIES = MAX_RETRIES
assert GOLDEN  # the keys are made in NumPy (numerics.rng.batch_keys)


@njit(cache=True, inline="always")
def _word(state: Any, gamma: Any, k: Any) -> Any:
    """mix64(state + (k + 1) gamma): word k of a stream (numerics.rng.words)."""
    z = state + (k + _ONE) * gamma
    z = (z ^ (z >> _U(30))) * _M1
    z = (z ^ (z >> _U(27))) * _M2
    return z ^ (z >> _U(31))


@njit(cache=True, inline="always")
def _draw_floyd(st: Any, ga: Any, t: int, b: int, n: int, ms: Any, th: Any, taken: Any,
                idx: Any) -> None:
    """The ``random`` batch of step t into ``idx``: draws c = t b + p, member p is
    U(n - b + p + 1) (Lemire, with the retries of numerics.rng.below), or n - b + p if
    taken (Floyd, as numerics.schedules.floyd_block).  ``taken`` is all False again after."""
    cnum = _U(t) * _U(b)
    wv = _U(0)
    for p in range(b):
        if p == 0 or (cnum & _ONE) == _U(0):
            wv = _word(st, ga, cnum >> _ONE)
        x = (wv >> _U(32)) if (cnum & _ONE) else (wv & _LOW)
        prod = x * ms[p]
        if (prod & _LOW) < th[p]:  # rejected (rare)
            for a in range(1, _TRIES):
                kr = _RETRY + cnum * _U(64) + _U(a - 1)
                prod = (_word(st, ga, kr) >> _U(32)) * ms[p]
                if (prod & _LOW) >= th[p]:
                    break
        tt = np.intp(prod >> _U(32))
        if taken[tt]:
            tt = np.intp(n - b + p)
        taken[tt] = True
        idx[p] = tt
        cnum += _ONE
    for p in range(b):
        taken[idx[p]] = False


@njit(cache=True, inline="always")
def _gather(row: Any, idx: Any, b: int, relu: bool, xb: Any, sb: Any) -> float:
    """x = the batch coordinates, s = sigma(x) (as np.maximum(x, 0.0)); returns sum s^2."""
    ssc = 0.0
    for p in range(b):
        x = row[idx[p]]
        xb[p] = x
        s = x
        if relu and not (x > 0.0 or x != x):  # np.maximum(x, 0.0)
            s = 0.0
        sb[p] = s
        ssc += s * s
    return ssc


@njit(cache=True, inline="always")
def _materialise(row: Any, n: int, idx: Any, b: int, sb: Any, ci: float, m: float,
                 k: float) -> float:
    """a' = a m + k sigma(a) at scale 1 (the engine's materialised rows); returns c m."""
    cm = ci * m
    for j in range(n + 1):
        row[j] = row[j] * cm
    kc = k * ci
    for p in range(b):
        row[idx[p]] += kc * sb[p]
    row[n] = 0.0
    return cm


@njit(cache=True, inline="always")
def _renormalise(row: Any, n: int, ci: float, pi: float) -> tuple[float, float]:
    """Fold c into the row; returns (P c, r) with r summed sequentially (the engine's)."""
    acc = 0.0
    for j in range(n):
        v = row[j] * ci
        row[j] = v
        acc += v * v
    pi *= ci
    return pi, acc + pi * pi


def _make(random: bool) -> Any:
    """The compiled loop for ``random`` batches (drawn inside) or for decoded blocks."""

    @njit(cache=True)
    def kernel(
        A: Any,
        c: Any,
        P: Any,
        r: Any,
        gam: Any,
        bound: Any,
        div: Any,
        blk: Any,
        state: Any,
        gamma: Any,
        t0: int,
        t1: int,
        t_block: int,
        relu: bool,
        renorm: int,
        tiny: float,
    ) -> None:
        """Steps t0 .. t1 - 1 of every seed.  With ``random`` (a constant of the closure, so
        each variant is compiled without the other's branch) the batch of step t is drawn
        here from the seeds' keys ``state``, ``gamma`` (numerics.rng.batch_keys): draws
        c = t b + p, p < b = ``blk.shape[2]``, decoded by Floyd; otherwise it is
        ``blk[i, t - t_block]`` (a decoded block (seeds, K, b) without repeated indices but
        the sentinel n, always 0).  The helpers are inlined by numba (``inline="always"``):
        an ordinary call cost a third more per step (measured)."""
        seeds, n, b = A.shape[0], A.shape[1] - 1, blk.shape[2]
        idx = np.empty(b, dtype=np.intp)
        xb = np.empty(b)
        sb = np.empty(b)
        taken = np.zeros(n, dtype=np.bool_)
        ms = np.empty(b, dtype=np.uint64)
        th = np.empty(b, dtype=np.uint64)
        for p in range(b):
            mp = n - b + p + 1
            ms[p] = _U(mp)
            th[p] = _U(((1 << 32) - mp) % mp)
        for i in range(seeds):
            st = state[i] if random else _U(0)
            ga = gamma[i] if random else _U(0)
            row = A[i]
            ci, ri, gi, bi, di, pi = c[i], r[i], gam[i], bound[i], div[i], P[i]
            phase = (t0 + 1) % renorm
            for t in range(t0, t1):
                if random:
                    _draw_floyd(st, ga, t, b, n, ms, th, taken, idx)
                else:
                    for p in range(b):
                        idx[p] = blk[i, t - t_block, p]
                # the step (numerics._engines._ReducedEngine._advance, operation by operation)
                s_b = _gather(row, idx, b, relu, xb, sb) * (ci * ci)
                m = 1.0 - gi * s_b
                k = gi * (2.0 - ri)
                r_new = m * m * ri + k * s_b * (2.0 * m + k)
                if not r_new <= bi and di < 0:  # diverged: frozen at the last finite state
                    di = t + 1
                    gi = 0.0
                    m = 1.0
                    k = 0.0
                    r_new = ri
                c_new = ci * m
                if not c_new >= tiny:  # materialise: a' = a m + add, scale 1
                    pi *= _materialise(row, n, idx, b, sb, ci, m, k)
                    ci = 1.0
                else:
                    f = k / m
                    for p in range(b):
                        row[idx[p]] = xb[p] + sb[p] * f
                    ci = c_new
                ri = r_new
                if phase == 0:  # (t + 1) % renorm == 0: sequential sum, as the NumPy engine
                    pi, ri = _renormalise(row, n, ci, pi)
                    ci = 1.0
                phase += 1
                if phase == renorm:
                    phase = 0
            c[i], r[i], gam[i], div[i], P[i] = ci, ri, gi, di, pi

    return kernel


run_random = _make(True)
run_indices = _make(False)
