"""Simulation oracle for the engine itself: the library's SGD runs against SGD written from
the definition, and its batch schedules against their exact laws.

:func:`check_against_definition` runs the library (both engines, both kernels) and the
SGD loop of :mod:`proofs_check.oracles.definition` from the same starts on the same batches,
and compares every recorded state, the divergence steps, every checkpoint metric and both
Hessian traces; it also checks that chunking, seed offsets and continuing from a saved
state give the same bits, and that the compiled kernel gives the NumPy kernel's bits.
:func:`check_schedule_laws` compares the batches the schedules
draw with their exact laws (chi-square tests and an exact binomial test, each with its
power against a named alternative).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from numerics.config import numba_available
from numerics.result import SimulationResult
from numerics.schedules import batches
from numerics.sgd import simulate
from theory.conventions import LINEAR, RELU, RELU1, Conventions

from ..experiments import ROOT
from ..result import CheckResult
from ..stats import Budget
from . import definition as ref

__all__ = ["ENGINE_CASES", "EngineCase", "check_against_definition", "check_schedule_laws"]


@dataclass(frozen=True)
class EngineCase:
    """One setting the engine is compared in (d = 12, n = 6 unless said otherwise)."""

    label: str
    batch_size: int
    step_size: float
    schedule: str = "random"
    conventions: Conventions = RELU
    init: tuple[float, ...] | None = None
    steps: int = 300
    seeds: int = 5


_SIGN_FLIP = (1.5, 0.1, -0.2, 0.3, 0.05, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0)
ENGINE_CASES: tuple[EngineCase, ...] = (
    EngineCase("relu, random b = 2", 2, 0.6),
    EngineCase("linear, random b = 2", 2, 0.6, conventions=LINEAR),
    EngineCase("relu'(0) = 1, random b = 2", 2, 0.6, conventions=RELU1),
    EngineCase("replacement b = 3 (repeated indices)", 3, 0.3, "replacement"),
    EngineCase("reshuffle b = 4 (last batch of 2)", 4, 1.2, "reshuffle"),
    EngineCase("cyclic b = 4", 4, 1.2, "cyclic"),
    EngineCase("full batch", 6, 1.8, "full"),
    EngineCase("diverging (eta = 30)", 2, 30.0),
    EngineCase("sign flip at the first step (gamma S_B > 1)", 1, 0.6, init=_SIGN_FLIP),
)
_D, _N = 12, 6
_RECORD = (0, 1, 7, 63, 64, 65, 200, 300)
_THRESHOLD = 1e-6


def _padded_batches(case: EngineCase, seed_ids: np.ndarray) -> np.ndarray:
    """(seeds, steps, b) batches of the library's schedule; an empty slot is index n."""
    out = np.full((seed_ids.size, case.steps, case.batch_size), _N, dtype=np.intp)
    for row, i in enumerate(seed_ids):
        for t, bt in enumerate(batches(case.schedule, _N, case.batch_size, seed_index=int(i),
                                       seed=ROOT, steps=case.steps)):
            out[row, t, :bt.size] = bt
    return out


def _run(case: EngineCase, engine: str, kernel: str, **extra: Any) -> SimulationResult:
    init = None if case.init is None else np.array(case.init)
    return simulate(_D, _N, case.batch_size, case.step_size, case.steps, case.seeds,
                    conventions=case.conventions, schedule=case.schedule, engine=engine,
                    kernel=kernel, seed=ROOT, init=init, checkpoints=list(_RECORD),
                    record_steps=list(_RECORD), support_threshold=_THRESHOLD, **extra)


def _start(res: SimulationResult) -> np.ndarray:
    """w_0 in the standard basis: (a_0, ||w_perp(0)||, 0, ...) (rotation invariance)."""
    w0 = np.zeros((res.a0.shape[0], _D))
    w0[:, :_N] = res.a0
    w0[:, _N] = res.perp0
    return w0


