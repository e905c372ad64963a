"""Throughput of the SGD engines in seed-steps per second (issue 3's workload).

Workload: d = 1000, n = 100, b = 10, relu, eta = 0.3, 1000 seeds, random batches.

``reduced``   :func:`numerics.sgd.simulate`, engine "reduced", the whole call timed
              (initialisation, batch drawing, checkpoints, final metrics)
``full``      the same with engine "full" (O(d) per seed and step)
``naive``     what a user would write: one seed at a time, ``rng.choice(n, b,
              replace=False)`` per step and the d-dimensional gradient written directly in
              NumPy (sum over the batch of relu(a_i)^2 w + relu(a_i)(r - 2) x_i; checked
              against :func:`numerics.steps.full_step` in the tests)
``one_pass``  a lower bound: one in-place multiply over the (seeds, n) state per step
``reduced_big_d``  the reduced engine at d = 10^6 (its cost should not depend on d)
``reduced_numba``  the reduced engine with ``kernel="numba"`` (only if numba is installed)

Each figure is the best of ``repeat`` timings, all in one run.  Ratios: reduced/naive
(target >= 300), one_pass/reduced (target: reduced within 4x, i.e. <= 4),
reduced(d=10^3)/reduced(d=10^6) (target <= 1.25); the same two first ratios for the numba
kernel when present.

>>> out = run_bench(seeds=20, steps_reduced=64, steps_full=8, naive_seeds=2,
...                 naive_steps=20, repeat=1, numba=False)
>>> sorted(out["seed_steps_per_s"])
['full', 'naive', 'one_pass', 'reduced', 'reduced_big_d']
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from numerics.config import SimConfig, numba_available
from numerics.resources import Estimate, estimate_run, require
from numerics.sgd import simulate

__all__ = ["WORKLOAD", "naive_loop", "one_pass", "run_bench"]

WORKLOAD: dict[str, Any] = {
    "d": 1000,
    "n": 100,
    "batch_size": 10,
    "activation": "relu",
    "step_size": 0.3,
    "seeds": 1000,
    "big_d": 10**6,
}


def naive_loop(d: int, n: int, b: int, eta: float, steps: int, seeds: int) -> np.ndarray:
    """One seed at a time: rng.choice per step, full d-dimensional gradient step (relu).

    Data x_i = e_i, so <w, x_i> = w[i]; the batch gradient is
    sum_{i in B} relu(w_i)^2 w + relu(w_i) (||w||^2 - 2) e_i (``grad.per_sample``).
    Returns the final data coordinates, (seeds, n).
    """
    gamma = eta / b
    out = np.empty((seeds, n))
    for i in range(seeds):
        rng = np.random.default_rng(i)
        w = rng.standard_normal(d) / np.sqrt(d)
        for _ in range(steps):
            batch = rng.choice(n, b, replace=False)
            s = np.maximum(w[batch], 0.0)
            r = w @ w
            grad = (s @ s) * w
            grad[batch] += s * (r - 2.0)
            w -= gamma * grad
        out[i] = w[:n]
    return out


def one_pass(n: int, steps: int, seeds: int) -> np.ndarray:
    """The lower bound: a single in-place multiply of the (seeds, n) state per step."""
    a = np.ones((seeds, n))
    m = np.full((seeds, 1), 1.0 - 1e-9)
    for _ in range(steps):
        np.multiply(a, m, out=a)
    return a


def _best(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


NAIVE_SECONDS_PER_STEP = 4e-5
"""About what one step of :func:`naive_loop` costs at the workload (rng.choice and a
d = 1000 update; 4.4e-5 s measured here), for the estimate before it runs."""


def _require_bench(seeds: int, steps_reduced: int, steps_full: int, naive_seeds: int,
                   naive_steps: int, repeat: int, use_numba: bool, max_memory: int | None,
                   max_seconds: float | None) -> None:
    """The benchmark's largest run must fit in memory and all its runs in time."""
    w = WORKLOAD
    naive = Estimate(bytes=8 * naive_seeds * w["n"] + 64 * w["d"],
                     seconds=repeat * naive_seeds * naive_steps * NAIVE_SECONDS_PER_STEP,
                     memory_parameter="naive_seeds", memory_value=naive_seeds,
                     time_parameter="naive_steps", time_value=naive_steps,
                     what=f"the naive loop ({naive_seeds} seed(s) x {naive_steps} steps, "
                     f"{repeat} repeats)")
    require(naive, max_memory, max_seconds)
    runs = [SimConfig(d=w["d"], n=w["n"], batch_size=w["batch_size"], step_size=w["step_size"],
                      steps=steps, seeds=seeds, engine=engine)
            for steps, engine in ((steps_reduced, "reduced"), (steps_full, "full"))]
    ests = [estimate_run(c) for c in runs]
    reduced_runs = 3 + int(use_numba)  # reduced, big d, one pass (and numba)
    seconds = repeat * (reduced_runs * ests[0].seconds + ests[1].seconds)
    big = max(ests, key=lambda e: e.bytes)
    require(dataclasses.replace(big, seconds=seconds, memory_parameter="seeds",
                                memory_value=seeds, what=f"the benchmark ({repeat} "
                                "repeats of every engine, " + big.what + ")"),
            max_memory, max_seconds)


