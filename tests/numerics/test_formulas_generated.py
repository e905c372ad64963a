"""numerics/_formulas_generated.py: current with theory/, the same numbers as the theory's
expressions, and what lets the simulation path start without SymPy (issue 13).

The generated module is a golden file: ``python -m numerics._formulas_gen`` (or
``AESGD_UPDATE_GOLDEN=1`` with this file) rewrites it; review the diff before committing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp

from numerics import _formulas_gen as gen
from numerics._formulas_generated import FORMULAS
from numerics.compile import compile

ROOT = Path(__file__).resolve().parents[2]
KEYS = list(FORMULAS)
IDS = [gen.identifier(name, params) for name, params in KEYS]
SIMULATE = ["simulate", "--d", "20", "--n", "10", "--batch-size", "2", "--step-size", "0.1",
            "--steps", "3", "--seeds", "50"]


def test_generated_module_is_current_with_theory() -> None:
    want = gen.render()
    if os.environ.get("AESGD_UPDATE_GOLDEN") == "1":
        gen.main([])
    have = gen.TARGET.read_text(encoding="utf-8")
    assert have == want, f"{gen.TARGET.name} is stale: run {gen.COMMAND} and review the diff"


def test_check_flag_passes_on_the_committed_module() -> None:
    done = subprocess.run([sys.executable, "-m", "numerics._formulas_gen", "--check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


def test_check_flag_fails_in_one_line_on_a_stale_module(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    target = tmp_path / "_formulas_generated.py"
    monkeypatch.setattr(gen, "TARGET", target)
    assert gen.main(["--check"]) == 1  # missing
    target.write_text(gen.TARGET.read_text() if target.exists() else "# old\n")
    assert gen.main(["--check"]) == 1  # different
    err = capsys.readouterr().err
    assert err.splitlines() == [f"{target.name} is stale: run {gen.COMMAND}"] * 2
    assert gen.main([]) == 0  # writes it (atomically: nothing else is left in the folder)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert gen.main(["--check"]) == 0
    assert target.read_text(encoding="utf-8") == gen.render()


def test_the_table_holds_every_formula_at_every_parameter() -> None:
    want = [(f.name, params) for f, params, _ in gen.entries()]
    assert want == KEYS
    assert len(set(IDS)) == len(IDS)


# One sample of every symbol the formulas take, inside the domain of every formula (n >= 2,
# 1 <= b, s, |P+| <= n, 0 <= m <= n, d >= n), with the relu kink a = 0 (and -0.0) included.
def _sample(integer_dtype: type) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240613)
    size = 200
    n = rng.integers(2, 60, size)

    def upto(low: int) -> np.ndarray:  # an integer in [low, n]
        return low + (rng.random(size) * (n + 1 - low)).astype(np.int64)

    ints = {"n": n, "d": n + rng.integers(0, 100, size), "b": upto(1), "s": upto(1),
            "P_plus": upto(1), "m": upto(0)}
    out = {k: v.astype(integer_dtype) for k, v in ints.items()}
    for k in ("eta", "gamma"):
        out[k] = rng.uniform(0.01, 2.0, size)
    for k in ("r", "S", "S_B"):
        out[k] = rng.uniform(0.0, 3.0, size)
    for k in ("a_i", "a_j"):
        a = rng.uniform(-2.0, 2.0, size)
        a[:5] = [0.0, -0.0, 1.0, -1.0, 0.0]
        out[k] = a
    return out


SAMPLES = {"float": _sample(float), "int": _sample(np.int64)}


@cache
def _theory(key: tuple[str, tuple[Any, ...]]) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    name, params = key
    formula = next(f for f in gen.FORMULAS if f.name == name)
    return formula.build(params), formula.args


@cache
def _sympy_numpy(key: tuple[str, tuple[Any, ...]]) -> Any:
    """SymPy's own NumPy printer on the theory expression (not the compiler's printer)."""
    expr, args = _theory(key)
    return sp.lambdify(args, expr, "numpy")


def _evaluate(fn: Any, key: tuple[str, tuple[Any, ...]], sample: str) -> np.ndarray:
    _, args = _theory(key)
    inputs = [SAMPLES[sample][a.name] for a in args]
    out = np.asarray(fn(*inputs), dtype=float)
    return np.broadcast_to(out, inputs[0].shape)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_generated_function_agrees_with_sympy_lambdify_of_the_theory(
        key: tuple[str, tuple[Any, ...]], sample: str) -> None:
    # An independent route: sympy.lambdify's "numpy" printer (numpy.heaviside, 1/2, x**-1.0)
    # on the theory's expression, not the compiler's printer or its hooks.  Both evaluate the
    # same expression tree in float64 and differ at most in how rationals and negative powers
    # are spelled, an ulp or two per operation on values of size <= ~1e3, hence rtol = atol
    # = 1e-15 (today every value agrees exactly).
    got = _evaluate(FORMULAS[key], key, sample)
    want = _evaluate(_sympy_numpy(key), key, sample)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("key", KEYS, ids=IDS)
def test_generated_function_has_the_bits_of_the_compiled_theory(
        key: tuple[str, tuple[Any, ...]], sample: str) -> None:
    # numerics.compile.compile (what numerics.formulas used before the table): the same
    # printer on the same hooks, so the same bits, signed zeros included.
    expr, args = _theory(key)
    got = _evaluate(FORMULAS[key], key, sample)
    want = _evaluate(compile(expr, args), key, sample)
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


_HEAVY = ("sympy", "mpmath")
_REPORT = ("import sys; heavy = sorted(m for m in {heavy} if m in sys.modules); "
           "assert not heavy, (heavy, sorted(m for m in sys.modules "
           "if m.startswith(('theory', 'numerics', 'proofs_check'))))")


def test_the_simulation_modules_import_without_sympy() -> None:
    code = ("import numerics.sgd, numerics.formulas, numerics.metrics, numerics.config, "
            "proofs_check.cli, proofs_check.cli.simulate; " + _REPORT.format(heavy=_HEAVY))
    done = _run(code)
    assert done.returncode == 0, done.stderr


def test_aesgd_simulate_runs_without_sympy() -> None:
    code = ("import contextlib, io; from proofs_check.cli import main; "
            f"out = io.StringIO(); ctx = contextlib.redirect_stdout(out); ctx.__enter__(); "
            f"rc = main({SIMULATE!r}); ctx.__exit__(None, None, None); "
            "assert rc == 0 and 'status:' in out.getvalue(), out.getvalue(); "
            + _REPORT.format(heavy=_HEAVY))
    done = _run(code)
    assert done.returncode == 0, done.stderr
