"""Sweeps beyond the paper's hypotheses: data grid keys and where the claims stop holding.

Oracles: a synthetic Dataset whose rates are set by construction (the brackets follow
from them by hand), the library's own simulate run with the same DataSpec for a data grid
point (bits), and the TOML error lines for bad data keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from numerics.data import DataSpec  # noqa: E402
from numerics.sgd import simulate  # noqa: E402
from proofs_check.cli import main  # noqa: E402
from proofs_check.sweep import load_config  # noqa: E402
from proofs_check.sweep.analysis import claim_boundaries  # noqa: E402
from proofs_check.sweep.collect import collect  # noqa: E402
from proofs_check.sweep.task import data_spec, sim_config  # noqa: E402


def _synthetic(one_sparse: dict[float, int], seeds: int = 40) -> object:
    """b in {1, 4} at n = 4 along data_rho: ``one_sparse[rho]`` of the b = 1 runs end with
    support 1 (the rest 3); full batch always ends dense; every run converged; tr H is
    lower at b = n by 1 (P4 holds everywhere)."""
    rhos = sorted(one_sparse)
    shape = (1, 1, 2, 1, len(rhos), seeds)
    support = np.full(shape, 3, dtype=np.int32)
    for k, rho in enumerate(rhos):
        support[0, 0, 0, 0, k, :one_sparse[rho]] = 1
    trace = np.where(np.arange(2)[None, None, :, None, None, None] == 1, 2.0, 3.0)
    trace = trace + 0.01 * np.arange(seeds)  # some spread for the interval
    coords = {"d": [8], "n": [4], "batch_size": [1, 4], "step_size": [0.2], "data_rho": rhos,
              "seed": np.arange(seeds)}
    dims = list(coords)
    return xr.Dataset({"support": (dims, support),
                       "status": (dims, np.full(shape, "converged", dtype=object)),
                       "hessian_trace": (dims, np.broadcast_to(trace, shape).copy())},
                      coords=coords)


def test_boundaries_follow_from_the_rates() -> None:
    # by construction: P3 = 40/40 at rho <= 0, 20/40 at 0.05 (interval straddles 1/2:
    # undecided), 0/40 at 0.1 and 0.2 -> holds at {-0.1, 0}, fails at {0.1, 0.2}, one
    # change bracketed by [0, 0.1]; P2 = 1 everywhere (no change); P4 holds everywhere
    ds = _synthetic({-0.1: 40, 0.0: 40, 0.05: 20, 0.1: 0, 0.2: 0})
    entries = {(e["setting"].get("batch_size"), tuple(e["claims"])): e
               for e in claim_boundaries(ds)}
    assert set(entries) == {(1, ("P1", "P3")), (4, ("P1", "P2")), (None, ("P4",))}
    assert all(e["key"] == "data_rho" for e in entries.values())
    p3 = entries[1, ("P1", "P3")]["claims"]["P3"]
    assert p3["holds_at"] == [-0.1, 0.0] and p3["fails_at"] == [0.1, 0.2]
    assert p3["boundaries"] == [[0.0, 0.1]]
    assert [c["hits"] for c in p3["cells"]] == [40, 40, 20, 0, 0]
    p2 = entries[4, ("P1", "P2")]["claims"]["P2"]
    assert p2["boundaries"] == [] and p2["fails_at"] == [] and len(p2["holds_at"]) == 5
    assert entries[1, ("P1", "P3")]["claims"]["P1"]["fails_at"] == []  # all converged
    p4 = entries[None, ("P4",)]["claims"]["P4"]
    assert len(p4["holds_at"]) == 5 and p4["boundaries"] == []
    assert all(c["diff"] == pytest.approx(-1.0) for c in p4["cells"])
    # a change back and forth gives two brackets
    ds2 = _synthetic({0.0: 40, 0.1: 0, 0.2: 40})
    (e1,) = [e for e in claim_boundaries(ds2) if e["setting"].get("batch_size") == 1]
    assert e1["claims"]["P3"]["boundaries"] == [[0.0, 0.1], [0.1, 0.2]]


CONFIG = """
name = "beyond-test"
[grid]
d = [10]
n = [5]
batch_size = [1, 5]
step_size = [0.2]
data_rho = [-0.1, 0.0, 0.2]
data_norm_ratio = [1.0, 2.0]
[run]
seeds = 4
steps = 600
root_seed = 9
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("beyond")
    (root / "c.toml").write_text(CONFIG)
    out = root / "sweep"
    assert main(["sweep", "run", str(root / "c.toml"), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    return out


def test_a_data_point_is_the_simulate_run_with_its_data(sweep: Path) -> None:
    # route: numerics.sgd.simulate with the DataSpec written out here (norms q^(-i/(n-1)))
    cfg = load_config(str(sweep / "sweep.toml"))
    task = next(t for t in cfg.tasks()
                if t.point["data_rho"] == 0.2 and t.point["data_norm_ratio"] == 2.0
                and t.point["batch_size"] == 1)
    norms = tuple(2.0 ** (-i / 4) for i in range(5))
    assert data_spec(task.spec["point"]) == DataSpec(norms=norms, rho=0.2)
    sc = sim_config(task.spec)
    assert sc.engine == "full"
    res = simulate(d=10, n=5, batch_size=1, step_size=0.2, steps=600, seeds=4,
                   engine="full", data=DataSpec(norms=norms, rho=0.2), seed=task.spec["seed"],
                   record_steps=sc.record_steps, checkpoints=0)
    ds = collect(sweep)
    cell = ds.sel(d=10, n=5, batch_size=1, step_size=0.2, data_rho=0.2, data_norm_ratio=2.0)
    assert cell["support"].values.tolist() == res.support.tolist()
    assert np.array_equal(cell["loss_gap"].values, res.loss_gap)
    assert np.array_equal(cell["hessian_trace"].values, res.hessian_trace)
    # the orthonormal point keeps the configured (reduced) engine
    plain = next(t for t in cfg.tasks()
                 if t.point["data_rho"] == 0.0 and t.point["data_norm_ratio"] == 1.0)
    assert data_spec(plain.spec["point"]) is None
    assert sim_config(plain.spec).engine == "reduced"


def test_plot_reports_where_claims_stop(sweep: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    assert main(["sweep", "plot", str(sweep), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    keys = {e["key"] for e in found["claim_boundaries"]}
    assert keys == {"data_rho", "data_norm_ratio"}
    assert (sweep / "figures" / "claims.png").stat().st_size > 10_000


@pytest.mark.parametrize("line, where", [
    ("data_rho = [-0.3]", "[grid] data_rho=-0.3 must be in (-1/(n-1), 1) = (-0.25, 1)"),
    ("data_rho = [1.0]", "[grid] data_rho=1.0 must be in"),
    ("data_norm_ratio = [0.5]", "[grid] data_norm_ratio=0.5 must be a number in [1, 1e+06]"),
    ("data_norm_ratio = [1e200]", "[grid] data_norm_ratio=1e+200 must be a number in [1,"),
    ("data_rho = ['x']", "[grid] data_rho='x' must be a number"),
])
def test_bad_data_keys_give_one_line(tmp_path: Path, line: str, where: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    text = "\n".join(ln for ln in CONFIG.splitlines()
                     if not ln.startswith(("data_rho", "data_norm_ratio")))
    text = text.replace("[run]", line + "\n[run]")
    (tmp_path / "c.toml").write_text(text)
    assert main(["sweep", "run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert where in err and len(err.strip().splitlines()) == 1


def test_data_not_positive_definite_in_floating_point(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """rho one float below 1 at n = 50 passes the open interval but its Gram matrix fails
    Cholesky: refused before anything runs (the points are built at validation), one line."""
    text = ("[grid]\nd = [50]\nn = [50]\nbatch_size = [1]\nstep_size = [0.2]\n"
            "data_rho = [0.9999999999999999]\n[run]\nseeds = 1\nsteps = 10\nroot_seed = 0\n")
    (tmp_path / "c.toml").write_text(text)
    assert main(["sweep", "run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "[grid] data_rho=0.9999999999999999 must be a value whose Gram matrix" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "o").exists()
