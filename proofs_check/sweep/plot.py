"""``aesgd sweep plot``: the figures of a sweep and its findings (``DIR/figures``).

``phase.png``              P(1-sparse by T) over (b/n, eta), one panel per setting of the
                           other grid keys, each cell with its Wilson 95% interval
``time_to_sparsity.png``   median T_esc against n, b and eta (order-statistic 95% bands)
                           with the fitted exponent and the one predicted by
                           walk.variance_scale
``winner_law.png``         the winner's initial rank against the uniform law, and the
                           profile likelihood of the laws m_j(0)^k
``claims.png``             where the claims stop holding (grids along data_rho,
                           data_norm_ratio, step_size or n only): the rate standing for
                           P1, P2, P3 against the key with Wilson 95% intervals and the
                           bracket of each change of verdict
``findings.json``          the numbers of :mod:`proofs_check.sweep.analysis` and the lines
                           printed

Every figure carries, at its foot, the sweep's name, its config digest, the command that
ran it and the one that drew it; the PNG's ``Description`` holds the whole configuration.
Each file is written atomically.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import claim_boundaries, phase_table, time_to_sparsity, winner_law

__all__ = ["plot_sweep"]

_DPI = 110
_MAX_PANELS = 6
_SYMBOLS = {"n": "n", "batch_size": "b", "step_size": "eta"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _run_command(ds: Any) -> str:
    lines = [line for line in str(ds.attrs.get("runs_log", "")).splitlines() if line]
    if not lines:
        return "aesgd sweep run CONFIG --out DIR"
    command = json.loads(lines[-1]).get("command") or []  # collect keeps JSON objects only
    if not isinstance(command, list):
        command = []
    return " ".join(str(c) for c in command) or "aesgd sweep run CONFIG --out DIR"


def _save(fig: Any, path: Path, ds: Any, argv: list[str] | None) -> None:
    from numerics.io import atomic_write

    made = " ".join(argv) if argv else "aesgd sweep plot DIR"
    foot = (f"sweep '{ds.attrs.get('title', '')}' (config {ds.attrs.get('config_digest')}); "
            f"ran: {_run_command(ds)}; drawn: {made}")
    engine = fig.get_layout_engine()
    if engine is not None:  # keep the foot clear of the axes
        engine.set(rect=(0, 0.06, 1, 0.94))
    # names and paths are text: '$' escaped (parse_math=False is ignored when wrapping)
    fig.text(0.01, 0.005, foot.replace("$", r"\$"), fontsize=5.5, ha="left", va="bottom",
             wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI,
                metadata={"Software": None, "Description": str(ds.attrs.get("config_toml")),
                          "Source": f"{_run_command(ds)} ; {made}"})
    _pyplot().close(fig)
    atomic_write(path, buf.getvalue())


def _panel_title(row: dict[str, Any], keys: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in keys) or "all runs"


def _phase(rows: list[dict[str, Any]], ds: Any, path: Path, argv: list[str] | None) -> None:
    plt = _pyplot()
    varying = [k for k in ds["support"].dims
               if k not in ("batch_size", "step_size", "n", "seed") and ds.sizes[k] > 1]
    panels: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        panels.setdefault(_panel_title(r, varying), []).append(r)
    if not panels:
        fig, ax = plt.subplots(figsize=(5.0, 3.0), layout="constrained")
        ax.text(0.5, 0.5, "no finished runs yet (aesgd sweep status DIR)", ha="center",
                va="center", fontsize=9)
        ax.set_axis_off()
        _save(fig, path, ds, argv)
        return
    names = list(panels)[:_MAX_PANELS]
    cols = min(3, len(names))
    fig, axes = plt.subplots(math.ceil(len(names) / cols), cols, squeeze=False,
                             figsize=(4.2 * cols, 3.8 * math.ceil(len(names) / cols) + 0.4),
                             layout="constrained")
    for ax, name in zip(axes.ravel(), names, strict=False):
        cells = panels[name]
        xs = sorted({c["b_over_n"] for c in cells})
        ys = sorted({c["step_size"] for c in cells})
        grid = np.full((len(ys), len(xs)), np.nan)
        # several cells on one (b/n, eta) (other n, pooled keys): their runs are pooled
        counts = np.zeros((len(ys), len(xs), 2))
        for c in cells:
            counts[ys.index(c["step_size"]), xs.index(c["b_over_n"])] += (c["one_sparse"],
                                                                           c["runs"])
        from numerics.stats import wilson_interval

        img = ax.imshow(np.where(counts[..., 1] > 0, counts[..., 0] /
                                 np.maximum(counts[..., 1], 1), grid), origin="lower",
                        cmap="viridis", vmin=0, vmax=1, aspect="auto")
        if len(xs) * len(ys) <= 64:
            for (i, j), m in np.ndenumerate(counts[..., 1]):
                if m == 0:
                    continue
                k = int(counts[i, j, 0])
                lo, hi = wilson_interval(k, int(m))
                ax.text(j, i, f"{k / m:.2f}\n[{lo:.2f}, {hi:.2f}]", fontsize=6,
                        ha="center", va="center", color="w" if k / m < 0.6 else "k")
        ax.set_xticks(range(len(xs)), [f"{x:.3g}" for x in xs], fontsize=7)
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys], fontsize=7)
        ax.set_xlabel("b / n")
        ax.set_ylabel("step size eta")
        ax.set_title(name, fontsize=8)
        fig.colorbar(img, ax=ax, label="P(1-sparse by T)")
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    shown = "" if len(panels) <= len(names) else (
        f"\nthe first {len(names)} of {len(panels)} panels (every cell: findings.json)")
    fig.suptitle(f"P(support = 1 at T = {json.loads(ds.attrs['run'])['steps']}) with Wilson "
                 f"95% intervals{shown}", fontsize=9)
    _save(fig, path, ds, argv)


def _scaling(fits: list[dict[str, Any]], ds: Any, path: Path, argv: list[str] | None
             ) -> None:
    plt = _pyplot()
    steps = json.loads(ds.attrs["run"])["steps"]  # an interval censored at T ends there
    count = max(1, len(fits))
    fig, axes = plt.subplots(1, count, squeeze=False, figsize=(4.3 * count, 3.9),
                             layout="constrained")
    for ax, fit in zip(axes.ravel(), fits, strict=False):
        key = fit["key"]
        groups: dict[int, list[dict[str, Any]]] = {}
        for c in fit["cells"]:
            if "median" in c:  # fewer than half censored
                groups.setdefault(c["group"], []).append(c)
        for cells in list(groups.values())[:8]:
            x = [c[key] for c in cells]
            label = ", ".join(f"{k}={cells[0][k]}" for k in ds["support"].dims
                              if k not in (key, "seed") and ds.sizes[k] > 1)
            m = [c["median"] for c in cells]
            lo = [max(c["median"] - c["ci"][0], 0) for c in cells]
            hi = [max(min(c["ci"][1], steps) - c["median"], 0) for c in cells]
            line = ax.errorbar(x, m, yerr=[lo, hi], marker="o", ms=3, capsize=2, lw=1,
                               label=label or None)
            # the prediction T ~ 1/Var, scaled to the group's geometric mean
            pred = [math.exp(c["log_inv_variance"]) for c in cells]
            scale = math.exp(sum(math.log(a) - math.log(b) for a, b in zip(m, pred,
                                                                            strict=True))
                             / len(m))
            ax.plot(x, [scale * p for p in pred], ls="--", lw=0.8,
                    color=line[0].get_color())
        ax.set_xscale("log")
        ax.set_yscale("log")
        if len(groups) > 1:
            ax.legend(fontsize=5, loc="best")
        ax.set_xlabel(_SYMBOLS[key])
        ax.set_ylabel("time to sparsity T_esc (steps)")
        pred = fit["predicted_exponent"]
        ln = fit["lognormal"]
        ax.set_title(f"exponent {fit['exponent']:.2f} [{fit['ci'][0]:.2f}, {fit['ci'][1]:.2f}]"
                     + (f"; 1/Var predicts {pred:.2f}" if pred is not None else "")
                     + f"\n{fit['escaped']} escaped, {fit['censored']} censored at T"
                     + (f"; log-normal fit {ln['exponent']:.2f}" if ln else ""), fontsize=8)
    if not fits:
        axes[0, 0].text(0.5, 0.5, "no scaling key with two values and escaped runs",
                        ha="center", va="center", fontsize=8)
    fig.suptitle("time to sparsity T_esc (top gap >= escape level): cell medians with "
                 "order-statistic 95% intervals\n(cells with fewer than half the runs "
                 "censored at T); dashed: T ~ 1/Var", fontsize=9)
    _save(fig, path, ds, argv)


def _winner(law: dict[str, Any] | None, ds: Any, path: Path, argv: list[str] | None
            ) -> None:
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8.6, 3.9), layout="constrained")
    if law is None:
        a1.text(0.5, 0.5, "fewer than 5 one-sparse runs with b < n", ha="center", fontsize=8)
    else:
        r = [x["rank"] for x in law["ranks"]]
        p = [x["p"] for x in law["ranks"]]
        err = [[max(x["p"] - x["ci"][0], 0) for x in law["ranks"]],
               [max(x["ci"][1] - x["p"], 0) for x in law["ranks"]]]
        a1.errorbar(r, p, yerr=err, marker="o", capsize=3, label="observed (Wilson 95%)")
        a1.plot(r, [x["uniform"] for x in law["ranks"]], "k--", label="uniform over active")
        a1.set_xlabel("initial rank of the winner (1 = largest |sigma(a_j(0))|)")
        a1.set_ylabel("P(winner has this rank)")
        a1.legend(fontsize=7)
        a1.set_title(f"{law['runs']} one-sparse runs", fontsize=8)
        best = max(law["log_likelihood"])
        a2.plot(law["laws"], [v - best for v in law["log_likelihood"]], "o-")
        a2.axhline(-1.92, color="k", ls=":", lw=0.8, label="95% profile cut")
        a2.set_xlabel("k in P(j wins) ~ m_j(0)^k")
        a2.set_ylabel("log-likelihood - max")
        u = law["uniform_test"]["p_value"]
        q = law["proportional_test"]["p_value"]
        a2.set_title(f"best k = {law['best_k']:g}; LR p: uniform {u:.2g}, proportional "
                     f"{q:.2g}", fontsize=8)
        a2.legend(fontsize=7)
    _save(fig, path, ds, argv)


_CLAIM_COLOURS = {"P1": "tab:blue", "P2": "tab:orange", "P3": "tab:green"}


def _claims(entries: list[dict[str, Any]], ds: Any, path: Path, argv: list[str] | None
            ) -> None:
    plt = _pyplot()
    shown = [e for e in entries if set(e["claims"]) & set(_CLAIM_COLOURS)][:9]
    if not shown:  # no claim boundary to draw: no figure (an old one would mislead)
        path.unlink(missing_ok=True)
        return
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(4.4 * cols, 3.4 * rows + 0.5),
                             layout="constrained")
    for ax, e in zip(axes.ravel(), shown, strict=False):
        key = e["key"]
        for claim, colour in _CLAIM_COLOURS.items():
            c = e["claims"].get(claim)
            if c is None:
                continue
            xs = [cell[key] for cell in c["cells"]]
            ps = np.array([cell["p"] for cell in c["cells"]])
            lo = np.array([cell["ci"][0] for cell in c["cells"]])
            hi = np.array([cell["ci"][1] for cell in c["cells"]])
            ax.errorbar(xs, ps, yerr=[ps - lo, hi - ps], marker="o", ms=3, capsize=2,
                        color=colour, label=f"{claim}: {c['rate'].split(',')[0]}")
            for a, b in c["boundaries"]:
                ax.axvspan(min(a, b), max(a, b), color=colour, alpha=0.08)
        ax.axhline(0.5, color="grey", lw=0.6, ls=":")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(key)
        ax.set_ylabel("rate")
        fixed = {k: v for k, v in e["setting"].items() if ds.sizes.get(k, 1) > 1}
        ax.set_title(_panel_title(fixed, list(fixed)), fontsize=8)
        ax.legend(fontsize=5.5, loc="best")
    for ax in axes.ravel()[len(shown):]:
        ax.set_visible(False)
    fig.suptitle("where the claims stop holding: a claim holds at a value when its rate's "
                 "95% interval is above 1/2; shaded: brackets of a change", fontsize=8)
    _save(fig, path, ds, argv)


def _claim_lines(entries: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in entries:
        where = ", ".join(f"{k}={v}" for k, v in e["setting"].items()) or "all runs"
        for claim, c in e["claims"].items():
            if not c["boundaries"] and not (c["holds_at"] and c["fails_at"]):
                continue
            spans = "; ".join(f"between {a} and {b}" for a, b in c["boundaries"])
            out.append(f"{claim} along {e['key']} ({where}): holds at {c['holds_at']}, fails "
                       f"at {c['fails_at']}; the boundary lies {spans or 'between them'}")
    return out


def _lines(ds: Any, rows: list[dict[str, Any]], fits: list[dict[str, Any]],
           law: dict[str, Any] | None) -> list[str]:
    steps = json.loads(ds.attrs["run"])["steps"]
    out = []
    sub = [r for r in rows if r["batch_size"] < r["n"]]
    full = [r for r in rows if r["batch_size"] == r["n"]]
    for label, group in (("b < n", sub), ("b = n", full)):
        if group:
            lo = min(group, key=lambda r: r["p"])
            hi = max(group, key=lambda r: r["p"])
            k = sum(r["one_sparse"] for r in group)
            m = sum(r["runs"] for r in group)
            out.append(f"phase ({label}): P(1-sparse by T={steps}) = {k}/{m} pooled; per cell "
                       f"from {lo['p']:.2f} (b/n={lo['b_over_n']:.3g}, eta={lo['step_size']:g})"
                       f" to {hi['p']:.2f} (b/n={hi['b_over_n']:.3g}, "
                       f"eta={hi['step_size']:g})")
    diverged = sum(r["diverged"] for r in rows)
    if diverged:
        out.append(f"divergence: {diverged} runs diverged (|w| past divergence_bound; "
                   "step sizes past the stability bound and large starts are run: divergence "
                   "is data)")
    for f in fits:
        pred = f["predicted_exponent"]
        verdict = "" if f["agrees"] is None else (" (agrees)" if f["agrees"]
                                                  else " (does not agree)")
        ln = f["lognormal"]
        check = "" if ln is None else (
            f"; censored log-normal fit over all {ln['runs']} runs: {ln['exponent']:.2f} "
            f"[{ln['ci'][0]:.2f}, {ln['ci'][1]:.2f}] against {ln['predicted_exponent']:.2f}"
            if ln["predicted_exponent"] is not None else "")
        out.append(f"time to sparsity: median ~ {_SYMBOLS[f['key']]}^{f['exponent']:.2f} "
                   f"[{f['ci'][0]:.2f}, {f['ci'][1]:.2f}] over {f['cells_used']} cells "
                   f"({f['runs']} runs, {f['censored']} not escaped by T); "
                   + (f"1/variance_scale predicts {_SYMBOLS[f['key']]}^{pred:.2f}{verdict}"
                      if pred is not None else "no prediction (the cells do not vary in "
                      "this key within a setting)") + check)
    if law is not None:
        out.append(f"winner law ({law['runs']} runs): best k = {law['best_k']:g} "
                   f"(95% profile interval on the grid {law['k_interval_on_grid']}); "
                   f"uniform over the active set: LR p = {law['uniform_test']['p_value']:.3g}"
                   f"; proportional to m_j(0): p = {law['proportional_test']['p_value']:.3g}")
    return out


def plot_sweep(out: str | os.PathLike[str], argv: list[str] | None = None) -> dict[str, Any]:
    """Draw the figures of the sweep in ``out`` and return (and write) its findings."""
    from numerics.io import atomic_write

    from .collect import collect

    ds = collect(out)
    figures = Path(out) / "figures"
    figures.mkdir(exist_ok=True)
    rows = phase_table(ds)
    fits = time_to_sparsity(ds)
    law = winner_law(ds)
    bounds = claim_boundaries(ds)
    _phase(rows, ds, figures / "phase.png", argv)
    _claims(bounds, ds, figures / "claims.png", argv)
    _scaling(fits, ds, figures / "time_to_sparsity.png", argv)
    _winner(law, ds, figures / "winner_law.png", argv)
    findings = {"config_digest": ds.attrs["config_digest"], "phase": rows,
                "time_to_sparsity": fits, "winner_law": law, "claim_boundaries": bounds,
                "lines": _lines(ds, rows, fits, law) + _claim_lines(bounds)}
    from proofs_check.result import jsonable

    atomic_write(figures / "findings.json", json.dumps(jsonable(findings), indent=1) + "\n")
    return findings
