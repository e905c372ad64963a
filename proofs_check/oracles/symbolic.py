"""Symbolic oracle: exact identities between two derivation routes (SymPy).

Each check compares the reduced, symbolic-d formula of :mod:`theory` with the explicit
derivation for concrete small (d, n), exactly (polynomial identity: tolerance "exact").
Every check accepts the formula under test as an argument so that negative controls can
pass a wrong one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from theory import hessian, stationary
from theory.gradients import (
    explicit_gradient_matches,
    sgd_step_matches_explicit,
)
from theory.model import activation_patterns, explicit_matches_reduced
from theory.symbols import Conventions

from ..result import CheckResult

__all__ = [
    "DIMENSIONS",
    "ROUTES",
    "check_explicit_routes",
    "check_expression",
    "check_sgd_step",
    "check_stationary_exhaustive",
]

DIMENSIONS: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3))


def check_explicit_routes(
    name: str,
    route: Callable[..., bool],
    conv: Conventions,
    dims: Sequence[tuple[int, int]] = DIMENSIONS,
    **override: object,
) -> CheckResult:
    """Run ``route(d, n, conv, **override)`` for each (d, n); pass iff all are identities."""
    failed = [list(dn) for dn in dims if not route(dn[0], dn[1], conv, **override)]
    return CheckResult(
        name, "symbolic", "fail" if failed else "pass", "exact (polynomial identity)",
        {"dimensions": [list(x) for x in dims], "failed": failed,
         "conventions": list(conv.tags())},
    )


def check_sgd_step(conv: Conventions, dims: Sequence[tuple[int, int]] = ((3, 2), (4, 3)),
                   step_map: dict[str, sp.Expr] | None = None) -> CheckResult:
    """``sgd.multiplicative``: the coordinate map vs w - gamma sum grad l_i, every batch
    and every activation pattern, exactly."""
    failed = []
    count = 0
    for d_, n_ in dims:
        for pattern in activation_patterns(n_, conv):
            for mask in range(1, 2**n_):
                batch = [i for i in range(n_) if mask >> i & 1]
                count += 1
                if not sgd_step_matches_explicit(d_, n_, batch, conv, pattern, step_map):
                    failed.append({"d": d_, "n": n_, "batch": batch, "pattern": list(pattern)})
    return CheckResult(
        "SGD coordinate map vs explicit step", "symbolic", "fail" if failed else "pass",
        "exact (polynomial identity)",
        {"cases": count, "failed": failed[:5], "conventions": list(conv.tags())},
    )


def check_expression(name: str, actual: sp.Expr, expected: sp.Expr,
                     note: str = "") -> CheckResult:
    """Exact identity actual == expected (simplify of the difference is 0; tuples and
    nested tuples are compared entry by entry and must have the same shape)."""
    diffs = _differences(sp.sympify(actual), sp.sympify(expected))
    ok = diffs is not None and all(x == 0 for x in diffs)
    return CheckResult(
        name, "symbolic", "pass" if ok else "fail", "exact",
        {"actual": str(actual), "expected": str(expected),
         "difference": "shape mismatch" if diffs is None else str(diffs)}, note,
    )


def _differences(actual: sp.Basic, expected: sp.Basic) -> list[sp.Expr] | None:
    if isinstance(actual, sp.Tuple) or isinstance(expected, sp.Tuple):
        if not (isinstance(actual, sp.Tuple) and isinstance(expected, sp.Tuple)):
            return None
        if len(actual) != len(expected):
            return None
        out: list[sp.Expr] = []
        for x, y in zip(actual, expected, strict=True):
            sub = _differences(x, y)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [sp.simplify(actual - expected)]


def check_stationary_exhaustive(
    conv: Conventions, dims: Sequence[tuple[int, int]] = ((2, 2), (3, 2)),
    expected_min: sp.Expr | None = None,
) -> CheckResult:
    """``minima.set`` / ``stationary.other`` over every activation pattern (small d, n)."""
    rows = []
    bad = 0
    for d_, n_ in dims:
        em = None if expected_min is None else sp.sympify(expected_min).subs("n", n_)
        found = stationary.exhaustive_check(d_, n_, conv, expected_min=em)
        bad += len(found["other"])
        rows.append({"d": d_, "n": n_, "minima": found["minimum"], "dead": found["dead"],
                     "other": len(found["other"])})
    return CheckResult(
        "stationary points over all activation patterns", "exact-enumeration",
        "fail" if bad else "pass", "exact (SymPy solve of the polynomial system per pattern)",
        {"cases": rows, "conventions": list(conv.tags())},
        "every solution of grad L = 0 is a global minimum (S = r = 1) or has S = 0",
    )


ROUTES: dict[str, Callable[..., bool]] = {
    "loss": explicit_matches_reduced,
    "gradient": explicit_gradient_matches,
    "hessian": hessian.explicit_hessian_matches,
}
