"""Statistics for simulation checks: levels fixed in advance, corrected for multiplicity.

Every statistical check in a ``verify`` run draws its level from :class:`Budget`: the
family-wise error rate ``FAMILY_ALPHA`` is split evenly (Bonferroni) over the number of
statistical checks registered, so the chance that any true claim is rejected by bad luck
is at most ``FAMILY_ALPHA``.  Random numbers are never re-drawn: every check has a fixed
seed.

>>> Budget("quick", statistical_checks=4).alpha
0.0025
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.domain import choice, integer

__all__ = ["FAMILY_ALPHA", "LEVELS", "Budget"]

FAMILY_ALPHA = 0.01
LEVELS: tuple[str, ...] = ("quick", "full")


@dataclass(frozen=True)
class Budget:
    """How much work a check may do and at what level its statistics are judged.

    level              ``"quick"`` or ``"full"``
    statistical_checks number of statistical checks in the run (Bonferroni divisor)
    """

    level: str = "quick"
    statistical_checks: int = 20

    def __post_init__(self) -> None:
        choice("level", self.level, LEVELS)
        integer("statistical_checks", self.statistical_checks, 0)

    @property
    def full(self) -> bool:
        return self.level == "full"

    @property
    def alpha(self) -> float:
        """Per-check level: FAMILY_ALPHA / statistical_checks (Bonferroni)."""
        return FAMILY_ALPHA / max(1, self.statistical_checks)

    def pick(self, quick: int, full: int) -> int:
        return full if self.full else quick
