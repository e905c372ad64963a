"""The verification side of aesgd: claims, their independent routes, verdicts and the report.

Public API (loaded lazily, PEP 562, so that the command line starts without SymPy):

>>> from proofs_check import Budget, run_claims
>>> from proofs_check.claims import claims
>>> [o.status for o in run_claims([c for c in claims() if c.id == "minima.value"], Budget())]
['pass']

``proofs_check.claims`` (the registry: ``claims()``, ``mutants()``), ``proofs_check.oracles``
(the check bodies) and ``proofs_check.report`` (``write_report``) are subpackages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from . import claims
    from .registry import Check, Claim, ClaimOutcome, Mutant, Variant, run_claims, run_mutants
    from .report import write_report
    from .result import CheckResult
    from .stats import Budget

__all__ = [
    "Budget",
    "Check",
    "CheckResult",
    "Claim",
    "ClaimOutcome",
    "Mutant",
    "Variant",
    "claims",
    "run_claims",
    "run_mutants",
    "write_report",
]


def __getattr__(name: str) -> Any:
    """PEP 562: import the submodule that defines ``name`` on first use (``claims`` is the
    subpackage; its function is ``proofs_check.claims.claims``)."""
    match name:
        case ("Check" | "Claim" | "ClaimOutcome" | "Mutant" | "Variant" | "run_claims"
              | "run_mutants"):
            from . import registry

            return getattr(registry, name)
        case "write_report":
            from . import report

            return getattr(report, name)
        case "CheckResult":
            from . import result

            return getattr(result, name)
        case "Budget":
            from . import stats

            return getattr(stats, name)
        case _:
            raise AttributeError(f"module 'proofs_check' has no attribute {name!r}")

def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
