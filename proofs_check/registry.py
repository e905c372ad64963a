"""The claim registry's data model: claims, checks, mutants, and running them.

A :class:`Claim` has a stable id, a statement in words and in LaTeX, a provenance
(``paper``, ``derived``, ``classical``), conventions, and checks of at least two oracle
kinds.  A :class:`Mutant` is a deliberately wrong variant of a check that must be
rejected (its check must return ``fail``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .result import ORACLES, CheckResult, combine
from .stats import Budget

__all__ = ["Check", "Claim", "ClaimOutcome", "Mutant", "MutantOutcome", "run_claims",
           "run_mutants"]

CheckFn = Callable[[Budget], CheckResult]


@dataclass(frozen=True)
class Check:
    """A named check of one oracle kind; ``fn(budget)`` returns its result.

    ``statistical`` marks checks whose verdict is a test at level ``budget.alpha``.
    """

    name: str
    oracle: str
    fn: CheckFn
    statistical: bool = False

    def __post_init__(self) -> None:
        if self.oracle not in ORACLES:
            raise ValueError(f"oracle={self.oracle!r} must be one of {ORACLES}")


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    latex: str
    provenance: str
    conventions: tuple[str, ...]
    checks: tuple[Check, ...]
    supports: tuple[str, ...] = ()
    caveat: str = ""
    key: Callable[[list[CheckResult]], str] | None = None

    def oracle_kinds(self) -> set[str]:
        return {c.oracle for c in self.checks}


@dataclass(frozen=True)
class Mutant:
    """A wrong variant (perturbed constant, dropped term, other convention, ...)."""

    id: str
    claim: str
    description: str
    fn: CheckFn


@dataclass
class ClaimOutcome:
    claim: Claim
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return combine(self.results)

    def key_number(self) -> str:
        if self.claim.key is not None:
            try:
                return self.claim.key(self.results)
            except (KeyError, IndexError, TypeError, ValueError):
                return ""
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "title": self.claim.title,
            "statement": self.claim.statement,
            "latex": self.claim.latex,
            "provenance": self.claim.provenance,
            "conventions": list(self.claim.conventions),
            "supports": list(self.claim.supports),
            "caveat": self.claim.caveat,
            "status": self.status,
            "key": self.key_number(),
            "seconds": round(self.seconds, 3),
            "checks": [r.to_json() for r in self.results],
        }


@dataclass
class MutantOutcome:
    mutant: Mutant
    result: CheckResult | None
    error: str = ""

    @property
    def rejected(self) -> bool:
        return self.result is not None and self.result.status == "fail"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.mutant.id,
            "claim": self.mutant.claim,
            "description": self.mutant.description,
            "rejected": self.rejected,
            "status": None if self.result is None else self.result.status,
            "evidence": None if self.result is None else self.result.to_json()["evidence"],
            "error": self.error,
        }


def _run_check(check: Check, budget: Budget, cache: dict[str, CheckResult]) -> CheckResult:
    if check.name in cache:
        return cache[check.name]
    try:
        result = check.fn(budget)
    except Exception as exc:  # a crashing check is a failed check, reported as data
        result = CheckResult(check.name, check.oracle, "fail", "n/a",
                             {"error": f"{type(exc).__name__}: {exc}"},
                             "the check raised an exception")
    result.name = check.name
    cache[check.name] = result
    return result


def run_claims(claims: Iterable[Claim], budget: Budget,
               progress: Callable[[str], None] | None = None,
               cache: dict[str, CheckResult] | None = None) -> list[ClaimOutcome]:
    """Run every check of every claim once (shared checks are cached by name; pass the
    same ``cache`` to several calls to share results between them)."""
    cache = {} if cache is None else cache
    out = []
    for claim in claims:
        start = time.perf_counter()
        outcome = ClaimOutcome(claim)
        for check in claim.checks:
            outcome.results.append(_run_check(check, budget, cache))
        outcome.seconds = time.perf_counter() - start
        out.append(outcome)
        if progress is not None:
            progress(claim.id)
    return out


def run_mutants(mutants: Iterable[Mutant], budget: Budget,
                progress: Callable[[str], None] | None = None) -> list[MutantOutcome]:
    out = []
    for mutant in mutants:
        try:
            out.append(MutantOutcome(mutant, mutant.fn(budget)))
        except Exception as exc:  # a crash is not a rejection: it is reported
            out.append(MutantOutcome(mutant, None, f"{type(exc).__name__}: {exc}"))
        if progress is not None:
            progress(mutant.id)
    return out