def run_bench(
    seeds: int = 1000,
    steps_reduced: int = 2000,
    steps_full: int = 40,
    naive_seeds: int = 10,
    naive_steps: int = 500,
    repeat: int = 3,
    numba: bool | None = None,
    max_memory: int | None = None,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    """Time every engine on the workload; returns rates, ratios and the settings.

    ``numba``: also time ``kernel="numba"`` (None: if numba is installed).  The whole
    benchmark is estimated first and refused when it does not fit (``max_memory``,
    ``max_seconds``: :mod:`numerics.resources`).
    """
    w = WORKLOAD
    d, n, b, eta = w["d"], w["n"], w["batch_size"], w["step_size"]
    use_numba = numba_available() if numba is None else bool(numba)
    _require_bench(seeds, steps_reduced, steps_full, naive_seeds, naive_steps, repeat,
                   use_numba, max_memory, max_seconds)
    with np.errstate(under="ignore"):
        if use_numba:  # compile outside the timings (cached on disk afterwards)
            simulate(d, n, b, eta, 3, 2, kernel="numba")
        t_red = _best(lambda: simulate(d, n, b, eta, steps_reduced, seeds), repeat)
        t_big = _best(lambda: simulate(w["big_d"], n, b, eta, steps_reduced, seeds), repeat)
        t_full = _best(lambda: simulate(d, n, b, eta, steps_full, seeds, engine="full"), repeat)
        t_naive = _best(lambda: naive_loop(d, n, b, eta, naive_steps, naive_seeds), repeat)
        t_one = _best(lambda: one_pass(n, steps_reduced, seeds), repeat)
        t_nb = (
            _best(lambda: simulate(d, n, b, eta, steps_reduced, seeds, kernel="numba"), repeat)
            if use_numba
            else None
        )
    seconds = {
        "reduced": t_red,
        "reduced_big_d": t_big,
        "full": t_full,
        "naive": t_naive,
        "one_pass": t_one,
    }
    rates = {
        "reduced": seeds * steps_reduced / t_red,
        "reduced_big_d": seeds * steps_reduced / t_big,
        "full": seeds * steps_full / t_full,
        "naive": naive_seeds * naive_steps / t_naive,
        "one_pass": seeds * steps_reduced / t_one,
    }
    ratios = {
        "reduced_over_naive": rates["reduced"] / rates["naive"],
        "one_pass_over_reduced": rates["one_pass"] / rates["reduced"],
        "full_over_naive": rates["full"] / rates["naive"],
        "small_d_over_big_d": rates["reduced"] / rates["reduced_big_d"],
    }
    targets = {
        "reduced_over_naive >= 300": ratios["reduced_over_naive"] >= 300,
        "one_pass_over_reduced <= 4": ratios["one_pass_over_reduced"] <= 4,
        "small_d_over_big_d <= 1.25": ratios["small_d_over_big_d"] <= 1.25,
    }
    if t_nb is not None:
        seconds["reduced_numba"] = t_nb
        rates["reduced_numba"] = seeds * steps_reduced / t_nb
        ratios["numba_over_naive"] = rates["reduced_numba"] / rates["naive"]
        ratios["one_pass_over_numba"] = rates["one_pass"] / rates["reduced_numba"]
        targets["numba_over_naive >= 300"] = ratios["numba_over_naive"] >= 300
        targets["one_pass_over_numba <= 4"] = ratios["one_pass_over_numba"] <= 4
    return {
        "workload": dict(w, seeds=seeds),
        "settings": {
            "steps_reduced": steps_reduced,
            "steps_full": steps_full,
            "naive_seeds": naive_seeds,
            "naive_steps": naive_steps,
            "repeat": repeat,
            "numba": use_numba,
        },
        "seed_steps_per_s": rates,
        "seconds": seconds,
        "ratios": ratios,
        "targets_met": targets,
    }
