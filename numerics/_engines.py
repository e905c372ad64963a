"""The SGD engines (private): a full-dimensional and a reduced engine, vectorised over seeds.

``_FullEngine``     w in R^d; each step sums the per-sample gradients of ``grad.per_sample``
                    (:func:`numerics.steps.full_step`).  O(d) work per seed and step.
``_ReducedEngine``  the state is a (n data coordinates) and the signed length of the
                    orthogonal part, which only ever gets multiplied (``sgd.multiplicative``).
                    O(b) work per seed and step, independent of d: a per-seed scale factor
                    c holds the common multiplier 1 - gamma S_B, so a step touches only the
                    batch coordinates; c is folded back into the coordinates every
                    :data:`RENORM_EVERY` steps (a schedule of the step index only).
``_ReducedEngineCompiled``  the same state and arithmetic as one compiled loop per seed
                    (:mod:`numerics._kernel_numba`), bit for bit: the same batches (it
                    computes the counter-based draws itself) and the same floating-point
                    operations in the same order.

The reduced step is retyped here for speed (relu as ``np.maximum(x, 0)``, the closed-form
update of r); tests tie it to the reference :func:`numerics.steps.reduced_step` (1e-12).
Every engine can export its state (:meth:`_Engine.export`) and be rebuilt from it, so a run
continues bit for bit (:class:`numerics.result.SimState`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theory.conventions import Conventions

from .data import Data
from .rng import Keys
from .schedules import Schedule, Workspace
from .steps import full_step

__all__: list[str] = []

RENORM_EVERY = 64
"""Reduced engine: the scale factor is folded into the coordinates after every step t
with t % RENORM_EVERY == 0 (a function of the step index only)."""
_TINY_SCALE = 1e-150


class _Engine:
    """Common state handling: divergence freezing, per-seed status, block driving."""

    def __init__(self, gamma: float, r0: np.ndarray, bound: float, schedule: Schedule) -> None:
        s = r0.shape[0]
        self.sch = schedule
        self.gam = np.full(s, gamma)
        self.bound = bound * np.maximum(1.0, r0)
        self.diverged_at = np.full(s, -1, dtype=np.int64)
        self._blk: np.ndarray | None = None

    def _diverging(self, r_new: np.ndarray, t: int) -> np.ndarray | None:
        bad = ~(r_new <= self.bound) & (self.diverged_at < 0)
        if not bad.any():
            return None
        self.diverged_at[bad] = t + 1
        self.gam[bad] = 0.0
        return bad

    #: the arrays (one row per seed) that make up the state; see :meth:`export`
    STATE: tuple[str, ...] = ("gam", "bound", "diverged_at")

    def export(self) -> dict[str, np.ndarray]:
        """Copies of the state arrays: with them a fresh engine continues bit for bit."""
        return {name: np.array(getattr(self, name), copy=True) for name in self.STATE}

    def restore(self, state: dict[str, np.ndarray]) -> None:
        """Take over an exported state (rows of the same seeds)."""
        for name in self.STATE:
            setattr(self, name, np.array(state[name], copy=True))
        self._restored()

    def _restored(self) -> None:
        """Rebuild derived views after :meth:`restore`."""

    # interface
    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(a, perp norm, r, <w, w0>) of the current state."""
        raise NotImplementedError

    def step(self, idx: np.ndarray, t: int) -> None:
        """Step t on the batches ``idx`` (seeds, b)."""
        raise NotImplementedError

    def load_block(self, keys: Keys, block: int) -> int:
        """Draw the batches of block ``block``; returns its number of steps K."""
        self._blk = self.sch.draw_block(keys, block)
        return int(self._blk.shape[1])

    def run(self, k0: int, k1: int, t_block: int) -> None:
        """Steps k0 .. k1 - 1 of the loaded block (global step t_block + k)."""
        assert self._blk is not None
        for k in range(k0, k1):
            self.step(self._blk[:, k], t_block + k)


def _batch_sum(q: np.ndarray) -> np.ndarray:
    """Sum over the batch axis 0 of a (b, seeds) array, sequentially in batch order for
    every seed: ((q_0 + q_1) + q_2) + ...  With two or more seeds ``np.add.reduce`` over
    axis 0 adds whole rows in order; a single seed's column is contiguous and NumPy would
    sum it pairwise, so that case adds the rows explicitly (same bits for any chunking)."""
    if q.shape[1] >= 2:
        out: np.ndarray = np.add.reduce(q, axis=0)
        return out
    acc = q[0].copy()
    for row in q[1:]:
        acc += row
    return acc


