"""Speed of the SGD engines against a one-pass floor (issues 3 and 13's workload).

Workload: d = 1000, n = 100, b = 10, relu, eta = 0.3, 1000 seeds, random batches.

``numpy``, ``compiled``  :func:`numerics.sgd.simulate`, reduced engine, with that kernel,
              the whole call timed (initialisation, batch drawing, checkpoints, final
              metrics), at ``steps_reduced`` steps and at 1 step: the difference over
              seeds x (steps - 1) is the **cost per seed-step** without fixed costs
``reduced_big_d``  the default kernel (compiled) at d = 10^6 (its cost should not depend on d)
``full``      engine "full" (O(d) per seed and step)
``naive``     what a user would write: one seed at a time, ``rng.choice(n, b,
              replace=False)`` per step and the d-dimensional gradient written directly in
              NumPy (sum over the batch of relu(a_i)^2 w + relu(a_i)(r - 2) x_i; checked
              against :func:`numerics.steps.full_step` in the tests)
``one_pass``  the floor: one in-place multiply of the (seeds, n) state by a per-seed factor
              per step (the cost of merely touching the state once)
``startup``   the whole command ``python -m proofs_check.cli simulate ... --steps 1 --seeds
              1000`` in a fresh process (interpreter, imports, the run, the output), with
              the default kernel choice and with ``--kernel compiled``

Each figure is the best of ``repeat`` timings, all in one run.  Targets: per seed-step,
compiled <= 2x the floor and numpy <= 4x; start-up < 1 s; reduced(d=10^3)/reduced(d=10^6)
<= 1.25; reduced >= 300x the naive loop.

>>> out = run_bench(seeds=20, steps_reduced=64, steps_full=8, naive_seeds=2,
...                 naive_steps=20, repeat=1, compiled=False, startup=False)
>>> sorted(out["seed_steps_per_s"])
['full', 'naive', 'numpy', 'one_pass', 'reduced_big_d']
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
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
                   naive_steps: int, repeat: int, use_compiled: bool,
                   max_memory: int | None,
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
    reduced_runs = 3 + int(use_compiled)  # numpy, big d, one pass (and compiled)
    seconds = repeat * (reduced_runs * ests[0].seconds + ests[1].seconds)
    big = max(ests, key=lambda e: e.bytes)
    require(dataclasses.replace(big, seconds=seconds, memory_parameter="seeds",
                                memory_value=seeds, what=f"the benchmark ({repeat} "
                                "repeats of every engine, " + big.what + ")"),
            max_memory, max_seconds)


def _command_seconds(kernel: str | None, seeds: int) -> float:
    """Wall time of one ``simulate`` command (1 step, ``seeds`` seeds) in a new process."""
    w = WORKLOAD
    argv = [sys.executable, "-m", "proofs_check.cli", "simulate", "--d", str(w["d"]), "--n",
            str(w["n"]), "--batch-size", str(w["batch_size"]), "--step-size",
            str(w["step_size"]), "--steps", "1", "--seeds", str(seeds), "--json"]
    if kernel is not None:
        argv += ["--kernel", kernel]
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - t0


def run_bench(
    seeds: int = 1000,
    steps_reduced: int = 30000,
    steps_full: int = 40,
    naive_seeds: int = 10,
    naive_steps: int = 500,
    repeat: int = 3,
    compiled: bool | None = None,
    startup: bool = True,
    max_memory: int | None = None,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    """Time every engine on the workload; returns rates, costs per seed-step, ratios, the
    start-up and the settings.

    ``compiled``: also time ``kernel="compiled"`` (None: if numba is installed);
    ``startup``: time the whole 1-step command in a fresh process.  The benchmark is
    estimated first and refused when it does not fit (``max_memory``, ``max_seconds``:
    :mod:`numerics.resources`).
    """
    w = WORKLOAD
    d, n, b, eta = w["d"], w["n"], w["batch_size"], w["step_size"]
    use_compiled = numba_available() if compiled is None else bool(compiled)
    steps_reduced = max(2, steps_reduced)
    _require_bench(seeds, steps_reduced, steps_full, naive_seeds, naive_steps, repeat,
                   use_compiled, max_memory, max_seconds)
    kernels = ["numpy", "compiled"] if use_compiled else ["numpy"]
    default = kernels[-1]
    seconds: dict[str, float] = {}
    with np.errstate(under="ignore"):
        if use_compiled:  # compile outside the timings (cached on disk afterwards)
            simulate(d, n, b, eta, 3, 2, kernel="compiled")
        for kernel in kernels:
            seconds[kernel] = _best(partial(simulate, d, n, b, eta, steps_reduced, seeds,
                                            kernel=kernel), repeat)
            seconds[kernel + "_1_step"] = _best(partial(simulate, d, n, b, eta, 1, seeds,
                                                        kernel=kernel), repeat)
        seconds["reduced_big_d"] = _best(lambda: simulate(w["big_d"], n, b, eta, steps_reduced,
                                                          seeds, kernel=default), repeat)
        seconds["full"] = _best(lambda: simulate(d, n, b, eta, steps_full, seeds,
                                                 engine="full", kernel="numpy"), repeat)
        seconds["naive"] = _best(lambda: naive_loop(d, n, b, eta, naive_steps, naive_seeds),
                                 repeat)
        seconds["one_pass"] = _best(lambda: one_pass(n, steps_reduced, seeds), repeat)
    work = seeds * steps_reduced
    rates = {k: work / seconds[k] for k in (*kernels, "reduced_big_d", "one_pass")}
    rates["full"] = seeds * steps_full / seconds["full"]
    rates["naive"] = naive_seeds * naive_steps / seconds["naive"]
    ns = {"one_pass": 1e9 * seconds["one_pass"] / work}
    for kernel in kernels:
        extra = seconds[kernel] - seconds[kernel + "_1_step"]
        ns[kernel] = 1e9 * extra / (seeds * (steps_reduced - 1))
    ratios = {f"{k}_over_floor": ns[k] / ns["one_pass"] for k in kernels}
    ratios.update({
        "reduced_over_naive": rates[default] / rates["naive"],
        "full_over_naive": rates["full"] / rates["naive"],
        "small_d_over_big_d": rates[default] / rates["reduced_big_d"],
    })
    targets = {
        "numpy_over_floor <= 4": ratios["numpy_over_floor"] <= 4,
        "reduced_over_naive >= 300": ratios["reduced_over_naive"] >= 300,
        "small_d_over_big_d <= 1.25": ratios["small_d_over_big_d"] <= 1.25,
    }
    if use_compiled:
        targets["compiled_over_floor <= 2"] = ratios["compiled_over_floor"] <= 2
    start: dict[str, float] = {}
    if startup:
        start["default"] = min(_command_seconds(None, seeds) for _ in range(repeat))
        if use_compiled:
            start["compiled"] = min(_command_seconds("compiled", seeds) for _ in range(repeat))
        targets["startup_default < 1 s"] = start["default"] < 1.0
    return {
        "workload": dict(w, seeds=seeds),
        "settings": {
            "steps_reduced": steps_reduced,
            "steps_full": steps_full,
            "naive_seeds": naive_seeds,
            "naive_steps": naive_steps,
            "repeat": repeat,
            "compiled": use_compiled,
        },
        "seed_steps_per_s": rates,
        "ns_per_seed_step": ns,
        "startup_seconds": start,
        "seconds": seconds,
        "ratios": ratios,
        "targets_met": targets,
    }
