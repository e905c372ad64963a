"""Claims of one's own in ``aesgd verify``: load them, hold them to the registry's rules,
run them with their routes traced.

A user writes claims (:class:`proofs_check.registry.Claim`, built with
:func:`proofs_check.claims._build.check` or :class:`proofs_check.registry.Check`) in a
Python file or module with a function ``claims()`` returning them (or a list
``CLAIMS``), and runs them with ``aesgd verify --claims-from PATH_OR_MODULE`` or
:func:`run_user_claims`.  This is the one place the library imports user code, and only on
the user's explicit request: a path ending in ``.py`` is executed as a module; otherwise
the name is imported with the current directory first on the search path.

The rules are the registry's (:mod:`proofs_check.independence`): every claim has an id
not used by a built-in claim, a ``subject`` (the library functions, or the user's own,
that derive the formula under test), routes of at least two oracle kinds, and at least one
route declared independent.  When the claims run, every route runs under the tracer: a
route that never calls the subject fails, and so does an independent route that runs
library code the subject also uses; both say why in the route's detail.  Statistical
routes share the family-wise level with the built-in ones.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from theory.domain import DomainError

from .registry import Claim, ClaimOutcome
from .result import CheckResult
from .stats import Budget

__all__ = ["load_claims", "run_user_claims", "validate_claims"]


def _import(spec: str) -> Any:
    """The module named by ``spec`` (a .py path, or a module name with the current
    directory first on sys.path)."""
    if spec.endswith(".py"):
        path = Path(spec)
        if not path.is_file():
            raise DomainError("claims_from", spec, "an existing .py file or a module name")
        name = f"aesgd_user_claims_{abs(hash(str(path.resolve())))}"
        loader = importlib.util.spec_from_file_location(name, path)
        if loader is None or loader.loader is None:  # pragma: no cover - a .py always loads
            raise DomainError("claims_from", spec, "a Python file")
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        loader.loader.exec_module(module)
        return module
    if not spec.replace(".", "").replace("_", "").isalnum():
        raise DomainError("claims_from", spec, "a .py path or a dotted module name")
    sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(spec)
    finally:
        sys.path.pop(0)


def load_claims(spec: str) -> tuple[Claim, ...]:
    """The claims of the user module ``spec`` (its ``claims()``, or its ``CLAIMS``).

    Any exception the user code raises while importing becomes one :class:`DomainError`
    line naming ``--claims-from``.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise DomainError("claims_from", spec, "a .py path or a module name (it is empty)")
    try:
        module = _import(spec)
        source: Any = getattr(module, "claims", None)
        found = source() if callable(source) else getattr(module, "CLAIMS", None)
    except DomainError:
        raise
    except Exception as exc:  # the user's code failed: one line, not a traceback
        raise DomainError("claims_from", spec, "a module that imports cleanly (it raised "
                          f"{type(exc).__name__}: {exc})") from None
    if found is None:
        raise DomainError("claims_from", spec, "a module defining claims() or CLAIMS")
    from .variants import USER_MODULES

    if module not in USER_MODULES:
        USER_MODULES.append(module)
    return tuple(found)


def validate_claims(user: Iterable[Any], builtin_ids: Iterable[str]) -> tuple[Claim, ...]:
    """``user`` checked against the registry's rules (module doc); the first problem is a
    :class:`DomainError` naming the claim."""
    taken = set(builtin_ids)
    out: list[Claim] = []
    for claim in user:
        if not isinstance(claim, Claim):
            raise DomainError("claims_from", type(claim).__name__,
                              "a list of proofs_check.registry.Claim values")
        problem = _problem(claim, taken)
        if problem:
            raise DomainError("claims_from", claim.id, problem)
        taken.add(claim.id)
        out.append(claim)
    if not out:
        raise DomainError("claims_from", "no claims", "a module with at least one claim")
    return tuple(out)


def _problem(claim: Claim, taken: set[str]) -> str:
    if not claim.id or claim.id in taken:
        return "a claim with an id of its own (it is empty or already used)"
    if not claim.subject:
        return "a claim with a subject (the functions that derive the formula under test)"
    if len(claim.oracle_kinds()) < 2:
        return "a claim with routes of at least two oracle kinds"
    if not any(ch.independent for ch in claim.checks):
        return "a claim with at least one route declared independent"
    return ""


def statistical_count(claims: Iterable[Claim]) -> int:
    """How many statistical routes ``claims`` add to the family-wise budget."""
    return sum(ch.statistical for c in claims for ch in c.checks)


def _traced(check: Any, subject: tuple[Callable[..., Any], ...], budget: Budget
            ) -> CheckResult:
    """``check`` run once under the tracer; its result, failed when it breaks the rule."""
    from .independence import trace

    try:
        tr = trace(check, subject, budget)
    except Exception as exc:  # a crashing route is a failed route, reported as data
        return CheckResult(check.name, check.oracle, "fail", "n/a",
                           {"error": f"{type(exc).__name__}: {exc}"},
                           "the check raised an exception", title=check.title)
    result: CheckResult = tr.result
    result.name, result.title = check.name, check.title
    if tr.subject_calls == 0:
        return CheckResult(check.name, check.oracle, "fail", result.tolerance,
                           result.evidence, "the route never calls the claim's subject, so "
                           "it checks nothing of it (independence rule)", title=check.title)
    shared = sorted(tr.shared_with(tr.inside)) if check.independent else []
    if shared:
        return CheckResult(check.name, check.oracle, "fail", result.tolerance,
                           {**result.evidence, "shared_with_subject": shared},
                           "declared independent but runs library code the subject also "
                           f"uses: {', '.join(shared[:5])}", title=check.title)
    return result


def run_user_claims(claims: Iterable[Claim], budget: Budget,
                    progress: Callable[[str], None] | None = None) -> list[ClaimOutcome]:
    """Run each user claim's routes under the tracer (:func:`_traced`)."""
    out = []
    for claim in claims:
        start = time.perf_counter()
        outcome = ClaimOutcome(claim)
        outcome.results = [_traced(ch, claim.subject, budget) for ch in claim.checks]
        outcome.seconds = time.perf_counter() - start
        out.append(outcome)
        if progress is not None:
            progress(claim.id)
    return out
