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

**Counter-based.**  The batches of a seed are a pure function of (root seed, seed index,
step): they are decoded from the seed's 32-bit draws (:mod:`numerics.rng`), and draw c is
computed from c alone.  ``random`` uses draws c = t b + p (p = 0..b-1) at step t, decoded
by Floyd's algorithm: member p is t_p = U(n - b + p + 1) (a uniform integer below that
bound, :func:`numerics.rng.below`), replaced by n - b + p when t_p is already a member.
Every b-subset then has probability exactly 1/C(n, b) (R. W. Floyd and J. Bentley,
"Programming pearls: a sample of brilliance", CACM 30(9), 1987; tested by exact
enumeration).  ``replacement`` uses the same draws, each as U(n).  ``reshuffle`` permutes
epoch e by Fisher-Yates (Durstenfeld): for i = n - 1, ..., 1 swap positions i and U(i + 1),
with draw c = e n + i.  Blocks (:attr:`Schedule.block_steps` steps) only group the work:
the bits do not depend on them.

Batch arrays have shape (seeds, steps, b) and an integer dtype; index n is the sentinel
(a coordinate that is always 0, so it contributes nothing).

>>> import numpy as np
>>> from numerics.rng import batch_keys
>>> sch = Schedule("cyclic", n=5, b=2)
>>> sch.draw_block(batch_keys(0, [0]), 0)[0, :3].tolist()
[[0, 1], [2, 3], [4, 0]]
>>> sch = Schedule("random", n=10, b=3)
>>> blk = sch.draw_block(batch_keys(0, [0, 1]), 0)
>>> blk.shape, bool(np.all(np.sort(blk, axis=2)[..., 1:] > np.sort(blk, axis=2)[..., :-1]))
((2, 32, 3), True)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from theory.domain import DomainError

from .config import SCHEDULES, validate_schedule
from .rng import MAX_DRAWS, Keys, batch_keys, below, words

__all__ = [
    "BLOCK_STEPS",
    "SCHEDULES",
    "Keys",
    "Schedule",
    "Workspace",
    "batches",
    "draw_range",
    "fisher_yates_block",
    "floyd_block",
]

BLOCK_STEPS = 32
"""Steps per block (random, replacement, cyclic, full; reshuffle: whole epochs).  Only a
unit of work: the batches are the same bits for any block size."""

# Floyd's membership test by pairwise comparison costs O(b^2); past this b a dense
# "taken" table (O(b) operations plus an O(n) clear) is cheaper.  Both give the same
# indices, so the switch never changes results.
_PAIRWISE_MAX_B = 24  # pragma: no mutate - both tests give the same indices
_LITTLE = sys.byteorder == "little"


def _index_dtype(n: int) -> type[np.signedinteger]:
    """The narrowest integer type holding 0..n (the sentinel n included): Floyd's
    comparisons run on it."""
    return np.int8 if n < 2**7 - 1 else np.int16 if n < 2**15 - 1 else np.int32


class Workspace:
    """Scratch arrays reused from block to block (fresh large arrays cost page faults: the
    draws of a block at 1000 seeds run 3x slower without it, measured).  One per engine;
    a block drawn into it stays valid until the next one is drawn."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        """The array ``name`` of that shape and dtype (contents undefined)."""
        arr = self._arrays.get(name)
        if arr is None or arr.shape != shape or arr.dtype != dtype:
            arr = self._arrays[name] = np.empty(shape, dtype=dtype)
        return arr


def _scratch(work: Workspace | None, name: str, shape: tuple[int, ...], dtype: type
             ) -> np.ndarray:
    """The workspace's array ``name``, or a fresh one without a workspace."""
    return np.empty(shape, dtype=dtype) if work is None else work.get(name, shape, dtype)


