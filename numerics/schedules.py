"""Batch schedules (SPEC section 1), drawn in blocks, vectorised over seeds.

``random``       a uniform b-subset without replacement, fresh every step (the default)
``replacement``  b i.i.d. uniform indices (a batch may repeat an index; its gradient then
                 counts twice)
``reshuffle``    a fresh random permutation every epoch, cut into consecutive batches of b
                 (what deep-learning data loaders do).  When b does not divide n the last
                 batch of each epoch is smaller: it holds n mod b indices, padded with the
                 sentinel index n, and uses the same per-sample rate gamma = eta/b (the update
                 is a sum over the batch, as in SPEC section 1, not a mean over its size)
``cyclic``       fixed order 0..n-1, consecutive blocks of b wrapping around modulo n: step t
                 uses {t b, ..., t b + b - 1} mod n (no randomness)
``full``         b = n, every index every step (gradient descent; no randomness)

**Blocks.**  Random numbers are drawn per seed in blocks of :attr:`Schedule.block_steps`
steps (256 for random and replacement, a whole number of epochs for reshuffle).  Block q
always covers steps [q K, (q + 1) K), whatever the number of steps or seeds asked for, so a
seed's batches depend only on (root, seed index).  Uniform integers are obtained as
floor(u m) from doubles u on the 2^-53 grid: each probability is exact to within
m 2^-53, far below anything a test can see.

Batch arrays have shape (seeds, steps, b) and an integer dtype; index n is the sentinel
(a coordinate that is always 0, so it contributes nothing).

>>> import numpy as np
>>> sch = Schedule("cyclic", n=5, b=2)
>>> sch.draw_block([None], 0)[0, :3].tolist()
[[0, 1], [2, 3], [4, 0]]
>>> sch = Schedule("random", n=10, b=3)
>>> blk = sch.draw_block([np.random.default_rng(0)], 0)
>>> blk.shape, bool(np.all(np.sort(blk, axis=2)[..., 1:] > np.sort(blk, axis=2)[..., :-1]))
((1, 256, 3), True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .config import SCHEDULES, validate_schedule
from .rng import seed_streams

__all__ = ["BLOCK_STEPS", "SCHEDULES", "Schedule", "batches", "floyd_decode"]

BLOCK_STEPS = 256
"""Steps per random block (random, replacement, cyclic, full).  Part of the
reproducibility contract: changing it changes the bits of every random run.  (It was 64
before the engine was tuned; 256 amortises the per-seed generator calls.)"""

# Floyd's membership test by pairwise comparison costs O(b^2); past this b a dense
# "taken" table (O(b) operations plus an O(n) clear) is cheaper.  Both give the same
# indices, so the switch never changes results.
_PAIRWISE_MAX_B = 24  # pragma: no mutate - both tests give the same indices


def _uniform_int(u: np.ndarray, m: int | np.ndarray) -> np.ndarray:
    """floor(u m) clipped to m - 1 (u in [0, 1)); int64."""
    out: np.ndarray = np.floor(u * m).astype(np.int64)
    np.minimum(out, np.asarray(m) - 1, out=out)
    return out


def floyd_decode(u: np.ndarray, n: int) -> np.ndarray:
    """Floyd's algorithm, vectorised: uniform b-subsets of range(n).

    ``u`` has shape (..., b), entries in [0, 1) (any strides).  For k = 0..b-1 with
    j = n - b + k, t = floor(u_k (j + 1)); the k-th member is t unless t was already chosen,
    then j.  Every b-subset comes out with probability 1/C(n, b) (up to the 2^-53 grid of
    u).  Returns an integer array of shape (..., b) (a view; int16 when n < 2^15).

    >>> floyd_decode(np.array([[0.0, 0.0, 0.0]]), 5).tolist()
    [[0, 3, 4]]
    """
    *lead, b = u.shape
    dtype = np.int16 if n < 2**15 else np.int64
    chosen = np.empty((b, *lead), dtype=dtype)
    if b <= _PAIRWISE_MAX_B:
        dup = np.empty(lead, dtype=bool)
        scratch = np.empty(lead, dtype=bool)
        prod = np.empty(lead)
        for k in range(b):
            j = n - b + k
            t = chosen[k]
            # floor(u (j + 1)) for u in [0, 1): truncation equals floor here, and the
            # clip to j only guards against rounding (u (j + 1) never rounds up to j + 1)
            np.multiply(u[..., k], j + 1, out=prod)
            np.copyto(t, prod, casting="unsafe")
            np.minimum(t, j, out=t)
            if k == 0:
                continue
            np.equal(chosen[0], t, out=dup)
            for i in range(1, k):
                np.equal(chosen[i], t, out=scratch)
                dup |= scratch
            np.copyto(t, j, where=dup)
    else:
        rows = int(np.prod(lead))
        taken = np.zeros((rows, n), dtype=bool).reshape(-1)
        base: np.ndarray = np.arange(rows, dtype=np.int64) * n
        for k in range(b):
            j = n - b + k
            t = _uniform_int(u[..., k], j + 1).reshape(-1)
            pick = np.where(taken[base + t], j, t).astype(np.int64)
            taken[base + pick] = True
            chosen[k] = pick.reshape(lead)
    return np.moveaxis(chosen, 0, -1)


@dataclass(frozen=True)
class Schedule:
    """A batch schedule for n data points and batch size b (validated on creation)."""

    name: str
    n: int
    b: int

    def __post_init__(self) -> None:
        validate_schedule(self.name, self.n, self.b)

    @property
    def random(self) -> bool:
        """Whether the schedule consumes random numbers."""
        return self.name in ("random", "replacement", "reshuffle")

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.n / self.b)

    @property
    def block_steps(self) -> int:
        """Steps per block; block boundaries depend only on the step index."""
        if self.name == "reshuffle":
            nb = self.batches_per_epoch
            return nb * max(1, math.ceil(BLOCK_STEPS / nb))
        return BLOCK_STEPS

    @property
    def has_duplicates(self) -> bool:
        """Whether a batch may repeat an index (only ``replacement``, when b > 1)."""
        return self.name == "replacement" and self.b > 1

    @property
    def uses_sentinel(self) -> bool:
        """Whether batches may contain the sentinel index n (reshuffle, b not dividing n)."""
        return self.name == "reshuffle" and self.n % self.b != 0

    @property
    def gcd(self) -> int:
        """g = gcd(b, n): the cyclic schedule moves classes of g consecutive indices together."""
        return math.gcd(self.b, self.n)

    def draw_block(
        self,
        rngs: Sequence[np.random.Generator | None],
        block: int,
        buf: np.ndarray | None = None,
    ) -> np.ndarray:
        """Batches of steps [block K, (block + 1) K) for each seed: shape (seeds, K, b).

        ``rngs[i]`` is seed i's ``batches`` stream; blocks must be drawn in order 0, 1, ...
        from each stream (the generator state carries the position).  ``buf``: optional
        scratch for :meth:`draw_uniforms` (reused across blocks to avoid page faults).
        """
        n, b, k = self.n, self.b, self.block_steps
        s = len(rngs)
        if self.name == "full":
            return np.broadcast_to(np.arange(n, dtype=np.intp), (s, k, n))
        if self.name == "cyclic":
            t = np.arange(block * k, (block + 1) * k, dtype=np.int64)
            idx = (t[:, None] * b + np.arange(b)[None, :]) % n
            return np.broadcast_to(idx.astype(np.intp), (s, k, b))
        if self.name == "reshuffle":
            nb = self.batches_per_epoch
            epochs = k // nb
            keys = np.empty((s, epochs, n))
            for i, g in enumerate(rngs):
                assert g is not None
                g.random(out=keys[i])
            perm = np.argsort(keys, axis=2, kind="stable")
            padded = np.full((s, epochs, nb * b), n, dtype=np.intp)
            padded[:, :, :n] = perm
            return padded.reshape(s, k, b)
        u = self.draw_uniforms(rngs, buf)
        if self.name == "replacement":
            return np.moveaxis(_uniform_int(u, n).astype(np.intp), 1, 2)
        return floyd_decode(np.moveaxis(u, 1, 2), n)

    def draw_uniforms(
        self, rngs: Sequence[np.random.Generator | None], buf: np.ndarray | None = None
    ) -> np.ndarray:
        """The doubles behind one block of ``random``/``replacement`` batches: (seeds, b, K).

        Seed i draws its block as b rows of K numbers (one ``Generator.random`` call):
        column k of step t is ``u[i, k, t]``.  :meth:`draw_block` decodes them (Floyd for
        ``random``, floor(u n) for ``replacement``); a compiled kernel may decode the same
        numbers itself, with the same integer results.  ``buf``: an optional float64 array
        of that shape to fill (returned).
        """
        s, b, k = len(rngs), self.b, self.block_steps
        u = np.empty((s, b, k)) if buf is None or buf.shape != (s, b, k) else buf
        for i, g in enumerate(rngs):
            assert g is not None
            g.random(out=u[i])
        return u


def batches(
    schedule: str,
    n: int,
    batch_size: int,
    seed_index: int = 0,
    seed: int = 0,
    steps: int | None = None,
) -> Iterator[np.ndarray]:
    """The batches run ``seed_index`` (under root seed ``seed``) sees, one index array per
    step (sentinel removed).

    These are exactly the batches :func:`numerics.sgd.simulate` uses for that seed, so the
    low-level steps can be driven on the same batches by both engines.

    >>> [x.tolist() for x in batches("cyclic", 4, 3, steps=2)]
    [[0, 1, 2], [3, 0, 1]]
    """
    sch = Schedule(schedule, n, batch_size)
    rng = seed_streams(seed, seed_index)["batches"] if sch.random else None
    t = 0
    block = 0
    while steps is None or t < steps:
        blk = sch.draw_block([rng], block)[0]
        for row in blk:
            if steps is not None and t >= steps:
                return
            yield (row[row < n] if sch.uses_sentinel else row).astype(np.intp)
            t += 1
        block += 1
