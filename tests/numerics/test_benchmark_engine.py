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
        assert (n, b, eta) == (w["n"], w["batch_size"], w["step_size"])
        if engine == "full":
            assert d == w["d"] and kernel == "numpy"
            clock.run("full", d, steps, seeds)
        elif d == 10**6:  # the documented big-d workload, on the default kernel
            clock.run("reduced_big_d", d, steps, seeds, kernel)
        else:
            assert d == 1000
            clock.run(kernel + ("_1_step" if steps == 1 else ""), d, steps, seeds)

    monkeypatch.setattr(bench, "time", SimpleNamespace(perf_counter=clock.perf_counter))
    monkeypatch.setattr(bench, "simulate", simulate)
    monkeypatch.setattr(bench, "naive_loop", lambda *a: clock.run("naive", *a))
    monkeypatch.setattr(bench, "one_pass", lambda *a: clock.run("one_pass", *a))
    monkeypatch.setattr(bench, "_command_seconds",
                        lambda kernel, seeds: costs["startup_" + str(kernel)])
    return clock


SETTINGS: dict[str, Any] = dict(seeds=10, steps_reduced=21, steps_full=4, naive_seeds=2,
                                naive_steps=5, repeat=2, compiled=False)


def test_bench_rates_costs_ratios_and_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rates are seed-steps / best time; the cost per seed-step is (T steps - 1 step) over
    seeds (T - 1); the floor ratio divides it by the one-pass cost (fake clock: the first
    call of each costs twice as much, so the best of 2 is kept)."""
    costs = {"numpy": 2.1, "numpy_1_step": 0.1, "reduced_big_d": 3.15, "full": 4.0,
             "naive": 5.0, "one_pass": 0.42, "startup_None": 0.8}
    clock = _fake_bench(monkeypatch, costs)
    out = bench.run_bench(**SETTINGS)
    assert clock.args["reduced_big_d"] == (10**6, 21, 10, "numpy")
    assert clock.args["full"] == (1000, 4, 10)
    assert clock.args["naive"] == (1000, 100, 10, 0.3, 5, 2)
    assert clock.args["one_pass"] == (100, 21, 10)
    assert clock.args["numpy_1_step"] == (1000, 1, 10)
    assert out["workload"]["big_d"] == 10**6 and out["workload"]["seeds"] == 10
    assert out["ns_per_seed_step"] == pytest.approx(
        {"numpy": 1e9 * 2.0 / 200, "one_pass": 1e9 * 0.42 / 210}, rel=1e-12)
    assert out["ratios"] == pytest.approx(
        {"numpy_over_floor": 5.0, "reduced_over_naive": 50.0, "full_over_naive": 5.0,
         "small_d_over_big_d": 1.5}, rel=1e-12)
    assert out["startup_seconds"] == {"default": 0.8}
    assert out["targets_met"] == {"numpy_over_floor <= 4": False,
                                  "reduced_over_naive >= 300": False,
                                  "small_d_over_big_d <= 1.25": False,
                                  "startup_default < 1 s": True}


def test_bench_compiled_kernel_and_targets_met(monkeypatch: pytest.MonkeyPatch) -> None:
    costs = {"numpy": 0.8, "numpy_1_step": 0.01, "compiled": 0.31, "compiled_1_step": 0.01,
             "reduced_big_d": 0.36, "full": 4.0, "naive": 200.0, "one_pass": 0.21,
             "startup_None": 1.2, "startup_compiled": 1.5}
    clock = _fake_bench(monkeypatch, costs)
    out = bench.run_bench(**{**SETTINGS, "compiled": True})
    assert clock.args["reduced_big_d"][-1] == "compiled"  # the default kernel of big runs
    assert out["ratios"]["compiled_over_floor"] == pytest.approx(0.30 / 200 * 210 / 0.21)
    assert out["ratios"]["numpy_over_floor"] == pytest.approx(0.79 / 200 * 210 / 0.21)
    assert out["ratios"]["small_d_over_big_d"] == pytest.approx(0.36 / 0.31)
    assert out["startup_seconds"] == {"default": 1.2, "compiled": 1.5}
    assert out["targets_met"] == {"numpy_over_floor <= 4": True,
                                  "reduced_over_naive >= 300": True,
                                  "small_d_over_big_d <= 1.25": True,
                                  "compiled_over_floor <= 2": True,
                                  "startup_default < 1 s": False}
