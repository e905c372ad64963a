"""The claim registry: every claim of SPEC section 2 and P1-P7, wired to its routes.

The wiring modules (:mod:`.model`, :mod:`.hessian`, :mod:`.walk`, :mod:`.paper`) say which
oracle functions check which claim and declare each wrong variant next to the route that
must reject it; the check bodies live in :mod:`proofs_check.oracles`.  Every claim has
routes of at least two oracle kinds, one of them independent of the formula under test
(:mod:`proofs_check.independence`), and every derived claim at least one wrong library.

>>> ids = [c.id for c in claims()]
>>> "hessian.trace_at_min" in ids and "P4" in ids
True
"""

from __future__ import annotations

from functools import cache

from ..registry import Check, Claim, Variant
from . import hessian, model, walk
from .paper import PAPER_CAVEATS, PAPER_CLAIMS, paper_claims

__all__ = ["PAPER_CAVEATS", "PAPER_CLAIMS", "checks", "claims", "mutants",
           "statistical_check_count", "variant_by_id"]


@cache
def _derived() -> tuple[Claim, ...]:
    return tuple(model.claims() + hessian.claims() + walk.claims())


@cache
def claims() -> tuple[Claim, ...]:
    """All claims: derived (SPEC section 2), walk and classical, then P1-P7."""
    derived = _derived()
    return derived + tuple(paper_claims(derived))


def checks() -> dict[str, Check]:
    """Every route of the registry by its Python name."""
    out: dict[str, Check] = {}
    for claim in claims():
        for ch in claim.checks:
            out.setdefault(ch.name, ch)
    return out


@cache
def mutants() -> tuple[Variant, ...]:
    """Every wrong library declared next to a route (each must be rejected: its claim fails
    when it is applied, see :mod:`proofs_check.variants`)."""
    return tuple(v for ch in checks().values() for v in ch.variants)


def statistical_check_count() -> int:
    """Number of distinct statistical checks (the Bonferroni divisor of a full run)."""
    return sum(ch.statistical for ch in checks().values())


def variant_by_id(variant_id: str) -> Variant:
    """The registered wrong variant ``variant_id`` (KeyError naming the known ids)."""
    for v in mutants():
        if v.id == variant_id:
            return v
    raise KeyError(f"unknown variant {variant_id!r}; one of "
                   f"{', '.join(sorted(v.id for v in mutants()))}")
