"""The engine benchmark (benchmarks/engine.py): its naive loop is real SGD, and its rates,
ratios and targets are computed from the best timings (checked on a fake clock)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from benchmarks import engine as bench
from numerics import full_step
from theory.conventions import RELU


def test_naive_benchmark_loop_is_real_sgd():
    """The bench's naive loop (hand-written gradient) follows full_step on its batches."""
    d, n, b, eta, steps = 12, 6, 2, 0.6, 40
    rng = np.random.default_rng(0)
    w = (rng.standard_normal(d) / np.sqrt(d))[None, :]
    for _ in range(steps):
        batch = rng.choice(n, b, replace=False)
        w = full_step(w, batch[None, :], eta / b, RELU, n=n)
    np.testing.assert_allclose(bench.naive_loop(d, n, b, eta, steps, 1), w[:, :n], atol=1e-13)


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
