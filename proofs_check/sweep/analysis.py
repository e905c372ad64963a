"""The numbers behind ``aesgd sweep plot``: phase table, scaling exponents, winner law,
where the claims stop holding.

Everything here reads a collected Dataset (:func:`proofs_check.sweep.collect.collect`) and
returns JSON-ready records; :mod:`proofs_check.sweep.plot` draws them.  The statistics:

* **phase**: per grid point, P(1-sparse by T) = P(support = 1 at step T) over its seeds,
  with a Wilson interval (diverged runs count as not sparse, and are counted apart);
* **time to sparsity**: for each of ``n``, ``batch_size``, ``step_size`` with two or more
  values, the least-squares slope of log median T_esc (T_esc: the first step with top gap
  >= the escape level) on log x with one intercept per setting of the other grid keys,
  over the cells where fewer than half the runs had not escaped by T (their median is
  observed; averaging only the escaped runs would bias the slow cells down and flatten
  the exponents), with a t 95% interval; beside it the exponent of the same regression of
  log(1 / ``walk.variance_scale``) (the diffusive prediction T ~ 1/Var, a heuristic for
  the random schedule on orthonormal data: SPEC ``walk.variance_scale``).  A check that
  uses every run: a log-normal regression fitted by maximum likelihood with each escape
  known only to lie between two record steps and the runs not escaped right-censored at T
  (:func:`fit_censored`, a Wald interval; it assumes log T_esc normal in a cell);
* **winner law**: among 1-sparse runs with at least two initially active coordinates, the
  distribution of the winner's initial rank (Wilson intervals) against the uniform law over
  the active set, and the profile log-likelihood of the laws P(j) ~ m_j(0)^k over
  k in :data:`proofs_check.sweep.task.LAWS`, with likelihood-ratio tests of k = 0 (uniform)
  and k = 1 (proportional) against the best k (chi^2 with one degree of freedom);
* **claim boundaries**: along ``data_rho``, ``data_norm_ratio``, ``step_size`` or ``n``,
  the rate standing for P1, P2 or P3 (:data:`CLAIM_RATES`) with its Wilson interval; a
  claim holds at a value when the interval lies above 1/2, fails when below, and each
  change of verdict is bracketed by the neighbouring decided values; P4 as the difference
  of mean traces (b = n minus b < n) with a Welch interval (t quantile, Welch-Satterthwaite
  degrees of freedom).

Numeric grid keys are taken in increasing order, whatever order the config lists them in.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np

__all__ = ["BOUNDARY_KEYS", "CLAIM_RATES", "SCALING_KEYS", "claim_boundaries", "fit_censored",
           "fit_exponent", "phase_table", "time_to_sparsity", "winner_law"]

SCALING_KEYS = ("n", "batch_size", "step_size")
_Z95 = 1.959963984540054


def _ordered(ds: Any) -> Any:
    """``ds`` with every numeric grid coordinate in increasing order."""
    keys = [k for k in ds["support"].dims
            if k != "seed" and np.issubdtype(ds[k].dtype, np.number)]
    return ds.sortby(keys) if keys else ds


def _t95(dof: float) -> float:
    """The two-sided 95% quantile of Student's t with ``dof`` degrees of freedom."""
    from scipy import stats

    return float(stats.t.ppf(0.975, dof))


def _others(ds: Any, keep: tuple[str, ...]) -> list[str]:
    return [k for k in ds["support"].dims if k not in (*keep, "seed")]


def _settings(ds: Any, keys: list[str]) -> list[dict[str, Any]]:
    """Every setting (one value per key) of the grid keys ``keys``."""
    values = [ds[k].values.tolist() for k in keys]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def phase_table(ds: Any) -> list[dict[str, Any]]:
    """One record per grid point: P(1-sparse by T) with its Wilson interval."""
    from numerics.stats import wilson_interval

    ds = _ordered(ds)
    keys = _others(ds, ())
    rows = []
    for setting in _settings(ds, keys):
        cell = ds.sel(setting)
        status = cell["status"].values
        ran = status != "missing"
        ran &= status != "failed"
        total = int(ran.sum())
        if total == 0:
            continue
        sparse = int(((cell["support"].values == 1) & ran & (status != "diverged")).sum())
        lo, hi = wilson_interval(sparse, total)
        rows.append({**setting, "b_over_n": setting["batch_size"] / setting["n"],
                     "runs": total, "one_sparse": sparse, "p": sparse / total,
                     "ci": [lo, hi], "diverged": int((status == "diverged").sum())})
    return rows


