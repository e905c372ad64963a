"""Small constructors for the wiring modules: a check, a wrong variant, a derived claim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from theory.catalogue import by_id
from theory.conventions import Conventions

from ..registry import Check, CheckFn, Claim, Variant
from ..result import CheckResult

__all__ = ["check", "derived", "evidence", "variant"]


def check(fn: CheckFn, oracle: str, title: str, *, each: Sequence[Conventions] | None = None,
          statistical: bool = False, variants: Sequence[Variant] = (), **params: Any) -> Check:
    """A route: the oracle function ``fn`` with the keyword arguments ``params``."""
    return Check(fn, oracle, title, tuple(params.items()),
                 None if each is None else tuple(each), statistical, tuple(variants))


def variant(id: str, claim: str, description: str, fn: CheckFn | None = None,
            **params: Any) -> Variant:
    """A wrong variant of the check it is declared in: ``params`` replace some of the
    check's arguments (or ``fn`` replaces the function)."""
    return Variant(id, claim, description, tuple(params.items()), fn)


def derived(cid: str, checks: Sequence[Check], *, caveat: str = "",
            key: Callable[[list[CheckResult]], str] | None = None) -> Claim:
    """A claim whose statement, LaTeX, provenance and conventions come from the catalogue."""
    entry = by_id(cid)
    return Claim(cid, entry.title, entry.statement, entry.latex, entry.provenance,
                 entry.tags, tuple(checks), entry.supports, caveat, key)


def evidence(results: list[CheckResult], idx: int, *path: str) -> Any:
    """results[idx].evidence[path[0]][path[1]]..., for the key numbers of the table."""
    obj: Any = results[idx].evidence
    for p in path:
        obj = obj[p]
    return obj
