"""``aesgd sweep plot`` and the statistics behind it.

Oracles: the phase table against counts done here with plain NumPy on the collected
arrays; the exponent fit against numpy.polyfit on synthetic data with a known slope (and
its interval covering it); the censored fit against a Nelder-Mead maximisation of the same
likelihood written with scipy.stats.norm (no shared code), and against the known slope of
synthetic censored data where dropping the censored runs is biased; P4's Welch interval
against scipy.stats.ttest_ind(equal_var=False); the winner law's profile likelihood against
a direct sum of the stored log-probabilities, and the uniform law's rank distribution by
definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from proofs_check.cli import main  # noqa: E402
from proofs_check.sweep.analysis import (  # noqa: E402
    claim_boundaries,
    fit_censored,
    fit_exponent,
    phase_table,
    time_to_sparsity,
    winner_law,
)
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
steps = 3000
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


def _censored_sample(seed: int, beta: float = 1.5, cap: float = 4.0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log T = 1 + beta x + N(0, 0.5^2), seen on a grid of spacing 0.25 (interval
    censored) and right-censored at ``cap``: (low, high, x, group)."""
    rng = np.random.default_rng(seed)
    x = np.repeat(np.log([1.0, 2.0, 4.0, 8.0]), 200)
    y = 1.0 + beta * x + rng.normal(0, 0.5, x.size)
    high = np.ceil(y / 0.25) * 0.25
    low = high - 0.25
    over = y > cap
    low[over], high[over] = cap, np.inf
    return low, high, x, np.zeros(x.size, dtype=int)


def test_censored_fit_against_a_direct_maximisation() -> None:
    """The same maximum by Nelder-Mead on the likelihood written with scipy.stats.norm."""
    from scipy import optimize, stats

    low, high, x, group = _censored_sample(1)
    beta, lo, hi = fit_censored(low, high, x, group)

    def nll(theta: np.ndarray) -> float:
        mu = theta[0] + theta[1] * x
        sd = np.exp(theta[2])
        p = stats.norm.cdf(high, mu, sd) - stats.norm.cdf(low, mu, sd)
        return float(-np.sum(np.log(np.maximum(p, 1e-300))))

    direct = optimize.minimize(nll, [0.0, 1.0, 0.0], method="Nelder-Mead",
                               options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000})
    assert beta == pytest.approx(direct.x[1], abs=1e-5)  # Nelder-Mead's own precision
    assert lo < beta < hi


def test_censored_fit_recovers_the_slope_where_dropping_is_biased() -> None:
    """Over 40 synthetic samples the censored estimate's mean is within 3 standard errors
    of the true 1.5 and its 95% interval covers it in 0.95 +- 3 binomial sd (0.10) of
    them, while least squares on the uncensored runs only falls short of 1.5 by more than
    ten of its standard errors (the bias the censored fit removes)."""
    est, covered, naive = [], 0, []
    for seed in range(40):
        low, high, x, group = _censored_sample(100 + seed)
        beta, lo, hi = fit_censored(low, high, x, group)
        est.append(beta)
        covered += lo < 1.5 < hi
        seen = np.isfinite(high)
        naive.append(fit_exponent(x[seen], high[seen] - 0.125, group[seen])[0])
    est_a, naive_a = np.array(est), np.array(naive)
    assert abs(est_a.mean() - 1.5) < 3 * est_a.std(ddof=1) / np.sqrt(40)
    assert abs(covered / 40 - 0.95) <= 0.10
    assert 1.5 - naive_a.mean() > 10 * naive_a.std(ddof=1) / np.sqrt(40)


def _synthetic(steps: int = 1000, records: int = 8) -> object:
    """A collected-like Dataset: n = 4, b in {1, 4}, eta in {0.5, 0.1, 0.3} (unsorted)."""
    seeds = 6
    shape = (1, 2, 3, seeds)
    dims = ["n", "batch_size", "step_size", "seed"]
    rng = np.random.default_rng(3)
    status = np.full(shape, "converged", dtype="<U9")
    support = np.where(np.arange(2)[None, :, None, None] == 0, 1, 4) * np.ones(shape, int)
    data = {"status": (dims, status), "support": (dims, support),
            "hessian_trace": (dims, rng.normal(5, 1, shape)),
            "escape_time": (dims, np.full(shape, 500))}
    coords = {"n": [4], "batch_size": [1, 4], "step_size": [0.5, 0.1, 0.3],
              "seed": np.arange(seeds)}
    return xr.Dataset(data, coords=coords,
                      attrs={"run": json.dumps({"steps": steps, "records": records})})


