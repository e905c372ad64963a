"""The resource guard: a request is estimated from its arguments and refused, with one line,
before anything is allocated, when it does not fit.

Memory: what a run keeps (per seed: its results, checkpoints and records) plus the largest
working set of one chunk of seeds (the driver processes seeds in chunks of bounded size, so
the state of all seeds is never held at once), against the memory limit: the smallest of
the free address space under ``RLIMIT_AS``, the memory the system reports available
(``MemAvailable``) and ``max_memory`` when given.  Time: the work (seed-steps, scaled by
the batch size and, for the full engine, by d) at an optimistic rate, against
``max_seconds`` when given (the command line's ``--max-seconds`` defaults to one hour).
The rates are deliberately high (about twice what ``aesgd bench`` measures on one core),
so only work that surely exceeds the limit is refused.

>>> from numerics.config import SimConfig
>>> est = estimate_run(SimConfig(d=40, n=20, batch_size=1, step_size=0.3, steps=1000,
...                              seeds=10**9))
>>> est.memory_parameter, est.bytes > 10**11
('seeds', True)
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.domain import DomainError

__all__ = ["Estimate", "ResourceError", "available_memory", "estimate_run", "estimate_walk",
           "format_bytes", "parse_bytes", "require"]

REDUCED_RATE = 1e7
"""Seed-steps per second of the reduced engine at b = 1 (optimistic; ~2x the measured)."""
FULL_RATE = 4e9
"""Seed-coordinate-steps per second of the full engine (optimistic)."""
DATA_RATE = 2e10
"""Full engine on non-orthonormal data (``config.data``): seed-steps times d n per second,
the two (seeds, d) x (d, n) products of a step (optimistic; ~2x the measured)."""
WALK_RATE = 2e8
"""Path-steps per second of the walk simulator (optimistic)."""
_F8 = 8
_OVERHEAD = 64 * 2**20  # the interpreter and the libraries' own buffers, in addition


class ResourceError(DomainError):
    """A request that does not fit: names the argument that drives it, the estimate and
    the limit (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Estimate:
    """What a request needs: ``bytes`` of memory, ``seconds`` of work, and the arguments
    that drive each (the ones a user would lower), with their values."""

    bytes: int
    seconds: float
    memory_parameter: str
    memory_value: Any
    time_parameter: str
    time_value: Any
    what: str


def format_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def parse_bytes(name: str, text: object) -> int:
    """'4G', '4GiB', '500M', '1e9' or an integer -> bytes (binary units); nothing else."""
    import re

    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?(?:[eE]\d{1,2})?)\s*([KMGT]?)(?:i?B)?\s*",
                     str(text)) if isinstance(text, str) else None
    if m is None or float(m.group(1)) <= 0:
        raise DomainError(name, text, "a size such as 4G, 500M or a number of bytes")
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2)]
    return int(float(m.group(1)) * scale)


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _address_space_used() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_memory() -> int:
    """The memory a request may use now: free address space under RLIMIT_AS, and the
    system's MemAvailable (the smaller; a large default when neither is known)."""
    limits = []
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft not in (resource.RLIM_INFINITY, -1):
        limits.append(max(0, soft - (_address_space_used() or 0)))
    avail = _meminfo_available()
    if avail is not None:
        limits.append(avail)
    if not limits:
        try:
            limits.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            limits.append(2**40)
    return int(min(limits))


def estimate_run(config: Any, basis: bool = False, init: bool = False) -> Estimate:
    """Memory and time of :func:`numerics.sgd.run` for a :class:`~numerics.config.SimConfig`
    (with a (d, d) ``basis`` or an explicit ``init`` when given)."""
    s, n, d, b, t = config.seeds, config.n, config.d, config.batch_size, config.steps
    ck = config.checkpoints if isinstance(config.checkpoints, int) else len(config.checkpoints)
    ck = min(ck + 2, t + 1)  # log-spaced steps plus 0 and T, at most every step
    records = 0 if config.record_steps is None else len(config.record_steps)
    full = config.engine == "full"
    # kept for every seed: results and metrics, checkpoints, records, the generator states
    # of the resumable state (about 2 KiB), and w, w0 with the full engine
    per_seed = _F8 * (2 * n + 16 + 6 * ck + records * (n + 1) + (2 * d if full else 0)) + 2304
    # one chunk of seeds at a time (the driver's chunk size: numerics.sgd._chunk_size):
    # blocks of batches and uniforms, the engine's arrays and the metrics' temporaries
    chunk_seeds = max(1, min(s, 2**22 // (256 * b + 2 * (n + 1) + (d if full else 0))))
    working = _F8 * (3 * 256 * b + 12 * (n + 1) + (5 * d if full else 0))
    extra = _F8 * (d * d if basis else 0) + _F8 * (s * d if init else 0)
    if getattr(config, "data", None) is not None:  # the points, their span's basis, Gram
        extra += _F8 * (3 * d * n + 2 * n * n)
    total = s * per_seed + chunk_seeds * working + extra + _OVERHEAD
    work = float(s) * t * b
    seconds = work * d / FULL_RATE if full else work / REDUCED_RATE
    if getattr(config, "data", None) is not None:
        seconds += float(s) * t * d * n / DATA_RATE
    if full and s * _F8 * 7 * d > 0.5 * (s * per_seed + chunk_seeds * working):
        memory = ("d", d)
    elif n * _F8 * 4 > per_seed * 0.5 and s < n:
        memory = ("n", n)
    elif records * (n + 1) > 2 * n + 16 + 6 * ck and records > s:
        memory = ("record_steps", records)
    else:
        memory = ("seeds", s)
    timing = ("steps", t) if t >= s else ("seeds", s)
    return Estimate(int(total), seconds, memory[0], memory[1], timing[0], timing[1],
                    f"{s} seed(s) of {t} steps, n = {n}, d = {d}, b = {b}, "
                    f"{config.engine} engine")


def estimate_walk(config: Any) -> Estimate:
    """Memory and time of :func:`numerics.random_walk.simulate_walk` for a
    :class:`~numerics.config.WalkConfig` (a generator, a block of uniforms and the
    records per path)."""
    p, t = config.paths, config.steps
    records = min(config.records, t)
    per_path = 2048 + _F8 * (256 + 8 + 2 * records)
    seconds = float(p) * t / WALK_RATE + t * 2e-6 + (t / 256) * p * 2e-7
    timing = ("steps", t) if t >= p else ("paths", p)
    return Estimate(int(p * per_path + _OVERHEAD), seconds, "paths", p, timing[0], timing[1],
                    f"{p} path(s) of {t} steps")


def require(est: Estimate, max_memory: int | None = None, max_seconds: float | None = None
            ) -> None:
    """Refuse ``est`` (a :class:`ResourceError` naming the argument that drives it) when it
    needs more memory than is available (or than ``max_memory``), or more time than
    ``max_seconds``."""
    limit = available_memory()
    source = "the memory available"
    if max_memory is not None and max_memory < limit:
        limit, source = max_memory, "--max-memory"
    if est.bytes > limit:
        raise ResourceError(
            est.memory_parameter, est.memory_value,
            f"small enough to fit in memory: {est.what} needs about {format_bytes(est.bytes)}"
            f", more than {format_bytes(limit)} ({source})")
    if max_seconds is not None and est.seconds > max_seconds:
        raise ResourceError(
            est.time_parameter, est.time_value,
            f"small enough to finish in time: {est.what} needs about "
            f"{_duration(est.seconds)}, more than the limit of {_duration(max_seconds)} "
            "(--max-seconds)")


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "forever"
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"
