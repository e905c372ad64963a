"""Small constructors for the wiring modules: a route, a wrong library, a derived claim."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from theory.catalogue import by_id
from theory.conventions import LINEAR, RELU, RELU1, Conventions

from ..registry import Check, CheckFn, Claim, Variant
from ..result import CheckResult

__all__ = ["ALL", "BOTH", "ENGINE", "check", "derived", "evidence", "returning", "transformed",
           "variant", "wrapped"]

ALL: tuple[Conventions, ...] = (LINEAR, RELU, RELU1)
"""The three conventions every entry that depends on them is checked under."""
BOTH: tuple[Conventions, ...] = (LINEAR, RELU)
ENGINE: tuple[str, ...] = ("SGD engine", "metrics", "gradient derivations",
                           "model derivations", "stationary points")
"""What a run of the library's SGD relies on: the engines and schedules, the metrics, and
the derivations they evaluate (the gradient, the loss and its minimum value)."""


def check(fn: CheckFn, oracle: str, title: str, *, relies_on: Sequence[str] = (),
          independent: bool = False, each: Sequence[Conventions] | None = None,
          statistical: bool = False, variants: Sequence[Variant] = (), **params: Any) -> Check:
    """A route: the oracle function ``fn`` with the keyword arguments ``params``; what its
    reference relies on, and whether it is independent of the formula under test."""
    return Check(fn, oracle, title, tuple(params.items()),
                 None if each is None else tuple(each), statistical, tuple(variants),
                 tuple(relies_on), independent)


def variant(id: str, claim: str, description: str, target: str,
            replace: Callable[[Any], Any]) -> Variant:
    """A wrong library: ``target`` replaced by ``replace(original)``; ``claim`` must fail."""
    return Variant(id, claim, description, target, replace)


def transformed(change: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A replacement that returns ``change(original(...))`` (same arguments)."""

    def replace(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrong(*args: Any, **kwargs: Any) -> Any:
            return change(original(*args, **kwargs))

        return wrong

    return replace


def returning(make: Callable[..., Any]) -> Callable[[Any], Any]:
    """A replacement that ignores the original and returns ``make(*args, **kwargs)``."""

    def replace(original: Callable[..., Any]) -> Callable[..., Any]:
        return make

    return replace


def wrapped(make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[[Any], Any]:
    """A replacement built from the original by ``make`` (for methods and argument edits)."""
    return make


def derived(cid: str, checks: Sequence[Check], *, subject: Sequence[Callable[..., Any]],
            caveat: str = "", key: Callable[[list[CheckResult]], str] | None = None) -> Claim:
    """A claim whose statement, LaTeX, provenance and conventions come from the catalogue;
    ``subject`` are the library functions that derive it (the formula under test; a class
    stands for all its methods)."""
    entry = by_id(cid, RELU)
    return Claim(cid, entry.title, entry.statement, entry.latex, entry.provenance,
                 entry.tags, tuple(checks), entry.supports, caveat, key, tuple(subject))


def evidence(results: list[CheckResult], idx: int, *path: str) -> Any:
    """results[idx].evidence[path[0]][path[1]]..., for the key numbers of the table."""
    obj: Any = results[idx].evidence
    for p in path:
        obj = obj[p]
    return obj