def fit_exponent(x: np.ndarray, y: np.ndarray, group: np.ndarray, min_dof: int = 1
                 ) -> tuple[float, float, float] | None:
    """Least squares slope of y on x with one intercept per group: (slope, low, high) with
    a t 95% interval from the residual variance (NaN ends with no residual degrees of
    freedom); None when x does not vary within a group or there are fewer than
    ``min_dof`` residual degrees of freedom (0 for an exact relation such as a
    prediction).

    >>> x = np.log([1.0, 2.0, 4.0, 1.0, 2.0, 4.0])
    >>> y = -2 * x + np.array([0, 0, 0, 5, 5, 5]) + np.array([0.01, -0.01, 0, 0, 0.01, -0.01])
    >>> slope, lo, hi = fit_exponent(x, y, np.array([0, 0, 0, 1, 1, 1]))
    >>> round(slope, 1), lo < -2 < hi  # the noise moves the slope to -2.01
    (-2.0, True)
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    xd = xs.copy()
    yd = ys.copy()
    labels = np.unique(group)
    for g in labels:
        m = group == g
        xd[m] -= xs[m].mean()
        yd[m] -= ys[m].mean()
    sxx = float(np.sum(xd * xd))
    dof = xs.size - labels.size - 1
    if sxx <= 1e-12 or dof < min_dof:
        return None
    slope = float(np.sum(xd * yd) / sxx)
    resid = yd - slope * xd
    if dof == 0:
        return slope, math.nan, math.nan
    half = _t95(dof) * math.sqrt(float(np.sum(resid * resid)) / dof / sxx)
    return slope, slope - half, slope + half


def _log_interval_mass(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """log(Phi(hi) - Phi(lo)) elementwise, stable in both tails (lo < hi; +-inf allowed)."""
    from scipy.special import log_ndtr

    flip = lo > 0  # upper tail: Phi(hi) - Phi(lo) = Phi(-lo) - Phi(-hi)
    a = np.where(flip, -hi, lo)
    b = np.where(flip, -lo, hi)
    la, lb = log_ndtr(a), log_ndtr(b)
    with np.errstate(divide="ignore"):
        return np.asarray(lb + np.log1p(-np.exp(la - lb)))


def fit_censored(low: np.ndarray, high: np.ndarray, x: np.ndarray, group: np.ndarray
                 ) -> tuple[float, float, float] | None:
    """Maximum likelihood slope of y on x with one intercept per group when each y is known
    only to lie in (low, high] (interval censoring; ``high = inf``: right-censored), under
    y ~ N(alpha_g + beta x, sigma^2): (beta, low, high) with a Wald 95% interval from the
    observed information (a finite-difference Hessian of the analytic gradient).  None when
    x does not vary within a group, or the fit does not converge.

    With exact observations (narrow intervals) it is least squares:

    >>> x = np.log([1.0, 2.0, 4.0, 8.0] * 2)
    >>> y = 1.5 * x + np.repeat([0.0, 2.0], 4) + np.array([0.1, -0.1, 0.05, -0.05] * 2)
    >>> beta, lo, hi = fit_censored(y - 1e-6, y + 1e-6, x, np.repeat([0, 1], 4))
    >>> round(beta, 4) == round(fit_exponent(x, y, np.repeat([0, 1], 4))[0], 4)
    True
    """
    from scipy.optimize import minimize

    xs = np.asarray(x, dtype=float)
    labels, gi = np.unique(np.asarray(group), return_inverse=True)
    g = labels.size
    xd = xs - np.bincount(gi, xs)[gi] / np.bincount(gi)[gi]
    if float(np.sum(xd * xd)) <= 1e-12:
        return None
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)

    def nll_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        alpha, beta, log_s = theta[:g], theta[g], theta[g + 1]
        sigma = math.exp(log_s)
        mu = alpha[gi] + beta * xs
        zl, zu = (lo - mu) / sigma, (hi - mu) / sigma
        logp = _log_interval_mass(zl, zu)

        def ratio(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            finite = np.isfinite(z)
            zz = np.where(finite, z, 0.0)
            r = np.where(finite, np.exp(-0.5 * zz * zz - 0.5 * math.log(2 * math.pi)
                                        - logp), 0.0)
            return r, r * zz

        ru, rzu = ratio(zu)
        rl, rzl = ratio(zl)
        d_mu = -(ru - rl) / sigma  # d log p / d mu
        d_ls = -(rzu - rzl)        # d log p / d log sigma
        grad = np.concatenate([-np.bincount(gi, d_mu, minlength=g), [-np.sum(d_mu * xs)],
                               [-np.sum(d_ls)]])
        return float(-np.sum(logp)), grad

    mid = np.where(np.isfinite(hi), hi, lo)
    mid = np.where(np.isfinite(mid), mid, 0.0)
    beta0 = float(np.sum(xd * (mid - np.bincount(gi, mid)[gi] / np.bincount(gi)[gi]))
                  / np.sum(xd * xd))
    alpha0 = np.bincount(gi, mid - beta0 * xs) / np.bincount(gi)
    spread = float(np.std(mid - alpha0[gi] - beta0 * xs))
    theta0 = np.concatenate([alpha0, [beta0], [math.log(max(spread, 0.05))]])
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        res = minimize(nll_grad, theta0, jac=True, method="L-BFGS-B",
                       options={"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-9})
        if not np.all(np.isfinite(res.x)) or not math.isfinite(res.fun):
            return None
        p = theta0.size
        hess = np.empty((p, p))
        for j in range(p):
            step = 1e-5 * max(1.0, abs(float(res.x[j])))
            e = np.zeros(p)
            e[j] = step
            hess[:, j] = (nll_grad(res.x + e)[1] - nll_grad(res.x - e)[1]) / (2 * step)
    hess = 0.5 * (hess + hess.T)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    var_beta = float(cov[g, g])
    if not (math.isfinite(var_beta) and var_beta > 0):
        return None
    beta = float(res.x[g])
    half = _Z95 * math.sqrt(var_beta)
    return beta, beta - half, beta + half


def _median_band(values: np.ndarray) -> tuple[float, float, float]:
    """The sample median of ``values`` (+inf: censored at T) with its distribution-free
    interval [X_(l), X_(m+1-l)] from order statistics, l the 2.5% quantile of
    Binomial(m, 1/2) (at least 1): coverage 1 - 2 P(B < l) >= 95% for m >= 6, whatever
    the law; the upper end is +inf when it falls on a censored run."""
    from scipy import stats

    v = np.sort(values)
    m = v.size
    low = max(1, int(stats.binom.ppf(0.025, m, 0.5)))
    return float(np.median(v)), float(v[low - 1]), float(v[m - low])


def _escapes(ds: Any, key: str, setting: dict[str, Any]
             ) -> list[tuple[Any, dict[str, Any], np.ndarray, int]]:
    """Along ``key`` at one setting of the other keys, for each b < n cell with runs:
    (x, point, escape steps of the runs that escaped, count of runs not escaped by T);
    diverged, failed and missing runs are left out."""
    block = []
    for x in ds[key].values.tolist():
        point = {**setting, key: x}
        if point["batch_size"] >= point["n"]:
            continue  # full batch: G is invariant (gd.ratio_invariance), no escape
        cell = ds.sel(point)
        t = cell["escape_time"].values
        ran = np.isin(cell["status"].values, ("converged", "running"))
        esc = t[ran & (t > 0)].astype(float)
        never = int(np.sum(ran & (t == -1)))
        if esc.size + never > 0:
            block.append((x, point, esc, never))
    return block


def _with_check(entry: dict[str, Any], runs: dict[str, list[float]],
                pred: dict[str, list[float]]) -> dict[str, Any]:
    """``entry`` with its ``lognormal`` check: :func:`fit_censored` over every run, beside
    the prediction's exponent over the same cells."""
    cens = fit_censored(*(np.array(runs[k]) for k in ("low", "high", "x", "group"))) \
        if runs["x"] else None
    lpred = fit_exponent(np.array(pred["x"]), np.array(pred["y"]), np.array(pred["group"]),
                         min_dof=0) if pred["x"] else None
    entry["lognormal"] = None if cens is None else {
        "exponent": cens[0], "ci": [cens[1], cens[2]], "runs": len(runs["x"]),
        "predicted_exponent": None if lpred is None else lpred[0],
        "agrees": None if lpred is None else bool(cens[1] <= lpred[0] <= cens[2])}
    return entry


