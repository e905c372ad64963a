"""Per-seed random streams: run i's randomness depends only on (seed, i).

Every run is indexed by the root seed ``seed`` and a seed index i.  Seed index i gets
``SeedSequence([seed, i])``, spawned into four independent streams, one per purpose, so
that, for example, the full and the reduced engine share the data coordinates of w_0 and
every batch, although only the full engine draws the direction of the orthogonal part:

``init``       the n data coordinates a(0) (n standard normals)
``perp``       the norm of the orthogonal part (one chi-square draw with d - n degrees)
``direction``  the direction of the orthogonal part (full engine only)
``batches``    the batch schedule (drawn in blocks whose boundaries depend only on the
               step index, see :mod:`numerics.schedules`)

Nothing depends on how many seeds run together or in which chunks.

>>> g = seed_streams(0, 3)
>>> sorted(g)
['batches', 'direction', 'init', 'perp']
>>> float(seed_streams(0, 3)["init"].random()) == float(g["init"].random())
True
"""

from __future__ import annotations

import numpy as np

from theory.domain import seed as validate_seed

__all__ = ["STREAMS", "seed_sequence", "seed_streams"]

STREAMS: tuple[str, ...] = ("init", "perp", "direction", "batches")


def seed_sequence(seed: int, index: int) -> np.random.SeedSequence:
    """``SeedSequence([seed, index])``: the whole randomness of seed index ``index``."""
    return np.random.SeedSequence([validate_seed("seed", seed), int(index)])


def seed_streams(
    seed: int, index: int, names: tuple[str, ...] = STREAMS
) -> dict[str, np.random.Generator]:
    """One independent ``Generator`` (PCG64) per purpose in :data:`STREAMS`.

    Stream k is child k of ``SeedSequence([seed, index])`` (what ``spawn`` returns), built
    directly, so asking for a subset ``names`` gives the same generators for those names
    and skips the others (the reduced engine never needs ``direction``).

    >>> a = seed_streams(0, 3)["batches"].random()
    >>> float(seed_streams(0, 3, ("batches",))["batches"].random()) == float(a)
    True
    """
    parent = seed_sequence(seed, index)
    out = {}
    for k, name in enumerate(STREAMS):
        if name in names:
            child = np.random.SeedSequence(
                parent.entropy, spawn_key=(*parent.spawn_key, k), pool_size=parent.pool_size
            )
            out[name] = np.random.Generator(np.random.PCG64(child))
    return out
