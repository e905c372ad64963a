"""Statistics for simulation checks: levels fixed in advance, corrected for multiplicity.

Every statistical check in a ``verify`` run draws its level from :class:`Budget`: the
family-wise error rate ``FAMILY_ALPHA`` is split evenly (Bonferroni) over the number of
statistical checks registered, so the chance that any true claim is rejected by bad luck
is at most ``FAMILY_ALPHA``.  Random numbers are never re-drawn: every check has a fixed
seed.

>>> lo, hi = proportion_interval(50, 100, alpha=0.05)
>>> round(lo, 3), round(hi, 3)
(0.404, 0.596)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "FAMILY_ALPHA",
    "Budget",
    "mean_interval",
    "proportion_interval",
]

FAMILY_ALPHA = 0.01


@dataclass(frozen=True)
class Budget:
    """How much work a check may do and at what level its statistics are judged.

    level              ``"quick"`` or ``"full"``
    statistical_checks number of statistical checks in the run (Bonferroni divisor)
    """

    level: str = "quick"
    statistical_checks: int = 20

    @property
    def full(self) -> bool:
        return self.level == "full"

    @property
    def alpha(self) -> float:
        """Per-check level: FAMILY_ALPHA / statistical_checks (Bonferroni)."""
        return FAMILY_ALPHA / max(1, self.statistical_checks)

    def pick(self, quick: int, full: int) -> int:
        return full if self.full else quick


def proportion_interval(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion at confidence 1 - alpha."""
    if trials <= 0:
        raise ValueError(f"{trials=} must be > 0")
    ci = stats.binomtest(successes, trials).proportion_ci(1 - alpha, method="wilson")
    return float(ci.low), float(ci.high)


def mean_interval(samples: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """CLT band (mean, low, high) for the mean of i.i.d. samples at confidence 1 - alpha.

    Uses the normal quantile with the sample standard deviation; valid for the sample sizes
    used here (hundreds or more, bounded or light-tailed samples).
    """
    x = np.asarray(samples, dtype=float)
    if x.size < 2:
        raise ValueError("need at least two samples")
    mean = float(x.mean())
    half = float(stats.norm.ppf(1 - alpha / 2) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half