def time_to_sparsity(ds: Any) -> list[dict[str, Any]]:
    """The fitted exponent of T_esc in each scaling key with two or more values, beside the
    exponent of 1/variance_scale at the same grid points, and the cells (for the figure).

    The exponent is the least-squares slope of the log of each cell's median T_esc on log x,
    one intercept per setting of the other keys, over the cells where fewer than half the
    runs were censored at T (so the median is observed: no assumption on the law of T_esc),
    with a t 95% interval from the cells' residuals.  Each escape is taken at the geometric
    midpoint of the two record steps around it.  ``lognormal`` holds the check that uses
    every run: the censored log-normal regression of :func:`fit_censored` (module text),
    which assumes log T_esc normal within a cell."""
    from numerics.formulas import variance_scale
    from numerics.sgd_walk import record_grid

    ds = _ordered(ds)
    var = variance_scale()
    run = json.loads(ds.attrs["run"])
    grid = np.asarray(record_grid(run["steps"], run["records"]), dtype=float)
    previous = dict(zip(grid[1:].tolist(), grid[:-1].tolist(), strict=True))
    out = []
    for key in SCALING_KEYS:
        if key not in ds.dims or ds.sizes[key] < 2:
            continue
        runs: dict[str, list[float]] = {"low": [], "high": [], "x": [], "group": []}
        medians: dict[str, list[float]] = {"x": [], "y": [], "group": [], "pred": []}
        lognormal_pred: dict[str, list[float]] = {"x": [], "y": [], "group": []}
        cells = []
        for gi, setting in enumerate(_settings(ds, _others(ds, (key,)))):
            block = _escapes(ds, key, setting)
            use_group = any(esc.size for _, _, esc, _ in block)  # else unbounded intercept
            for x, point, esc, never in block:
                pred = -math.log(float(var(point["step_size"], point["n"],
                                           point["batch_size"])))
                below = np.array([previous.get(v, 0.0) for v in esc])
                mid = np.where(below > 0, np.sqrt(below * esc), esc)
                record: dict[str, Any] = {**setting, key: x, "escaped": int(esc.size),
                                          "censored": never, "runs": int(esc.size) + never,
                                          "log_inv_variance": pred, "group": gi}
                if 2 * never < esc.size + never:  # the median is observed
                    med, lo, hi = _median_band(np.concatenate([mid, np.full(never, np.inf)]))
                    record.update(median=med, ci=[lo, hi])
                    for k, v in zip(("x", "y", "group", "pred"),
                                    (math.log(x), math.log(med), gi, pred), strict=True):
                        medians[k].append(v)
                cells.append(record)
                if not use_group:
                    continue
                with np.errstate(divide="ignore"):
                    runs["low"] += np.log(below).tolist() + [math.log(run["steps"])] * never
                runs["high"] += np.log(esc).tolist() + [math.inf] * never
                runs["x"] += [math.log(x)] * (esc.size + never)
                runs["group"] += [gi] * (esc.size + never)
                for k, v in zip(("x", "y", "group"), (math.log(x), pred, gi), strict=True):
                    lognormal_pred[k].append(v)
        mx, my, mg = (np.array(medians[k]) for k in ("x", "y", "group"))
        fit = fit_exponent(mx, my, mg)
        if fit is None:
            continue
        pfit = fit_exponent(mx, np.array(medians["pred"]), mg, min_dof=0)
        pred_exp = None if pfit is None else pfit[0]
        escaped = sum(c["escaped"] for c in cells)
        total = sum(c["runs"] for c in cells)
        out.append(_with_check({
            "key": key, "exponent": fit[0], "ci": [fit[1], fit[2]],
            "predicted_exponent": pred_exp, "cells_used": len(medians["x"]),
            "runs": total, "escaped": escaped, "censored": total - escaped, "cells": cells,
            "agrees": None if pred_exp is None or not math.isfinite(fit[1])
            else bool(fit[1] <= pred_exp <= fit[2])}, runs, lognormal_pred))
    return out


