"""SGD on the single-neuron autoencoder: a full-dimensional and a reduced engine.

SPEC sections 1-2.  Data x_i are n orthonormal vectors in R^d (e_1..e_n, or the first n
columns of a given orthogonal ``basis``); SGD is w <- w - (eta/b) sum_{i in B} grad l_i(w).

``engine="full"``     w in R^d, vectorised over seeds; each step sums the per-sample
                      gradients grad l_i = c_w(a_i, r) w + c_x(a_i, r) x_i of
                      ``grad.per_sample`` (lambdified from :mod:`theory.gradients`).
                      O(d) work per seed and step.
``engine="reduced"``  the state is a (n data coordinates) and the signed length of the
                      orthogonal part, which only ever gets multiplied (``sgd.multiplicative``).
                      O(b) work per seed and step, independent of d: a per-seed scale factor
                      c holds the common multiplier 1 - gamma S_B, so a step touches only
                      the batch coordinates; c is folded back into the coordinates every
                      :data:`RENORM_EVERY` steps (a schedule of the step index only).

The reference one-step maps :func:`reduced_step` (from ``sgd.multiplicative``, via
:func:`numerics.formulas.sgd_multiplier` and :func:`numerics.formulas.sgd_additive`) and
:func:`full_step` (from ``grad.per_sample``) are the single source of truth; the optimised
reduced hot loop is tested against :func:`reduced_step` to 1e-12.

Reproducibility: seed i uses only ``SeedSequence([root_seed, i])`` (:mod:`numerics.rng`),
batches are drawn in blocks fixed by the step index (:mod:`numerics.schedules`), and every
operation is row-wise, so results are bit-identical whatever ``chunk_size`` or
``seed_offset`` (for the standard basis).

Divergence: a seed whose ||w||^2 would exceed ``divergence_bound * max(1, ||w_0||^2)`` or
become non-finite is frozen at its last finite state, with status ``diverged`` and the step
at which it happened; no NaN is passed on.

>>> res = simulate(d=40, n=20, batch_size=20, step_size=0.5, steps=400, seeds=2,
...                schedule="full")
>>> [run["status"] for run in res.runs()]
['converged', 'converged']
>>> res = simulate(d=40, n=20, batch_size=1, step_size=0.5, steps=20000, seeds=2)
>>> [run["support"] for run in res.runs()]
[1, 1]
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from theory.errors import DomainError
from theory.symbols import ACTIVATIONS

from . import formulas, metrics
from .rng import seed_streams, validate_root_seed
from .schedules import SCHEDULES, Schedule

__all__ = [
    "CHECKPOINT_METRICS",
    "ENGINES",
    "KERNELS",
    "RENORM_EVERY",
    "STATUSES",
    "SimulationResult",
    "full_step",
    "initial_state",
    "numba_available",
    "reduced_step",
    "simulate",
    "trajectory",
]

ENGINES: tuple[str, ...] = ("reduced", "full")
KERNELS: tuple[str, ...] = ("numpy", "numba", "auto")
STATUSES: tuple[str, ...] = ("converged", "running", "diverged")
CHECKPOINT_METRICS: tuple[str, ...] = ("loss_gap", "support", "winner", "alignment", "r")
RENORM_EVERY = 64
"""Reduced engine: the scale factor is folded into the coordinates after every step t
with t % RENORM_EVERY == 0 (a function of the step index only)."""
_TINY_SCALE = 1e-150
_CHUNK_BUDGET = 2**22  # numbers held per chunk of seeds (batch block + state)


def numba_available() -> bool:
    """Whether the optional compiled kernel (the ``fast`` extra, numba) can be used."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- validation
