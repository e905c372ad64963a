"""Fuzzing the command line: Hypothesis draws command lines of every subcommand from valid
values, edge values and garbage, and each must end with exit code 0, 1 or 2, no traceback,
no warning (pytest turns warnings into errors) and, when it is 2, exactly one line on stderr
that names the command.

The commands run in this process (a subprocess per example would spend its time importing
SymPy); every simulation is capped by ``--max-memory 256M --max-seconds 2`` so that a
request the guard lets through is small by construction, and every file goes into a
temporary folder that is the working directory.  The number of examples follows the
Hypothesis profile (tests/conftest.py: ``ci`` 40 per command, ``thorough`` 400).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from proofs_check.cli import main

LIMITS = ["--max-memory", "256M", "--max-seconds", "2"]

GARBAGE = st.sampled_from([
    "", " ", "-1", "0", "1e400", "-1e400", "nan", "inf", "-inf", "1e-400", "0x10", "1_000",
    "abc", "1/0", "__import__('os').system('touch PWNED')", "2**64", "9" * 40, "1e308",
    "\u00e9", "1,2", "None", "True",
])


def _ints(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(low, high).map(str), GARBAGE)


def _reals(low: float, high: float) -> st.SearchStrategy[str]:
    return st.one_of(st.floats(low, high, allow_nan=False).map(repr), GARBAGE)


PATHS = st.sampled_from(["", ".", "out", "out.npz", "out.png", "out.tex", "missing/out.npz",
                         "missing/out.png", "/proc/out.npz", "sub", "sub/out.npz"])

SIMULATE = {
    "--d": _ints(-2, 60), "--n": _ints(-2, 30), "--batch-size": _ints(-1, 30),
    "--step-size": _reals(-1.0, 3.0), "--steps": _ints(-1, 300), "--seeds": _ints(-1, 40),
    "--schedule": st.sampled_from(["random", "replacement", "reshuffle", "cyclic", "full",
                                   "Random", ""]),
    "--engine": st.sampled_from(["reduced", "full", "gpu"]),
    "--init-scale": _reals(-1.0, 10.0), "--seed": _ints(-1, 2**64),
    "--seed-offset": _ints(-1, 2**70), "--activation": st.sampled_from(["linear", "relu", "x"]),
    "--relu-prime-at-zero": _ints(-1, 2), "--support-threshold": _reals(-1.0, 1.0),
    "--save": PATHS, "--init": st.sampled_from(["init.npy", "complex.npy", "text.npy",
                                                "big.npy", "missing.npy"]),
    "--data-norms": st.one_of(st.sampled_from(["1,1,1", "1,2,0.5", "1,2", "1,-1,1",
                                               "nan,1,1", "1,,1"]), GARBAGE),
    "--data-rho": _reals(-1.0, 1.0),
    "--data": st.sampled_from(["data.npy", "init.npy", "complex.npy", "text.npy",
                               "missing.npy"]),
}
LAMPERTI = {
    "--c": _reals(-5.0, 5.0), "--s2": _reals(-1.0, 4.0), "--paths": _ints(-1, 200),
    "--steps": _ints(-1, 500), "--seed": _ints(-1, 2**64), "--x0": _reals(-2.0, 5.0),
    "--escape-level": _reals(-2.0, 50.0), "--confidence": _reals(-0.5, 1.5),
    "--plot": PATHS,
}
BIRTH_DEATH = {"--c": _reals(-5.0, 5.0)}
SGD_LOG_RATIO = {
    "--n": _ints(-1, 12), "--batch-size": _ints(-1, 12), "--step-size": _reals(-1.0, 3.0),
    "--schedule": SIMULATE["--schedule"], "--steps": _ints(-1, 300), "--paths": _ints(-1, 50),
    "--escape-level": _reals(-1.0, 10.0), "--seed": _ints(-1, 2**64),
    "--activation": SIMULATE["--activation"], "--relu-prime-at-zero": _ints(-1, 2),
    "--d": _ints(-1, 20), "--plot": PATHS,
}
DERIVE = {
    "--activation": SIMULATE["--activation"], "--relu-prime-at-zero": _ints(-1, 2),
    "--format": st.sampled_from(["text", "latex", "json", "html"]), "--out": PATHS,
}
BENCH = {
    "--seeds": _ints(-1, 8),
    "--steps": _ints(-1, 20), "--steps-full": _ints(-1, 10), "--naive-seeds": _ints(-1, 3),
    "--naive-steps": _ints(-1, 10), "--repeat": _ints(-1, 2),
}
SWEEP_LINES = st.sampled_from([
    "d = [6]", "d = []", "d = [2]", "d = ['x']", "d = 6", "n = [3, 3]", "n = [0]",
    "batch_size = [4]", "batch_size = [1.5]", "step_size = [-0.1]", "step_size = [1e308]",
    "step_size = [nan]", "data_rho = [0.2]", "data_rho = [-0.9]", "data_norm_ratio = [0.5]",
    "schedule = ['full']", "activation = ['tanh']", "bogus = [1]", "init_scale = [inf]",
    "relu_prime_at_zero = [2]", "d = [1_000_000_000]",
])
SWEEP_RUN_LINES = st.sampled_from([
    "seeds = 0", "seeds = 2", "steps = -1", "steps = 3", "root_seed = -1", "root_seed = 2",
    "seeds_per_task = 1", "engine = 'gpu'", "engine = 'full'", "kernel = 'numpy'",
    "support_threshold = 2.0", "escape_level = -1.0", "records = 0", "bogus = 1",
    "seeds = 1000000000",
])
FLAGS = {"simulate": ["--json"], "lamperti": ["--json", "--no-simulate"],
         "birth-death": ["--json"], "sgd-log-ratio": ["--json"], "derive": [],
         "bench": ["--json", "--no-compiled", "--no-startup"]}


BASES = {
    "simulate": ["--d", "6", "--n", "3", "--batch-size", "1", "--step-size", "0.1",
                 "--steps", "5", "--seeds", "2"],
    "lamperti": ["--c", "1", "--paths", "20", "--steps", "50"],
    "birth-death": ["--c", "1"],
    "sgd-log-ratio": ["--n", "4", "--batch-size", "2", "--step-size", "0.1", "--steps", "20",
                      "--paths", "4"],
    "derive": [],
    "bench": ["--seeds", "2", "--steps", "5", "--steps-full", "2", "--naive-seeds", "1",
              "--naive-steps", "2", "--repeat", "1", "--no-compiled", "--no-startup"],
}
"""A valid command line per subcommand: the drawn options replace its values, so most
examples get past argument parsing and reach the code that reads them."""


@st.composite
def _argv(draw: st.DrawFn, words: list[str], options: dict[str, st.SearchStrategy[str]],
          flags: list[str], limits: bool) -> list[str]:
    """A valid base command line with up to three options redrawn, some flags, maybe an
    unknown option (argparse keeps the last value of a repeated option)."""
    chosen = draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=3))
    argv = [*words, *BASES[words[-1]]]
    for name in chosen:
        argv += [name, draw(options[name])]
    argv += draw(st.lists(st.sampled_from(flags), unique=True)) if flags else []
    if draw(st.integers(0, 9)) == 0:
        argv.append(draw(st.sampled_from(["--bogus", "extra", "--d"])))
    return argv + (LIMITS if limits else [])


def _fill(root: Path) -> None:
    """The --init and --data files, and a subfolder."""
    import numpy as np

    np.save(root / "init.npy", np.full(6, 0.3))
    np.save(root / "complex.npy", np.ones(6) + 1j)
    np.save(root / "big.npy", np.full(6, 1e200))
    np.save(root / "data.npy", np.eye(6)[:, :3] * 2.0)
    (root / "text.npy").write_text("not an array", encoding="utf-8")
    (root / "sub").mkdir()


@contextlib.contextmanager
def _workdir(root: Path | None = None) -> Iterator[Path]:
    """A fresh folder with the --init files (or ``root``, kept), as the working directory."""
    old = Path.cwd()
    with contextlib.ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            _fill(root)
        os.chdir(root)
        try:
            yield root
        finally:
            os.chdir(old)


def _run(argv: list[str], root: Path | None = None) -> None:
    out, err = io.StringIO(), io.StringIO()
    with _workdir(root) as root, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own exit (usage errors, --help)
            code = int(exc.code or 0)
        leftovers = [p.name for p in root.rglob(".*.tmp")]
    text = err.getvalue()
    assert code in (0, 1, 2), (argv, code, text)
    assert "Traceback" not in text, (argv, text)
    assert not (root / "PWNED").exists()
    assert not leftovers, (argv, leftovers)
    if code == 2:
        lines = text.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("aesgd"), (argv, text)


@given(_argv(["simulate"], SIMULATE, FLAGS["simulate"], limits=True))
@example(["simulate", *BASES["simulate"], "--init", "complex.npy"])
@example(["simulate", *BASES["simulate"], "--init", "big.npy"])
@example(["simulate", *BASES["simulate"], "--step-size", "1e308", "--steps", "200"])
@example(["simulate", *BASES["simulate"], "--seed-offset", str(2**70)])
@example(["simulate", *BASES["simulate"], "--seeds", str(10**9)])
@example(["simulate", *BASES["simulate"], "--save", "missing/out.npz"])
def test_simulate_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(_argv(["walk", "lamperti"], LAMPERTI, FLAGS["lamperti"], limits=True))
@example(["walk", "lamperti", *BASES["lamperti"], "--c", "1e308"])
@example(["walk", "lamperti", *BASES["lamperti"], "--escape-level", "-1"])
@example(["walk", "lamperti", *BASES["lamperti"], "--paths", str(10**9)])
def test_walk_lamperti_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(_argv(["walk", "birth-death"], BIRTH_DEATH, FLAGS["birth-death"], limits=False))
def test_walk_birth_death_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(_argv(["walk", "sgd-log-ratio"], SGD_LOG_RATIO, FLAGS["sgd-log-ratio"], limits=True))
def test_walk_sgd_log_ratio_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(_argv(["derive"], DERIVE, FLAGS["derive"], limits=False))
def test_derive_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(_argv(["bench"], BENCH, FLAGS["bench"], limits=True))
def test_bench_never_tracebacks(argv: list[str]) -> None:
    _run(argv)


@given(st.lists(SWEEP_LINES, max_size=3), st.lists(SWEEP_RUN_LINES, max_size=2),
       st.sampled_from([[], ["--workers", "1"], ["--workers", "0"], ["--workers", "x"],
                        ["--scheduler", ""], ["--out"]]),
       st.sampled_from(["sweep", "sub", "missing/sweep", "/proc/sweep", ""]))
def test_sweep_never_tracebacks(grid: list[str], run: list[str], extra: list[str],
                                out: str) -> None:
    # a valid tiny sweep with up to three grid lines and two run lines redrawn (TOML keeps
    # the first of a repeated key only as an error: a duplicate key is itself bad input);
    # then status, collect and plot of the same folder
    text = "\n".join(["[grid]", *grid, "d = [6]", "n = [3]", "batch_size = [1]",
                      "step_size = [0.1]", "[run]", *run, "seeds = 1", "steps = 3",
                      "root_seed = 1"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _fill(root)
        (root / "c.toml").write_text(text, encoding="utf-8")
        for argv in (["sweep", "run", "c.toml", "--out", out, "--no-progress", *extra],
                     ["sweep", "status", out, "--json"], ["sweep", "collect", out],
                     ["sweep", "plot", out]):
            _run(argv, root)


@given(st.lists(st.sampled_from(["--claims", "nope", "loss.coordinates,", ",", "--report",
                                 "", "--json", "--quick", "--full", "--bogus"]), max_size=5))
def test_verify_refusals_never_traceback(words: list[str]) -> None:
    # Only command lines that cannot start the full check list: every one names a claim
    # set that is empty, unknown or missing its value, or is a usage error.
    argv = ["verify", *words, "--claims", "nope"]
    _run(argv)