def winner_law(ds: Any) -> dict[str, Any] | None:
    """The winner's initial rank and the profile likelihood of the laws m_j(0)^k."""
    from scipy import stats

    from numerics.stats import wilson_interval

    from .task import LAWS

    ds = _ordered(ds)
    ok = ((ds["support"] == 1) & (ds["status"] != "diverged") & (ds["status"] != "missing")
          & (ds["status"] != "failed") & (ds["active0"] >= 2) & (ds["winner_rank"] >= 1)
          & (ds["batch_size"] < ds["n"]))
    mask = ok.values & np.all(np.isfinite(ds["winner_loglik"].values), axis=-1)
    if int(mask.sum()) < 5:
        return None
    rank = ds["winner_rank"].values[mask]
    active = ds["active0"].values[mask]
    total = int(rank.size)
    ranks = []
    for r in range(1, min(6, int(active.max())) + 1):
        k = int(np.sum(rank == r))
        lo, hi = wilson_interval(k, total)
        uniform = float(np.mean(np.where(active >= r, 1.0 / active, 0.0)))
        ranks.append({"rank": r, "count": k, "p": k / total, "ci": [lo, hi],
                      "uniform": uniform})
    ll = ds["winner_loglik"].values[mask]  # (runs, laws)
    profile = np.sum(ll, axis=0)
    best = int(np.argmax(profile))
    crit = float(stats.chi2.ppf(0.95, 1))
    inside = [LAWS[j] for j in range(len(LAWS)) if 2 * (profile[best] - profile[j]) <= crit]

    def lr_test(k: float) -> dict[str, float]:
        j = LAWS.index(k)
        stat = float(2 * (profile[best] - profile[j]))
        return {"statistic": stat, "p_value": float(stats.chi2.sf(stat, 1))}

    return {"runs": total, "ranks": ranks, "laws": list(LAWS),
            "log_likelihood": [float(v) for v in profile], "best_k": LAWS[best],
            "k_interval_on_grid": [min(inside), max(inside)],
            "uniform_test": lr_test(0.0), "proportional_test": lr_test(1.0)}