def _int(name: str, value: object, low: int, high: float = math.inf, what: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DomainError(name, value, what or f"an integer >= {low}")
    v = int(value)
    if not low <= v <= high:
        raise DomainError(name, value, what or f"an integer >= {low}")
    return v


def _positive_float(name: str, value: object) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(name, value, "a finite number > 0") from None
    if isinstance(value, bool) or not math.isfinite(v) or v <= 0:
        raise DomainError(name, value, "a finite number > 0")
    return v


def _choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise DomainError(name, value, "one of " + ", ".join(repr(x) for x in allowed))
    return str(value)


# --------------------------------------------------------------- reference one-step maps
def _counts(batch: np.ndarray, n: int) -> np.ndarray:
    """(seeds, n) multiplicity of each index in each seed's batch (sentinel n dropped)."""
    batch = np.atleast_2d(np.asarray(batch, dtype=np.intp))
    cnt = np.zeros((batch.shape[0], n + 1))
    np.add.at(cnt, (np.arange(batch.shape[0])[:, None], batch), 1.0)
    return cnt[:, :n]


def reduced_step(
    a: np.ndarray,
    perp: np.ndarray,
    batch: np.ndarray,
    gamma: float | np.ndarray,
    activation: str = "relu",
    relu_prime_at_zero: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One SGD step in coordinates (``sgd.multiplicative``), vectorised over seeds.

    ``a``: (seeds, n); ``perp``: (seeds,) signed length of the orthogonal part; ``batch``:
    (seeds, b) indices (repeats count with multiplicity; index n is ignored); ``gamma`` =
    eta/b.  Returns the new (a, perp).  Every formula comes from the lambdified theory:
    S_B = sum over the batch of c_w = sigma(a_i)^2, the multiplier 1 - gamma S_B and the
    additive term gamma sigma(a_j)(2 - r).

    >>> a, p = reduced_step(np.array([[0.5, 0.5]]), np.array([0.0]), np.array([[0]]), 0.1)
    >>> a.round(6).tolist(), p.tolist()
    ([[0.5625, 0.4875]], [0.0])
    """
    a = np.atleast_2d(np.asarray(a, dtype=float))
    perp = np.atleast_1d(np.asarray(perp, dtype=float))
    n = a.shape[1]
    cnt = _counts(batch, n)
    r = np.sum(a * a, axis=1) + perp * perp
    cw, _ = formulas.gradient_coefficients(activation, relu_prime_at_zero)(a, r[:, None])
    s_b = np.sum(cnt * cw, axis=1)
    g = np.broadcast_to(np.asarray(gamma, dtype=float), s_b.shape)
    mult = formulas.sgd_multiplier()(s_b, g)
    add = formulas.sgd_additive(activation, relu_prime_at_zero)(a, r[:, None], g[:, None])
    return a * mult[:, None] + cnt * add, perp * mult


def full_step(
    w: np.ndarray,
    batch: np.ndarray,
    gamma: float | np.ndarray,
    activation: str = "relu",
    relu_prime_at_zero: int = 0,
    n: int | None = None,
    basis: np.ndarray | None = None,
) -> np.ndarray:
    """One SGD step w - gamma sum_{i in B} grad l_i(w) in R^d (``grad.per_sample``).

    ``w``: (seeds, d); ``batch``: (seeds, b); data x_i = e_i, or column i of ``basis``
    (a (d, d) orthogonal matrix); ``n`` defaults to ``basis``-free e_1..e_n with n taken
    from the largest index + 1 only if given.  Repeated indices count twice.

    >>> full_step(np.array([[0.5, 0.5, 0.1]]), np.array([[0]]), 0.1, n=2).round(6).tolist()
    [[0.562, 0.4875, 0.0975]]
    """
    w = np.atleast_2d(np.asarray(w, dtype=float))
    if n is None:
        raise DomainError("n", n, "given (the number of data points)")
    x = None if basis is None else np.asarray(basis, dtype=float)[:, :n]
    a = w[:, :n] if x is None else w @ x
    r = np.sum(w * w, axis=1)
    cnt = _counts(batch, n)
    cw, cx = formulas.gradient_coefficients(activation, relu_prime_at_zero)(a, r[:, None])
    g = np.broadcast_to(np.asarray(gamma, dtype=float), r.shape)[:, None]
    coef_w = np.sum(cnt * cw, axis=1, keepdims=True)
    coef_x = cnt * cx
    out = w - g * (coef_w * w)
    if x is None:
        out[:, :n] -= g * coef_x
    else:
        out -= g * (coef_x @ x.T)
    return out


# --------------------------------------------------------------------- initialisation
def initial_state(
    d: int,
    n: int,
    seed_ids: Sequence[int],
    root_seed: int = 0,
    init_scale: float = 1.0,
    full: bool = False,
    streams: Sequence[dict[str, np.random.Generator]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """w_0 ~ N(0, (s0^2/d) I_d) for each seed, as (a0, perp0, w0 or None).

    a0 (seeds, n) from the ``init`` stream; perp0 = ||w_0 perp|| drawn exactly as
    (s0/sqrt d) sqrt(chi^2_{d-n}) from the ``perp`` stream (never d numbers); with
    ``full=True`` also w0 in the standard basis: (a0, perp0 u) with u uniform on the unit
    sphere of the complement (``direction`` stream).  Both engines see the same a0, perp0.
    """
    s = len(seed_ids)
    a0 = np.empty((s, n))
    perp0 = np.zeros(s)
    w0 = np.zeros((s, d)) if full else None
    scale = init_scale / math.sqrt(d)
    for k, i in enumerate(seed_ids):
        st = seed_streams(root_seed, i) if streams is None else streams[k]
        a0[k] = scale * st["init"].standard_normal(n)
        if d > n:
            perp0[k] = scale * math.sqrt(st["perp"].chisquare(d - n))
            if w0 is not None:
                u = st["direction"].standard_normal(d - n)
                w0[k, n:] = perp0[k] * (u / np.linalg.norm(u))
        if w0 is not None:
            w0[k, :n] = a0[k]
    return a0, perp0, w0


# ----------------------------------------------------------------------------- engines
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

    # interface
    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(a, perp norm, r, <w, w0>) of the current state."""
        raise NotImplementedError

    def step(self, idx: np.ndarray, t: int) -> None:
        """Step t on the batches ``idx`` (seeds, b)."""
        raise NotImplementedError

    def load_block(self, rngs: Sequence[np.random.Generator | None], block: int) -> int:
        """Draw the batches of block ``block``; returns its number of steps K."""
        self._blk = self.sch.draw_block(rngs, block)
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

    def __init__(
        self,
        a0: np.ndarray,
        perp0: np.ndarray,
        gamma: float,
        activation: str,
        schedule: Schedule,
        bound: float,
    ) -> None:
        s, n = a0.shape
        self.n = n
        self.s = s
        self.relu = activation == "relu"
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
        self._ubuf: np.ndarray | None = None  # the block's doubles, reused across blocks
        super().__init__(gamma, self.r.copy(), bound, schedule)

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = self.A[:, : self.n] * self.c[:, None]
        p = self.P * self.c
        r = np.sum(a * a, axis=1) + p * p
        dot = np.sum(a * self.a0, axis=1) + p * self.pi0
        return a, np.abs(p), r, dot

    def load_block(self, rngs: Sequence[np.random.Generator | None], block: int) -> int:
        if self.sch.random and self._ubuf is None:
            self._ubuf = np.empty((self.s, self.sch.b, self.sch.block_steps))
        blk = self.sch.draw_block(rngs, block, self._ubuf)
        k, b = blk.shape[1], blk.shape[2]
        if blk.strides[0] == 0:  # cyclic, full: one batch sequence for every seed
            self._shared, self._fl = blk[0], None
        else:
            if self._fl is None or self._fl.shape != (k, b, self.s):
                self._fl = np.empty((k, b, self.s), dtype=np.intp)
            np.add(blk.transpose(1, 2, 0), self.base, out=self._fl)
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
        x = self.flat.take(fl)  # scaled batch coordinates
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
        if not (r_new <= self.bound).all():
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
            self.flat.put(fl, q)
        if rows is not None:
            self.A[rows] = a_rows
        self.c = c_new
        self.r = r_new
        if (t + 1) % RENORM_EVERY == 0:
            self.renormalise()

    def renormalise(self) -> None:
        a = self.A[:, : self.n]
        a *= self.c[:, None]
        self.P *= self.c
        self.c = np.ones_like(self.c)
        self.r = np.sum(a * a, axis=1) + self.P * self.P


class _ReducedEngineNumba(_ReducedEngine):
    """The same state and arithmetic as :class:`_ReducedEngine`, one compiled loop per
    seed over a block segment (:mod:`numerics._kernel_numba`).  ``random`` batches are
    decoded from the block's doubles inside the loop (the same Floyd decoding)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from . import _kernel_numba

        self._k = _kernel_numba
        self._u: np.ndarray | None = None
        self._idx: np.ndarray | None = None

    def load_block(self, rngs: Sequence[np.random.Generator | None], block: int) -> int:
        if self.sch.name == "random":
            self._u, self._idx = self.sch.draw_uniforms(rngs, self._u), None
            return int(self._u.shape[2])
        self._idx, self._u = self.sch.draw_block(rngs, block), None
        return int(self._idx.shape[1])

    def run(self, k0: int, k1: int, t_block: int) -> None:
        args = (self.A, self.c, self.P, self.r, self.gam, self.bound, self.diverged_at)
        conf = (self.relu, RENORM_EVERY, _TINY_SCALE)
        if self._u is not None:
            self._k.run_random(*args, self._u, self.n, k0, k1, t_block, *conf)
        else:
            assert self._idx is not None
            self._k.run_indices(*args, self._idx, k0, k1, t_block, *conf)

    def step(self, idx: np.ndarray, t: int) -> None:
        self._idx, self._u = np.asarray(idx, dtype=np.intp)[:, None, :], None
        self.run(0, 1, t)


class _FullEngine(_Engine):
    """O(d) per seed and step, from the per-sample gradients."""

    def __init__(
        self,
        w0: np.ndarray,
        n: int,
        gamma: float,
        activation: str,
        relu_prime_at_zero: int,
        basis: np.ndarray | None,
        bound: float,
        schedule: Schedule,
    ) -> None:
        self.w = w0.astype(float).copy()
        self.w0 = self.w.copy()
        self.n = n
        self.activation = activation
        self.h0 = relu_prime_at_zero
        self.basis = basis
        super().__init__(gamma, np.sum(self.w * self.w, axis=1), bound, schedule)

    def coords(self, w: np.ndarray) -> np.ndarray:
        return w[:, : self.n] if self.basis is None else w @ self.basis[:, : self.n]

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = self.coords(self.w)
        basis = self.basis
        rest = self.w[:, self.n :] if basis is None else self.w - a @ basis[:, : self.n].T
        perp = np.sqrt(np.sum(rest * rest, axis=1))
        r = np.sum(self.w * self.w, axis=1)
        dot = np.sum(self.w * self.w0, axis=1)
        return np.array(a, copy=True), perp, r, dot

    def step(self, idx: np.ndarray, t: int) -> None:
        new = full_step(self.w, idx, self.gam, self.activation, self.h0, self.n, self.basis)
        r_new = np.sum(new * new, axis=1)
        bad = self._diverging(r_new, t)
        if bad is not None:
            new[bad] = self.w[bad]
        self.w = new


# ------------------------------------------------------------------------------ result
@dataclass
class SimulationResult:
    """What :func:`simulate` returns.  Arrays are indexed by seed (row k is seed
    ``seed_ids[k]``).

    ``a0``, ``a``: (seeds, n) data coordinates at the start and the end; ``perp0``,
    ``perp``: (seeds,) Euclidean norm of the orthogonal part; ``status``: per seed, one of
    :data:`STATUSES`; ``diverged_at``: step of divergence (-1 if none);
    ``checkpoint_steps`` (K,) and ``checkpoints[name]`` (K, seeds) for each name in
    :data:`CHECKPOINT_METRICS`; ``record_steps``/``record_a`` (R, seeds, n)/``record_perp``
    (R, seeds) when asked for; ``w`` (seeds, d) final iterate for the full engine.
    """

    params: dict[str, Any]
    seed_ids: np.ndarray
    a0: np.ndarray
    a: np.ndarray
    perp0: np.ndarray
    perp: np.ndarray
    r: np.ndarray
    alignment: np.ndarray
    diverged_at: np.ndarray
    checkpoint_steps: np.ndarray
    checkpoints: dict[str, np.ndarray]
    record_steps: np.ndarray
    record_a: np.ndarray
    record_perp: np.ndarray
    w: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # derived per-seed metrics -----------------------------------------------------
    @property
    def activation(self) -> str:
        return str(self.params["activation"])

    @property
    def loss_gap(self) -> np.ndarray:
        return metrics.loss_gap(
            self.a, self.perp, self.activation, self.params["relu_prime_at_zero"]
        )

    @property
    def support(self) -> np.ndarray:
        return metrics.support(self.a, self.params["support_threshold"])

    @property
    def winner(self) -> np.ndarray:
        return metrics.winner(self.a, self.activation)

    @property
    def status(self) -> np.ndarray:
        gap = self.loss_gap
        out = np.where(np.abs(gap) <= self.params["converged_tol"], "converged", "running")
        return np.where(self.diverged_at >= 0, "diverged", out)

    @property
    def hessian_trace(self) -> np.ndarray:
        """tr H at the limit point (coordinates under the support threshold set to 0)."""
        p = self.params
        return metrics.trace_limit(
            self.a,
            self.perp,
            p["d"],
            self.activation,
            p["relu_prime_at_zero"],
            p["support_threshold"],
        )

    @property
    def hessian_trace_iterate(self) -> np.ndarray:
        """tr H at the raw final iterate (tiny positive coordinates still active)."""
        p = self.params
        return metrics.trace_iterate(
            self.a, self.perp, p["d"], self.activation, p["relu_prime_at_zero"]
        )

    def runs(self) -> list[dict[str, Any]]:
        """One dict per seed (JSON-ready).  Metrics of a diverged seed are ``None``."""
        status = self.status
        cols = {
            "support": self.support,
            "winner": self.winner,
            "alignment": self.alignment,
            "loss_gap": self.loss_gap,
            "r": self.r,
            "hessian_trace": self.hessian_trace,
            "hessian_trace_iterate": self.hessian_trace_iterate,
        }
        out = []
        for k, sid in enumerate(self.seed_ids):
            run: dict[str, Any] = {
                "seed": int(sid),
                "status": str(status[k]),
                "diverged_at": int(self.diverged_at[k]) if self.diverged_at[k] >= 0 else None,
            }
            ok = status[k] != "diverged"
            for name, col in cols.items():
                v = col[k].item()
                run[name] = v if ok else None
            out.append(run)
        return out

    def summary(self) -> dict[str, Any]:
        """Counts by status and support, means of the metrics over non-diverged seeds,
        and the closed-form traces at an s-sparse minimum for comparison."""
        p = self.params
        status = self.status
        ok = status != "diverged"
        sup = self.support[ok]
        support_counts = {
            int(k): int(v) for k, v in zip(*np.unique(sup, return_counts=True), strict=True)
        }

        def mean(x: np.ndarray) -> float | None:
            return float(np.mean(x[ok])) if ok.any() else None

        trace_min = formulas.trace_at_min()
        return {
            "params": dict(p),
            "seeds": int(self.seed_ids.size),
            "status_counts": {s: int(np.sum(status == s)) for s in STATUSES},
            "support_counts": support_counts,
            "fraction_one_sparse": float(np.mean(sup == 1)) if sup.size else None,
            "mean_alignment": mean(self.alignment),
            "mean_abs_alignment": mean(np.abs(self.alignment)),
            "max_loss_gap": float(np.max(self.loss_gap[ok])) if ok.any() else None,
            "mean_hessian_trace": mean(self.hessian_trace),
            "mean_hessian_trace_iterate": mean(self.hessian_trace_iterate),
            "trace_at_min_s1": float(trace_min(p["d"], p["n"], 1)),
        }

    def to_json(self) -> dict[str, Any]:
        """``{"runs": [...], "summary": {...}}`` as printed by ``aesgd simulate --json``."""
        return {"runs": self.runs(), "summary": self.summary()}

    def save_npz(self, path: str) -> None:
        """``a0``, ``a`` (seeds, n), ``perp0``, ``perp`` (seeds,), and ``diverged_at``."""
        np.savez(
            path,
            a0=self.a0,
            a=self.a,
            perp0=self.perp0,
            perp=self.perp,
            diverged_at=self.diverged_at,
        )


# ------------------------------------------------------------------------------ driver
def _checkpoint_steps(spec: int | Sequence[int], steps: int) -> np.ndarray:
    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        count = _int("checkpoints", spec, 0)
        if count == 0 or steps == 0:
            pts = np.array([0, steps])
        else:
            pts = np.unique(np.round(np.geomspace(1, steps, count)).astype(np.int64))
            pts = np.concatenate([[0], pts, [steps]])
        return np.unique(pts)
    arr = np.asarray(spec)
    if (
        arr.ndim != 1
        or not np.issubdtype(arr.dtype, np.integer)
        or (arr.size and (arr.min() < 0 or arr.max() > steps))
    ):
        raise DomainError("checkpoints", spec, f"a count or integer steps in [0, {steps}]")
    return np.unique(arr.astype(np.int64))


def _load_init(init: Any, d: int, n_seeds: int) -> np.ndarray:
    arr = np.asarray(init, dtype=float)
    if arr.shape == (d,):
        arr = np.broadcast_to(arr, (n_seeds, d))
    if arr.shape != (n_seeds, d):
        raise DomainError(
            "init", f"array of shape {np.shape(init)}", f"of shape ({d},) or ({n_seeds}, {d})"
        )
    if not np.all(np.isfinite(arr)):
        raise DomainError("init", "array with non-finite entries", "finite")
    return np.array(arr, dtype=float)


def simulate(
    d: int,
    n: int,
    batch_size: int,
    step_size: float,
    steps: int,
    seeds: int,
    *,
    activation: str = "relu",
    schedule: str = "random",
    engine: str = "reduced",
    init_scale: float = 1.0,
    init: np.ndarray | None = None,
    basis: np.ndarray | None = None,
    root_seed: int = 0,
    seed_offset: int = 0,
    checkpoints: int | Sequence[int] = 24,
    record_steps: Sequence[int] | None = None,
    relu_prime_at_zero: int = 0,
    support_threshold: float = 1e-6,
    converged_tol: float = 1e-9,
    divergence_bound: float = 1e6,
    chunk_size: int | None = None,
    progress: bool | None = False,
    kernel: str = "numpy",
) -> SimulationResult:
    """Run SGD for seeds ``seed_offset .. seed_offset + seeds - 1`` and collect metrics.

    Parameters are validated up front (:class:`theory.errors.DomainError` names the bad
    one).  ``step_size`` is eta (per-sample rate gamma = eta/b); ``init`` (array (d,) or
    (seeds, d), ambient coordinates) replaces the random w_0, the batches still come from
    the seeds; ``basis`` (full engine only) is a (d, d) orthogonal matrix whose first n
    columns are the data; ``checkpoints`` is a count of log-spaced steps (plus 0 and
    ``steps``) or explicit steps; ``record_steps`` stores a and perp at those steps;
    ``support_threshold`` is relative to max_i |a_i|; ``progress`` None means "if stderr
    is a terminal".  ``kernel`` (reduced engine): ``"numpy"`` (default), ``"numba"`` (the
    optional compiled loop, needs the ``fast`` extra; agrees with NumPy to 1e-12, not to
    the bit) or ``"auto"`` (numba if importable); the ``replacement`` schedule always
    uses NumPy.
    """
    d = _int("d", d, 1)
    n = _int("n", n, 1, d, f"an integer in [1, d={d}]")
    b = _int("batch_size", batch_size, 1, n, f"an integer in [1, n={n}]")
    eta = _positive_float("step_size", step_size)
    steps = _int("steps", steps, 0)
    n_seeds = _int("seeds", seeds, 1)
    activation = _choice("activation", activation, ACTIVATIONS)
    schedule = _choice("schedule", schedule, SCHEDULES)
    engine = _choice("engine", engine, ENGINES)
    s0 = _positive_float("init_scale", init_scale)
    root = validate_root_seed(root_seed)
    offset = _int("seed_offset", seed_offset, 0)
    if relu_prime_at_zero not in (0, 1) or isinstance(relu_prime_at_zero, bool):
        raise DomainError("relu_prime_at_zero", relu_prime_at_zero, "0 or 1")
    thr = _positive_float("support_threshold", support_threshold)
    if thr >= 1:
        raise DomainError("support_threshold", support_threshold, "in (0, 1)")
    tol = _positive_float("converged_tol", converged_tol)
    bound = _positive_float("divergence_bound", divergence_bound)
    kernel = _choice("kernel", kernel, KERNELS)
    sch = Schedule(schedule, n, b)
    if kernel == "auto":
        kernel = "numba" if numba_available() else "numpy"
    if kernel == "numba" and not numba_available():
        raise DomainError("kernel", "numba", "'numpy' or 'auto' (numba is not installed)")
    if engine != "reduced" or sch.has_duplicates:
        kernel = "numpy"
    ck_steps = _checkpoint_steps(checkpoints, steps)
    rec_steps = (
        _checkpoint_steps(list(record_steps), steps)
        if record_steps is not None
        else (np.zeros(0, dtype=np.int64))
    )
    init_arr = None if init is None else _load_init(init, d, n_seeds)
    q = None
    if basis is not None:
        if engine != "full":
            raise DomainError("basis", "given", "None with engine 'reduced' (use engine='full')")
        q = np.asarray(basis, dtype=float)
        if (
            q.shape != (d, d)
            or not np.all(np.isfinite(q))
            or not np.allclose(q.T @ q, np.eye(d), atol=1e-10)
        ):
            raise DomainError(
                "basis", f"array of shape {q.shape}", f"an orthogonal ({d}, {d}) matrix"
            )
    if chunk_size is None:
        per_seed = sch.block_steps * b + 2 * (n + 1) + (d if engine == "full" else 0)
        chunk = max(1, min(n_seeds, _CHUNK_BUDGET // per_seed))
    else:
        chunk = _int("chunk_size", chunk_size, 1)
    gamma = eta / b

    params: dict[str, Any] = {
        "d": d,
        "n": n,
        "batch_size": b,
        "step_size": eta,
        "gamma": gamma,
        "steps": steps,
        "seeds": n_seeds,
        "seed_offset": offset,
        "activation": activation,
        "schedule": schedule,
        "engine": engine,
        "init_scale": s0,
        "init": "given" if init is not None else "random",
        "root_seed": root,
        "relu_prime_at_zero": int(relu_prime_at_zero),
        "support_threshold": thr,
        "converged_tol": tol,
        "divergence_bound": bound,
        "kernel": kernel,
    }
    ids = np.arange(offset, offset + n_seeds, dtype=np.int64)
    a0 = np.empty((n_seeds, n))
    a_end = np.empty((n_seeds, n))
    perp0 = np.empty(n_seeds)
    perp_end = np.empty(n_seeds)
    r_end = np.empty(n_seeds)
    align_end = np.empty(n_seeds)
    div = np.empty(n_seeds, dtype=np.int64)
    ck = {name: np.empty((ck_steps.size, n_seeds)) for name in CHECKPOINT_METRICS}
    rec_a = np.empty((rec_steps.size, n_seeds, n))
    rec_p = np.empty((rec_steps.size, n_seeds))
    w_end = np.empty((n_seeds, d)) if engine == "full" else None
    ck_index = {int(t): k for k, t in enumerate(ck_steps)}
    rec_index = {int(t): k for k, t in enumerate(rec_steps)}
    watch = set(ck_index) | set(rec_index)
    stops = sorted(watch)

    if progress is None:
        progress = sys.stderr.isatty()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps * n_seeds, unit="seed-step", unit_scale=True, file=sys.stderr)

    for lo in range(0, n_seeds, chunk):
        hi = min(n_seeds, lo + chunk)
        sl = slice(lo, hi)
        chunk_ids = [int(i) for i in ids[sl]]
        names = ("init", "perp", "batches") + (("direction",) if engine == "full" else ())
        streams = [seed_streams(root, i, names) for i in chunk_ids]
        if init_arr is None:
            ca0, cp0, cw0 = initial_state(
                d, n, chunk_ids, root, s0, full=engine == "full", streams=streams
            )
            if cw0 is not None and q is not None:
                cw0 = cw0 @ q.T
        else:
            cw0 = init_arr[sl]
            if q is None:
                ca0 = cw0[:, :n].copy()
                rest = cw0[:, n:]
            else:
                ca0 = cw0 @ q[:, :n]
                rest = cw0 - ca0 @ q[:, :n].T
            cp0 = np.sqrt(np.sum(rest * rest, axis=1))
        eng: _Engine
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            if engine == "reduced":
                cls = _ReducedEngineNumba if kernel == "numba" else _ReducedEngine
                eng = cls(ca0, cp0, gamma, activation, sch, bound)
            else:
                assert cw0 is not None
                eng = _FullEngine(cw0, n, gamma, activation, int(relu_prime_at_zero), q, bound, sch)
            a_obs, p_obs, _, _ = eng.observe()
            a0[sl] = a_obs
            perp0[sl] = p_obs
            r0 = np.sum(a_obs * a_obs, axis=1) + p_obs * p_obs

            def look(t: int, sl: slice = sl, r0: np.ndarray = r0, eng: _Engine = eng) -> None:
                a_t, p_t, r_t, dot_t = eng.observe()
                if t in ck_index:
                    k = ck_index[t]
                    ck["loss_gap"][k, sl] = metrics.loss_gap(
                        a_t, p_t, activation, relu_prime_at_zero
                    )
                    ck["support"][k, sl] = metrics.support(a_t, thr)
                    ck["winner"][k, sl] = metrics.winner(a_t, activation)
                    ck["alignment"][k, sl] = metrics.alignment(dot_t, r_t, r0)
                    ck["r"][k, sl] = r_t
                if t in rec_index:
                    rec_a[rec_index[t], sl] = a_t
                    rec_p[rec_index[t], sl] = p_t

            if 0 in watch:
                look(0)
            rngs = [st["batches"] for st in streams] if sch.random else [None] * len(chunk_ids)
            t = 0
            block = 0
            while t < steps:
                k_len = eng.load_block(rngs, block)
                t_block = block * k_len
                t_end = min(steps, t_block + k_len)
                while t < t_end:
                    pos = bisect.bisect_right(stops, t)
                    nxt = min(t_end, stops[pos]) if pos < len(stops) else t_end
                    eng.run(t - t_block, nxt - t_block, t_block)
                    t = nxt
                    if t in watch:
                        look(t)
                if bar is not None:
                    bar.update((t_end - t_block) * (hi - lo))
                block += 1
            a_t, p_t, r_t, dot_t = eng.observe()
        a_end[sl] = a_t
        perp_end[sl] = p_t
        r_end[sl] = r_t
        align_end[sl] = metrics.alignment(dot_t, r_t, r0)
        div[sl] = eng.diverged_at
        if w_end is not None:
            assert isinstance(eng, _FullEngine)
            w_end[sl] = eng.w
    if bar is not None:
        bar.close()
    return SimulationResult(
        params=params,
        seed_ids=ids,
        a0=a0,
        a=a_end,
        perp0=perp0,
        perp=perp_end,
        r=r_end,
        alignment=align_end,
        diverged_at=div,
        checkpoint_steps=ck_steps,
        checkpoints=ck,
        record_steps=rec_steps,
        record_a=rec_a,
        record_perp=rec_p,
        w=w_end,
    )


def trajectory(
    d: int,
    n: int,
    batch_size: int,
    step_size: float,
    steps: int,
    seeds: int,
    record_every: int = 1,
    **kwargs: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, a, perp): the data coordinates at times 0, k, 2k, ... (and ``steps``).

    ``a`` has shape (times, seeds, n), ``perp`` (times, seeds).  Keyword arguments go to
    :func:`simulate`.

    >>> t, a, p = trajectory(10, 5, 1, 0.3, 4, 2, record_every=2)
    >>> t.tolist(), a.shape, p.shape
    ([0, 2, 4], (3, 2, 5), (3, 2))
    """
    k = _int("record_every", record_every, 1)
    times = sorted(set(range(0, _int("steps", steps, 0) + 1, k)) | {steps})
    res = simulate(
        d, n, batch_size, step_size, steps, seeds, record_steps=times, checkpoints=0, **kwargs
    )
    return res.record_steps, res.record_a, res.record_perp
