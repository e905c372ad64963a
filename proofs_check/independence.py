"""The independence rule, and the tracer that enforces it.

**The rule.**  Every claim has at least two routes, and at least one of them is
*independent*: apart from the formula under test (the claim's ``subject``: the library
functions that derive it) it calls no library code that the formula itself uses, beyond
the model's definition and the infrastructure (conventions, validation, seeding, the
compiler, intervals).  Its reference value comes from elsewhere: the loss written from its
definition, 50-digit differences, an enumeration, a simulation, SymPy's own solvers.
Every route says what its reference relies on (``relies_on``: the library components of
:data:`COMPONENTS` it calls besides the subject, and plain-words ingredients such as
"loss definition"), and a route that calls no library code at all is not a route.

**The tracer.**  :func:`trace` runs one route with every cache of the package cleared, a
profile hook recording every library function that runs, and a recording shim around every
cached library function (so that a cache hit is seen, with everything the cached
function ran when it was computed).  Calls made while a subject
function runs are the subject's *closure*; the others are the route's own.  The numeric
formulas are built from the live theory while a route is traced
(:func:`numerics.formulas.derive_from_theory`, the same bits as the generated table), so
a route that evaluates a formula through :mod:`numerics.formulas` is seen calling the
theory functions it comes from.  The test suite
(tests/proofs_check/test_route_independence.py) traces every route and checks each
declaration: an independent route calls the subject and shares nothing with the closure,
and every component a route uses is in its ``relies_on``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from numerics.formulas import derive_from_theory

from .registry import Check
from .stats import Budget
from .variants import _package_modules, _rebind, clear_caches

__all__ = ["COMPONENTS", "INFRASTRUCTURE", "MODEL_DEFINITION", "RouteTrace", "component_of",
           "trace"]

MODEL_DEFINITION: frozenset[str] = frozenset({
    "theory.model.weight_vector", "theory.model.region_sigma",
    "theory.model.activation_patterns", "theory.model.explicit_per_sample_loss",
    "theory.model.explicit_loss",
})
"""The model's definition (the explicit polynomial loss of concrete d, n): shared freely."""

INFRASTRUCTURE: tuple[str, ...] = (
    "theory.conventions", "theory.domain", "theory.symbols", "theory.compile",
    "numerics.compile", "numerics._numpy_namespace", "numerics._formulas_gen",
    "numerics.config", "numerics.rng", "numerics.stats", "numerics.resources", "numerics.io",
)
"""Modules every route may use: the conventions value, validation, seeding, evaluation,
the resource guard and file handling."""

LAZY_ACCESS: frozenset[str] = frozenset({"theory.__getattr__", "numerics.__getattr__"})
"""The packages' lazy attribute access (``numerics.simulate`` loads ``numerics.sgd``)."""

COMPONENTS: dict[str, tuple[str, ...]] = {
    "SGD engine": ("numerics.sgd", "numerics._engines", "numerics._kernel_numba",
                   "numerics.schedules", "numerics.steps", "numerics.result",
                   "numerics.data"),
    "metrics": ("numerics.metrics", "numerics.formulas"),
    "Hessian estimators": ("numerics.hessian",),
    "random walks": ("numerics.random_walk", "numerics.sgd_walk"),
    "catalogue": ("theory.catalogue", "theory.latex"),
    "model derivations": ("theory.model",),
    "gradient derivations": ("theory.gradients",),
    "stationary points": ("theory.stationary",),
    "Hessian derivations": ("theory.hessian",),
    "dynamics derivations": ("theory.dynamics",),
    "walk derivations": ("theory.walk",),
    "Lamperti classifier": ("theory.lamperti",),
}
"""The library, in the components a route declares it relies on."""


def component_of(name: str) -> str | None:
    """The component holding the library function ``name`` (None: infrastructure/model).

    >>> component_of("theory.hessian.trace_at_min"), component_of("theory.symbols.x")
    ('Hessian derivations', None)
    >>> component_of("theory.model.explicit_loss.<locals>.<listcomp>") is None
    True
    """
    name = name.split(".<locals>", 1)[0]
    if (name in MODEL_DEFINITION or name in LAZY_ACCESS
            or name.startswith(tuple(m + "." for m in INFRASTRUCTURE))):
        return None
    for component, modules in COMPONENTS.items():
        if name.startswith(tuple(m + "." for m in modules)):
            return component
    return "other library code"


def _is_library(module: str) -> bool:
    return module.split(".")[0] in ("theory", "numerics")


