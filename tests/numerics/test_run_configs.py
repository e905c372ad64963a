"""numerics.config: the frozen run configurations validate every field once, with a
DomainError naming the field, and ``.replace()`` validates again."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from numerics.config import (
    AUTO_COMPILED_WORK,
    SimConfig,
    TopGapConfig,
    WalkConfig,
    numba_available,
)
from theory.conventions import LINEAR, RELU
from theory.domain import DomainError

SIM = {"d": 8, "n": 6, "batch_size": 2, "step_size": 0.5, "steps": 10}
WALK = {"x0": 1.0, "steps": 10, "paths": 2}
GAP = {"n": 6, "batch_size": 2, "step_size": 0.5, "steps": 10, "paths": 2}

NOT_INTEGERS = [True, False, 2.0, "3", None, math.nan]
NOT_REALS = [True, "0.5", None, math.nan, math.inf, -math.inf]
NOT_SEEDS = [-1, 2**63, True, 1.5, "7"]
NOT_CHOICES = ["Random", "", 3, None]


def _cases(config: type, base: dict[str, Any], table: dict[str, list[Any]]) -> list[Any]:
    return [pytest.param(config, base, field, value, id=f"{config.__name__}-{field}-{value!r}")
            for field, values in table.items() for value in values]


CASES = [
    *_cases(SimConfig, SIM, {
        "d": [*NOT_INTEGERS, 0, -3, 5],  # 5 < n = 6: then n is out of range
        "n": [*NOT_INTEGERS, 0, 9],
        "batch_size": [*NOT_INTEGERS, 0, 7],
        "steps": [*NOT_INTEGERS, -1],
        "seeds": [*NOT_INTEGERS, 0],
        "chunk_size": [True, 2.0, "3", math.nan, 0],  # None is valid (automatic)
        "step_size": [*NOT_REALS, 0.0, -0.5],
        "init_scale": [*NOT_REALS, 0.0, -1.0],
        "support_threshold": [*NOT_REALS, 0.0, 1.0, 1.5],
        "converged_tol": [*NOT_REALS, 0.0],
        "divergence_bound": [*NOT_REALS, -1.0],
        "seed": NOT_SEEDS,
        "seed_offset": NOT_SEEDS,
        "schedule": [*NOT_CHOICES, "sorted"],
        "engine": [*NOT_CHOICES, "gpu"],
        "kernel": [*NOT_CHOICES, "cuda"],
        "conventions": ["relu", None, ("relu", 0), {"activation": "relu"}],
        "checkpoints": [True, -1, 2.0, "ab", [0, 11], [-1], [1.5]],
        "record_steps": [5, [0, 11], [-1], [True], ["3"]],
    }),
    *_cases(WalkConfig, WALK, {
        "x0": [*NOT_REALS, -1.0],
        "steps": [*NOT_INTEGERS, 0],
        "paths": [*NOT_INTEGERS, 0],
        "seed": NOT_SEEDS,
        "records": [*NOT_INTEGERS, 0],
        "reflect": [1, 0, "yes", None],
        "escape_level": [True, "9", math.nan, math.inf, 1.0, 0.5, -2.0],  # > |x0| = 1
        "return_radius": [True, "1", math.nan, math.inf, -0.1],
    }),
    *_cases(TopGapConfig, GAP, {
        "n": [*NOT_INTEGERS, 1, 0],
        "batch_size": [*NOT_INTEGERS, 0, 7],
        "steps": [*NOT_INTEGERS, 0],
        "paths": [*NOT_INTEGERS, 0],
        "seed": NOT_SEEDS,
        "d": [True, 2.0, "3", math.nan, 5, 0],  # None is valid (d = n)
        "step_size": [*NOT_REALS, 0.0, 1.0, 2.0],  # b/2 = 1 is the stability bound
        "init_scale": [*NOT_REALS, 0.0],
        "escape_level": [*NOT_REALS, 0.0],
        "records": [*NOT_INTEGERS, 0],
        "moved_tol": [*NOT_REALS, 0.0],
        "schedule": [*NOT_CHOICES, "sorted"],
        "conventions": ["linear", None],
    }),
]


@pytest.mark.parametrize(("config", "base", "field", "value"), CASES)
def test_every_field_rejects_bad_values_naming_the_field(config: type, base: dict[str, Any],
                                                         field: str, value: Any) -> None:
    with pytest.raises(DomainError) as exc:
        config(**{**base, field: value})
    expected = "n" if (config, field, value) == (SimConfig, "d", 5) else field
    assert exc.value.parameter == expected, str(exc.value)
    assert str(exc.value).startswith(f"{expected}=")


def test_valid_values_are_normalised() -> None:
    cfg = SimConfig(d=np.int64(8), n=6, batch_size=np.int32(3), step_size=1, steps=10,
                    checkpoints=[10, 0, 3, 3], record_steps=(7, 2), seed=2**63 - 1)
    assert type(cfg.d) is int and type(cfg.batch_size) is int and cfg.step_size == 1.0
    assert type(cfg.step_size) is float and cfg.gamma == 1 / 3
    assert cfg.checkpoints == (0, 3, 10) and cfg.record_steps == (2, 7)
    assert SimConfig(**SIM, seeds=2, seed_offset=2**63 - 2).seed_offset == 2**63 - 2
    assert WalkConfig(x0=-1.0, steps=5, paths=1, reflect=False).x0 == -1.0
    assert TopGapConfig(**GAP).d == 6 and TopGapConfig(**GAP, d=9).d == 9


def test_cross_field_rules() -> None:
    with pytest.raises(DomainError, match="seed_offset"):
        SimConfig(**SIM, seeds=3, seed_offset=2**63 - 2)
    with pytest.raises(DomainError) as exc:
        SimConfig(**{**SIM, "batch_size": 3}, schedule="full")
    assert exc.value.parameter == "batch_size" and "'full'" in exc.value.allowed
    assert SimConfig(**{**SIM, "batch_size": 6}, schedule="full").schedule == "full"
    with pytest.raises(DomainError) as exc:
        WalkConfig(x0=-3.0, steps=5, paths=1, reflect=False, escape_level=2.0)
    assert exc.value.parameter == "escape_level"
    with pytest.raises(DomainError) as exc:
        TopGapConfig(**{**GAP, "batch_size": 4, "step_size": 2.0})  # eta = b/2
    assert exc.value.parameter == "step_size"
    assert TopGapConfig(**{**GAP, "batch_size": 4, "step_size": 1.99}).step_size == 1.99


def test_kernel_resolution() -> None:
    small = SimConfig(**SIM, kernel="auto").kernel
    assert small == "numpy"  # below AUTO_COMPILED_WORK seed-steps
    work = {**SIM, "steps": AUTO_COMPILED_WORK, "seeds": 1}
    auto = SimConfig(**work, kernel="auto").kernel
    assert auto == ("compiled" if numba_available() else "numpy")
    # the compiled kernel only runs the reduced engine without repeated indices
    assert SimConfig(**work, kernel="compiled", engine="full").kernel == "numpy"
    assert SimConfig(**work, kernel="compiled", schedule="replacement").kernel == "numpy"
    assert SimConfig(**{**work, "batch_size": 1}, kernel="auto",
                     schedule="replacement").kernel == auto


def test_replace_validates_again() -> None:
    cfg = SimConfig(**SIM)
    longer = cfg.replace(steps=50, conventions=LINEAR)
    assert (longer.steps, longer.conventions, cfg.steps, cfg.conventions) == (
        50, LINEAR, 10, RELU)
    for change, field in (({"batch_size": 0}, "batch_size"), ({"n": 1}, "batch_size"),
                          ({"step_size": math.nan}, "step_size"), ({"seed": -1}, "seed"),
                          ({"d": True}, "d")):
        with pytest.raises(DomainError) as exc:
            cfg.replace(**change)
        assert exc.value.parameter == field
    with pytest.raises(DomainError):
        dataclasses.replace(WalkConfig(**WALK), steps=0)


def test_configs_are_frozen() -> None:
    for cfg in (SimConfig(**SIM), WalkConfig(**WALK), TopGapConfig(**GAP)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            cfg.steps = 5  # type: ignore[misc]


def test_run_key_ignores_length_and_observation_only() -> None:
    cfg = SimConfig(**SIM)
    same = cfg.replace(steps=99, checkpoints=3, record_steps=[1], chunk_size=1)
    assert same.run_key == cfg.run_key
    for change in ({"seed": 1}, {"step_size": 0.25}, {"seeds": 2}, {"schedule": "cyclic"},
                   {"conventions": LINEAR}, {"engine": "full"}, {"seed_offset": 1}):
        assert cfg.replace(**change).run_key != cfg.run_key, change


def test_to_json_uses_the_command_line_names() -> None:
    out = SimConfig(**SIM, conventions=LINEAR, seed=5).to_json()
    assert out["seed"] == 5 and "root_seed" not in out
    assert (out["activation"], out["relu_prime_at_zero"]) == ("linear", 0)
    assert out["gamma"] == 0.25 and out["batch_size"] == 2