class _ReducedEngine(_Engine):
    """O(b) per seed and step: a = c * A[:, :n], w_perp = c * P, with a scale c > 0.

    A step gathers the batch coordinates of A (flat indices into the (seeds, n + 1)
    state, computed once per block), computes S_B, the multiplier m = 1 - gamma S_B and
    the additive term, updates r = ||w||^2 in closed form (r' = m^2 r + k S_B (2 m + k),
    k = gamma (2 - r), since sigma(a) a = sigma(a)^2), checks divergence exactly, and
    scatters back A_j + sigma(A_j) k / m (so that c' A_j' = a_j m + k sigma(a_j)).  Rows
    whose new scale would not be >= _TINY_SCALE (m <= 0 or tiny) are materialised.
    Column n is the sentinel (always 0).
    """

    STATE = ("A", "c", "P", "r", "a0", "pi0", "gam", "bound", "diverged_at")

    def __init__(
        self,
        a0: np.ndarray,
        perp0: np.ndarray,
        gamma: float,
        conventions: Conventions,
        schedule: Schedule,
        bound: float,
    ) -> None:
        s, n = a0.shape
        self.n = n
        self.s = s
        # sigma(a) = max(a, 0) for relu whatever relu'(0) is: the step never uses sigma'
        self.relu = conventions.is_relu
        self.dup = schedule.has_duplicates
        self.A = np.zeros((s, n + 1))
        self.A[:, :n] = a0
        self.flat = self.A.reshape(-1)
        self.c = np.ones(s)
        self.P = perp0.astype(float).copy()
        self.a0 = a0.copy()
        self.pi0 = perp0.astype(float).copy()
        self.r = np.sum(a0 * a0, axis=1) + self.P * self.P
        self.base = np.arange(s, dtype=np.intp) * (n + 1)
        self._fl: np.ndarray | None = None  # (K, b, seeds) flat indices of the block
        self._shared: np.ndarray | None = None  # (K, b) when every seed shares the batches
        self._work = Workspace()  # the block's draws, reused from block to block
        super().__init__(gamma, self.r.copy(), bound, schedule)
        self._bound_min = float(self.bound.min())

    def _restored(self) -> None:
        self.flat = self.A.reshape(-1)
        self._bound_min = float(self.bound.min())

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = self.A[:, : self.n] * self.c[:, None]
        p = self.P * self.c
        r = np.sum(a * a, axis=1) + p * p
        dot = np.sum(a * self.a0, axis=1) + p * self.pi0
        return a, np.abs(p), r, dot

    def load_block(self, keys: Keys, block: int) -> int:
        blk = self.sch.draw_block(keys, block, self._work)
        k, b = blk.shape[1], blk.shape[2]
        if blk.strides[0] == 0:  # cyclic, full: one batch sequence for every seed
            self._shared, self._fl = blk[0], None
        else:
            if self._fl is None or self._fl.shape != (k, b, self.s):
                self._fl = np.empty((k, b, self.s), dtype=np.intp)
            np.add(blk.transpose(1, 2, 0), self.base, out=self._fl)  # (K, b, s): no copy
            self._shared = None
        return int(k)

    def _flat_index(self, k: int) -> np.ndarray:
        if self._fl is not None:
            return self._fl[k]
        assert self._shared is not None
        return np.add.outer(self._shared[k].astype(np.intp), self.base)

    def run(self, k0: int, k1: int, t_block: int) -> None:
        for k in range(k0, k1):
            self._advance(self._flat_index(k), t_block + k)

    def step(self, idx: np.ndarray, t: int) -> None:
        idx = np.asarray(idx, dtype=np.intp)
        self._advance(np.ascontiguousarray(idx.T) + self.base, t)

    def _advance(self, fl: np.ndarray, t: int) -> None:
        """One step on the flat batch indices ``fl`` (b, seeds)."""
        x = self.flat.take(fl, mode="clip")  # scaled batch coordinates (fl is in range)
        sx = np.maximum(x, 0.0) if self.relu else x  # sigma(a) = c sigma(x), c > 0
        q = sx * sx
        c, r, gam = self.c, self.r, self.gam
        s_b = _batch_sum(q)
        s_b *= c * c
        m = 1.0 - gam * s_b
        k = gam * (2.0 - r)
        inc = None
        if self.dup:  # a batch may repeat an index: accumulate with multiplicity
            inc = np.zeros_like(self.A)
            np.add.at(inc.reshape(-1), fl, sx * (k * c))
            a_full = self.A * c[:, None]
            r_new = m * m * r + np.sum(inc * (a_full * (2.0 * m)[:, None] + inc), axis=1)
        else:
            r_new = m * m * r + k * s_b * (2.0 * m + k)
        if not r_new.max() <= self._bound_min:  # (nan: not <=) then the exact test per seed
            bad = self._diverging(r_new, t)
            if bad is not None:  # frozen at the last finite state
                m[bad] = 1.0
                k[bad] = 0.0
                r_new[bad] = r[bad]
                if inc is not None:
                    inc[bad] = 0.0
        c_new = c * m
        rows = None
        if not c_new.min() >= _TINY_SCALE:  # materialise: a' = a m + add, scale 1
            rows = np.nonzero(~(c_new >= _TINY_SCALE))[0]
            cm = c[rows] * m[rows]
            a_rows = self.A[rows] * cm[:, None]
            if inc is not None:
                a_rows += inc[rows]
            else:
                cols = fl[:, rows] - self.base[rows]
                add = (k[rows] * c[rows]) * sx[:, rows]
                np.add.at(a_rows, (np.arange(rows.size)[None, :], cols), add)
            a_rows[:, self.n] = 0.0
            self.P[rows] *= cm
            c_new[rows] = 1.0
        if inc is not None:
            self.A += inc / c_new[:, None]
        else:
            f = k / m
            np.multiply(sx, f, out=q)
            q += x
            self.flat[fl] = q  # (faster than put; a repeated index is the sentinel: 0)
        if rows is not None:
            self.A[rows] = a_rows
        self.c = c_new
        self.r = r_new
        if (t + 1) % RENORM_EVERY == 0:
            self.renormalise()

    def renormalise(self) -> None:
        """Fold c into the coordinates; r = sum_j a_j^2 + P^2, the sum taken sequentially
        in j for every seed (as the compiled kernel does: the same bits)."""
        a = self.A[:, : self.n]
        a *= self.c[:, None]
        self.P *= self.c
        self.c = np.ones_like(self.c)
        self.r = _batch_sum(np.ascontiguousarray((a * a).T)) + self.P * self.P


