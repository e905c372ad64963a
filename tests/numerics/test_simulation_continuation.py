"""SimState: a run continued from its state (``simulate(..., start=res.state)``) gives the
same bits as one run of the total length, for every schedule, both engines and both
kernels, from any step (inside a block, on its boundary, or at step 0), also switching
kernels at the resume point; the state of other runs is refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_engine_agreement import KERNELS, SCHEDULE_B, comparison_run

from numerics import simulate
from numerics.result import SimState, SimulationResult
from numerics.schedules import BLOCK_STEPS
from theory.conventions import LINEAR, RELU
from theory.domain import DomainError

FIELDS = ("a", "perp", "r", "alignment", "diverged_at", "a0", "perp0")
ENGINES = [("reduced", kernel) for kernel in KERNELS] + [("full", "numpy")]


def assert_same_bits(one: SimulationResult, other: SimulationResult) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name), err_msg=name)
    assert one.state is not None and other.state is not None
    assert one.state.step == other.state.step
    for key, value in one.state.engine.items():
        np.testing.assert_array_equal(value, other.state.engine[key], err_msg=key)


def _continued(kw: dict[str, Any], *lengths: int, **later: Any) -> SimulationResult:
    """Runs of ``lengths`` steps, each continued from the state of the one before."""
    res = simulate(**{**kw, "steps": lengths[0]})
    for steps in lengths[1:]:
        res = simulate(**{**kw, "steps": steps, **later}, start=res.state)
    return res


@pytest.mark.parametrize("t1", [0, 1, 100, BLOCK_STEPS, 300], ids=lambda t: f"t1={t}")
@pytest.mark.parametrize(("engine", "kernel"), ENGINES, ids=lambda v: str(v))
@pytest.mark.parametrize("schedule", list(SCHEDULE_B))
def test_continuing_from_the_state_gives_the_bits_of_one_run(schedule: str, engine: str,
                                                             kernel: str, t1: int) -> None:
    kw = comparison_run(schedule, RELU, engine=engine, kernel=kernel, seed=4, checkpoints=3)
    t2 = 2 * BLOCK_STEPS + 37
    whole = simulate(**{**kw, "steps": t1 + t2})
    assert_same_bits(whole, _continued(kw, t1, t2))
    # the continuation may run its seeds in other chunks
    assert_same_bits(whole, _continued(kw, t1, t2, chunk_size=2))


@pytest.mark.parametrize("schedule", ["random", "reshuffle"])
def test_kernels_may_change_at_the_resume_point(schedule: str) -> None:
    """numpy for 101 steps, compiled for 300, numpy again for 7: one run's bits."""
    kw = comparison_run(schedule, RELU, seed=9, checkpoints=0)
    whole = simulate(**{**kw, "steps": 408, "kernel": "numpy"})
    first = simulate(**{**kw, "steps": 101, "kernel": "numpy"})
    mid = simulate(**{**kw, "steps": 300, "kernel": "compiled"}, start=first.state)
    last = simulate(**{**kw, "steps": 7, "kernel": "numpy"}, start=mid.state)
    assert_same_bits(whole, last)


@pytest.mark.parametrize(("engine", "kernel"), ENGINES, ids=lambda v: str(v))
@pytest.mark.parametrize("schedule", ["random", "reshuffle", "cyclic"])
def test_three_pieces_and_linear_activation(schedule: str, engine: str, kernel: str) -> None:
    kw = comparison_run(schedule, LINEAR, engine=engine, kernel=kernel, seeds=4)
    whole = simulate(**{**kw, "steps": 600})
    assert_same_bits(whole, _continued(kw, 255, 2, 343))
    assert_same_bits(whole, _continued(kw, 0, 0, 600, 0))


@pytest.mark.parametrize(("engine", "kernel"), ENGINES, ids=lambda v: str(v))
def test_continuation_keeps_divergence_and_the_given_start(engine: str, kernel: str) -> None:
    """Seeds from a given w_0, past the stability bound: seed 0 diverges at step 4 (before
    the state is taken), seed 1 (tiny a_0) at step 58 (after), seed 2 is dead.  The state
    carries the frozen seeds, their divergence steps and the start the alignment is
    measured against."""
    w0 = np.zeros((3, 6))
    w0[0, 0], w0[1, 0], w0[2, :2] = 0.5, 1e-30, -0.1
    kw: dict[str, Any] = {"d": 6, "n": 3, "batch_size": 1, "step_size": 20.0, "seeds": 3,
                          "schedule": "cyclic", "engine": engine, "kernel": kernel}
    whole = simulate(**kw, steps=90, init=w0)
    assert whole.diverged_at.tolist() == [4, 58, -1]
    first = simulate(**kw, steps=40, init=w0)
    rest = simulate(**kw, steps=50, start=first.state)
    assert_same_bits(whole, rest)
    assert rest.params["init"] == "random" and rest.params["start_step"] == 40


def test_the_state_of_other_runs_is_refused() -> None:
    kw = comparison_run("random", RELU, steps=50)
    state = simulate(**kw).state
    assert isinstance(state, SimState) and state.step == 50
    for change in ({"seed": 1}, {"step_size": 0.6}, {"seeds": 2}, {"schedule": "replacement"},
                   {"conventions": LINEAR}, {"engine": "full"}, {"seed_offset": 1},
                   {"init_scale": 0.5}, {"d": 31}):
        with pytest.raises(DomainError) as exc:
            simulate(**{**kw, **change}, start=state)
        assert exc.value.parameter == "start", change
    with pytest.raises(DomainError) as exc:
        simulate(**kw, start={"step": 50})  # type: ignore[arg-type]
    assert exc.value.parameter == "start"
    with pytest.raises(DomainError) as exc:
        simulate(**kw, start=state, init=np.zeros(30))
    assert exc.value.parameter == "init"
