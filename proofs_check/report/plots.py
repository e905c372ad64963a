"""Drawing the five figures with matplotlib (Agg backend), from the numbers of :mod:`.data`.

Every figure is drawn from its JSON record alone (the ``data`` entry of results.json), and
saved without the ``Software`` metadata, so the same runs give the same PNG bytes.
matplotlib is imported when a figure is drawn, not when this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .data import loss_grid

__all__ = ["PLOTS", "draw"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_DPI = 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(height: float = 4.2) -> tuple[Any, Any]:
    fig, ax = _pyplot().subplots(figsize=(6.4, height), layout="constrained")
    return fig, ax


def _finish(fig: Any, ax: Any, path: Path, title: str, legend: str) -> None:
    """Title, legend, and the PNG without creator metadata (reproducible bytes)."""
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc=legend)
    fig.savefig(path, dpi=_DPI, metadata={"Software": None})
    _pyplot().close(fig)


def _col(rows: list[dict[str, Any]], *keys: str) -> np.ndarray:
    """rows[i][keys[0]][keys[1]]... as a float array."""
    out = []
    for r in rows:
        for k in keys:
            r = r[k]
        out.append(r)
    return np.asarray(out, dtype=float)


def _bars(m: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    """Error bar lengths below and above m (never negative)."""
    return [np.maximum(m - lo, 0.0), np.maximum(hi - m, 0.0)]


def _support_series(ax: Any, ax2: Any, rows: list[dict[str, Any]], dx: float, marker: str,
                    color: str, filled: bool, label: str) -> None:
    b = _col(rows, "b") + dx
    mean = _col(rows, "support", "mean")
    face = color if filled else "white"
    ax.errorbar(b, mean, yerr=_bars(mean, _col(rows, "support", "min"),
                                    _col(rows, "support", "max")),
                fmt="none", ecolor=color, alpha=0.45, capsize=3)
    ax.errorbar(b, mean, yerr=_bars(mean, _col(rows, "support", "q25"),
                                    _col(rows, "support", "q75")),
                fmt=marker, color=color, mfc=face, elinewidth=3, label=label)
    ax2.plot(b, _col(rows, "support", "fraction_one_sparse"), marker, color=color, mfc=face,
             ls="-", lw=0.8)


def support(data: dict[str, Any], path: Path) -> None:
    """Figure 1: support of the final iterate (mean, IQR, min-max) and fraction 1-sparse."""
    fig, (ax, ax2) = _pyplot().subplots(2, 1, figsize=(6.4, 6.2), layout="constrained",
                                        sharex=True, height_ratios=(3, 1.4))
    rows, fixed = data["rows"], data["fixed_eta_rows"]
    _support_series(ax, ax2, rows, 0.0, "o", _COLORS[0], True,
                    f"gamma = eta/b = {rows[0]['gamma']:g} fixed "
                    f"(b = n: GD, eta = {rows[-1]['eta']:g})")
    _support_series(ax, ax2, fixed, 0.3, "D", _COLORS[4], False,
                    f"eta = {fixed[0]['eta']:g} fixed (gamma = {fixed[0]['eta']:g}/b), b < n")
    ax.axhline(1, color="k", lw=0.8, ls=":", label="1-sparse (theory, b < n, t -> inf)")
    ax.axhline(rows[-1]["initially_positive"]["mean"], color=_COLORS[1], lw=0.8, ls="--",
               label="mean |P+| (theory, b = n)")
    ax.set_ylabel("support of the final iterate\n(mean; bars IQR and min-max)")
    ax.set_ylim(0, data["n"] + 1)
    ax2.set_ylabel("fraction 1-sparse")
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_xlabel(f"batch size b (n = {data['n']}); {rows[0]['steps']} steps for b < n")
    ax2.set_xticks(_col(rows, "b"))
    _finish(fig, ax, path, "Support of the SGD limit vs batch size "
            f"(relu, d = {data['d']}, n = {data['n']})", "upper left")


def alignment(data: dict[str, Any], path: Path) -> None:
    """Figure 2: |cos(w_inf, w_0)| with the exact bound (b < n), the exact value (b = n)
    and the two theory scales."""
    fig, ax = _axes()
    rows = data["rows"]
    b = _col(rows, "b")
    m = _col(rows, "abs_alignment", "mean")
    ax.errorbar(b, m, yerr=_bars(m, _col(rows, "abs_alignment", "q25"),
                                 _col(rows, "abs_alignment", "q75")),
                fmt="o", color=_COLORS[0], capsize=3,
                label="simulated mean |cos(w_inf, w_0)| (IQR)")
    ax.plot(b[:-1], _col(rows[:-1], "alignment_bound_b_lt_n", "mean"), "v", color=_COLORS[2],
            ms=5, label="mean max_i a_i(0)+ / ||w_0|| (bound, b < n)")
    ax.plot(b[-1:], [rows[-1]["alignment_gd_exact"]["mean"]], "s", mfc="none",
            color=_COLORS[1], ms=9, label="mean ||u|| / ||w_0|| (exact, b = n)")
    ax.axhline(data["line_full_batch_sqrt_n_over_2d"], color=_COLORS[1], ls="--", lw=1,
               label="sqrt(n / 2d): full-batch scale")
    ax.axhline(data["line_b_lt_n_sqrt_2logn_over_d"], color=_COLORS[2], ls=":", lw=1,
               label="sqrt(2 log n / d): b < n scale")
    ax.set_xticks(b)
    ax.set_ylim(0, 0.8)
    ax.set_xlabel(f"batch size b (n = {data['n']})")
    ax.set_ylabel("|cos(w_inf, w_0)|")
    _finish(fig, ax, path, "Alignment with the initialisation vs batch size "
            f"(relu, d = {data['d']})", "upper left")


def _band_bars(rows: list[dict[str, Any]], key: str) -> tuple[np.ndarray, list[np.ndarray]]:
    m = _col(rows, key, "mean")
    return m, _bars(m, _col(rows, key, "low"), _col(rows, key, "high"))


def trace(data: dict[str, Any], path: Path) -> None:
    """Figure 3: tr H at the limit point and at the raw iterate against the theory."""
    fig, ax = _axes()
    rows = data["rows"]
    b = _col(rows, "b")
    sgd_theory = rows[0]["trace_theory"]["mean"]
    ax.plot([b[0], b[-2]], [sgd_theory, sgd_theory], "k-", lw=1.2,
            label="theory (d - 1 + 4)/n, s = 1 (b < n)")
    m, err = _band_bars(rows[-1:], "trace_theory")
    ax.errorbar(b[-1:], m, yerr=err, fmt="_", color="k", ms=18, capsize=5,
                label="theory (d - |P+| + 4)/n (b = n), CLT")
    m, err = _band_bars(rows, "trace_limit")
    ax.errorbar(b + 0.25, m, yerr=err, fmt="o", color=_COLORS[0], capsize=3,
                label="simulated tr H at the limit point (mean, 95% CLT)")
    m, err = _band_bars(rows, "trace_iterate")
    ax.errorbar(b - 0.25, m, yerr=err, fmt="x", color=_COLORS[1], alpha=0.35, capsize=2,
                label="tr H at the raw final iterate")
    ax.set_xticks(b)
    ax.set_xlabel(f"batch size b (n = {data['n']})")
    ax.set_ylabel("trace of the Hessian")
    ax.set_ylim(float(np.min(_col(rows, "trace_iterate", "low"))) - 0.05,
                float(np.max(_col(rows, "trace_theory", "high"))) + 0.05)
    _finish(fig, ax, path, "Hessian trace at the minimum found vs batch size "
            f"(relu, d = {data['d']})", "center left")


def two_d(data: dict[str, Any], path: Path) -> None:
    """Figure 4: loss contours, the dead region, the arc of minima and the SGD paths."""
    from matplotlib.patches import Rectangle

    fig, ax = _pyplot().subplots(figsize=(5.6, 5.2), layout="constrained")
    lo, hi, num = data["contours"]["grid"]
    cs = ax.contour(*loss_grid(lo, hi, num), levels=data["contours"]["levels"], colors="0.7",
                    linewidths=0.7)
    ax.clabel(cs, fontsize=6, fmt="%.2f")
    ax.add_patch(Rectangle((lo, lo), -lo, -lo, color="0.85", zorder=0,
                           label="dead region (a_1, a_2 <= 0): L = 1/2, gradient 0"))
    th = np.linspace(0.0, math.pi / 2, 200)
    ax.plot(np.cos(th), np.sin(th), color="k", lw=2.2, label="global minima (unit arc)")
    full = np.array(data["full_batch"]["path"], dtype=float)
    ax.plot(full[:, 0], full[:, 1], "-", color=_COLORS[1], lw=2, label="full batch (b = 2)")
    for k, run in enumerate(data["b1"]):
        p = np.array(run["path"], dtype=float)
        ax.plot(p[:, 0], p[:, 1], "-", color=_COLORS[0], lw=0.8, alpha=0.8,
                label="b = 1 paths (different batch seeds)" if k == 0 else None)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=_COLORS[0], ms=5)
    ax.plot(full[-1, 0], full[-1, 1], "s", color=_COLORS[1], ms=6)
    ax.plot(*data["start"], "k*", ms=10, label=f"start w_0 = {tuple(data['start'])}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("w_1 = a_1")
    ax.set_ylabel("w_2 = a_2")
    _finish(fig, ax, path, "d = n = 2, relu: loss contours, minima and SGD paths",
            "lower right")


def walk(data: dict[str, Any], path: Path) -> None:
    """Figure 5: G along the drawn paths of each setting (log time, symlog G)."""
    fig, ax = _axes()
    t = np.asarray(data["times"], dtype=float) + 1.0
    for c, run in enumerate(data["runs"]):
        label = f"b = {run['b']} (eta = {run['eta']:g}, {run['schedule']})"
        for k, g in enumerate(run["G"]):
            # float() also reads the JSON record's "inf"/"nan"; G = inf (a_(2) underflowed
            # to 0) is not drawn
            y = np.array([math.nan if v is None else float(v) for v in g])
            y[~np.isfinite(y)] = math.nan
            ax.plot(t, y, color=_COLORS[c], lw=0.9, alpha=0.8, label=label if k == 0 else None)
    ax.axhline(data["escape_level"], color="0.5", ls=":", lw=0.8,
               label=f"G = {data['escape_level']:.2f} (escape level of the walk checks)")
    ax.set_ylim(bottom=0.0)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("SGD step t + 1")
    ax.set_ylabel("top gap G = log(a_(1) / a_(2))")
    _finish(fig, ax, path, "The top-gap walk: escapes for b < n, frozen for b = n "
            f"(n = {data['n']}, d = {data['d']})", "upper left")


PLOTS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "support_vs_batch_size": support,
    "alignment_vs_batch_size": alignment,
    "hessian_trace_vs_batch_size": trace,
    "two_d_picture": two_d,
    "log_ratio_walk": walk,
}
"""Figure name -> the function that draws it from its ``data`` record."""


def draw(name: str, data: dict[str, Any], path: Path) -> None:
    """Draw figure ``name`` from its numbers into the PNG file ``path``."""
    with np.errstate(under="ignore"):  # matplotlib's own transforms may underflow
        PLOTS[name](data, path)