class _ReducedEngineCompiled(_ReducedEngine):
    """The same state and arithmetic as :class:`_ReducedEngine`, one compiled loop per
    seed over a block segment (:mod:`numerics._kernel_numba`).  ``random`` batches are
    computed inside the loop from the seeds' keys (the same draws and the same Floyd
    decoding as :meth:`numerics.schedules.Schedule.draw_block`); the other schedules are
    decoded by NumPy.  Same bits as the NumPy engine (tested)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from . import _kernel_numba

        self._k = _kernel_numba
        self._keys: Keys | None = None
        self._no_block = np.zeros((self.s, 1, self.sch.b), dtype=np.intp)
        self._no_key = np.zeros(self.s, dtype=np.uint64)
        self._idx: np.ndarray = self._no_block

    def load_block(self, keys: Keys, block: int) -> int:
        if self.sch.name == "random":  # drawn inside the loop
            self._keys = keys
            self._idx = self._no_block
            return self.sch.block_steps
        self._idx = self.sch.draw_block(keys, block, self._work)
        return int(self._idx.shape[1])

    def run(self, k0: int, k1: int, t_block: int) -> None:
        fn, keys = self._k.run_indices, None
        if self._idx is self._no_block:
            fn, keys = self._k.run_random, self._keys
        st = self._no_key if keys is None else keys.state
        ga = self._no_key if keys is None else keys.gamma
        fn(self.A, self.c, self.P, self.r, self.gam, self.bound, self.diverged_at, self._idx,
           st, ga, t_block + k0, t_block + k1, t_block, self.relu, RENORM_EVERY, _TINY_SCALE)

    def step(self, idx: np.ndarray, t: int) -> None:
        self._idx = np.asarray(idx, dtype=np.intp)[:, None, :]
        self.run(0, 1, t)


class _FullEngine(_Engine):
    """O(d) per seed and step, from the per-sample gradients."""

    STATE = ("w", "w0", "gam", "bound", "diverged_at")

    def __init__(
        self,
        w0: np.ndarray,
        n: int,
        gamma: float,
        conventions: Conventions,
        basis: np.ndarray | None,
        bound: float,
        schedule: Schedule,
        data: Data | None = None,
    ) -> None:
        self.w = w0.astype(float).copy()
        self.w0 = self.w.copy()
        self.n = n
        self.conventions = conventions
        self.basis = basis
        self.data = data
        self._x = None if data is None else data.x
        super().__init__(gamma, np.sum(self.w * self.w, axis=1), bound, schedule)

    def coords(self, w: np.ndarray) -> np.ndarray:
        """The data coordinates of w (coefficients in the data basis for general data)."""
        if self.data is not None:
            return self.data.coefficients(w)
        return w[:, : self.n] if self.basis is None else w @ self.basis[:, : self.n]

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = self.coords(self.w)
        basis = self.basis
        if self.data is not None:
            perp = self.data.perp(self.w)
        else:
            rest = self.w[:, self.n :] if basis is None else self.w - a @ basis[:, : self.n].T
            perp = np.sqrt(np.sum(rest * rest, axis=1))
        r = np.sum(self.w * self.w, axis=1)
        dot = np.sum(self.w * self.w0, axis=1)
        return np.array(a, copy=True), perp, r, dot

    def step(self, idx: np.ndarray, t: int) -> None:
        new = full_step(self.w, idx, self.gam, self.conventions, self.n, self.basis, self._x)
        r_new = np.sum(new * new, axis=1)
        bad = self._diverging(r_new, t)
        if bad is not None:
            new[bad] = self.w[bad]
        self.w = new


