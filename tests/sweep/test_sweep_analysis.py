"""``aesgd sweep plot`` and the statistics behind it.

Oracles: the phase table against counts done here with plain NumPy on the collected
arrays; the exponent fit against numpy.polyfit on synthetic data with a known slope (and
its interval covering it); the winner law's profile likelihood against a direct sum of the
stored log-probabilities, and the uniform law's rank distribution by definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from proofs_check.cli import main  # noqa: E402
from proofs_check.sweep.analysis import fit_exponent, phase_table, winner_law  # noqa: E402
from proofs_check.sweep.collect import collect  # noqa: E402

CONFIG = """
name = "plot-test"
[grid]
d = [12]
n = [6]
batch_size = [1, 2, 6]
step_size = [0.3, 0.6]
[run]
seeds = 8
steps = 1500
root_seed = 11
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plot")
    (root / "c.toml").write_text(CONFIG)
    out = root / "sweep"
    assert main(["sweep", "run", str(root / "c.toml"), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    return out


def test_phase_table_counts(sweep: Path) -> None:
    ds = collect(sweep)
    rows = phase_table(ds)
    assert len(rows) == 6
    support = ds["support"].values  # (d, n, b, eta, seed)
    for r in rows:
        i = [1, 2, 6].index(r["batch_size"])
        j = [0.3, 0.6].index(r["step_size"])
        expect = int(np.sum(support[0, 0, i, j] == 1))
        assert r["one_sparse"] == expect and r["runs"] == 8
        assert r["ci"][0] <= r["p"] <= r["ci"][1]


def test_fit_exponent_against_polyfit() -> None:
    rng = np.random.default_rng(5)
    x = np.log(np.repeat([1.0, 2.0, 4.0, 8.0], 50))
    y = 1.5 * x + rng.normal(0, 0.2, x.size)
    slope, lo, hi = fit_exponent(x, y, np.zeros(x.size, dtype=int))
    assert slope == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-12)
    assert hi - lo < 0.2
    # the interval's coverage over 400 replicates: 0.95 within 3 binomial sd (0.033)
    covered = 0
    for _ in range(400):
        yr = 1.5 * x + rng.normal(0, 0.2, x.size)
        _, lo_r, hi_r = fit_exponent(x, yr, np.zeros(x.size, dtype=int))
        covered += lo_r < 1.5 < hi_r
    assert abs(covered / 400 - 0.95) < 0.033
    # a second group with another intercept changes nothing in the slope
    slope2, _, _ = fit_exponent(np.concatenate([x, x]), np.concatenate([y, y + 3]),
                                np.repeat([0, 1], x.size))
    assert slope2 == pytest.approx(slope, rel=1e-12)
    assert fit_exponent(np.zeros(5), np.ones(5), np.zeros(5, dtype=int)) is None


def test_winner_law_profile_is_the_sum_of_stored_logprobs(sweep: Path) -> None:
    ds = collect(sweep)
    law = winner_law(ds)
    assert law is not None
    ok = ((ds["support"] == 1) & (ds["active0"] >= 2) & (ds["winner_rank"] >= 1)
          & (ds["batch_size"] < ds["n"]) & (ds["status"] != "diverged")).values
    assert law["runs"] == int(ok.sum())
    direct = ds["winner_loglik"].values[ok].sum(axis=0)
    np.testing.assert_allclose(law["log_likelihood"], direct, rtol=1e-12)
    assert sum(r["count"] for r in law["ranks"]) <= law["runs"]
    # the uniform law's P(rank 1) is the mean of 1/active0 by definition
    active = ds["active0"].values[ok]
    assert law["ranks"][0]["uniform"] == pytest.approx(float(np.mean(1.0 / active)))


def test_plot_writes_figures_with_config_and_command(sweep: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert main(["sweep", "plot", str(sweep), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert findings["lines"] and findings["time_to_sparsity"]
    from PIL import Image

    for name in ("phase", "time_to_sparsity", "winner_law"):
        with Image.open(sweep / "figures" / f"{name}.png") as image:
            info = dict(image.info)
        assert "batch_size = [1, 2, 6]" in info["Description"]
        assert "aesgd sweep plot" in info["Source"] and "aesgd sweep run" in info["Source"]
    assert json.loads((sweep / "figures" / "findings.json").read_text())["lines"] == \
        findings["lines"]