BOUNDARY_KEYS = ("data_rho", "data_norm_ratio", "step_size", "n")
"""The grid keys along which :func:`claim_boundaries` looks for where a claim stops holding."""

CLAIM_RATES: dict[str, str] = {
    "P1": "P(L(w_T) - min L <= converged_tol), every batch size (status 'converged')",
    "P2": "P(support > 1 at step T), full batch (b = n): dense",
    "P3": "P(support = 1 at step T), b < n: 1-sparse",
}
"""The per-run rate that stands for each claim in :func:`claim_boundaries` (a claim holds
at a grid value when the Wilson 95% interval of its rate lies above 1/2)."""


def _bracket(values: list[Any], held: list[bool], failed: list[bool]) -> dict[str, Any]:
    """Where the verdict changes along ``values`` (in increasing order): each change is the pair
    [a, b] of neighbouring decided values (held at one, failed at the other; undecided
    values, whose interval straddles the threshold, lie between them), so the boundary is
    inside [a, b] at the stated confidence of each end."""
    decided = [(v, h) for v, h, f in zip(values, held, failed, strict=True) if h or f]
    changes = [[u, v] for (u, hu), (v, hv) in itertools.pairwise(decided) if hu != hv]
    return {"holds_at": [v for v, h in zip(values, held, strict=True) if h],
            "fails_at": [v for v, f in zip(values, failed, strict=True) if f],
            "boundaries": changes}


