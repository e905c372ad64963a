"""Intervals for simulation results, in one place: Wilson for proportions, CLT for means.

Both take the confidence level (e.g. 0.95); a check at level alpha passes ``1 - alpha``.

>>> lo, hi = wilson_interval(50, 100)
>>> round(lo, 4), round(hi, 4)
(0.4038, 0.5962)
>>> mean, lo, hi = mean_interval([0.0, 1.0, 2.0, 3.0], 0.95)
>>> mean, round(hi - mean, 4)
(1.5, 1.2652)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from theory.domain import integer, real

__all__ = ["mean_interval", "normal_quantile", "wilson_interval"]


def _confidence(confidence: object) -> float:
    return real("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True,
                what="a number in (0, 1)")


def wilson_interval(successes: int, trials: int, confidence: float = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``scipy.stats.binomtest``)."""
    trials = integer("trials", trials, 1)
    successes = integer("successes", successes, 0, trials)
    ci = stats.binomtest(successes, trials).proportion_ci(_confidence(confidence),
                                                         method="wilson")
    return float(ci.low), float(ci.high)


def normal_quantile(confidence: float) -> float:
    """z with P(|Z| <= z) = confidence for a standard normal Z."""
    return float(stats.norm.ppf(0.5 + _confidence(confidence) / 2))


def mean_interval(samples: Any, confidence: float = 0.95) -> tuple[float, float, float]:
    """CLT band (mean, low, high) for the mean of i.i.d. samples.

    Uses the normal quantile with the sample standard deviation; valid for the sample sizes
    used here (tens or more, bounded or light-tailed samples).
    """
    x = np.asarray(samples, dtype=float)
    integer("samples", x.size, 2, what="at least two samples")
    mean = float(x.mean())
    half = normal_quantile(confidence) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half
