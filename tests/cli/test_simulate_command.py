"""``aesgd simulate`` and ``aesgd bench`` from the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from numerics import simulate
from proofs_check.cli import main


def _run(argv: list[str]) -> int:
    """The exit code of ``aesgd argv`` (argparse's usage errors exit through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


BASE = ["simulate", "--d", "40", "--n", "20", "--step-size", "0.5", "--seeds", "3"]


def test_dichotomy_b1_vs_bn_json(capsys):
    assert _run([*BASE, "--batch-size", "1", "--steps", "30000", "--json"]) == 0
    small = json.loads(capsys.readouterr().out)
    argv = [*BASE, "--batch-size", "20", "--steps", "3000", "--json", "--schedule", "full"]
    assert _run(argv) == 0
    full = json.loads(capsys.readouterr().out)
    assert set(small) == {"runs", "summary"}
    keys = {"seed_index", "status", "support", "winner", "alignment", "loss_gap", "hessian_trace"}
    for run in small["runs"] + full["runs"]:
        assert keys <= set(run)
    assert [r["support"] for r in small["runs"]] == [1, 1, 1]
    assert all(r["support"] > 3 for r in full["runs"])
    res = simulate(40, 20, 20, 0.5, 0, 3)
    u = np.where(res.a0 > 0, res.a0, 0.0)
    w0 = np.sqrt(np.sum(res.a0**2, 1) + res.perp0**2)
    np.testing.assert_allclose(
        [r["alignment"] for r in full["runs"]], np.linalg.norm(u, axis=1) / w0, atol=1e-8
    )
    assert full["summary"]["status_counts"]["converged"] == 3


@pytest.mark.parametrize("engine", ["reduced", "full"])
def test_save_npz_format(tmp_path, engine, capsys):
    out = tmp_path / "run.npz"
    argv = [*BASE, "--batch-size", "2", "--steps", "50", "--engine", engine, "--save", str(out)]
    assert _run(argv) == 0
    capsys.readouterr()
    with np.load(out, allow_pickle=False) as z:
        assert z["a0"].shape == (3, 20) and z["a"].shape == (3, 20)
        assert z["perp0"].shape == (3,) and z["perp"].shape == (3,)
        assert z["a"].dtype == np.float64 and np.all(z["perp"] >= 0)
        data = {k: z[k] for k in ("a0", "a", "perp0", "perp")}
    res = simulate(40, 20, 2, 0.5, 50, 3, engine=engine)
    np.testing.assert_array_equal(data["a"], res.a)


def test_engines_give_the_same_file(tmp_path, capsys):
    files = []
    for engine in ("reduced", "full"):
        f = tmp_path / f"{engine}.npz"
        argv = [*BASE, "--batch-size", "2", "--steps", "200", "--engine", engine, "--save",
                str(f)]
        assert _run(argv) == 0
        files.append(np.load(f))
    capsys.readouterr()
    for k in ("a0", "a", "perp0", "perp"):
        np.testing.assert_allclose(files[0][k], files[1][k], atol=1e-9)


@pytest.mark.parametrize("shape", [(40,), (3, 40)])
def test_init_file(tmp_path, shape, capsys):
    w0 = np.random.default_rng(0).normal(size=shape) * 0.2
    f = tmp_path / "w0.npy"
    np.save(f, w0)
    save = tmp_path / "o.npz"
    argv = [*BASE, "--batch-size", "2", "--steps", "0", "--init", str(f), "--save", str(save)]
    assert _run(argv) == 0
    capsys.readouterr()
    z = np.load(save)
    np.testing.assert_array_equal(z["a0"], np.broadcast_to(w0, (3, 40))[:, :20])


def test_init_rejects_pickles_and_bad_shapes(tmp_path, capsys):
    f = tmp_path / "obj.npy"
    np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert _run([*BASE, "--batch-size", "2", "--steps", "1", "--init", str(f)]) == 2
    g = tmp_path / "short.npy"
    np.save(g, np.zeros(7))
    assert _run([*BASE, "--batch-size", "2", "--steps", "1", "--init", str(g)]) == 2
    err = capsys.readouterr().err
    assert err.count("--init=") == 2


BAD = [
    (["--d", "10", "--n", "20"], "--n=20"),
    (["--batch-size", "0"], "--batch-size=0"),
    (["--batch-size", "21"], "--batch-size=21"),
    (["--step-size", "0"], "--step-size=0.0"),
    (["--step-size", "-0.1"], "--step-size=-0.1"),
    (["--step-size", "nan"], "--step-size"),
    (["--step-size", "inf"], "--step-size"),
    (["--steps", "-1"], "--steps=-1"),
    (["--steps", "1.5"], "--steps"),
    (["--seeds", "0"], "--seeds=0"),
    (["--schedule", "sorted"], "--schedule='sorted'"),
    (["--engine", "gpu"], "--engine='gpu'"),
    (["--activation", "tanh"], "--activation='tanh'"),
    (["--schedule", "full"], "--batch-size=2"),
    (["--seed", "-3"], "--seed=-3"),
    (["--support-threshold", "1.5"], "--support-threshold=1.5"),
    (["--init-scale", "0"], "--init-scale=0.0"),
]


@pytest.mark.parametrize(("extra", "param"), BAD)
def test_bad_input_is_one_line_exit_2(extra, param, capsys):
    argv = ["simulate", "--d", "40", "--n", "20", "--batch-size", "2", "--step-size", "0.5",
            "--steps", "5", "--seeds", "2"]
    for k in range(0, len(extra), 2):
        if extra[k] in argv:
            argv[argv.index(extra[k]) + 1] = extra[k + 1]
        else:
            argv += extra[k : k + 2]
    assert _run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and param in err, err


def test_text_output(capsys):
    assert _run([*BASE, "--batch-size", "2", "--steps", "10"]) == 0
    out = capsys.readouterr().out
    assert "support" in out and "status:" in out


def test_bench_json_small(capsys):
    argv = ["bench", "--json", "--seeds", "8", "--steps", "64", "--steps-full", "4",
            "--naive-seeds", "2", "--naive-steps", "10", "--repeat", "1"]
    assert _run(argv) == 0
    out = json.loads(capsys.readouterr().out)
    base = {"numpy", "compiled", "reduced_big_d", "full", "naive", "one_pass"}
    assert set(out["seed_steps_per_s"]) == base
    assert set(out["ns_per_seed_step"]) == {"numpy", "compiled", "one_pass"}
    assert set(out["startup_seconds"]) == {"default", "compiled"}
    assert all(v > 0 for v in out["startup_seconds"].values())
    assert set(out["ratios"]) >= {"reduced_over_naive", "numpy_over_floor",
                                  "compiled_over_floor", "small_d_over_big_d"}
    assert "startup_default < 1 s" in out["targets_met"]
    assert _run(["bench", "--seeds", "0"]) == 2
    assert _run(["bench", "--seeds", "1e3"]) == 2