def test_welch_interval_of_p4_against_scipy() -> None:
    from scipy import stats

    ds = _synthetic()
    ds["hessian_trace"][0, 1, :, :3] += 2.0  # an unequal variance at b = n
    p4 = next(e for e in claim_boundaries(ds) if "P4" in e["claims"])["claims"]["P4"]
    assert [c["step_size"] for c in p4["cells"]] == [0.1, 0.3, 0.5]  # increasing
    for cell in p4["cells"]:
        at = ds.sel(step_size=cell["step_size"])["hessian_trace"].values[0]
        res = stats.ttest_ind(at[1], at[0], equal_var=False)
        ci = res.confidence_interval(0.95)
        assert cell["ci"] == pytest.approx([ci.low, ci.high], rel=1e-10)


def test_claim_brackets_do_not_depend_on_the_grid_order() -> None:
    """P1 fails at eta = 0.3 only: the brackets are (0.1, 0.3) and (0.3, 0.5) in increasing
    order whatever order the grid lists eta in; a diverged run is a miss for P2."""
    ds = _synthetic()
    ds["status"].loc[{"step_size": 0.3}] = "running"
    ds["status"][0, 1, 0, :] = "diverged"  # b = n, eta = 0.5: dense but diverged
    rates = next(e for e in claim_boundaries(ds) if e["key"] == "step_size"
             and e["setting"].get("batch_size") == 1)["claims"]
    assert rates["P1"]["boundaries"] == [[0.1, 0.3], [0.3, 0.5]]
    full = next(e for e in claim_boundaries(ds) if e["key"] == "step_size"
            and e["setting"].get("batch_size") == 4)["claims"]
    assert full["P2"]["fails_at"] == [0.5] and full["P2"]["holds_at"] == [0.1, 0.3]


def test_time_to_sparsity_counts_only_runs_that_ran() -> None:
    """A missing run is neither escaped nor censored; a run that never escaped is
    censored at T and pulls its cell's time up."""
    ds = _synthetic()
    for k, eta in enumerate([0.5, 0.1, 0.3]):
        ds["escape_time"].loc[{"step_size": eta}] = [100, 200, 300, 400, 500, 600][k:] + \
            [700] * k
    ds["status"][0, 0, 0, 0] = "missing"
    ds["escape_time"][0, 0, 0, 0] = -3
    ds["escape_time"][0, 0, 1, 5] = -1
    fit = time_to_sparsity(ds)[0]
    cells = {c["step_size"]: c for c in fit["cells"]}
    assert cells[0.5]["runs"] == 5 and cells[0.5]["censored"] == 0
    assert cells[0.1]["runs"] == 6 and cells[0.1]["censored"] == 1
    assert fit["runs"] == 17 and fit["censored"] == 1 and fit["lognormal"]["runs"] == 17
    # the median of eta = 0.1 treats the censored run as later than every escape
    times = np.array([200, 300, 400, 500, 600], dtype=float)
    assert cells[0.1]["median"] > np.median(times) * 0.9


def test_median_interval_covers_by_the_binomial_law() -> None:
    """The order-statistic interval [X_(l), X_(u)] covers the median of any continuous law
    with probability P(l <= B < u), B ~ Binomial(m, 1/2): at least 0.95 for every m from 6
    to 300 (m = 5 can reach 0.9375 only)."""
    from scipy import stats

    from proofs_check.sweep.analysis import _median_band

    for m in range(6, 301):
        ranks = np.arange(m, dtype=float)  # values = ranks: the band returns the ranks
        _, lo, hi = _median_band(ranks)
        l, u = int(lo) + 1, int(hi) + 1  # 1-based order statistics
        cover = stats.binom.cdf(u - 1, m, 0.5) - stats.binom.cdf(l - 1, m, 0.5)
        assert cover >= 0.95, (m, l, u, cover)
