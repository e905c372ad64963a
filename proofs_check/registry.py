"""The claim registry's data model: claims, checks, wrong variants, and running them.

A :class:`Check` is one route to a claim: an oracle function of :mod:`proofs_check.oracles`
with fixed arguments, named after that function (``symbolic.minimum_value``,
``simulation.check_sparse_limit(batch_size=5)``), with the wrong variants it must reject
declared next to it (:class:`Variant`).  A :class:`Claim` has a stable id, a statement in
words and in LaTeX, a provenance (``paper``, ``derived``, ``classical``), conventions and
checks of at least two oracle kinds.  A :class:`Mutant` is a variant ready to run (its
check must return ``fail``).

>>> from proofs_check.oracles import symbolic
>>> ch = Check(symbolic.minimum_value, "symbolic", "minimum value")
>>> ch.name, ch.run(Budget()).status
('symbolic.minimum_value', 'pass')
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from theory.conventions import Conventions

from .result import ORACLES, CheckResult, combine
from .stats import Budget

__all__ = ["Check", "Claim", "ClaimOutcome", "Mutant", "MutantOutcome", "Variant",
           "run_claims", "run_mutants"]

CheckFn = Callable[..., CheckResult]


def _show(value: Any) -> str:
    if isinstance(value, Conventions):
        return value.activation + (f"'{value.relu_prime_at_zero}" if value.is_relu and
                                   value.relu_prime_at_zero else "")
    if callable(value):
        return getattr(value, "__name__", "fn")
    return repr(value)


def _python_name(fn: CheckFn, params: tuple[tuple[str, Any], ...]) -> str:
    module = fn.__module__.rsplit(".", 1)[-1]
    args = ", ".join(f"{k}={_show(v)}" for k, v in params)
    return f"{module}.{fn.__name__}" + (f"({args})" if args else "")


def _takes_budget(fn: CheckFn) -> bool:
    return "budget" in inspect.signature(fn).parameters


def _call(fn: CheckFn, params: dict[str, Any], budget: Budget,
          each: tuple[Conventions, ...] | None, name: str, oracle: str) -> CheckResult:
    """fn(**params) (with the budget when fn takes one), under each conventions if given."""
    kwargs = dict(params, budget=budget) if _takes_budget(fn) else dict(params)
    if each is None:
        return fn(**kwargs)
    parts = [fn(**kwargs, conventions=c) for c in each]
    status = combine(parts)
    return CheckResult(name, oracle, status, parts[0].tolerance,
                       {c.activation: p.evidence for c, p in zip(each, parts, strict=True)})


@dataclass(frozen=True)
class Variant:
    """A wrong variant of a check, declared next to it: the same oracle function with some
    arguments replaced (``params``), or another function (``fn``); it must fail.

    ``claim`` is the claim whose statement the variant contradicts.
    """

    id: str
    claim: str
    description: str
    params: tuple[tuple[str, Any], ...] = ()
    fn: CheckFn | None = None


@dataclass(frozen=True)
class Check:
    """One route to a claim: ``fn`` of an oracle module with the arguments ``params``.

    ``each`` runs the function once per conventions (passed as ``conventions=``) and
    passes iff every run passes.  ``statistical`` marks checks whose verdict is a test at
    level ``budget.alpha``.
    """

    fn: CheckFn
    oracle: str
    title: str
    params: tuple[tuple[str, Any], ...] = ()
    each: tuple[Conventions, ...] | None = None
    statistical: bool = False
    variants: tuple[Variant, ...] = ()

    def __post_init__(self) -> None:
        if self.oracle not in ORACLES:
            raise ValueError(f"oracle={self.oracle!r} must be one of {ORACLES}")

    @property
    def name(self) -> str:
        """The Python name of the route: ``<oracle module>.<function>(<arguments>)``."""
        name = _python_name(self.fn, self.params)
        if self.each is not None:
            name += "[" + ", ".join(_show(c) for c in self.each) + "]"
        return name

    def run(self, budget: Budget) -> CheckResult:
        result = _call(self.fn, dict(self.params), budget, self.each, self.name, self.oracle)
        result.name = self.name
        result.title = self.title
        return result

    def mutant(self, variant: Variant) -> Mutant:
        """The variant as a runnable :class:`Mutant` (same arguments, some replaced)."""
        fn = self.fn if variant.fn is None else variant.fn
        params = dict(self.params) if variant.fn is None else {}
        params.update(variant.params)
        each = self.each if variant.fn is None and "conventions" not in params else None

        def run(budget: Budget) -> CheckResult:
            return _call(fn, params, budget, each, variant.id, self.oracle)

        return Mutant(variant.id, variant.claim, variant.description, run)


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
    """A wrong variant ready to run: ``fn(budget)`` must return a failing result."""

    id: str
    claim: str
    description: str
    fn: Callable[[Budget], CheckResult]


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
        result = check.run(budget)
    except Exception as exc:  # a crashing check is a failed check, reported as data
        result = CheckResult(check.name, check.oracle, "fail", "n/a",
                             {"error": f"{type(exc).__name__}: {exc}"},
                             "the check raised an exception", title=check.title)
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
