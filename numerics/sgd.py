"""SGD on the single-neuron autoencoder: the driver that runs the engines for many seeds.

SPEC sections 1-2.  Data x_i are n orthonormal vectors in R^d (e_1..e_n, or the first n
columns of a given orthogonal ``basis``); SGD is w <- w - (eta/b) sum_{i in B} grad l_i(w).
:func:`simulate` builds a :class:`numerics.config.SimConfig` from its arguments (validated
once, there) and :func:`run` drives the engines of :mod:`numerics._engines` over chunks of
seeds, blocks of batches and the checkpoints.

Reproducibility: seed i uses only ``SeedSequence([seed, i])`` (:mod:`numerics.rng`),
batches are drawn in blocks fixed by the step index (:mod:`numerics.schedules`), and every
operation is row-wise, so results are bit-identical whatever ``chunk_size`` or
``seed_offset`` (for the standard basis), and a run continued from its state
(``start=result.state``) gives the same bits as one run of the total length.

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
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.domain import DomainError, integer

from . import metrics
from ._engines import _Engine, _FullEngine, _ReducedEngine, _ReducedEngineCompiled
from .config import SimConfig, validate_basis, validate_init
from .data import Data
from .resources import estimate_run, require
from .result import CHECKPOINT_METRICS, SimState, SimulationResult
from .rng import Keys, batch_keys, seed_streams
from .schedules import Schedule

__all__ = ["initial_state", "run", "simulate", "trajectory"]

# numbers held per chunk of seeds (batch block + state); results are the same bits under
# any chunking
_CHUNK_BUDGET = 2**22  # pragma: no mutate - a memory setting


def initial_state(
    d: int,
    n: int,
    seed_ids: Sequence[int],
    seed: int = 0,
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
        st = seed_streams(seed, i) if streams is None else streams[k]
        a0[k] = scale * st["init"].standard_normal(n)
        if d > n:
            perp0[k] = scale * math.sqrt(st["perp"].chisquare(d - n))
            if w0 is not None:
                u = st["direction"].standard_normal(d - n)
                w0[k, n:] = perp0[k] * (u / np.linalg.norm(u))
        if w0 is not None:
            w0[k, :n] = a0[k]
    return a0, perp0, w0


# ------------------------------------------------------------------ what a run records
class _Recorder:
    """The result arrays of every seed, filled chunk by chunk."""

    def __init__(self, config: SimConfig, t0: int, data: Data | None = None) -> None:
        s, n = config.seeds, config.n
        self.data = data
        self.ck_steps = config.checkpoint_steps(t0)
        self.rec_steps = config.recorded_steps(t0)
        self.ck = {name: np.empty((self.ck_steps.size, s)) for name in CHECKPOINT_METRICS}
        self.rec_a = np.empty((self.rec_steps.size, s, n))
        self.rec_p = np.empty((self.rec_steps.size, s))
        self.ck_index = {int(t): k for k, t in enumerate(self.ck_steps)}
        self.rec_index = {int(t): k for k, t in enumerate(self.rec_steps)}
        self.stops = sorted(set(self.ck_index) | set(self.rec_index))
        self.final: dict[str, np.ndarray] = {name: np.empty((s, n)) for name in ("a0", "a")}
        for name in ("perp0", "perp", "r", "alignment"):
            self.final[name] = np.empty(s)
        self.diverged_at = np.empty(s, dtype=np.int64)
        self.w = np.empty((s, config.d)) if config.engine == "full" else None
        self.states: list[dict[str, np.ndarray]] = []

    def look(self, t: int, eng: _Engine, sl: slice, r0: np.ndarray, config: SimConfig) -> None:
        """Record the metrics and coordinates of step t, if t is a checkpoint or record."""
        if t not in self.ck_index and t not in self.rec_index:
            return
        a_t, p_t, r_t, dot_t = eng.observe()
        conv = config.conventions
        if t in self.ck_index:
            k = self.ck_index[t]
            if self.data is not None:
                assert isinstance(eng, _FullEngine)
                self.ck["loss_gap"][k, sl] = self.data.loss_gap(eng.w, conv)
            else:
                self.ck["loss_gap"][k, sl] = metrics.loss_gap(a_t, p_t, conv)
            self.ck["support"][k, sl] = metrics.support(a_t, config.support_threshold)
            self.ck["winner"][k, sl] = metrics.winner(a_t, conv)
            self.ck["alignment"][k, sl] = metrics.alignment(dot_t, r_t, r0)
            self.ck["r"][k, sl] = r_t
        if t in self.rec_index:
            self.rec_a[self.rec_index[t], sl] = a_t
            self.rec_p[self.rec_index[t], sl] = p_t

    def finish(self, sl: slice, eng: _Engine, r0: np.ndarray) -> None:
        a_t, p_t, r_t, dot_t = eng.observe()
        self.final["a"][sl] = a_t
        self.final["perp"][sl] = p_t
        self.final["r"][sl] = r_t
        self.final["alignment"][sl] = metrics.alignment(dot_t, r_t, r0)
        self.diverged_at[sl] = eng.diverged_at
        if self.w is not None:
            assert isinstance(eng, _FullEngine)
            self.w[sl] = eng.w
        self.states.append(eng.export())

    def state(self, step: int, config: SimConfig) -> SimState:
        names = self.states[0].keys()
        engine = {k: np.concatenate([st[k] for st in self.states]) for k in names}
        return SimState(step, config.run_key, engine,
                        self.final["a0"].copy(), self.final["perp0"].copy())


# ------------------------------------------------------------------------ one chunk
@dataclass
class _Chunk:
    """The engine and batch streams of seeds lo .. hi - 1."""

    sl: slice
    engine: _Engine
    keys: Keys
    r0: np.ndarray


def _engine_class(config: SimConfig) -> type[_ReducedEngine]:
    return _ReducedEngineCompiled if config.kernel == "compiled" else _ReducedEngine


def _chunk_keys(config: SimConfig, sl: slice) -> Keys:
    """The batch streams of the seed indices of chunk ``sl``."""
    lo = config.seed_offset
    return batch_keys(config.seed, np.arange(lo + sl.start, lo + sl.stop, dtype=np.uint64))


def _fresh_chunk(config: SimConfig, sch: Schedule, sl: slice, init: np.ndarray | None,
                 basis: np.ndarray | None, rec: _Recorder) -> _Chunk:
    """Seeds of ``sl`` from their initialisation (random, or the given ``init``)."""
    ids = range(config.seed_offset + sl.start, config.seed_offset + sl.stop)
    full = config.engine == "full"
    names = ("init", "perp") + (("direction",) if full else ())
    streams = [seed_streams(config.seed, i, names) for i in ids]
    n = config.n
    if init is None:
        a0, p0, w0 = initial_state(config.d, n, list(ids), config.seed, config.init_scale,
                                   full=full, streams=streams)
        if w0 is not None and basis is not None:
            w0 = w0 @ basis.T
    elif rec.data is not None:
        w0 = init[sl]
        a0, p0 = rec.data.coefficients(w0), rec.data.perp(w0)
    else:
        w0 = init[sl]
        if basis is None:
            a0, rest = w0[:, :n].copy(), w0[:, n:]
        else:
            a0 = w0 @ basis[:, :n]
            rest = w0 - a0 @ basis[:, :n].T
        p0 = np.sqrt(np.sum(rest * rest, axis=1))
    gamma, bound = config.gamma, config.divergence_bound
    eng: _Engine
    if full:
        assert w0 is not None
        eng = _FullEngine(w0, n, gamma, config.conventions, basis, bound, sch, rec.data)
    else:
        eng = _engine_class(config)(a0, p0, gamma, config.conventions, sch, bound)
    a_obs, p_obs, _, _ = eng.observe()
    rec.final["a0"][sl] = a_obs
    rec.final["perp0"][sl] = p_obs
    return _Chunk(sl, eng, _chunk_keys(config, sl), np.sum(a_obs * a_obs, axis=1) + p_obs * p_obs)


def _resumed_chunk(config: SimConfig, sch: Schedule, sl: slice, start: SimState,
                   basis: np.ndarray | None, rec: _Recorder) -> _Chunk:
    """Seeds of ``sl`` continued from ``start``."""
    part = start.rows(sl.start, sl.stop)
    gamma, bound = config.gamma, config.divergence_bound
    eng: _Engine
    if config.engine == "full":
        eng = _FullEngine(part.engine["w0"], config.n, gamma, config.conventions, basis,
                          bound, sch, rec.data)
    else:
        eng = _engine_class(config)(part.a0, part.perp0, gamma, config.conventions, sch,
                                    bound)
    eng.restore(part.engine)
    rec.final["a0"][sl] = part.a0
    rec.final["perp0"][sl] = part.perp0
    return _Chunk(sl, eng, _chunk_keys(config, sl),
                  np.sum(part.a0 * part.a0, axis=1) + part.perp0**2)


def _drive(chunk: _Chunk, config: SimConfig, t0: int, rec: _Recorder, bar: Any) -> None:
    """Steps t0 .. t0 + steps of one chunk (the batches of step t depend on t only)."""
    eng = chunk.engine
    t, t_stop = t0, t0 + config.steps
    k = eng.sch.block_steps
    block = t0 // k
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        rec.look(t, eng, chunk.sl, chunk.r0, config)
        while t < t_stop:
            t_block = block * k
            t_end = min(t_stop, t_block + k)
            eng.load_block(chunk.keys, block)
            t_first = t
            while t < t_end:
                pos = bisect.bisect_right(rec.stops, t)
                nxt = min(t_end, rec.stops[pos]) if pos < len(rec.stops) else t_end
                eng.run(t - t_block, nxt - t_block, t_block)
                t = nxt
                rec.look(t, eng, chunk.sl, chunk.r0, config)
            if bar is not None:
                bar.update((t_end - t_first) * (chunk.sl.stop - chunk.sl.start))
            block += 1


def _chunk_size(config: SimConfig, sch: Schedule) -> int:
    if config.chunk_size is not None:
        return config.chunk_size
    per_seed = sch.block_steps * config.batch_size + 2 * (config.n + 1) + (
        config.d if config.engine == "full" else 0)
    return max(1, min(config.seeds, _CHUNK_BUDGET // per_seed))


def _check_start(start: Any, config: SimConfig, init: Any) -> SimState:
    if not isinstance(start, SimState):
        raise DomainError("start", type(start).__name__, "a SimState (result.state)")
    if init is not None:
        raise DomainError("init", "given", "None when continuing from a state (start)")
    if start.run_key != config.run_key:
        raise DomainError("start", "a state of other runs", "the state of runs with the same "
                          "configuration (all but steps, checkpoints and record_steps)")
    return start


def _progress_bar(progress: bool | None, total: int) -> Any:
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="seed-step", unit_scale=True, file=sys.stderr)


def run(
    config: SimConfig,
    *,
    init: Any = None,
    basis: Any = None,
    start: SimState | None = None,
    progress: bool | None = False,
    max_memory: int | None = None,
    max_seconds: float | None = None,
) -> SimulationResult:
    """Run the SGD runs of ``config`` and collect their metrics.

    ``init`` (array (d,) or (seeds, d), ambient coordinates) replaces the random w_0, the
    batches still come from the seeds; ``basis`` (full engine only) is a (d, d) orthogonal
    matrix whose first n columns are the data; ``start`` continues runs from their state
    after some steps (``config.steps`` more steps are run); ``progress`` None means "if
    stderr is a terminal".  Before anything is allocated the request is estimated and
    refused (:class:`numerics.resources.ResourceError`) when it needs more memory than is
    available (or than ``max_memory`` bytes) or more than ``max_seconds``.
    """
    require(estimate_run(config, basis=basis is not None, init=init is not None),
            max_memory, max_seconds)
    init_arr = None if init is None else validate_init(init, config)
    q = None if basis is None else validate_basis(basis, config)
    data = None
    if config.data is not None:
        if q is not None:
            raise DomainError("basis", "given", "None with config.data (the data spec "
                              "gives the points)")
        data = Data.build(config.d, config.n, config.data)
    t0 = 0 if start is None else _check_start(start, config, init).step
    sch = Schedule(config.schedule, config.n, config.batch_size)
    rec = _Recorder(config, t0, data)
    bar = _progress_bar(progress, config.steps * config.seeds)
    chunk = _chunk_size(config, sch)
    for lo in range(0, config.seeds, chunk):
        sl = slice(lo, min(config.seeds, lo + chunk))
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            part = (_fresh_chunk(config, sch, sl, init_arr, q, rec) if start is None
                    else _resumed_chunk(config, sch, sl, start, q, rec))
        _drive(part, config, t0, rec, bar)
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            rec.finish(sl, part.engine, part.r0)
    if bar is not None:
        bar.close()
    f = rec.final
    return SimulationResult(
        config=config,
        seed_ids=np.arange(config.seed_offset, config.seed_offset + config.seeds,
                           dtype=np.int64),
        a0=f["a0"], a=f["a"], perp0=f["perp0"], perp=f["perp"], r=f["r"],
        alignment=f["alignment"], diverged_at=rec.diverged_at,
        checkpoint_steps=rec.ck_steps, checkpoints=rec.ck, record_steps=rec.rec_steps,
        record_a=rec.rec_a, record_perp=rec.rec_p, final_w=rec.w,
        state=rec.state(t0 + config.steps, config), init_given=init is not None)


def simulate(d: int, n: int, batch_size: int, step_size: float, steps: int, seeds: int = 1,
             *, init: Any = None, basis: Any = None, start: SimState | None = None,
             progress: bool | None = False, max_memory: int | None = None,
             max_seconds: float | None = None, **options: Any) -> SimulationResult:
    """Run SGD for seeds ``seed_offset .. seed_offset + seeds - 1`` and collect metrics.

    The arguments are :class:`numerics.config.SimConfig`'s (``conventions``, ``schedule``,
    ``engine``, ``init_scale``, ``seed``, ``seed_offset``, ``checkpoints``,
    ``record_steps``, ``support_threshold``, ``converged_tol``, ``divergence_bound``,
    ``kernel``, ``chunk_size``), validated once (a :class:`theory.domain.DomainError`
    names the bad one; ``data``, a :class:`numerics.data.DataSpec`, runs the full engine on
    other data); ``init``, ``basis``, ``start``, ``progress``, ``max_memory`` and
    ``max_seconds`` are :func:`run`'s.
    ``kernel`` (reduced engine): ``"numpy"``, ``"compiled"`` (numba; the same bits as
    NumPy, tested) or ``"auto"`` (the default: compiled for runs of at least
    :data:`numerics.config.AUTO_COMPILED_WORK` seed-steps); ``replacement`` with b > 1 and
    the full engine always use NumPy.
    """
    config = SimConfig(d=d, n=n, batch_size=batch_size, step_size=step_size, steps=steps,
                       seeds=seeds, **options)
    return run(config, init=init, basis=basis, start=start, progress=progress,
               max_memory=max_memory, max_seconds=max_seconds)


def trajectory(d: int, n: int, batch_size: int, step_size: float, steps: int, seeds: int = 1,
               record_every: int = 1, **options: Any
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, a, perp): the data coordinates at times 0, k, 2k, ... (and ``steps``).

    ``a`` has shape (times, seeds, n), ``perp`` (times, seeds).  Keyword arguments go to
    :func:`simulate`.

    >>> t, a, p = trajectory(10, 5, 1, 0.3, 4, 2, record_every=2)
    >>> t.tolist(), a.shape, p.shape
    ([0, 2, 4], (3, 2, 5), (3, 2))
    """
    k = integer("record_every", record_every, 1)
    total = integer("steps", steps, 0)
    times = sorted(set(range(0, total + 1, k)) | {total})
    res = simulate(d, n, batch_size, step_size, steps, seeds, record_steps=times,
                   checkpoints=0, **options)
    return res.record_steps, res.record_a, res.record_perp

