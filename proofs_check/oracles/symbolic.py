"""Symbolic oracle: exact identities between two derivation routes (SymPy).

Each check compares a formula of :mod:`theory` with a second route, exactly: the explicit
derivation for concrete small (d, n) (polynomial identities), or the statement of SPEC
written as a SymPy expression.  Tolerance: "exact" (the simplified difference is 0).  Every
check takes the formula under test, or the expected statement, as an argument so that a
wrong variant can replace it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from theory import hessian, lamperti
from theory import walk as theory_walk
from theory.catalogue import by_id
from theory.conventions import RELU, Conventions
from theory.gradients import explicit_gradient_matches, sgd_step_matches_explicit
from theory.model import activation_patterns, explicit_matches_reduced
from theory.symbols import S, n, r

from ..result import CheckResult

__all__ = [
    "DIMENSIONS",
    "ROUTES",
    "check_explicit_routes",
    "check_expression",
    "check_sgd_step",
    "drift_monotone",
    "hessian_coefficients",
    "lamperti_criterion",
    "lamperti_expected",
    "spec_statement",
]

DIMENSIONS: tuple[tuple[int, int], ...] = ((1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3))


def _status(ok: bool) -> str:
    return "pass" if ok else "fail"


def check_explicit_routes(
    route: str,
    conventions: Conventions,
    dims: Sequence[tuple[int, int]] = DIMENSIONS,
) -> CheckResult:
    """Run ``ROUTES[route](d, n, conventions)`` for each (d, n): the library's closed form
    against the derivative of the explicit polynomial loss; pass iff all are identities."""
    name = route
    check = ROUTES[route]
    failed = [list(dn) for dn in dims if not check(dn[0], dn[1], conventions)]
    return CheckResult(
        name, "symbolic", "fail" if failed else "pass", "exact (polynomial identity)",
        {"dimensions": [list(x) for x in dims], "failed": failed,
         "conventions": list(conventions.tags())},
    )


def check_sgd_step(conventions: Conventions,
                   dims: Sequence[tuple[int, int]] = ((3, 2), (4, 3))) -> CheckResult:
    """``sgd.multiplicative``: the coordinate map vs w - gamma sum grad l_i, every batch
    and every activation pattern, exactly."""
    failed = []
    count = 0
    for d_, n_ in dims:
        for pattern in activation_patterns(n_, conventions):
            for mask in range(1, 2**n_):
                batch = [i for i in range(n_) if mask >> i & 1]
                count += 1
                if not sgd_step_matches_explicit(d_, n_, batch, conventions, pattern):
                    failed.append({"d": d_, "n": n_, "batch": batch, "pattern": list(pattern)})
    return CheckResult(
        "SGD coordinate map vs explicit step", "symbolic", "fail" if failed else "pass",
        "exact (polynomial identity)",
        {"cases": count, "failed": failed[:5], "conventions": list(conventions.tags())},
    )


def _sym(value: object) -> sp.Basic:
    """A SymPy object from SymPy objects, ints, Fractions and tuples of them (no parsing)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, tuple):
        return sp.Tuple(*(_sym(v) for v in value))
    if isinstance(value, int):
        return sp.Integer(value)
    raise TypeError(f"not a SymPy value: {value!r}")


def check_expression(name: str, actual: object, expected: object,
                     note: str = "") -> CheckResult:
    """Exact identity actual == expected (simplify of the difference is 0; tuples and
    nested tuples are compared entry by entry and must have the same shape)."""
    actual, expected = _sym(actual), _sym(expected)
    diffs = _differences(actual, expected)
    ok = diffs is not None and all(x == 0 for x in diffs)
    return CheckResult(
        name, "symbolic", _status(ok), "exact",
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


ROUTES: dict[str, Callable[..., bool]] = {
    "loss": explicit_matches_reduced,
    "gradient": explicit_gradient_matches,
    "hessian": hessian.explicit_hessian_matches,
}


def spec_statement(claim: str, expected: object, conventions: Conventions = RELU
                   ) -> CheckResult:
    """The formula ``aesgd derive`` prints for ``claim`` (the catalogue entry under
    ``conventions``) equals SPEC's statement ``expected`` exactly.

    ``expected`` is a SymPy expression (or tuple), or a function of the conventions that
    returns one (for entries whose statement depends on them).
    """
    want = expected(conventions) if callable(expected) else expected
    entry = by_id(claim, conventions)
    return check_expression(f"{claim} as derived = SPEC's statement", entry.expr, want,
                            f"conventions: {', '.join(conventions.tags())}")


def hessian_coefficients() -> CheckResult:
    """``hessian.closed_form``: the library's coefficients of I, w (Qw)^T + (Qw) w^T and Q
    are SPEC's S/n, 2/n and (r - 2)/n."""
    coef = hessian.hessian_coefficients()
    return check_expression(
        "Hessian coefficients (I, w(Qw)^T + (Qw)w^T, Q)",
        sp.Tuple(coef["identity"], coef["symmetric_outer"], coef["Q"]),
        sp.Tuple(S / n, 2 / n, (r - 2) / n))


def drift_monotone() -> CheckResult:
    """``walk.outward_drift``: f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing."""
    proof = theory_walk.f_increasing_proof()
    return CheckResult(
        "f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) is increasing", "symbolic",
        _status(bool(proof["positive"])), "exact (sign of a product of positive factors)",
        {k: str(v) for k, v in proof.items()})


LAMPERTI_GRID: tuple[float, ...] = (-1.5, -0.6, -0.5, -0.4, 0.0, 0.4, 0.5, 0.6, 1.5)
LAMPERTI_S2: tuple[float, ...] = (0.5, 1.0, 2.0)


def lamperti_expected(c: float, s2: float = 1.0) -> str:
    """SPEC section 3 for mu_1 = c/x, mu_2 = s2: the class from 2c against +-s2."""
    if 2 * c > s2:
        return "transient"
    if 2 * c < -s2:
        return "positive-recurrent"
    return "null-recurrent"


def lamperti_criterion() -> CheckResult:
    """``lamperti.criterion``: the classifier on the grid c = t s2 / 2 ... for several s2
    (mu_1 = c/x, mu_2 = s2), including both critical lines 2c = +-s2."""
    rows = []
    ok = True
    for s2 in LAMPERTI_S2:
        for t in LAMPERTI_GRID:
            c = t * s2
            mu1, mu2, x = lamperti.lamperti_family(sp.nsimplify(c), sp.nsimplify(s2))
            got = lamperti.classify_lamperti(mu1, mu2, x).classification
            ok &= got == lamperti_expected(c, s2)
            rows.append({"c": c, "s2": s2, "classification": got,
                         "expected": lamperti_expected(c, s2)})
    return CheckResult("Lamperti criterion for mu_1 = c/x, mu_2 = s2 (incl. both critical "
                       "lines)", "symbolic", _status(ok), "exact limits (SymPy)",
                       {"grid": rows})