def _limit(w: np.ndarray) -> np.ndarray:
    """The limit point of one state: coordinates at most 1e-6 of the largest |a_i| set to 0."""
    top = np.max(np.abs(w[:_N]))
    return np.where(np.abs(w) > _THRESHOLD * top, w, 0.0)


def _trace_errors(res: SimulationResult, w: np.ndarray, conv: Conventions) -> list[float]:
    """|library trace - definition trace| at the final iterate and at its limit point."""
    errs = []
    for k in np.flatnonzero(res.diverged_at < 0)[:2]:
        errs.append(abs(res.hessian_trace_iterate[k] - ref.fd_trace(w[k], _N, conv)))
        errs.append(abs(res.hessian_trace[k] - ref.fd_trace(_limit(w[k]), _N, conv)))
    return errs


def _worst(x: np.ndarray) -> float:
    return float(np.max(np.abs(x), initial=0.0))


def _compare(res: SimulationResult, case: EngineCase) -> dict[str, float]:
    """The largest disagreements between a library run and the definition's SGD."""
    conv = case.conventions
    w0 = _start(res)
    path = ref.sgd_path(w0, _padded_batches(case, res.seed_ids), res.config.gamma, conv, _N,
                        list(_RECORD))
    states = dict(zip(path.steps, path.w, strict=True))
    e1 = np.zeros((1, _D))
    e1[0, 0] = 1.0
    min_loss = float(ref.loss(e1, _N, conv)[0])
    err = {"state": 0.0, "metric": 0.0, "count": 0.0}
    live = res.diverged_at < 0
    ck = res.checkpoints
    for k, t in enumerate(res.record_steps):
        w = states[int(t)]
        a, r = w[:, :_N], np.sum(w * w, axis=1)
        perp = np.linalg.norm(w[:, _N:], axis=1)
        gap = ref.loss(w, _N, conv) - min_loss
        err["state"] = max(err["state"], _worst((res.record_a[k] - a) / np.maximum(1, abs(a))),
                           _worst(res.record_perp[k] - perp))
        err["metric"] = max(err["metric"], _worst((ck["loss_gap"][k] - gap)[live]),
                            _worst((ck["alignment"][k] - ref.alignment(w, w0))[live]),
                            _worst((ck["r"][k] - r) / np.maximum(1, r)))
        err["count"] += float(np.sum(ck["support"][k] != ref.support(a, _THRESHOLD))
                              + np.sum(ck["winner"][k] != ref.winner(a, conv)))
    err["diverged"] = float(np.sum(res.diverged_at != path.diverged_at))
    err["trace"] = max(_trace_errors(res, states[case.steps], conv), default=0.0)
    return err


def _identical(a: SimulationResult, b: SimulationResult, rows: slice = slice(None)) -> bool:
    return all(np.array_equal(getattr(a, k)[rows], getattr(b, k))
               for k in ("a", "perp", "a0", "perp0", "alignment", "r", "diverged_at"))


def _bitwise(case: EngineCase, engine: str, kernel: str, whole: SimulationResult) -> bool:
    """Chunking, seed offsets and continuing from a state change no bit."""
    chunked = _run(case, engine, kernel, chunk_size=2)
    first = simulate(_D, _N, case.batch_size, case.step_size, 100, case.seeds,
                     conventions=case.conventions, schedule=case.schedule, engine=engine,
                     kernel=kernel, seed=ROOT, checkpoints=0,
                     init=None if case.init is None else np.array(case.init))
    rest = simulate(_D, _N, case.batch_size, case.step_size, case.steps - 100, case.seeds,
                    conventions=case.conventions, schedule=case.schedule, engine=engine,
                    kernel=kernel, seed=ROOT, checkpoints=0, start=first.state)
    ok = _identical(whole, chunked) and _identical(whole, rest)
    if case.init is None:
        part = simulate(_D, _N, case.batch_size, case.step_size, case.steps, 2,
                        conventions=case.conventions, schedule=case.schedule, engine=engine,
                        kernel=kernel, seed=ROOT, seed_offset=2, checkpoints=0)
        ok &= _identical(whole, part, slice(2, 4))
    return ok