@dataclass
class RouteTrace:
    """What one route ran: library functions outside and inside the subject's calls.

    ``closures`` holds, for each cached library function, everything its first (uncached)
    call ran; a later call, a cache hit, records that closure again in its own context, so
    what a route used does not depend on which route filled a cache first.
    """

    outside: set[str] = field(default_factory=set)
    inside: set[str] = field(default_factory=set)
    subject_calls: int = 0
    depth: int = 0
    closures: dict[str, set[tuple[str, bool]]] = field(default_factory=dict)
    active: list[tuple[str, int]] = field(default_factory=list)
    result: Any = None
    """What the traced run of the route returned (its :class:`CheckResult`)."""

    def record(self, name: str, under_subject: bool = False) -> None:
        """``name`` ran here (inside the subject if ``under_subject`` or a subject call is
        running); every running cached function remembers it, and whether it ran under a
        subject call made within that function."""
        (self.inside if under_subject or self.depth > 0 else self.outside).add(name)
        for running, entry_depth in self.active:
            if running != name:
                self.closures.setdefault(running, set()).add(
                    (name, under_subject or self.depth > entry_depth))

    @property
    def components(self) -> set[str]:
        """The components the route used outside the subject."""
        return {c for c in map(component_of, self.outside) if c is not None}

    def shared_with(self, closure: Iterable[str]) -> set[str]:
        """Library functions the route ran itself that the subject also uses."""
        return {n for n in self.outside & set(closure) if component_of(n) is not None}


def _qualified(func: Any) -> str:
    target = getattr(func, "__wrapped__", func)
    return f"{target.__module__}.{target.__qualname__}"


def _shims(tr: RouteTrace, subject_ids: set[int]) -> list[tuple[Any, Any]]:
    """Recording wrappers around every cached library function: (original, shim) pairs."""
    pairs: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    for module in _package_modules():
        if not _is_library(module.__name__):
            continue
        for value in list(vars(module).values()):
            if id(value) in seen or not callable(getattr(value, "cache_clear", None)):
                continue
            if not hasattr(value, "__wrapped__") or value.__module__ != module.__name__:
                continue
            seen.add(id(value))
            pairs.append((value, _shim(value, tr, id(value) in subject_ids)))
    return pairs


def _shim(cached: Callable[..., Any], tr: RouteTrace, is_subject: bool) -> Callable[..., Any]:
    name = _qualified(cached)

    def shim(*args: Any, **kwargs: Any) -> Any:
        tr.subject_calls += is_subject
        tr.depth += is_subject
        tr.record(name)  # a subject counts as inside its own closure
        tr.active.append((name, tr.depth))
        try:
            return cached(*args, **kwargs)
        finally:
            tr.active.pop()
            for inner, under_subject in list(tr.closures.get(name, ())):
                tr.record(inner, under_subject)
            tr.depth -= is_subject

    shim.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return shim


def _code(member: Any) -> Any:
    """The code object of a function, static/class method or property getter, else None."""
    target = getattr(member, "__func__", None) or getattr(member, "fget", None) or member
    return getattr(target, "__code__", None)


def trace(check: Check, subject: Iterable[Callable[..., Any]], budget: Budget) -> RouteTrace:
    """Run ``check`` once, recording the library functions it runs (see the module doc)."""
    subject = list(subject)
    tr = RouteTrace()
    cached_ids = {id(f) for f in subject if hasattr(f, "cache_clear")}
    plain = {getattr(f, "__code__", None) for f in subject if id(f) not in cached_ids}
    for cls in (f for f in subject if isinstance(f, type)):  # a class: all its methods
        plain |= {_code(v) for v in vars(cls).values()} - {None}
    shims = _shims(tr, cached_ids)

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        code = frame.f_code
        if code in plain:  # a subject may be the user's own function (user claims)
            if event == "call":
                tr.subject_calls += 1
                tr.depth += 1
            elif event == "return":
                tr.depth -= 1
        module = frame.f_globals.get("__name__", "")
        if event == "call" and _is_library(module):
            tr.record(f"{module}.{code.co_qualname}")

    live = derive_from_theory(True)  # the formulas' theory functions run and are seen
    clear_caches()
    for original, shim in shims:
        _rebind(original, shim)
    sys.setprofile(hook)
    try:
        tr.result = check.run(budget)
    finally:
        sys.setprofile(None)
        for original, shim in shims:
            _rebind(shim, original)
        derive_from_theory(live)
        clear_caches()
    return tr