def _rate_cell(key: str, v: Any, hits: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    from numerics.stats import wilson_interval

    total, k = int(mask.sum()), int((hits & mask).sum())
    lo, hi = wilson_interval(k, total) if total else (math.nan, math.nan)
    return {key: v, "runs": total, "hits": k, "p": k / total if total else math.nan,
            "ci": [lo, hi]}


def _rates_along(ds: Any, key: str, setting: dict[str, Any]) -> dict[str, Any]:
    """P1-P3 along ``key`` at one setting of every other key (batch size included)."""
    values = ds[key].values.tolist()
    rates: dict[str, list[dict[str, Any]]] = {c: [] for c in CLAIM_RATES}
    for v in values:
        cell = ds.sel({**setting, key: v})
        status = cell["status"].values
        support = cell["support"].values
        ran = (status != "missing") & (status != "failed")
        full = int(cell["batch_size"]) >= int(cell["n"])
        shape = (support > 1) if full else (support == 1)  # a diverged run counts as a miss
        rates["P1"].append(_rate_cell(key, v, status == "converged", ran))
        rates["P2" if full else "P3"].append(
            _rate_cell(key, v, shape & (status != "diverged"), ran))
    claims = {}
    for claim, cells in rates.items():
        usable = [c for c in cells if c["runs"] > 0]
        if len(usable) >= 2:
            held = [c["ci"][0] > 0.5 for c in usable]
            failed = [c["ci"][1] < 0.5 for c in usable]
            claims[claim] = {"rate": CLAIM_RATES[claim], "cells": usable,
                             **_bracket([c[key] for c in usable], held, failed)}
    return claims


def _flatness_along(ds: Any, key: str, setting: dict[str, Any]) -> dict[str, Any]:
    """P4 along ``key`` (batch sizes pooled within b < n): mean tr H at b = n minus the
    mean at b < n, with a Welch 95% interval (t quantile, Welch-Satterthwaite degrees of
    freedom)."""
    cells = []
    for v in ds[key].values.tolist():
        cell = ds.sel({**setting, key: v})
        st = cell["status"]
        status = st.values
        tr = cell["hessian_trace"].transpose(*st.dims).values
        full = (cell["batch_size"] >= cell["n"]).broadcast_like(st).transpose(*st.dims).values
        ok = (status != "missing") & (status != "failed") & (status != "diverged")
        ok &= np.isfinite(tr)
        a, c = tr[ok & full], tr[ok & ~full]
        if a.size >= 2 and c.size >= 2:
            diff = float(a.mean() - c.mean())
            va, vc = float(a.var(ddof=1)) / a.size, float(c.var(ddof=1)) / c.size
            se = math.sqrt(va + vc)
            dof = (va + vc) ** 2 / (va**2 / (a.size - 1) + vc**2 / (c.size - 1)) \
                if va + vc > 0 else math.inf
            half = _t95(dof) * se if se > 0 else 0.0
            cells.append({key: v, "diff": diff, "ci": [diff - half, diff + half]})
    if len(cells) < 2:
        return {}
    return {"P4": {"rate": "mean tr H at b = n minus mean at b < n (holds: interval < 0)",
                   "cells": cells,
                   **_bracket([c[key] for c in cells], [c["ci"][1] < 0 for c in cells],
                              [c["ci"][0] > 0 for c in cells])}}


def claim_boundaries(ds: Any) -> list[dict[str, Any]]:
    """Along each key of :data:`BOUNDARY_KEYS` with two or more values: per setting of
    every other key, the rate standing for P1, P2 (b = n) or P3 (b < n) of
    :data:`CLAIM_RATES` with its Wilson 95% interval and the brackets where its verdict
    changes; and per setting of the keys other than the batch size, P4 (full batch
    flatter) as a difference of mean traces.  One record per (key, setting)."""
    ds = _ordered(ds)
    out = []
    for key in BOUNDARY_KEYS:
        if key not in ds.dims or ds.sizes[key] < 2:
            continue
        others = _others(ds, (key,))
        for setting in _settings(ds, others):
            claims = _rates_along(ds, key, setting)
            if claims:
                out.append({"key": key, "setting": setting, "claims": claims})
        if "batch_size" in others:
            pooled = [k for k in others if k != "batch_size"]
            for setting in _settings(ds, pooled):
                claims = _flatness_along(ds, key, setting)
                if claims:
                    out.append({"key": key, "setting": setting, "claims": claims})
    return out