def _kernels(case: EngineCase, engine: str) -> list[str]:
    compiled = (engine == "reduced" and numba_available()
                and not (case.schedule == "replacement" and case.batch_size > 1))
    return ["numpy", "compiled"] if compiled else ["numpy"]


def check_against_definition(budget: Budget, cases: tuple[EngineCase, ...] = ENGINE_CASES
                             ) -> CheckResult:
    """``sgd.multiplicative``: the library's SGD (reduced and full engine, NumPy and compiled
    kernel) against SGD written from the definition, on the same starts and batches, in
    every schedule, in the three conventions, through a divergence and through a sign
    flip: every recorded state, divergence step, checkpoint metric and Hessian trace."""
    rows = []
    ok = True
    for case in cases:
        for engine in ("reduced", "full"):
            reference: SimulationResult | None = None
            for kernel in _kernels(case, engine):
                res = _run(case, engine, kernel)
                err = _compare(res, case)
                bits = _bitwise(case, engine, kernel, res)
                if reference is None:  # the NumPy kernel comes first
                    reference, as_numpy = res, True
                else:  # the compiled kernel: the NumPy kernel's bits
                    as_numpy = _identical(reference, res)
                good = (err["state"] <= 1e-9 and err["metric"] <= 1e-9 and err["count"] == 0
                        and err["diverged"] == 0 and err["trace"] <= 1e-4 and bits
                        and as_numpy)
                ok &= good
                rows.append({"case": case.label, "engine": engine, "kernel": kernel,
                             **{k: float(f"{v:.3g}") for k, v in err.items()},
                             "same_bits_chunked_offset_resumed": bits,
                             "same_bits_as_numpy_kernel": as_numpy})
    return CheckResult(
        "engine vs SGD written from the definition (states, divergence, metrics, traces)",
        "simulation", "pass" if ok else "fail",
        "states and metrics 1e-9 (relative for |a| > 1: float64 arithmetic in another order "
        "over 300 steps); support, winner and divergence step exactly; traces 1e-4 (central "
        "differences of the gradient, h = 1e-5, on the activation region); chunking, seed "
        "offset, continuing from a state and the compiled kernel: the NumPy kernel's bits",
        {"cases": rows})


# ----------------------------------------------------------------- schedule laws
def _chi2_power(probs: np.ndarray, alt: np.ndarray, total: int, alpha: float) -> float:
    """Power of the chi-square goodness-of-fit test at level alpha against ``alt``."""
    df = probs.size - 1
    crit = stats.chi2.ppf(1 - alpha, df)
    lam = total * float(np.sum((alt - probs) ** 2 / probs))
    return float(stats.ncx2.sf(crit, df, lam))


def _goodness(counts: Counter[Any], support: list[Any], alpha: float, label: str
              ) -> dict[str, Any]:
    """Chi-square test of uniformity over ``support``, with its power against one outcome
    being twice as likely as the others."""
    total = sum(counts.values())
    obs = np.array([counts.get(x, 0) for x in support], dtype=float)
    probs = np.full(len(support), 1 / len(support))
    alt = probs.copy()
    alt[0] *= 2
    alt /= alt.sum()
    outside = total - int(obs.sum())
    p_value = float(stats.chisquare(obs, probs * obs.sum()).pvalue) if obs.sum() else 0.0
    return {"law": label, "draws": total, "outcomes": len(support), "outside_support": outside,
            "p_value": p_value, "passed": outside == 0 and p_value >= alpha,
            "power_vs_one_outcome_twice_as_likely": _chi2_power(probs, alt, total, alpha)}


def _draws(schedule: str, n_: int, b_: int, seeds: int, steps: int
           ) -> list[list[tuple[int, ...]]]:
    return [[tuple(x.tolist()) for x in batches(schedule, n_, b_, seed_index=i, seed=ROOT,
                                                 steps=steps)]
            for i in range(seeds)]


