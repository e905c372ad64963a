"""Tests added for surviving mutants of tools/mutation.py (issue 6, second run, seed 11):
numerics/bench.py, the renormalisation schedule of the reduced engine (numerics/sgd.py)
and of its numba kernel (numerics/_kernel_numba.py).  See README.md, "Measured score".
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from numerics import bench
from numerics import sgd as sgd_mod
from numerics.schedules import Schedule


# --------------------------------------------------------------------------- bench.py
class _FakeClock:
    """A clock that only advances when a fake workload 'runs' (first call of each costs 2x,
    so ``repeat`` must keep the best)."""

    def __init__(self, costs: dict[str, float]) -> None:
        self.now = 0.0
        self.costs = costs
        self.calls: Counter[str] = Counter()
        self.args: dict[str, tuple[Any, ...]] = {}

    def perf_counter(self) -> float:
        return self.now

    def run(self, kind: str, *args: Any) -> None:
        self.calls[kind] += 1
        self.args[kind] = args
        self.now += self.costs[kind] * (2.0 if self.calls[kind] == 1 else 1.0)


def _fake_bench(monkeypatch: pytest.MonkeyPatch, costs: dict[str, float]) -> _FakeClock:
    clock = _FakeClock(costs)
    w = bench.WORKLOAD

    def simulate(d: int, n: int, b: int, eta: float, steps: int, seeds: int,
                 engine: str = "reduced", kernel: str = "numpy") -> None:
        assert (n, b, eta, kernel) == (w["n"], w["batch_size"], w["step_size"], "numpy")
        if engine == "full":
            assert d == w["d"]
            clock.run("full", d, steps, seeds)
        elif d == 10**6:  # the documented big-d workload
            clock.run("reduced_big_d", d, steps, seeds)
        else:
            assert d == 1000
            clock.run("reduced", d, steps, seeds)

    monkeypatch.setattr(bench, "time", SimpleNamespace(perf_counter=clock.perf_counter))
    monkeypatch.setattr(bench, "simulate", simulate)
    monkeypatch.setattr(bench, "naive_loop", lambda *a: clock.run("naive", *a))
    monkeypatch.setattr(bench, "one_pass", lambda *a: clock.run("one_pass", *a))
    return clock


SETTINGS: dict[str, Any] = dict(seeds=10, steps_reduced=20, steps_full=4, naive_seeds=2,
                                naive_steps=5, repeat=2, numba=False)


def test_bench_rates_ratios_and_targets_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rates are seed-steps / best time; here every target but one_pass/reduced is missed."""
    clock = _fake_bench(monkeypatch, {"reduced": 2.0, "reduced_big_d": 3.0, "full": 4.0,
                                      "naive": 5.0, "one_pass": 1.0})
    out = bench.run_bench(**SETTINGS)
    assert clock.args["reduced_big_d"] == (10**6, 20, 10)
    assert clock.args["full"] == (1000, 4, 10)
    assert clock.args["naive"] == (1000, 100, 10, 0.3, 5, 2)
    assert clock.args["one_pass"] == (100, 20, 10)
    assert out["workload"]["big_d"] == 10**6 and out["workload"]["seeds"] == 10
    assert out["seconds"] == {"reduced": 2.0, "reduced_big_d": 3.0, "full": 4.0,
                              "naive": 5.0, "one_pass": 1.0}
    assert out["seed_steps_per_s"] == pytest.approx(
        {"reduced": 100.0, "reduced_big_d": 200 / 3, "full": 10.0, "naive": 2.0,
         "one_pass": 200.0}, rel=1e-12)
    assert out["ratios"] == pytest.approx(
        {"reduced_over_naive": 50.0, "one_pass_over_reduced": 2.0, "full_over_naive": 5.0,
         "small_d_over_big_d": 1.5}, rel=1e-12)
    assert out["targets_met"] == {"reduced_over_naive >= 300": False,
                                  "one_pass_over_reduced <= 4": True,
                                  "small_d_over_big_d <= 1.25": False}


def test_bench_targets_met_and_missed_the_other_way(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_bench(monkeypatch, {"reduced": 1.0, "reduced_big_d": 1.2, "full": 4.0,
                              "naive": 20.0, "one_pass": 0.2})
    out = bench.run_bench(**SETTINGS)
    assert out["ratios"]["reduced_over_naive"] == pytest.approx(400.0, rel=1e-12)
    assert out["ratios"]["one_pass_over_reduced"] == pytest.approx(5.0, rel=1e-12)
    assert out["ratios"]["small_d_over_big_d"] == pytest.approx(1.2, rel=1e-12)
    assert out["targets_met"] == {"reduced_over_naive >= 300": True,
                                  "one_pass_over_reduced <= 4": False,
                                  "small_d_over_big_d <= 1.25": True}


# ------------------------------------------------- renormalisation step indices (sgd, numba)
def _engines() -> list[str]:
    return ["numpy", "numba"] if sgd_mod.numba_available() else ["numpy"]


@pytest.mark.parametrize("kernel", _engines())
@pytest.mark.parametrize("schedule", ["random", "reshuffle"])
def test_renormalisation_after_every_64th_step(kernel: str, schedule: str) -> None:
    """The scale c is folded (c = 1 exactly) after the steps t with (t + 1) % 64 == 0
    (RENORM_EVERY; the t-th step counted from 1), a function of the step index only, in
    both kernels and whatever the segments the block is run in.  Linear activation: every
    other step multiplies c by m = 1 - gamma S_B != 1."""
    n, b, s = 9, 3, 4
    sch = Schedule(schedule, n, b)
    rng = np.random.default_rng(4)
    a = rng.normal(size=(s, n)) * 0.4
    p = rng.normal(size=s) * 0.3
    cls = sgd_mod._ReducedEngineNumba if kernel == "numba" else sgd_mod._ReducedEngine
    eng = cls(a, p, 0.5 / b, "linear", sch, 1e6)
    k_len = eng.load_block([np.random.default_rng(i) for i in range(s)], 0)
    assert k_len >= 200
    every = sgd_mod.RENORM_EVERY
    assert every == 64
    for t_block in (0, 5):  # the block's first step index
        eng.load_block([np.random.default_rng(i) for i in range(s)], 0)
        ends = [1, 2, 10, 63 - t_block, 64 - t_block, 65 - t_block, 100, 128 - t_block,
                129 - t_block, 192 - t_block, 200]
        k0 = 0
        for k1 in ends:
            eng.run(k0, k1, t_block)
            folded = (t_block + k1) % every == 0  # last step index t_block + k1 - 1
            assert bool(np.all(eng.c == 1.0)) is folded, (t_block, k0, k1)
            assert bool(np.any(eng.c == 1.0)) is folded, (t_block, k0, k1)
            k0 = k1
    for t in (0, 1, 62, 63, 64, 127):  # single steps too
        eng.step(np.tile(np.arange(b), (s, 1)), t)
        assert bool(np.all(eng.c == 1.0)) is ((t + 1) % every == 0), t
