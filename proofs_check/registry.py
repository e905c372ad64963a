"""The claim registry's data model: claims, checks, wrong variants, and running them.

A :class:`Check` is one route to a claim: an oracle function of :mod:`proofs_check.oracles`
with fixed arguments, named after that function (``symbolic.hessian_coefficients``,
``simulation.check_sparse_limit(batch_size=5)``).  It declares what its reference value
rests on (``relies_on``: the library modules it calls besides the formula under test, and
the non-library ingredients) and whether it is *independent*: it shares no code with the
formula under test beyond the model's definition (checked by tracing, in the tests).
Next to it stand the wrong variants it must reject (:class:`Variant`): each replaces a
library function or constant (``target``) by a wrong one; :mod:`proofs_check.variants`
applies it in a fresh process and runs the claim, which must then fail.

A :class:`Claim` has a stable id, a statement in words and in LaTeX, a provenance
(``paper``, ``derived``, ``classical``), conventions, its ``subject`` (the library
functions that derive it: the formula under test) and routes of at least two oracle kinds,
at least one of them independent.

>>> from proofs_check.oracles import symbolic
>>> ch = Check(symbolic.hessian_coefficients, "symbolic", "Hessian coefficients")
>>> ch.name, ch.run(Budget()).status
('symbolic.hessian_coefficients', 'pass')
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
    """A wrong library: ``target`` (``"module:attribute"`` or ``"module:Class.method"``)
    replaced by ``replace(original)``.  Declared next to the route that must reject it;
    ``claim`` is the claim that must fail when it is applied.
    """

    id: str
    claim: str
    description: str
    target: str
    replace: Callable[[Any], Any]


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
    relies_on: tuple[str, ...] = ()
    independent: bool = False

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
    subject: tuple[Callable[..., Any], ...] = ()

    def oracle_kinds(self) -> set[str]:
        return {c.oracle for c in self.checks}


Mutant = Variant
"""The wrong variants are also called mutants (``aesgd verify --mutants``)."""


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
            "checks": [{**r.to_json(), "relies_on": list(ch.relies_on),
                        "independent": ch.independent}
                       for r, ch in zip(self.results, self.claim.checks, strict=True)],
        }


@dataclass
class MutantOutcome:
    """What became of a wrong variant: the status of its claim under the wrong library
    (``None`` when the run itself failed), the routes that failed and why."""

    mutant: Variant
    status: str | None
    failed_routes: tuple[str, ...] = ()
    raised: tuple[str, ...] = ()
    error: str = ""

    @property
    def rejected(self) -> bool:
        """Whether verify rejected the wrong library (its claim failed)."""
        return self.status == "fail"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.mutant.id,
            "claim": self.mutant.claim,
            "description": self.mutant.description,
            "target": self.mutant.target,
            "rejected": self.rejected,
            "status": self.status,
            "failed_routes": list(self.failed_routes),
            "raised": list(self.raised),
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


def run_mutants(mutants: Iterable[Variant], budget: Budget,
                progress: Callable[[str], None] | None = None,
                workers: int | None = None) -> list[MutantOutcome]:
    """Apply each wrong variant to the library in a fresh process and run its claim there
    (:mod:`proofs_check.variants`); ``workers`` processes at a time (default: the cores)."""
    from .variants import run_variants

    return run_variants(list(mutants), budget.level, progress, workers)
