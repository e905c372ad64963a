"""The figure pipeline: the numbers of the runs (:mod:`.data`), the PNGs (:mod:`.plots`)
and the captions (:mod:`.captions`), gathered into the ``figures`` records of results.json.

Each record holds the file, title, caption, the experiment runs it shows, timings and the
``data`` it was drawn from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import experiments
from . import FIGURE_TITLES, FIGURES, captions, data, plots

__all__ = ["SOURCES", "Figures", "make"]

_NUMBERS: tuple[tuple[str, str, Callable[[str], dict[str, Any]]], ...] = (
    ("sweep", "figures: batch-size sweep", data.sweep),
    ("two_d", "figures: 2-D paths", data.two_d),
    ("walk", "figures: top-gap walks", data.walk),
)
SOURCES: dict[str, tuple[str, str]] = {
    "support_vs_batch_size": ("sweep", "proofs_check.experiments.sweep, fixed_eta_sweep"),
    "alignment_vs_batch_size": ("sweep", "proofs_check.experiments.sweep"),
    "hessian_trace_vs_batch_size": ("sweep", "proofs_check.experiments.sweep"),
    "two_d_picture": ("two_d", "proofs_check.experiments.two_d"),
    "log_ratio_walk": ("walk", "proofs_check.experiments.top_gap"),
}
"""Figure -> (its numbers in :class:`Figures`.numbers, the experiment runs it shows)."""


@dataclass(frozen=True)
class Figures:
    """The figures of one report: ``numbers`` (sweep, two_d, walk), the results.json
    ``records`` by figure name, the PNG ``paths`` in :data:`FIGURES` order and ``meta``."""

    numbers: dict[str, dict[str, Any]]
    records: dict[str, dict[str, Any]]
    paths: list[Path]
    meta: dict[str, Any]

    def images(self) -> dict[str, bytes]:
        """The PNG bytes by figure name."""
        return {p.stem: p.read_bytes() for p in self.paths}


def _shown(name: str, numbers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The numbers figure ``name`` is drawn from (its ``data`` record)."""
    key = SOURCES[name][0]
    return data.sweep_view(numbers[key], name) if key == "sweep" else numbers[key]


def make(outdir: Path, level: str, progress: Callable[[str], None] | None = None) -> Figures:
    """Read the numbers off the runs of ``level``, draw the five figures into ``outdir``."""

    def say(msg: str) -> None:
        if progress is not None:
            progress(msg)

    start = time.perf_counter()
    numbers: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for key, msg, fn in _NUMBERS:
        say(msg)
        t0 = time.perf_counter()
        numbers[key] = fn(level)  # runs the experiments unless the checks already did
        seconds[key] = round(time.perf_counter() - t0, 3)
    text = captions.captions(numbers["sweep"], numbers["two_d"], numbers["walk"])
    records: dict[str, dict[str, Any]] = {}
    paths = []
    for name in FIGURES:
        say(f"figure {name}")
        t0 = time.perf_counter()
        key, runs = SOURCES[name]
        shown = _shown(name, numbers)
        paths.append(outdir / f"{name}.png")
        plots.draw(name, shown, paths[-1])
        records[name] = {"file": paths[-1].name, "title": FIGURE_TITLES[name],
                         "caption": text[name], "simulation": key, "runs": runs,
                         "simulation_seconds": seconds[key],
                         "plot_seconds": round(time.perf_counter() - t0, 3), "data": shown}
    meta = {"settings": asdict(experiments.sizes(level)), "level": level,
            "seed": experiments.ROOT, "simulation_seconds": seconds,
            "figure_seconds": round(time.perf_counter() - start, 3)}
    return Figures(numbers, records, paths, meta)