def draw_range(keys: Keys, c0: int, c1: int, work: Workspace | None = None) -> np.ndarray:
    """32-bit draws c0 .. c1 - 1 of every stream, shape (c1 - c0, seeds), uint32.

    Word k holds draws 2k (low half) and 2k + 1 (high half): the words of
    [c0 // 2, ceil(c1 / 2)) are computed once, seeds along the fast axis.
    """
    w0, w1 = c0 >> 1, (c1 + 1) >> 1
    s = len(keys)
    k = np.arange(w0, w1, dtype=np.uint64)[:, None]
    shape = (w1 - w0, s)
    w = words(keys.state[None, :], keys.gamma[None, :], k,
              _scratch(work, "words", shape, np.uint64), _scratch(work, "tmp", shape, np.uint64))
    if _LITTLE:  # the uint32 view of a word is (low, high)
        halves = w.view(np.uint32).reshape(w1 - w0, s, 2).transpose(0, 2, 1)
    else:  # pragma: no cover - big-endian machines
        halves = np.stack([w & np.uint64(0xFFFFFFFF), w >> np.uint64(32)], axis=1
                          ).astype(np.uint32)
    flat = _scratch(work, "draws", (w1 - w0, 2, s), np.uint32)
    np.copyto(flat, halves)
    return flat.reshape(2 * (w1 - w0), s)[c0 - 2 * w0: c1 - 2 * w0]


def floyd_block(x: np.ndarray, n: int, keys: Keys, c: np.ndarray,
                out: np.ndarray | None = None, work: Workspace | None = None) -> np.ndarray:
    """Floyd's algorithm on the draws ``x`` (steps, b, seeds) of counters ``c`` (steps, b):
    uniform b-subsets of range(n), shape (steps, b, seeds) (``out`` if given).

    >>> from numerics.rng import batch_keys, draws32
    >>> keys = batch_keys(7, [0])
    >>> c = np.arange(6).reshape(2, 3)
    >>> x = draws32(keys.state, keys.gamma, c[:, :, None])
    >>> sorted(floyd_block(x, 5, keys, c)[0, :, 0].tolist()) == sorted(set(
    ...     floyd_block(x, 5, keys, c)[0, :, 0].tolist()))
    True
    """
    steps, b, s = x.shape
    if out is None:
        out = np.empty((steps, b, s), dtype=_index_dtype(n))
    chosen = out
    # the draws t_p = U(n - b + p + 1) do not depend on the members before: all at once
    bounds = np.arange(n - b + 1, n + 1, dtype=np.uint64)[None, :, None]
    below(x, bounds, keys.state[None, None, :], keys.gamma[None, None, :], c[:, :, None],
          out=chosen, prod=_scratch(work, "prod", (steps, b, s), np.uint64))
    if b <= _PAIRWISE_MAX_B:
        dup = _scratch(work, "dup", (steps, s), np.bool_)
        eq = _scratch(work, "eq", (steps, b, s), np.bool_)
        for p in range(1, b):  # member p is n - b + p if t_p is a member already
            t = chosen[:, p]
            np.equal(chosen[:, :p], t[:, None, :], out=eq[:, :p])
            d = np.logical_or.reduce(eq[:, :p], axis=1, out=dup)
            np.copyto(t, n - b + p, where=d)
    else:
        rows = steps * s
        taken = np.zeros((rows, n), dtype=bool).reshape(-1)
        base: np.ndarray = np.arange(rows, dtype=np.int64) * n
        for p in range(b):
            j = n - b + p
            t = chosen[:, p].reshape(-1).astype(np.int64)
            pick = np.where(taken[base + t], j, t)
            taken[base + pick] = True
            chosen[:, p] = pick.reshape(steps, s)
    return chosen


