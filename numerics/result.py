"""What a simulation returns: per-seed results with their metrics, and the state to continue.

:class:`SimulationResult` holds the coordinates at the start and the end of every seed, the
checkpoint metrics and the recorded coordinates; :class:`SimState` holds everything needed
to continue the same runs bit for bit (``simulate(..., start=result.state)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import formulas, metrics
from .config import SimConfig
from .data import Data

__all__ = ["CHECKPOINT_METRICS", "STATUSES", "SimState", "SimulationResult"]

STATUSES: tuple[str, ...] = ("converged", "running", "diverged")
CHECKPOINT_METRICS: tuple[str, ...] = ("loss_gap", "support", "winner", "alignment", "r")


@dataclass(frozen=True)
class SimState:
    """The state of a batch of runs after ``step`` steps: continue them with
    ``simulate(..., start=state)`` (the same configuration, any number of further steps).

    ``engine`` holds the engine's arrays (one row per seed, in seed order) and
    ``a0``/``perp0`` the start of each run (its alignment is measured against it).  No
    generator state is needed: the batches of step t are a function of t
    (:mod:`numerics.rng`).
    """

    step: int
    run_key: tuple[Any, ...]
    engine: dict[str, np.ndarray]
    a0: np.ndarray
    perp0: np.ndarray

    def rows(self, lo: int, hi: int) -> SimState:
        """The state of seeds lo .. hi - 1 (a chunk)."""
        return SimState(
            self.step, self.run_key, {k: v[lo:hi] for k, v in self.engine.items()},
            self.a0[lo:hi], self.perp0[lo:hi])


@dataclass
class SimulationResult:
    """What :func:`numerics.simulate` returns.  Arrays are indexed by seed (row k is seed
    ``seed_ids[k]``).

    ``a0``, ``a``: (seeds, n) data coordinates at the start and the end; ``perp0``,
    ``perp``: (seeds,) Euclidean norm of the orthogonal part; ``status``: per seed, one of
    :data:`STATUSES`; ``diverged_at``: step of divergence (-1 if none);
    ``checkpoint_steps`` (K,) and ``checkpoints[name]`` (K, seeds) for each name in
    :data:`CHECKPOINT_METRICS`; ``record_steps``/``record_a`` (R, seeds, n)/``record_perp``
    (R, seeds) when asked for; ``w`` (seeds, d) final iterate for the full engine;
    ``state`` continues the runs.
    """

    config: SimConfig
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
    final_w: np.ndarray | None = field(default=None, repr=False)
    state: SimState | None = None
    init_given: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    _data: Data | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def params(self) -> dict[str, Any]:
        """The configuration as printed by ``aesgd simulate --json``."""
        out = self.config.to_json()
        out["init"] = "given" if self.init_given else "random"
        if self.state is not None and self.state.step != self.config.steps:
            out["start_step"] = int(self.state.step - self.config.steps)
        return out

    @property
    def w(self) -> np.ndarray:
        """The final iterates w_T, (seeds, d): kept by the full engine only.

        The reduced engine never builds w (its cost does not depend on d): it keeps the
        data coordinates ``a`` and ``perp``, the norm of the rest, which is all the
        metrics need; asking for ``w`` there is an error that says how to get it.
        """
        if self.final_w is None:
            from theory.domain import DomainError

            raise DomainError("engine", self.config.engine, "'full' for the final iterate "
                              "w (simulate(..., engine='full')); the reduced engine keeps "
                              "a = w[:n] and perp = ||w[n:]||, and numerics.hessian.embed"
                              "(a, perp, d) builds a point of R^d with them")
        return self.final_w

    # derived per-seed metrics -----------------------------------------------------
    @property
    def data(self) -> Data | None:
        """The points of a run on non-orthonormal data (``config.data``), else None."""
        c = self.config
        if c.data is None:
            return None
        if self._data is None:
            self._data = Data.build(c.d, c.n, c.data)
        return self._data

    @property
    def loss_gap(self) -> np.ndarray:
        data = self.data
        if data is not None:  # from w_T, by definition (numerics.data)
            return data.loss_gap(self.w, self.config.conventions)
        return metrics.loss_gap(self.a, self.perp, self.config.conventions)

    @property
    def support(self) -> np.ndarray:
        return metrics.support(self.a, self.config.support_threshold)

    @property
    def winner(self) -> np.ndarray:
        return metrics.winner(self.a, self.config.conventions)

    @property
    def status(self) -> np.ndarray:
        gap = self.loss_gap
        out = np.where(np.abs(gap) <= self.config.converged_tol, "converged", "running")
        return np.where(self.diverged_at >= 0, "diverged", out)

    @property
    def hessian_trace(self) -> np.ndarray:
        """tr H at the limit point (coordinates under the support threshold set to 0)."""
        c = self.config
        data = self.data
        if data is not None:  # at w_T with the small data coefficients set to 0
            return data.trace_limit(self.w, c.conventions, c.support_threshold)
        return metrics.trace_limit(self.a, self.perp, c.d, c.conventions, c.support_threshold)

    @property
    def hessian_trace_iterate(self) -> np.ndarray:
        """tr H at the raw final iterate (tiny positive coordinates still active)."""
        data = self.data
        if data is not None:
            return data.trace(self.w, self.config.conventions)
        return metrics.trace_iterate(self.a, self.perp, self.config.d, self.config.conventions)

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
                "seed_index": int(sid),
                "status": str(status[k]),
                # diverged_at is -1 (never) or a step >= 1
                "diverged_at": (int(self.diverged_at[k])
                                if self.diverged_at[k] >= 0  # pragma: no mutate - see above
                                else None),
            }
            ok = status[k] != "diverged"
            for name, col in cols.items():
                run[name] = col[k].item() if ok else None
            out.append(run)
        return out

    def summary(self) -> dict[str, Any]:
        """Counts by status and support, means of the metrics over non-diverged seeds,
        and the closed-form trace at a 1-sparse minimum for comparison."""
        c = self.config
        status = self.status
        ok = status != "diverged"
        sup = self.support[ok]
        support_counts = {
            int(k): int(v) for k, v in zip(*np.unique(sup, return_counts=True), strict=True)
        }

        def mean(x: np.ndarray) -> float | None:
            return float(np.mean(x[ok])) if ok.any() else None

        return {
            "params": self.params,
            "seeds": int(self.seed_ids.size),
            "status_counts": {s: int(np.sum(status == s)) for s in STATUSES},
            "support_counts": support_counts,
            "fraction_one_sparse": float(np.mean(sup == 1)) if sup.size else None,
            "mean_alignment": mean(self.alignment),
            "mean_abs_alignment": mean(np.abs(self.alignment)),
            "max_loss_gap": float(np.max(self.loss_gap[ok])) if ok.any() else None,
            "mean_hessian_trace": mean(self.hessian_trace),
            "mean_hessian_trace_iterate": mean(self.hessian_trace_iterate),
            # the closed form holds for orthonormal data only
            "trace_at_min_s1": None if c.data is not None
            else float(formulas.trace_at_min()(c.d, c.n, 1)),
        }

    def to_json(self) -> dict[str, Any]:
        """``{"runs": [...], "summary": {...}}`` as printed by ``aesgd simulate --json``."""
        return {"runs": self.runs(), "summary": self.summary()}

    def save_npz(self, path: str) -> None:
        """The run file of :func:`numerics.io.save_run` (versioned, atomic): ``a0``, ``a``
        (seeds, n), ``perp0``, ``perp``, ``diverged_at``, ``seed_ids`` (seeds,), the
        parameters and the provenance; :func:`numerics.io.load_run` reads it back."""
        from .io import save_run

        save_run(self, path)