def _reshuffle_epochs(seeds: int, epochs: int) -> tuple[Counter[Any], int, int]:
    """(permutation counts, consecutive epoch pairs, pairs that repeat) for n = 4, b = 2."""
    perms: Counter[Any] = Counter()
    pairs = repeats = 0
    for run in _draws("reshuffle", 4, 2, seeds, 2 * epochs):
        ep = [run[2 * e] + run[2 * e + 1] for e in range(epochs)]
        perms.update(ep)
        pairs += epochs - 1
        repeats += sum(ep[e] == ep[e + 1] for e in range(epochs - 1))
    return perms, pairs, repeats


def check_schedule_laws(budget: Budget) -> CheckResult:
    """``sgd.sparse_limit`` (the batch schemes of SPEC section 1): ``random`` batches are
    uniform 2-subsets of 5, ``replacement`` batches uniform pairs of 3 (with repeats),
    ``reshuffle`` epochs uniform permutations of 4 cut in batches of 2 and independent from
    epoch to epoch (exact binomial test of how often an epoch repeats the previous one:
    1/24), ``cyclic`` and ``full`` exactly as defined."""
    seeds, steps = budget.pick(40, 200), budget.pick(500, 2000)
    alpha = budget.alpha / 4
    laws = [
        _goodness(Counter(tuple(sorted(x)) for run in _draws("random", 5, 2, seeds, steps)
                          for x in run), list(itertools.combinations(range(5), 2)), alpha,
                  "random: uniform 2-subsets of 5"),
        _goodness(Counter(x for run in _draws("replacement", 3, 2, seeds, steps) for x in run),
                  list(itertools.product(range(3), repeat=2)), alpha,
                  "replacement: uniform ordered pairs of 3"),
    ]
    perms, pairs, repeats = _reshuffle_epochs(seeds, steps // 2)
    laws.append(_goodness(perms, list(itertools.permutations(range(4))), alpha,
                          "reshuffle: uniform permutations of 4"))
    test = stats.binomtest(repeats, pairs, 1 / 24)
    crit = stats.binom.ppf(1 - alpha / 2, pairs, 1 / 24)
    laws.append({"law": "reshuffle: an epoch repeats the previous one with probability 1/24",
                 "pairs": pairs, "repeats": repeats, "p_value": float(test.pvalue),
                 "passed": float(test.pvalue) >= alpha,
                 "power_vs_repeat_probability_1/2": float(stats.binom.sf(crit, pairs, 0.5))})
    cyc = _draws("cyclic", 5, 2, 1, 12)[0]
    exact = (all(cyc[t] == tuple((2 * t + j) % 5 for j in range(2)) for t in range(12))
             and all(x == tuple(range(5)) for x in _draws("full", 5, 5, 1, 5)[0]))
    large = _large_index_batches()
    ok = exact and large and all(law["passed"] for law in laws)
    return CheckResult(
        "batch schedules against their exact laws", "simulation", "pass" if ok else "fail",
        f"chi-square and exact binomial tests at level {alpha:.2g} each (four tests); cyclic "
        "and full exactly; large n: every index in [0, n), no repeat",
        {"laws": laws, "cyclic_and_full_exact": exact, "large_n_indices_valid": large,
         "seeds": seeds, "steps": steps})


def _large_index_batches() -> bool:
    """Every schedule at n = 40000 and 70000 (past the int16 and uint16 ranges): indices in
    [0, n), distinct within a batch except under ``replacement``."""
    ok = True
    for n_ in (40_000, 70_000):
        for schedule in ("random", "replacement", "reshuffle", "cyclic"):
            for bt in batches(schedule, n_, 3, seed_index=0, seed=ROOT, steps=300):
                ok &= bool(np.all((bt >= 0) & (bt < n_)))
                ok &= schedule == "replacement" or len(set(bt.tolist())) == bt.size
    return ok