def fisher_yates_block(x: np.ndarray, n: int, keys: Keys, c: np.ndarray) -> np.ndarray:
    """Fisher-Yates (Durstenfeld) on the draws ``x`` (epochs, n, seeds) of counters ``c``
    (epochs, n): for i = n - 1, ..., 1 swap positions i and U(i + 1) (draw i; draw 0 is
    unused).  Uniform permutations of range(n), shape (epochs, n, seeds).

    >>> from numerics.rng import batch_keys, draws32
    >>> keys = batch_keys(7, [0])
    >>> c = np.arange(5).reshape(1, 5)
    >>> perm = fisher_yates_block(draws32(keys.state, keys.gamma, c[:, :, None]), 5, keys, c)
    >>> sorted(perm[0, :, 0].tolist())
    [0, 1, 2, 3, 4]
    """
    epochs, _, s = x.shape
    perm = np.empty((epochs, n, s), dtype=_index_dtype(n))
    perm[:] = np.arange(n, dtype=perm.dtype)[None, :, None]
    # the draws j_i = U(i + 1) do not depend on the permutation: all at once
    bounds = np.arange(1, n + 1, dtype=np.uint64)[None, :, None]
    j = below(x, bounds, keys.state[None, None, :], keys.gamma[None, None, :],
              np.asarray(c, dtype=np.uint64)[:, :, None])
    for i in range(n - 1, 0, -1):
        ji = j[:, i:i + 1]
        at_i = perm[:, i].copy()
        perm[:, i] = np.take_along_axis(perm, ji, axis=1)[:, 0]
        np.put_along_axis(perm, ji, at_i[:, None], axis=1)
    return perm


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
        """Steps per block (a unit of work only: the bits never depend on it)."""
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

    def draw_block(self, keys: Keys, block: int, work: Workspace | None = None) -> np.ndarray:
        """Batches of steps [block K, (block + 1) K) for each seed: shape (seeds, K, b).

        ``keys`` are the seeds' batch streams (:func:`numerics.rng.batch_keys`); any block
        can be drawn at any time, in any order.  The array is a view of a (K, b, seeds)
        array (``transpose(1, 2, 0)`` gives it back without a copy); for ``cyclic`` and
        ``full`` every seed shares one (K, b) array (stride 0 along seeds).  ``work``: the
        scratch arrays to reuse (the result then lives in them until the next block).
        """
        n, b, k = self.n, self.b, self.block_steps
        s = len(keys)
        t0 = block * k
        if (t0 + k) * max(b, n) > MAX_DRAWS:
            raise DomainError("steps", t0 + k, f"at most 2^56 / {max(b, n)} steps per run "
                              "(the batch streams' counter range)")
        if self.name == "full":
            return np.broadcast_to(np.arange(n, dtype=np.intp), (s, k, n))
        if self.name == "cyclic":
            t = np.arange(t0, t0 + k, dtype=np.int64)
            idx = (t[:, None] * b + np.arange(b)[None, :]) % n
            return np.broadcast_to(idx.astype(np.intp), (s, k, b))
        if self.name == "reshuffle":
            return self._reshuffle(keys, t0 // self.batches_per_epoch, k, work
                                   ).transpose(2, 0, 1)
        x = draw_range(keys, t0 * b, (t0 + k) * b, work).reshape(k, b, s)
        c = np.arange(t0 * b, (t0 + k) * b, dtype=np.uint64).reshape(k, b, 1)
        out = _scratch(work, "batches", (k, b, s), _index_dtype(n))
        if self.name == "replacement":
            below(x, n, keys.state, keys.gamma, c, out=out)
            return out.transpose(2, 0, 1)
        return floyd_block(x, n, keys, c[:, :, 0], out, work).transpose(2, 0, 1)

    def _reshuffle(self, keys: Keys, e0: int, k: int, work: Workspace | None) -> np.ndarray:
        """Epochs e0 .. e0 + k / (batches per epoch) - 1 by Fisher-Yates: (k, b, seeds)."""
        n, b, s = self.n, self.b, len(keys)
        nb = self.batches_per_epoch
        epochs = k // nb
        x = draw_range(keys, e0 * n, (e0 + epochs) * n, work).reshape(epochs, n, s)
        c = (np.arange(e0, e0 + epochs, dtype=np.uint64)[:, None] * np.uint64(n)
             + np.arange(n, dtype=np.uint64)[None, :])
        padded = np.full((epochs, nb * b, s), n, dtype=_index_dtype(n))
        padded[:, :n] = fisher_yates_block(x, n, keys, c)
        return padded.reshape(k, b, s)


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
    keys = batch_keys(seed, [seed_index])
    t = 0
    block = 0
    while steps is None or t < steps:
        blk = sch.draw_block(keys, block)[0]
        for row in blk:
            if steps is not None and t >= steps:
                return
            yield (row[row < n] if sch.uses_sentinel else row).astype(np.intp)
            t += 1
        block += 1
